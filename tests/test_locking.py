"""One writer per results folder: a second batch command into a held folder is refused at once,
naming the holder; a lock left by a dead process is taken over; parts carry the writer's id;
damaged parts are found on resume and run again; temporary files left behind are cleaned up."""

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from experiments.lock import LOCK_NAME, FolderLockedError, folder_lock
from experiments.runner import read_results, run_experiment
from govsim.cli import main

ROOT = Path(__file__).resolve().parents[1]

SMALL = """name = "small"
scenarios = ["baseline", "c4_workforce"]
replications = 2
steps = 12
households = 200
timeseries_every = 4
"""


def experiment_file(tmp_path: Path) -> Path:
    f = tmp_path / "exp.toml"
    f.write_text(SMALL)
    return f


def refused_while_held(tmp_path, capsys, argv: list[str], out: Path) -> str:
    with folder_lock(out, "govsim test-holder"):
        assert main(argv) == 2
    lines = [x for x in capsys.readouterr().err.splitlines() if not x.startswith("govsim: warning:")]
    err = "\n".join(lines)
    assert len(lines) == 1 and lines[0].startswith("govsim: error:"), err
    assert "in use by govsim test-holder" in err and f"pid {os.getpid()}" in err, err
    return err


def test_a_second_experiment_into_a_held_folder_is_refused_naming_the_holder(tmp_path, capsys):
    out = tmp_path / "out"
    refused_while_held(tmp_path, capsys, ["experiment", str(experiment_file(tmp_path)), "--out", str(out),
                                          "--workers", "1", "--quiet"], out)
    assert not (out / "runs").exists() or not list((out / "runs").iterdir()), "the refused writer wrote parts"


def test_a_second_sensitivity_study_into_a_held_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "sens"
    refused_while_held(tmp_path, capsys, ["sensitivity", str(ROOT / "experiments/sensitivity_ishigami.toml"),
                                          "--out", str(out), "--workers", "1", "--quiet", "--no-figures"], out)
    assert not (out / "sample.parquet").exists()


def test_a_second_calibration_into_a_held_folder_is_refused(tmp_path, capsys, monkeypatch):
    import calibration.abc

    def no_abc(*a, **k):
        raise AssertionError("the ABC started although the folder is held")

    monkeypatch.setattr(calibration.abc, "run_abc", no_abc)
    out = tmp_path / "cal"
    refused_while_held(tmp_path, capsys, ["calibrate", str(ROOT / "calibration/fanrong.toml"), "--out", str(out),
                                          "--db", str(tmp_path / "c.db"), "--quiet"], out)


def test_a_lock_left_by_a_killed_writer_is_taken_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # what a SIGKILLed writer leaves: the file with its details, but no flock (the kernel released it)
    (out / LOCK_NAME).write_text(json.dumps({"pid": 999999, "host": "elsewhere", "command": "govsim experiment x"}))
    _, skipped, finished = run_experiment(experiment_file(tmp_path), out=out, workers=1, progress=False)
    assert (skipped, finished) == (0, 4)


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    with folder_lock(tmp_path / "f", "first") as writer:
        assert json.loads((tmp_path / "f" / LOCK_NAME).read_text())["writer"] == writer
        with pytest.raises(FolderLockedError, match="in use by first"):
            with folder_lock(tmp_path / "f", "second"):
                pass
    with folder_lock(tmp_path / "f", "third"):  # released on exit
        pass


def test_part_names_carry_the_writer_id_and_pair_runs_with_time_series(tmp_path):
    out = tmp_path / "out"
    run_experiment(experiment_file(tmp_path), out=out, workers=1, progress=False)
    runs = sorted(p.name for p in (out / "runs").glob("part-*.parquet"))
    series = sorted(p.name for p in (out / "timeseries").glob("part-*.parquet"))
    assert runs == series and runs
    assert all(len(n.split("-")) == 3 for n in runs), runs  # part-<number>-<writer>.parquet


def test_a_truncated_timeseries_part_is_noticed_on_resume_and_its_runs_run_again(tmp_path, capsys):
    f = experiment_file(tmp_path)
    whole = tmp_path / "whole"
    run_experiment(f, out=whole, workers=1, progress=False)
    out = tmp_path / "out"
    run_experiment(f, out=out, workers=1, progress=False)
    part = sorted((out / "timeseries").glob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # a disk that filled up mid-write
    capsys.readouterr()
    _, skipped, finished = run_experiment(f, out=out, workers=1, progress=False)
    err = capsys.readouterr().err
    assert "unreadable" in err and "run again" in err, err
    assert (skipped, finished) == (0, 4)
    ra, ta = read_results(whole)
    rb, tb = read_results(out)
    assert ra.drop(columns="run_id").equals(rb.drop(columns="run_id")) and len(ta) == len(tb)


def test_a_timeseries_part_with_rows_missing_is_noticed_on_resume(tmp_path, capsys):
    f = experiment_file(tmp_path)
    out = tmp_path / "out"
    run_experiment(f, out=out, workers=1, progress=False)
    part = sorted((out / "timeseries").glob("part-*.parquet"))[0]
    t = pq.read_table(part)
    pq.write_table(t.slice(0, t.num_rows - 3), part)  # readable, but short
    capsys.readouterr()
    _, skipped, finished = run_experiment(f, out=out, workers=1, progress=False)
    assert "rows" in capsys.readouterr().err
    assert finished > 0 and skipped + finished == 4
    runs, ts = read_results(out)
    assert len(runs) == 4 and ts.groupby("run_id").size().eq(4).all()


def test_temporary_files_left_by_a_kill_are_removed_at_the_next_start(tmp_path):
    f = experiment_file(tmp_path)
    out = tmp_path / "out"
    run_experiment(f, out=out, workers=1, progress=False)
    left = [out / "runs" / ".part-000009-dead.parquet.tmp", out / "timeseries" / ".part-000009-dead.parquet.tmp",
            out / ".manifest.json.123.tmp"]
    for p in left:
        p.write_bytes(b"half")
    run_experiment(f, out=out, workers=1, progress=False)
    assert not any(p.exists() for p in left)


def test_a_writer_killed_with_sigkill_leaves_a_lock_that_is_refused_while_alive_and_taken_over_after(tmp_path):
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    holder_code = ("import sys, time\nfrom experiments.lock import folder_lock\n"
                   f"with folder_lock({str(out)!r}, 'govsim experiment held.toml'):\n"
                   "    print('held', flush=True)\n    time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", holder_code], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == "held"  # the lock is taken: no sleeping, no race
        with pytest.raises(FolderLockedError, match=f"pid {proc.pid} "):
            run_experiment(experiment_file(tmp_path), out=out, workers=1, progress=False)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == proc.pid  # what the dead writer left
    _, skipped, finished = run_experiment(experiment_file(tmp_path), out=out, workers=1, progress=False)
    assert (skipped, finished) == (0, 4)


def test_two_writers_numbering_from_the_same_point_never_share_a_file(tmp_path):
    """Were the lock unavailable (a network file system without flock), parts still would not collide."""
    from experiments.runner import Store, run_one

    spec = {"run_id": "baseline/0", "scenario": "baseline", "replication": 0, "seed": 0, "steps": 2, "every": 1,
            "params": {"n_households": 100}, "outcomes": ["trap_share"]}
    a, b = Store(tmp_path / "o"), Store(tmp_path / "o")
    assert a.next_part == b.next_part and a.writer != b.writer
    for store, rep in ((a, 0), (b, 1)):
        row, ts = run_one({**spec, "run_id": f"baseline/{rep}", "replication": rep, "seed": rep})
        store.flush([row], [(row, ts)])
    runs, ts = read_results(tmp_path / "o")
    assert list(runs["run_id"]) == ["baseline/0", "baseline/1"] and ts["run_id"].nunique() == 2
