"""Misuse of sensitivity studies and calibrations: each slip is one line naming the field, the value
and what is allowed, and loses nothing.

Found by an audit: duplicate study outputs, --analyse-only on a folder without runs, a folder or a
stray file as --db, two calibrations sharing one database, and a calibration's relative
`targets_file` read from the current folder instead of the calibration file's."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from calibration.targets import CalibrationError, load_config
from experiments.sensitivity.study import StudyError, from_dict, load
from govsim.cli import main
from test_misuse import one_line_error

ROOT = Path(__file__).resolve().parents[1]
FANRONG = ROOT / "calibration" / "fanrong.toml"
PI = 3.141592653589793


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def ishigami(outputs='["y"]', factors='["x1", "x2", "x3"]', N=8) -> str:
    return (f'name = "ish"\nmethod = "sobol"\nmodel = "experiments.sensitivity.models:ishigami"\n'
            f"outputs = {outputs}\nfactors = {factors}\nN = {N}\npoints_per_run = 64\nbootstrap = 10\n"
            f"[bounds]\nx1 = [{-PI}, {PI}]\nx2 = [{-PI}, {PI}]\nx3 = [{-PI}, {PI}]\n")


# ---------------------------------------------------------------- 1. duplicate or empty outputs

def test_duplicate_outputs_are_refused_at_load_naming_the_field_and_the_name(tmp_path, capsys):
    f = tmp_path / "st.toml"
    f.write_text(ishigami(outputs='["y", "y_squared", "y"]'))
    with pytest.raises(StudyError) as exc:
        load(f)
    assert exc.value.field == "outputs" and exc.value.value == ["y", "y_squared", "y"]
    assert "distinct names" in exc.value.allowed and "listed more than once: y)" in exc.value.allowed
    one_line_error(capsys, ["validate", str(f)], "'outputs'", "'y'", "distinct names")
    out = tmp_path / "never"
    one_line_error(capsys, ["sensitivity", str(f), "--out", str(out), "--workers", "1", "--quiet"], "'outputs'")
    assert not out.exists()


def test_empty_outputs_and_duplicate_factors_are_refused_the_same_way(tmp_path):
    f = tmp_path / "e.toml"
    f.write_text(ishigami(outputs="[]"))
    with pytest.raises(StudyError) as exc:
        load(f)
    assert exc.value.field == "outputs" and exc.value.value == [] and "non-empty" in exc.value.allowed
    with pytest.raises(StudyError) as exc:
        from_dict({"method": "sobol", "model": "experiments.sensitivity.models:ishigami", "outputs": ["y"], "N": 8,
                   "factors": ["x1", "x2", "x1"], "bounds": {"x1": [0, 1], "x2": [0, 1]}}, "st.toml")
    assert exc.value.field == "factors" and "listed more than once: x1)" in exc.value.allowed


# ---------------------------------------------------------------- 2. --analyse-only without runs

def test_analyse_only_on_a_folder_without_runs_is_one_line_and_creates_nothing(tmp_path, capsys):
    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    new = tmp_path / "new"
    one_line_error(capsys, ["sensitivity", str(f), "--out", str(new), "--analyse-only"],
                   "'--out'", str(new), "no", "without --analyse-only")
    assert not new.exists()
    stray = tmp_path / "stray"  # a folder that exists but holds something else: left as it was
    (stray / "runs").mkdir(parents=True)
    (stray / "notes.txt").write_text("mine")
    before = snapshot(stray)
    one_line_error(capsys, ["sensitivity", str(f), "--out", str(stray), "--analyse-only"], "'--out'", str(stray))
    assert snapshot(stray) == before


def test_analyse_only_on_another_studys_runs_is_refused_and_leaves_them_intact(tmp_path, capsys):
    from experiments.sensitivity.pipeline import run_study

    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    out = tmp_path / "out"
    run_study(f, out=out, workers=1, progress=False, figures=False)
    before = snapshot(out)
    other = tmp_path / "other.toml"
    other.write_text(ishigami(factors='["x1", "x2"]').replace("x3 = ", "#"))
    one_line_error(capsys, ["sensitivity", str(other), "--out", str(out), "--analyse-only", "--no-figures"],
                   "'--out'", "another study's", "x3")
    assert snapshot(out) == before
    assert main(["sensitivity", str(f), "--out", str(out), "--analyse-only", "--no-figures"]) == 0  # its own: fine


# ---------------------------------------------------------------- 3. --db: checked first, and locked

@pytest.fixture
def no_abc(monkeypatch):
    """Any ABC run would be a bug in these tests: the input or the lock must stop it first."""
    import calibration.abc

    def boom(*a, **k):
        raise AssertionError("the ABC started")

    monkeypatch.setattr(calibration.abc, "_run_abc", boom)


def foreign_sqlite(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("create table notes (x)")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.mkdir() or p, "this is a folder"),
    (lambda p: p.write_bytes(b"not a database at all") or p, "not an SQLite database"),
    (foreign_sqlite, "not pyabc's"),
])
def test_a_db_that_is_no_pyabc_database_is_one_line_before_anything_is_written(tmp_path, capsys, no_abc, make,
                                                                               reason):
    db = tmp_path / "x.db"
    make(db)
    before = snapshot(tmp_path)
    out = tmp_path / "out"
    one_line_error(capsys, ["calibrate", str(FANRONG), "--db", str(db), "--out", str(out), "--quiet"],
                   "'--db'", str(db), "a new file path or an existing pyabc database", reason)
    assert not out.exists() and snapshot(tmp_path) == before


def test_the_files_database_field_is_named_when_it_is_the_culprit(tmp_path, capsys, no_abc):
    (tmp_path / "x.db").mkdir()
    f = tmp_path / "cal.toml"
    f.write_text(FANRONG.read_text(encoding="utf-8")
                 .replace('database = "results/calibration/fanrong.db"', f'database = "{tmp_path / "x.db"}"')
                 .replace('targets_file = "calibration/targets.toml"',
                          f'targets_file = "{ROOT / "calibration" / "targets.toml"}"'), encoding="utf-8")
    one_line_error(capsys, ["calibrate", str(f), "--out", str(tmp_path / "out"), "--quiet"],
                   str(f), "'database'", str(tmp_path / "x.db"), "this is a folder")
    assert not (tmp_path / "out").exists()


def test_a_second_calibration_into_a_held_database_is_refused_naming_the_holder(tmp_path, capsys, no_abc):
    from calibration.abc import database_lock

    db = tmp_path / "shared.db"
    with database_lock(str(db), "govsim test-holder"):  # the first calibration, holding the database
        err = one_line_error(capsys, ["calibrate", str(FANRONG), "--db", str(db), "--out", str(tmp_path / "other"),
                                      "--quiet"], str(db), "in use by govsim test-holder", f"pid {os.getpid()}",
                             "--db")
    assert "--out folder" not in err
    assert not db.exists() and not Path(str(db) + ".runs.json").exists()  # the refused one wrote nothing
    assert not (tmp_path / "other").exists()  # and made no --out folder
    with database_lock(str(db), "govsim later"):  # released when the holder is done
        pass
    assert (tmp_path / f".{db.name}.govsim.lock").is_file()  # one hidden file beside the database,
    assert not Path(str(db) + ".lock").exists()  # no folder left behind


def test_the_database_lock_lets_the_blocks_own_errors_through(tmp_path):
    from calibration.abc import database_lock
    from experiments.lock import FolderLockedError, folder_lock

    with pytest.raises(FolderLockedError, match="use another --out folder"):
        with database_lock(str(tmp_path / "a.db"), "first"), folder_lock(tmp_path / "o", "x"):
            with folder_lock(tmp_path / "o", "y"):
                pass


# ---------------------------------------------------------------- 4. relative paths from the file's folder

def test_the_shipped_calibrations_validate_from_any_working_directory(tmp_path, monkeypatch, capsys):
    for where in (ROOT, tmp_path, ROOT / "calibration"):
        monkeypatch.chdir(where)
        for f in sorted((ROOT / "calibration").glob("fanrong*.toml")):
            assert main(["validate", str(f)]) == 0, (where, f, capsys.readouterr().err)
    monkeypatch.chdir(ROOT)
    assert main(["validate", "calibration/fanrong.toml"]) == 0


CHEAP_TARGETS = """
[simulation.street]
kind = "world"
scenario = "{scenario}"
households = 100
steps = 0
[target.members]
kind = "target"
value = 0.07
sd = 0.005
source = "made up for a test of where relative paths are read from"
simulation = "street"
statistic = "party_member_share"
"""

CAL = """name = "tiny"
targets_file = "{targets}"
targets = ["members"]
population_size = 10
max_generations = 1
min_epsilon = 0.0
database = "tiny.db"
out = "tinyout"
[priors]
problem_rate = {{ kind = "uniform", low = 0.003, high = 0.012 }}
"""


def test_a_relative_targets_file_and_scenario_are_read_beside_their_files(tmp_path, monkeypatch):
    here = tmp_path / "project"
    here.mkdir()
    (here / "street.toml").write_text('name = "street"\n[params]\nproblem_rate = 0.005\n')
    (here / "targets.toml").write_text(CHEAP_TARGETS.format(scenario="street.toml"))
    (here / "cal.toml").write_text(CAL.format(targets="targets.toml"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(here / "cal.toml")
    assert Path(cfg.target_set.path) == here / "targets.toml"
    assert Path(cfg.target_set.simulations["street"].scenario) == (here / "street.toml").resolve()
    monkeypatch.chdir(here)  # from the file's own folder the scenario stays as written (same digest as before)
    assert load_config(here / "cal.toml").target_set.simulations["street"].scenario == "street.toml"


def test_a_missing_targets_file_names_targets_file_not_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "cal.toml").write_text(CAL.format(targets="nothere.toml"))
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(CalibrationError) as exc:
        load_config(tmp_path / "cal.toml")
    assert exc.value.field == "targets_file" and exc.value.value == "nothere.toml"
    assert "calibration file's folder" in exc.value.allowed
    one_line_error(capsys, ["validate", str(tmp_path / "cal.toml")], "'targets_file'", "'nothere.toml'")


def test_a_studys_relative_scenario_file_is_read_beside_the_study(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text('name = "mine"\n[params]\nproblem_rate = 0.005\n')
    f = tmp_path / "st.toml"
    f.write_text('method = "morris"\noutputs = ["trap_share"]\nfactors = ["problem_rate", "fee_old"]\nN = 4\n'
                 '[model_args]\nhouseholds = 100\nsteps = 2\nscenario = "mine.toml"\n')
    monkeypatch.chdir(tmp_path.parent)
    assert Path(load(f).model_args["scenario"]) == (tmp_path / "mine.toml").resolve()
    monkeypatch.chdir(tmp_path)
    assert load(f).model_args["scenario"] == "mine.toml"


@pytest.mark.parametrize("spec", ["os:system", "math:sqrt"])
def test_a_model_that_cannot_take_params_and_seed_is_refused_at_load(spec):
    from experiments.sensitivity.study import StudyError, resolve_model

    with pytest.raises(StudyError, match="params: dict, seed: int"):
        resolve_model(spec)


@pytest.mark.parametrize("manifest", ["", "{not json", "{}"])
def test_a_study_folder_with_an_unusable_manifest_is_one_line_and_kept(tmp_path, capsys, manifest):
    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    assert main(["sensitivity", str(f), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "manifest" in err, err
    assert sorted(p.name for p in out.iterdir() if p.name != ".govsim.lock") == ["manifest.json"]  # (the lock's file)
    assert (out / "manifest.json").read_text() == manifest


def test_a_study_with_a_malformed_scheduler_address_writes_nothing(tmp_path, capsys):
    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    out = tmp_path / "out"
    assert main(["sensitivity", str(f), "--out", str(out), "--scheduler", "nosuch", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--scheduler" in err and "nosuch" in err, err
    assert not out.exists()


def test_a_study_into_an_experiments_folder_says_whose_folder_it_is(tmp_path, capsys):
    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    out = tmp_path / "exp"
    out.mkdir()
    (out / "manifest.json").write_text('{"experiment": "policy_comparison", "sha256": "abc"}')
    assert main(["sensitivity", str(f), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out" in err and "policy_comparison" in err, err


@pytest.mark.parametrize("command", [["sensitivity", "st.toml"], ["calibrate", "calibration/fanrong.toml"]])
def test_an_empty_out_is_refused_by_studies_and_calibrations(capsys, command):
    root = Path(__file__).resolve().parents[1]
    st = Path(command[1]) if command[0] == "calibrate" else None
    argv = [command[0], str(root / st) if st else command[1], "--out", ""]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out" in err, err


def test_analyse_only_waits_for_no_one_and_never_writes_beside_a_running_study(tmp_path, capsys):
    """The folder's lock held (as a running study holds it): --analyse-only is refused in one line
    and the folder's files are untouched."""
    from experiments.lock import folder_lock

    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    out = tmp_path / "out"
    assert main(["sensitivity", str(f), "--out", str(out), "--workers", "1", "--quiet", "--no-figures"]) == 0
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != ".govsim.lock"}
    with folder_lock(out, "govsim sensitivity (a run in progress)"):
        assert main(["sensitivity", str(f), "--out", str(out), "--analyse-only", "--no-figures"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "in use" in err, err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != ".govsim.lock"} == before


def test_analyse_only_beside_a_study_that_has_not_yet_written_a_part_names_the_study(tmp_path, capsys):
    """A study just started holds its folder but has no runs on disk yet: the refusal names the
    running study, not "run the study first"."""
    from experiments.lock import folder_lock

    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    out = tmp_path / "out"
    with folder_lock(out, "govsim sensitivity st.toml"):
        assert main(["sensitivity", str(f), "--out", str(out), "--analyse-only"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "in use by govsim sensitivity st.toml" in err, err


def test_a_study_with_no_point_at_two_seeds_says_the_seed_share_was_not_measured(tmp_path, capsys):
    """Without replications or [noise] runs nothing measures the seed's share: the summary says so
    in words, not as "nan"."""
    f = tmp_path / "st.toml"
    f.write_text(ishigami())
    assert main(["sensitivity", str(f), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet",
                 "--no-figures"]) == 0
    printed = capsys.readouterr().out
    assert "seed share of variance, y: not measured (no point ran at more than one seed" in printed, printed
    assert "nan" not in printed
