"""Rebuild the shipped CJK font subset (model/fonts/NotoSansSC-govsim.otf) from Noto Sans CJK.

Figures must render Chinese on any machine, so the project ships a small subset of Noto Sans
CJK SC (SIL Open Font License 1.1, model/fonts/OFL.txt) holding every character the project's
labels use, plus common punctuation and digits. After adding Chinese text to labels, run
(with Debian's fonts-noto-cjk installed):

    .venv/bin/python tools/subset_font.py

`tests/test_fonts.py` fails when a label uses a character the subset lacks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = ROOT / "model" / "fonts" / "NotoSansSC-govsim.otf"
EXTRA = "，。、；：？！（）《》“”‘’—…·％０１２３４５６７８９年月日周元户个次"


def used_characters() -> str:
    chars = set(EXTRA)
    for folder in ("model", "agents", "experiments", "benchmarks", "calibration", "classroom"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".toml"):
                chars.update(re.findall(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u201c-\u201d]", path.read_text("utf-8")))
    return "".join(sorted(chars))


def main() -> None:
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} not found: apt-get install fonts-noto-cjk")
    coll = TTCollection(str(SOURCE))
    index = next(i for i, f in enumerate(coll.fonts) if "SC" in f["name"].getDebugName(1))
    text = used_characters() + "".join(chr(c) for c in range(32, 127))
    opts = subset.Options()
    opts.font_number = index
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    font = subset.load_font(str(SOURCE), opts)
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(font)
    name = font["name"]
    for rec in name.names:
        if rec.nameID in (1, 4, 16):
            rec.string = "Noto Sans SC govsim"
    font.save(str(TARGET))
    print(f"wrote {TARGET} ({TARGET.stat().st_size / 1024:.0f} KiB, {len(set(text))} characters)")


if __name__ == "__main__":
    main()
