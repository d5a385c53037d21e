"""Refresh the committed classroom screenshots in results/screenshots/.

    .venv/bin/python tools/screenshots.py            # both
    .venv/bin/python tools/screenshots.py class      # only the participatory classroom's (class_*.png)
    .venv/bin/python tools/screenshots.py demo       # only the demo's

Runs the browser tests (tests/test_classroom_browser.py, the demo; tests/test_class_browser.py,
the participatory classroom `govsim class`: the teacher's screen and students' phones; headless
Chromium: `apt-get install chromium`) with GOVSIM_SCREENSHOTS pointing at results/screenshots/. The test command itself
writes its screenshots to a temporary folder, so running the tests never changes tracked files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


TESTS = {"demo": "tests/test_classroom_browser.py", "class": "tests/test_class_browser.py"}


def main(argv: list[str] | None = None) -> int:
    which = (sys.argv[1:] if argv is None else argv) or list(TESTS)
    if not set(which) <= set(TESTS):
        print(f"usage: tools/screenshots.py [{' | '.join(TESTS)}]", file=sys.stderr)
        return 2
    out = ROOT / "results" / "screenshots"
    env = {**os.environ, "GOVSIM_SCREENSHOTS": str(out)}
    rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          *(TESTS[w] for w in which)], cwd=ROOT, env=env)
    if rc == 0:
        print(f"refreshed {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))
    return rc


if __name__ == "__main__":
    sys.exit(main())
