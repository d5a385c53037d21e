"""Every command the READMEs show works as written.

Each `govsim ...` command in README.md and README.zh.md (code blocks and the command table) is
parsed by the real command line and the files it names must exist; the quick ones are run for
real (output folders redirected to a temporary directory). `.ci/run` runs the first command
(install, then `govsim run`) on a clean machine.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", ROOT / "README.zh.md"]
QUICK = {"scenarios", "params", "validate", "run"}  # subcommands cheap enough to run here
NEEDS_ARGUMENT = {"experiment", "report", "validate", "sensitivity", "calibrate"}


def _commands(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for line in text.splitlines():
        s = line.strip()
        # indented or fenced code lines
        m = re.match(r"^(?:\.venv/bin/)?govsim\s+(.*)$", s)
        if m and not s.startswith("|"):
            found.append(m.group(1).split("  #")[0].strip())
        # `python3 -m venv ... && ... govsim run` (the first command)
        if s.startswith("python3 -m venv") and "govsim" in s:
            found.append(s.split("govsim", 1)[1].strip())
    # inline `govsim ...` in prose and tables, unless it is a template (NAME, [--flag N], ...)
    for m in re.finditer(r"`(?:\.venv/bin/)?govsim ([^`]+)`", text):
        cmd = m.group(1).strip()
        template = re.search(r"[\[\]|<\u4e00-\u9fff]|\b[A-Z]{2,}\b|\.\.\.", cmd)
        mention = " " not in cmd and cmd in NEEDS_ARGUMENT  # "see `govsim report`" names, does not run
        if not template and not mention:
            found.append(cmd)
    return found


def _argv(cmd: str) -> list[str]:
    return shlex.split(cmd)


ALL = sorted({(p.name, c) for p in READMES for c in _commands(p)})


def test_the_readmes_show_commands():
    names = {c.split()[0] for _, c in ALL}
    assert {"run", "demo", "experiment", "report", "cycle"} <= names, names
    first = (ROOT / "README.md").read_text(encoding="utf-8").split("\n---\n")[0]
    assert "pip install -e" in first and "govsim run" in first and "pytest" in first, "the two commands lead the README"


@pytest.mark.parametrize("readme,cmd", ALL)
def test_readme_command_parses_and_its_files_exist(readme, cmd):
    from govsim.cli import parser

    argv = _argv(cmd)
    args = parser().parse_args(argv)  # argparse exits (SystemExit) on an unknown flag or subcommand
    for attr in ("file", "folder", "compounds"):
        value = getattr(args, attr, None)
        if value and not value.startswith(("results/runs",)):
            assert (ROOT / value).exists(), f"{readme}: `govsim {cmd}` names {value}, which does not exist"


@pytest.mark.parametrize("readme,cmd", [(r, c) for r, c in ALL if c.split()[0] in QUICK])
def test_quick_readme_commands_run(readme, cmd, tmp_path):
    argv = _argv(cmd)
    if argv[0] == "run":
        argv = [a for a in argv if a != "--no-figure"]
        if "--out" in argv:
            argv[argv.index("--out") + 1] = str(tmp_path / "out")
        else:
            argv += ["--out", str(tmp_path / "out")]
        if "--steps" not in argv:
            argv += ["--steps", "26"]  # as written but shorter: the full run is .ci/run's smoke test
    proc = subprocess.run([sys.executable, "-m", "govsim", *argv], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{readme}: `govsim {cmd}` failed:\n{proc.stderr[-2000:]}"
