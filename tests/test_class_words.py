"""Every event the model writes reads in Chinese and English in the debrief and the compound stories
(no English code such as "no bid" in a Chinese sentence)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LATIN = re.compile(r"[A-Za-z]")


def model_events() -> set[str]:
    found = set()
    for path in list((ROOT / "model").glob("*.py")) + list((ROOT / "agents").glob("*.py")):
        found.update(re.findall(r'_event\(\s*\w+,\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    return found


def test_the_model_writes_events():
    assert {"firm left", "firm entered", "no bid"} <= model_events()


@pytest.mark.parametrize("event", sorted(model_events()))
def test_each_event_has_words_in_both_languages(event):
    from classroom.live.debrief import _event_text
    from classroom.story import _event_sentence

    e = {"step": 9, "event": event, "value": 0.5, "why": ""}
    for text in (_event_text(e, "zh"), _event_sentence(e, "zh")):
        assert "9" in text and not LATIN.search(text), text
    for text in (_event_text(e, "en"), _event_sentence(e, "en")):
        assert "9" in text and event not in ("",) and LATIN.search(text), text
