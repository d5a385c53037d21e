"""Numbers the documents quote are the shipped results' numbers.

`tools/quoted_numbers.py` computes each quoted figure from the result files (the calibration's
predictive check and posterior, the Morris ranking, the policy comparison's report) and says in
which document it must stand (and, for tables, on which row). A regenerated result that moves a
number fails here until the document says the new number.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import quoted_numbers  # noqa: E402

QUOTES = quoted_numbers.quotes()


def _doc(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_every_document_of_the_issue_is_sampled():
    docs = {q[0] for q in QUOTES}
    assert {"results/calibration/README.md", "results/sensitivity/README.md", "results/policy_comparison/README.md",
            "docs/ODD.md", "docs/classroom.md"} <= docs
    assert len(QUOTES) >= 60


@pytest.mark.parametrize("quote", QUOTES, ids=[f"{q[0]}:{q[2]}" for q in QUOTES])
def test_quoted_number_matches_the_result_files(quote):
    doc, text, source, *line = quote
    body = _doc(doc)
    if line:
        rows = [r for r in body.splitlines() if line[0] in r]
        assert rows, f"{doc}: no line holds {line[0]!r}"
        assert any(text in r for r in rows), f"{doc}: the line of {line[0]!r} should quote {text!r} ({source})"
    else:
        assert text in body, f"{doc} should quote {text!r} ({source})"


def test_a_changed_result_file_is_caught(tmp_path, monkeypatch):
    """The check is live: move one number in a copy of the result files and its quote changes."""
    import shutil

    cal = tmp_path / "calibration"
    shutil.copytree(quoted_numbers.CAL, cal, ignore=shutil.ignore_patterns("*.png", "*.csv", "fanrong_*"))
    rows = json.loads((cal / "predictive_check.json").read_text())
    for r in rows:
        if r["target"] == "fanrong_registered":
            r["sim_median"] += 7
    (cal / "predictive_check.json").write_text(json.dumps(rows))
    monkeypatch.setattr(quoted_numbers, "CAL", cal)
    moved = {q[1] for q in quoted_numbers.quotes()
             if q[2] == "predictive_check.json fanrong_registered" and q[0] == "results/calibration/README.md"}
    assert moved and not any(t in _doc("results/calibration/README.md") for t in moved)
