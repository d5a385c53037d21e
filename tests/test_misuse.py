"""govsim used carelessly or with hostile input: partial results say so, run folders are replaced
whole, resume does not depend on the working directory, and every bad input is one line and
exit status 2 (never a traceback, never a path outside the results folder)."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from experiments.runner import run_experiment
from govsim.cli import main

ROOT = Path(__file__).resolve().parents[1]

SMALL = """name = "small"
scenarios = ["baseline", "c4_workforce"]
replications = 2
steps = 8
households = 200
timeseries_every = 4
"""

DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n"


def one_line_error(capsys, argv: list[str], *words: str) -> str:
    assert main(argv) == 2, argv
    err = capsys.readouterr().err.strip()
    lines = [x for x in err.splitlines() if not x.startswith("govsim: warning:")]
    assert len(lines) == 1 and lines[0].startswith("govsim: error:") and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def experiment(tmp_path: Path, text: str = SMALL) -> tuple[Path, Path]:
    f = tmp_path / "exp.toml"
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run_experiment(f, out=out, workers=1, progress=False)
    return f, out


def drop_runs(out: Path, run_ids: set[str]) -> None:
    """Make a folder look like an unfinished experiment: those runs never happened."""
    for p in (out / "runs").glob("part-*.parquet"):
        t = pq.read_table(p).to_pandas()
        pq.write_table(__import__("pyarrow").Table.from_pandas(t[~t["run_id"].isin(run_ids)], preserve_index=False), p)


# ---------------------------------------------------------------- 2. partial results look partial

def test_a_complete_report_says_all_runs_are_in(tmp_path, capsys):
    _, out = experiment(tmp_path)
    assert main(["report", str(out)]) == 0
    assert "4 of 4 runs" in capsys.readouterr().out
    assert "4 of 4 runs" in (out / "report.md").read_text().splitlines()[2]
    assert pd.read_csv(out / "report.csv")["scenario"].nunique() == 2  # a complete CSV stays a plain table


def test_a_partial_report_says_how_many_runs_on_the_terminal_and_atop_every_file(tmp_path, capsys):
    _, out = experiment(tmp_path)
    drop_runs(out, {"baseline/1", "c4_workforce/1"})
    assert main(["report", str(out), "--lang", "en", "zh"]) == 0
    said = capsys.readouterr().out
    assert "2 of 4 runs (PARTIAL" in said, said
    assert "2 of 4 runs (PARTIAL" in (out / "report.md").read_text().splitlines()[2]
    assert "2 / 4" in (out / "report_zh.md").read_text(encoding="utf-8").splitlines()[2]
    for name in ("report.csv", "cost_effectiveness.csv"):
        first = (out / name).read_text().splitlines()[0]
        assert first.startswith("# 2 of 4 runs (PARTIAL"), (name, first)
        assert len(pd.read_csv(out / name, comment="#"))


def test_unequal_replications_refuse_paired_differences_unless_allowed(tmp_path, capsys):
    _, out = experiment(tmp_path)
    drop_runs(out, {"c4_workforce/1"})
    one_line_error(capsys, ["report", str(out)], "different numbers of finished replications", "baseline 2",
                   "c4_workforce 1", "--allow-partial")
    assert not (out / "report.md").exists()
    assert main(["report", str(out), "--allow-partial"]) == 0
    assert "3 of 4 runs (PARTIAL" in capsys.readouterr().out
    assert "c4_workforce 1/2" in (out / "report.md").read_text()


def test_a_report_on_a_damaged_part_is_one_line_saying_how_to_repair(tmp_path, capsys):
    _, out = experiment(tmp_path)
    part = sorted((out / "timeseries").glob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    one_line_error(capsys, ["report", str(out)], part.name, "damaged", "govsim experiment")


# ---------------------------------------------------------------- 4, 6. run folders are replaced whole

def run_args(out: Path, *more: str) -> list[str]:
    return ["run", "--steps", "3", "--households", "200", "--out", str(out), *more]


def test_a_second_run_replaces_the_first_whole(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(run_args(out)) == 0
    assert (out / "overview.png").exists()
    (out / ".events.csv.tmp").write_text("left by a killed save")
    assert main(run_args(out, "--no-figure", "--seed", "1")) == 0
    assert sorted(p.name for p in out.iterdir()) == ["compounds.csv", "events.csv", "summary.json", "timeseries.csv"]
    assert json.loads((out / "summary.json").read_text())["seed"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["r"], "temporary folders left beside the run"


def test_a_folder_that_is_not_a_run_is_refused_before_simulating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importlib.import_module("model.run"), "run", lambda *a, **k: pytest.fail("simulated before checking --out"))
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    one_line_error(capsys, run_args(out), "not a govsim run folder", "thesis.docx")
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_temporary_folders_of_a_killed_save_are_removed_at_the_next_run(tmp_path):
    out = tmp_path / "r"
    dead = tmp_path / ".r.govsim-tmp-999999-abcdef12"  # pid 999999 is not running
    dead.mkdir()
    (dead / "timeseries.csv").write_text("half")
    assert main(run_args(out, "--no-figure")) == 0
    assert not dead.exists()


# ---------------------------------------------------------------- 5. resume from any working directory

def test_an_unchanged_experiment_resumes_from_another_working_directory(tmp_path, monkeypatch):
    f = tmp_path / "exp.toml"
    f.write_text(SMALL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run_experiment(f, out=tmp_path / "out", workers=1, progress=False)
    monkeypatch.chdir(ROOT)
    _, skipped, finished = run_experiment(f, out=tmp_path / "out", workers=1, progress=False)
    assert (skipped, finished) == (4, 0)


# ---------------------------------------------------------------- 7. no tracebacks

@pytest.mark.parametrize("command", ["validate", "run", "experiment", "sensitivity", "calibrate"])
def test_deeply_nested_toml_is_one_line(tmp_path, capsys, command):
    f = tmp_path / "deep.toml"
    f.write_text(DEEP)
    argv = {"validate": ["validate", str(f)], "run": ["run", "--scenario", str(f), "--steps", "1"],
            "experiment": ["experiment", str(f), "--out", str(tmp_path / "o")],
            "sensitivity": ["sensitivity", str(f), "--out", str(tmp_path / "o")],
            "calibrate": ["calibrate", str(f), "--out", str(tmp_path / "o")]}[command]
    one_line_error(capsys, argv, "deep.toml", "nested")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["1e400", "-1e400", "inf", "nan"])
def test_non_finite_set_values_are_one_line(capsys, value):
    one_line_error(capsys, ["run", "--steps", "1", "--set", f"n_communities={value}"], "n_communities", "finite")


def compounds_csv(tmp_path: Path, rows: list[str], header: str = "community,type,households,compound") -> Path:
    f = tmp_path / "street.csv"
    f.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("households", ["inf", "1e400", "-inf", "nan"])
def test_non_finite_households_in_a_compounds_file_are_one_line(tmp_path, capsys, households):
    f = compounds_csv(tmp_path, ["A,old,100,C1", f"A,old,{households},C2"])
    one_line_error(capsys, ["validate", str(f)], "households", "row 3")


def test_a_compounds_file_above_the_household_limit_is_refused(tmp_path, capsys):
    f = compounds_csv(tmp_path, [f"A,old,100000,C{i}" for i in range(200)])  # 20,000,000 households
    one_line_error(capsys, ["validate", str(f)], "households", "20,000,000", "5,000,000")


def test_a_closed_pipe_is_not_an_error():
    proc = subprocess.Popen([sys.executable, "-m", "govsim", "params"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()  # `govsim params | head` once head has gone
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == 0 and err == "", err


# ---------------------------------------------------------------- 8. names cannot choose paths

@pytest.mark.parametrize("name", ["../../../escape", "/tmp/abs", "a b", "x/y", "..", "", "-rf", "=1+1"])
def test_a_scenario_name_that_is_not_an_identifier_is_refused(tmp_path, capsys, name):
    f = tmp_path / "s.toml"
    f.write_text(f'name = "{name}"\n')
    one_line_error(capsys, ["run", "--scenario", str(f), "--steps", "1"], "'name'", "letters")
    one_line_error(capsys, ["validate", str(f)], "'name'")


@pytest.mark.parametrize("name", ["../../../escape", "/tmp/abs"])
def test_experiment_and_study_names_that_are_not_identifiers_are_refused(tmp_path, capsys, name):
    f = tmp_path / "e.toml"
    f.write_text(SMALL.replace('name = "small"', f'name = "{name}"'))
    one_line_error(capsys, ["experiment", str(f), "--workers", "1"], "'name'")
    study = (ROOT / "experiments/sensitivity_ishigami.toml").read_text()
    g = tmp_path / "st.toml"
    g.write_text(study.replace('name = "sensitivity_ishigami"', f'name = "{name}"'))
    one_line_error(capsys, ["sensitivity", str(g), "--workers", "1"], "'name'")
    assert not Path("/tmp/abs").exists() and not (ROOT / "results" / name).exists()


def test_names_may_be_chinese(tmp_path):
    from model.scenarios import load_scenario

    f = tmp_path / "s.toml"
    f.write_text('name = "红色物业-2024_试点"\n', encoding="utf-8")
    assert load_scenario(str(f)).name == "红色物业-2024_试点"


# ---------------------------------------------------------------- 9. --out and --steps checked first

def test_an_unwritable_out_and_too_many_steps_fail_before_the_simulation(capsys, monkeypatch):
    monkeypatch.setattr(importlib.import_module("model.run"), "run", lambda *a, **k: pytest.fail("simulated before checking"))
    one_line_error(capsys, ["run", "--out", "/proc/x", "--steps", "10000000"], "--steps", "100,000")
    one_line_error(capsys, ["run", "--out", "/proc/x/y", "--steps", "10"], "cannot write '/proc/x'")


# ---------------------------------------------------------------- 10. no spreadsheet formulas

@pytest.mark.parametrize("row,column", [("=HYPERLINK(1),old,100,C1", "community"), ("A,old,100,+cmd", "compound"),
                                        ("A,old,100,-2+3", "compound"), ("@SUM(1),old,100,C1", "community")])
def test_names_that_a_spreadsheet_would_run_are_refused(tmp_path, capsys, row, column):
    f = compounds_csv(tmp_path, [row])
    one_line_error(capsys, ["validate", str(f)], column, "=, +, - or @")


# ---------------------------------------------------------------- 11. combinations

def test_more_communities_than_households_is_refused_naming_both(capsys):
    one_line_error(capsys, ["run", "--households", "300", "--set", "n_communities=500", "--steps", "1"],
                   "n_communities", "500", "n_households (300)")


def test_households_given_twice_is_refused(capsys):
    one_line_error(capsys, ["run", "--households", "300", "--set", "n_households=400", "--steps", "1"],
                   "--households", "n_households")


def test_with_a_compounds_file_the_files_household_count_is_printed(tmp_path, capsys):
    f = compounds_csv(tmp_path, ["A,old,120,C1", "B,commercial,80,C2"])
    assert main(["run", "--compounds", str(f), "--steps", "2", "--no-figure", "--out", str(tmp_path / "r")]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "200 households" in head, head


# ---------------------------------------------------------------- 12. warnings, bounds, files

def test_an_implausible_value_is_warned_about_once_on_the_command_line(tmp_path, capsys):
    assert main(["run", "--steps", "1", "--households", "2000", "--set", "problem_rate=0.05", "--no-figure",
                 "--out", str(tmp_path / "r")]) == 0
    warned = [x for x in capsys.readouterr().err.splitlines() if x.startswith("govsim: warning:")]
    assert len(warned) == 1 and "problem_rate = 0.05" in warned[0] and "[0.003, 0.012]" in warned[0], warned
    f = tmp_path / "e.toml"
    f.write_text(SMALL.replace("households = 200", "households = 2000") + "[params]\nproblem_rate = 0.05\n")
    assert main(["experiment", str(f), "--workers", "1", "--quiet", "--out", str(tmp_path / "o")]) == 0
    warned = [x for x in capsys.readouterr().err.splitlines() if "problem_rate" in x]
    assert len(warned) == 1, warned  # once per command, not once per run


def test_values_in_the_users_own_scenario_file_are_warned_about_and_shipped_ones_are_not(tmp_path, capsys):
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\n[params]\nlatent_fade_rate = 0.5\n')
    assert main(["run", "--scenario", str(f), "--steps", "1", "--households", "2000", "--no-figure",
                 "--out", str(tmp_path / "r")]) == 0
    warned = [x for x in capsys.readouterr().err.splitlines() if x.startswith("govsim: warning:")]
    assert len(warned) == 1 and "latent_fade_rate = 0.5" in warned[0], warned
    assert main(["run", "--scenario", "combined", "--steps", "1", "--households", "2000", "--no-figure",
                 "--out", str(tmp_path / "c")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_the_library_does_not_warn(capsys):
    from model import run

    run("baseline", steps=1, households=200, problem_rate=0.05)
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["experiment", "sensitivity"])
@pytest.mark.parametrize("workers", ["0", "-3"])
def test_workers_below_one_is_refused(tmp_path, capsys, command, workers):
    f = tmp_path / "e.toml"
    f.write_text(SMALL)
    file = str(f) if command == "experiment" else str(ROOT / "experiments/sensitivity_ishigami.toml")
    one_line_error(capsys, [command, file, "--workers", workers, "--out", str(tmp_path / "o")], "--workers")
    assert not (tmp_path / "o").exists()


def test_a_negative_seed_names_the_flag(capsys):
    one_line_error(capsys, ["run", "--seed", "-1", "--steps", "1"], "'--seed'")


def test_a_toml_file_with_a_byte_order_mark_is_read(tmp_path, capsys):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + 'name = "bom"\n[params]\nproblem_rate = 0.007\n'.encode())
    assert main(["validate", str(f)]) == 0
    assert "scenario 'bom'" in capsys.readouterr().out


@pytest.mark.parametrize("file,kind", [("experiments/policy_comparison.toml", "experiment"),
                                       ("experiments/sensitivity_morris.toml", "study"),
                                       ("calibration/fanrong.toml", "calibration")])
def test_validate_checks_experiment_study_and_calibration_files(capsys, file, kind):
    assert main(["validate", str(ROOT / file)]) == 0
    assert f"OK, {kind} '" in capsys.readouterr().out


def test_validate_reports_a_bad_experiment(tmp_path, capsys):
    f = tmp_path / "e.toml"
    f.write_text(SMALL.replace("replications = 2", "replications = 0"))
    one_line_error(capsys, ["validate", str(f)], "replications")
