"""Speed per resident-step of two source trees of the vectorised model, measured side by side.

    .venv/bin/python benchmarks/side_by_side.py --before /tmp/govsim_before   # e.g. from `git archive`

Each measurement runs in a fresh single-threaded subprocess with the tree on PYTHONPATH; the
two trees alternate, so a machine that is busier for a while slows both alike. The best of
`--repeats` runs is kept (the least disturbed). Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time
scenario, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from model import CommunityModel
m = CommunityModel(rng=1, scenario=scenario, n_households=n, collect=False)
m.step()  # warm-up
t0 = time.perf_counter()
for _ in range(steps):
    m.step()
run = time.perf_counter() - t0
print(json.dumps({"run_s": run, "ns_per_resident_step": run / (n * steps) * 1e9}))
"""


def measure(tree: Path, scenario: str, n: int, steps: int) -> float:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", CHILD, scenario, str(n), str(steps)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["ns_per_resident_step"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, type=Path, help="source tree of the earlier version")
    ap.add_argument("--after", type=Path, default=ROOT)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    plan = [("baseline", 3_000, 260), ("baseline", 10_000, 104), ("combined", 3_000, 260), ("combined", 10_000, 104)]
    print(f"{'scenario':<10}{'households':>11}{'steps':>7}{'before ns':>11}{'after ns':>10}{'change':>9}")
    for scenario, n, steps in plan:
        best = {"before": float("inf"), "after": float("inf")}
        for _ in range(a.repeats):
            for label, tree in (("before", a.before), ("after", a.after)):
                best[label] = min(best[label], measure(tree, scenario, n, steps))
        change = best["after"] / best["before"] - 1.0
        print(f"{scenario:<10}{n:>11,}{steps:>7}{best['before']:>11.0f}{best['after']:>10.0f}{change:>+9.1%}")


if __name__ == "__main__":
    main()
