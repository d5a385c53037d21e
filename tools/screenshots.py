"""Refresh the committed classroom screenshots in results/screenshots/.

    .venv/bin/python tools/screenshots.py

Runs the browser test (tests/test_classroom_browser.py, headless Chromium: `apt-get install
chromium`) with GOVSIM_SCREENSHOTS pointing at results/screenshots/. The test command itself
writes its screenshots to a temporary folder, so running the tests never changes tracked files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    out = ROOT / "results" / "screenshots"
    env = {**os.environ, "GOVSIM_SCREENSHOTS": str(out)}
    rc = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_classroom_browser.py"], cwd=ROOT, env=env)
    if rc == 0:
        print(f"refreshed {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))
    return rc


if __name__ == "__main__":
    sys.exit(main())
