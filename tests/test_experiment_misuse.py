"""Experiments used carelessly: every bad input is refused in one line naming the field and the
value, before any folder is touched, and a results folder never mixes in what is not its own.

(An audit's findings: repeated or no outcomes, unreadable parameter draws, two household counts,
a user's folder as --out, damaged parts left inside the datasets, an unusable manifest, and a
--scheduler that is not an address or where no scheduler answers.)
"""

import socket
from pathlib import Path

import pandas as pd
import pytest

from experiments.experiment import ExperimentError, load
from experiments.runner import SchedulerError, check_scheduler, connect, run_experiment
from govsim.cli import main
from test_misuse import one_line_error
from model.errors import OutputError

TINY = """name = "tiny"
scenarios = ["baseline"]
replications = {reps}
steps = 5
households = 200
"""


def write(tmp_path: Path, more: str = "", reps: int = 1, name: str = "exp.toml") -> Path:
    f = tmp_path / name
    f.write_text(TINY.format(reps=reps) + more, encoding="utf-8")
    return f


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): (p.stat().st_mtime_ns, p.is_file() and p.read_bytes()) for p in folder.rglob("*")}


def refused_before_any_folder(tmp_path: Path, f: Path, error=ExperimentError, **kw) -> str:
    out = tmp_path / "o"
    with pytest.raises(error) as e:
        run_experiment(f, out=out, workers=1, progress=False, **kw)
    assert not out.exists(), "a refused experiment must not touch its folder"
    return str(e.value)


# ---------------------------------------------------------------- 1, 2. outcomes

def test_an_outcome_named_twice_is_refused_at_load_naming_it(tmp_path, capsys):
    f = write(tmp_path, 'outcomes = ["trap_share", "fee_collection_rate", "trap_share"]\n')
    msg = refused_before_any_folder(tmp_path, f)
    assert "'outcomes'" in msg and "['trap_share', 'fee_collection_rate', 'trap_share']" in msg, msg
    assert "distinct names (listed more than once: trap_share)" in msg, msg
    one_line_error(capsys, ["validate", str(f)], "'outcomes'", "trap_share", "distinct")


def test_no_outcomes_is_refused_at_load_saying_where_the_names_are(tmp_path, capsys):
    f = write(tmp_path, "outcomes = []\n")
    msg = refused_before_any_folder(tmp_path, f)
    assert "'outcomes' = []" in msg and "at least one" in msg and "model.outcomes.OUTCOMES" in msg, msg
    one_line_error(capsys, ["validate", str(f)], "'outcomes'", "at least one")


def test_a_report_on_outcomes_without_a_time_series_figure_still_writes(tmp_path):
    from experiments.report import make_report

    f = write(tmp_path, 'outcomes = ["trust_mean"]\n')  # none of the time-series figure's four
    run_experiment(f, out=tmp_path / "o", workers=1, progress=False)
    names = {p.name for p in make_report(tmp_path / "o")}
    assert "report.md" in names and "timeseries_en.png" not in names, names


# ---------------------------------------------------------------- 3. parameter draws

@pytest.mark.parametrize("kind,words", [
    ("utf16", ["'parameter_draws'", "'draws.csv'", "UTF-8"]),
    ("folder", ["'parameter_draws'", "'draws.csv'", "not a folder"]),
    ("extra", ["draws.csv row 3", "'parameter_draws'", "'9'", "one field per name in the header (problem_rate)"]),
    ("short", ["draws.csv row 2", "'parameter_draws'", "(problem_rate, pay_satisfaction_weight)"]),
])
def test_parameter_draws_that_cannot_be_read_are_one_line_naming_the_file(tmp_path, capsys, kind, words):
    d = tmp_path / "draws.csv"
    if kind == "utf16":
        d.write_bytes("problem_rate\n0.007\n".encode("utf-16"))
    elif kind == "folder":
        d.mkdir()
    elif kind == "extra":
        d.write_text("problem_rate\n0.007\n0.008,9\n")
    else:
        d.write_text("problem_rate,pay_satisfaction_weight\n0.007\n")
    f = write(tmp_path, 'parameter_draws = "draws.csv"\n')
    msg = refused_before_any_folder(tmp_path, f)
    for w in words:
        assert w in msg, (w, msg)
    one_line_error(capsys, ["validate", str(f)], *words)


def test_parameter_draws_with_a_byte_order_mark_are_read(tmp_path):
    (tmp_path / "draws.csv").write_bytes(b"\xef\xbb\xbfproblem_rate\n0.008\n")
    exp = load(write(tmp_path, 'parameter_draws = "draws.csv"\n'))
    assert exp.draws == [{"problem_rate": 0.008}]


# ---------------------------------------------------------------- 4. two household counts

def test_households_and_params_n_households_together_are_refused(tmp_path, capsys):
    f = write(tmp_path, "[params]\nn_households = 500\n")
    msg = refused_before_any_folder(tmp_path, f)
    assert "'households' = 200" in msg and "either households or [params] n_households, not both" in msg, msg
    one_line_error(capsys, ["validate", str(f)], "'households' = 200", "not both")


def test_params_n_households_alone_is_the_size_the_runs_get(tmp_path):
    f = tmp_path / "exp.toml"
    f.write_text(TINY.format(reps=1).replace("households = 200\n", "") + "[params]\nn_households = 500\n")
    exp = load(f)
    assert exp.households == 500 and {r["params"]["n_households"] for r in exp.runs()} == {500}


# ---------------------------------------------------------------- 5. a folder govsim did not make

def test_a_users_folder_is_refused_as_out_and_left_alone(tmp_path, capsys):
    f = write(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mydata.txt").write_text("precious")
    with pytest.raises(OutputError, match="not a govsim experiment folder .'mydata.txt'."):
        run_experiment(f, out=mine, workers=1, progress=False)
    assert [p.name for p in mine.iterdir()] == ["mydata.txt"]
    one_line_error(capsys, ["experiment", str(f), "--out", str(mine), "--workers", "1", "--quiet"],
                   str(mine), "mydata.txt", "choose another --out")
    assert [p.name for p in mine.iterdir()] == ["mydata.txt"]


def test_an_empty_folder_is_accepted_and_an_own_folder_resumes(tmp_path):
    f = write(tmp_path)
    out = tmp_path / "o"
    out.mkdir()
    assert run_experiment(f, out=out, workers=1, progress=False)[1:] == (0, 1)
    (out / "notes.txt").write_text("the user's notes beside their results")
    assert run_experiment(f, out=out, workers=1, progress=False)[1:] == (1, 0)


# ---------------------------------------------------------------- 6. damaged parts and the manifest

def test_damaged_parts_are_moved_out_of_the_datasets_which_then_read_whole(tmp_path, capsys):
    f = write(tmp_path, reps=2)
    out = tmp_path / "o"
    run_experiment(f, out=out, workers=1, progress=False)
    part = next((out / "runs").glob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[:100])  # a disk that filled up mid-write
    capsys.readouterr()
    assert run_experiment(f, out=out, workers=1, progress=False)[1:] == (0, 2)
    err = capsys.readouterr().err
    assert "set aside in " + str(out / "damaged") in err and "run again" in err, err
    assert (out / "damaged" / "runs" / (part.name + ".damaged")).exists()
    assert (out / "damaged" / "timeseries" / (part.name + ".damaged")).exists()
    assert not list((out / "runs").glob("*.damaged")) and not list((out / "timeseries").glob("*.damaged"))
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["run_id"]) == ["baseline/0", "baseline/1"]
    assert len(pd.read_parquet(out / "timeseries")) == 2 * 6  # weeks 0-5 of each run, none counted twice


def test_parts_set_aside_inside_the_datasets_earlier_are_moved_out(tmp_path, capsys):
    f = write(tmp_path)
    out = tmp_path / "o"
    run_experiment(f, out=out, workers=1, progress=False)
    old = out / "runs" / "part-000000-old.parquet.damaged"
    old.write_bytes(b"left by an older govsim")
    run_experiment(f, out=out, workers=1, progress=False)
    assert "moved to" in capsys.readouterr().err
    assert not old.exists() and (out / "damaged" / "runs" / old.name).read_bytes() == b"left by an older govsim"
    assert len(pd.read_parquet(out / "runs")) == 1


@pytest.mark.parametrize("text,problem", [("", "unreadable"), ("{not json", "unreadable"), ("{}", "incomplete"),
                                          ("[1, 2]", "incomplete")])
def test_an_unusable_manifest_is_one_line_and_the_folder_is_left_alone(tmp_path, capsys, text, problem):
    f = write(tmp_path)
    out = tmp_path / "o"
    run_experiment(f, out=out, workers=1, progress=False)
    (out / "manifest.json").write_text(text)
    before = snapshot(out)
    with pytest.raises(ExperimentError) as e:
        run_experiment(f, out=out, workers=1, progress=False)
    msg = str(e.value)
    assert "'manifest'" in msg and str(out / "manifest.json") in msg and problem in msg, msg
    assert "use another --out folder, or delete the old results" in msg, msg
    assert snapshot(out) == before
    one_line_error(capsys, ["experiment", str(f), "--out", str(out), "--workers", "1", "--quiet"], "manifest", problem)


# ---------------------------------------------------------------- 7. --scheduler

@pytest.mark.parametrize("address", ["nosuch", "tcp://nosuch", "tcp://127.0.0.1:0", "127.0.0.1:99999",
                                     "http://127.0.0.1:8786", "tcp://127.0.0.1:8786/x", ""])
def test_a_scheduler_address_of_the_wrong_form_is_refused_before_anything(tmp_path, capsys, address):
    with pytest.raises(SchedulerError) as e:
        check_scheduler(address)
    assert "'--scheduler'" in str(e.value) and repr(address) in str(e.value) and "tcp://host:port" in str(e.value)
    if address:  # an empty --scheduler means none (local processes), as before
        refused_before_any_folder(tmp_path, write(tmp_path), SchedulerError, scheduler=address)
        one_line_error(capsys, ["experiment", str(write(tmp_path)), "--scheduler", address, "--out",
                                str(tmp_path / "o"), "--quiet"], "'--scheduler'", address, "tcp://host:port")
        assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://head-node.example:8786", "HEAD:8786",
                                     "tls://10.0.0.2:8786", "tcp://[::1]:8786",
                                     "inproc://192.0.2.2/28911/1"])
def test_addresses_dask_takes_pass_the_form_check(address):
    """Bare host:port is tcp to dask; inproc:// is a LocalCluster(processes=False) used from Python."""
    assert check_scheduler(address) == address


def closed_port() -> int:
    """A localhost port nothing listens on (just released by the system)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_scheduler_at_the_address_is_one_line_naming_it(tmp_path):
    address = f"tcp://127.0.0.1:{closed_port()}"
    with pytest.raises(SchedulerError) as e:
        connect(address, timeout=1)
    msg = str(e.value)
    assert "'--scheduler'" in msg and repr(address) in msg and "none answered there within 1 s" in msg, msg


def test_no_scheduler_at_the_address_leaves_no_folder(tmp_path):
    import dask

    address = f"tcp://127.0.0.1:{closed_port()}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):  # dask's own setting, kept short here
        msg = refused_before_any_folder(tmp_path, write(tmp_path), SchedulerError, scheduler=address)
    assert address in msg and "none answered" in msg, msg
