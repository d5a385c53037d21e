"""Saved figures: an unintended change of behaviour fails loudly (regenerate after an intended one)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from regenerate_regression import CASES, HERE, figures  # noqa: E402


@pytest.mark.parametrize("name", list(CASES))
def test_outcomes_match_saved_figures(name):
    path = HERE / f"{name}.json"
    assert path.exists(), f"{path} missing: run `.venv/bin/python tests/regenerate_regression.py`"
    saved = json.loads(path.read_text())
    now = figures(*CASES[name])
    changed = {k: (saved[k], now[k]) for k in saved if now[k] != pytest.approx(saved[k], rel=1e-9, abs=1e-12)}
    assert not changed, (f"behaviour changed (saved, now): {changed}; if intended, run "
                         "`.venv/bin/python tests/regenerate_regression.py`")
