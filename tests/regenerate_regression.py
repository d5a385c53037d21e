"""Regenerate tests/regression/*.json after an intended change of behaviour:

    .venv/bin/python tests/regenerate_regression.py
"""

import json
from pathlib import Path

from model import run
from model.outcomes import HEADLINE

CASES = {"baseline_1000_seed7": ("baseline", 1000, 7, 260), "combined_1000_seed7": ("combined", 1000, 7, 260)}
HERE = Path(__file__).parent / "regression"


def figures(scenario, households, seed, steps):
    o = run(scenario, steps=steps, seed=seed, households=households).summary["outcomes"]
    return {k: o[k] for k in HEADLINE}


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, case in CASES.items():
        (HERE / f"{name}.json").write_text(json.dumps(figures(*case), indent=2) + "\n")
        print("wrote", HERE / f"{name}.json")
