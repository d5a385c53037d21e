"""Chinese labels render on any machine: the shipped font subset covers every character used."""

import sys
from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from subset_font import TARGET, used_characters  # noqa: E402


def test_shipped_font_covers_every_chinese_character_in_the_labels():
    cmap = TTFont(str(TARGET)).getBestCmap()
    missing = sorted({c for c in used_characters() if ord(c) not in cmap})
    assert not missing, f"characters missing from {TARGET.name}: {''.join(missing)}; run tools/subset_font.py"


def test_plots_use_the_shipped_font_for_chinese():
    from model.plots import cjk_font

    assert cjk_font() == "Noto Sans SC govsim"
