"""The import graph is the architecture: the model and its agents import nothing built on top of them,
and the command line separates the user's mistakes (one line, exit 2) from govsim's bugs (traceback)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BELOW = ("model", "agents")  # the simulation itself
ABOVE = ("experiments", "calibration", "classroom", "govsim", "benchmarks", "tools", "app", "tests")


def upward_imports(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ABOVE:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    return found


@pytest.mark.parametrize("package", BELOW)
def test_the_model_imports_nothing_above_it(package):
    assert upward_imports(package) == []


def test_the_import_walk_sees_an_upward_import(tmp_path, monkeypatch):
    """The walker itself works: a planted upward import is found (a test that cannot fail is no test)."""
    pkg = tmp_path / "model"
    pkg.mkdir()
    (pkg / "x.py").write_text("import numpy\nfrom experiments.runner import run_one\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert upward_imports("model") == ["model/x.py:2 imports experiments.runner"]


def test_a_bad_parameter_is_one_line_and_exit_2(capsys):
    from govsim.cli import main

    assert main(["run", "--steps", "1", "--set", "fee_old=-3", "--no-figure"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fee_old" in err and "Traceback" not in err


def test_an_unexpected_exception_keeps_its_traceback(capsys, monkeypatch):
    import sys

    from govsim.cli import main

    def broken(*args, **kwargs):
        raise ValueError("an internal inconsistency")  # a ValueError too: not to be mistaken for bad input

    monkeypatch.setattr(sys.modules["model.run"], "run", broken)  # `model.run` is also the function
    assert main(["run", "--steps", "1"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "an internal inconsistency" in err and "bug" in err


def test_an_unwritable_output_folder_is_one_line(tmp_path, capsys):
    from govsim.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    assert main(["run", "--steps", "1", "--households", "100", "--no-figure", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and str(blocker) in err
