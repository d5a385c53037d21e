"""Batch experiments: local processes and dask give the same results; a killed batch resumes
to the same results; a changed or malformed experiment is refused before anything is touched."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.experiment import ExperimentError
from experiments.runner import read_results, run_experiment

SMALL = """name = "small"
scenarios = ["baseline", "c4_workforce"]
replications = {reps}
steps = {steps}
households = 300
timeseries_every = 5
"""


def write(tmp_path: Path, reps=3, steps=30, name="exp.toml") -> Path:
    f = tmp_path / name
    f.write_text(SMALL.format(reps=reps, steps=steps))
    return f


def same(a: Path, b: Path) -> None:
    ra, ta = read_results(a)
    rb, tb = read_results(b)
    pd.testing.assert_frame_equal(ra, rb)
    pd.testing.assert_frame_equal(ta, tb)


def test_one_worker_and_two_workers_give_identical_results(tmp_path):
    f = write(tmp_path)
    run_experiment(f, out=tmp_path / "one", workers=1, progress=False)
    run_experiment(f, out=tmp_path / "two", workers=2, progress=False)
    same(tmp_path / "one", tmp_path / "two")
    runs, ts = read_results(tmp_path / "one")
    assert len(runs) == 6 and set(runs["scenario"]) == {"baseline", "c4_workforce"}
    assert (runs.groupby("replication")["seed"].nunique() == 1).all(), "replication r must share its seed (CRN)"
    assert ts.groupby("run_id")["step"].max().eq(30).all()


def test_running_again_skips_finished_runs(tmp_path):
    f = write(tmp_path)
    _, skipped, finished = run_experiment(f, out=tmp_path / "o", workers=1, progress=False)
    assert (skipped, finished) == (0, 6)
    _, skipped, finished = run_experiment(f, out=tmp_path / "o", workers=1, progress=False)
    assert (skipped, finished) == (6, 0)


def interrupted(f: Path, out: Path, signal_name: str, after: int, workers: str = "1") -> subprocess.CompletedProcess:
    """Run `govsim experiment` in its own process group, which the runner signals right after its
    `after`-th flush (GOVSIM_TEST_INTERRUPT): a real signal at a point that does not depend on speed."""
    env = {**os.environ, "GOVSIM_TEST_INTERRUPT": f"{signal_name}@{after}"}
    return subprocess.run([sys.executable, "-m", "govsim", "experiment", str(f), "--out", str(out),
                           "--workers", workers, "--quiet"], capture_output=True, text=True, env=env,
                          start_new_session=True, timeout=600, preexec_fn=_as_in_a_terminal)


def _as_in_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: a shell that runs the tests as a background job (CI, `&`)
    leaves SIGINT ignored in its children, and Python then never turns it into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_killed_batch_resumes_to_the_uninterrupted_result(tmp_path):
    f = write(tmp_path, reps=20, steps=80)
    run_experiment(f, out=tmp_path / "whole", workers=1, progress=False)
    out = tmp_path / "killed"
    proc = interrupted(f, out, "SIGKILL", after=7)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert len(read_results(out)[0]) == 7, "the kill falls right after the seventh run was flushed"
    _, skipped, finished = run_experiment(f, out=out, workers=1, progress=False)
    assert (skipped, finished) == (7, 33)
    same(tmp_path / "whole", out)


def test_a_changed_experiment_is_refused_and_old_results_untouched(tmp_path):
    f = write(tmp_path)
    out = tmp_path / "o"
    run_experiment(f, out=out, workers=1, progress=False)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    f.write_text(SMALL.format(reps=3, steps=31))
    with pytest.raises(ExperimentError, match="changed"):
        run_experiment(f, out=out, workers=1, progress=False)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


@pytest.mark.parametrize("text,field", [
    ('scenarios = ["baseline", "no_such"]\nreplications = 2\n', "no_such"),
    ('scenarios = ["baseline"]\nreplications = 0\n', "replications"),
    ('scenarios = ["baseline"]\nreplications = 2\n[params]\nfee_oldd = 1\n', "fee_oldd"),
    ('scenarios = ["baseline"]\nreplications = 2\n[params]\nfee_old = -1\n', "fee_old"),
    ('scenarios = ["baseline"]\nreplications = 2\noutcomes = ["happiness"]\n', "outcomes"),
    ('scenarios = "baseline"\nreplications = 2\n', "scenarios"),
])
def test_a_malformed_experiment_fails_before_any_run(tmp_path, text, field):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ExperimentError.__mro__[1]) as e:  # ParameterError and its subclasses
        run_experiment(f, out=tmp_path / "o", workers=1, progress=False)
    assert field in str(e.value)
    assert not (tmp_path / "o").exists()


def test_dask_cluster_gives_the_same_results_as_local_processes(tmp_path):
    distributed = pytest.importorskip("distributed")
    f = write(tmp_path, reps=2, steps=20)
    run_experiment(f, out=tmp_path / "local", workers=1, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        run_experiment(f, out=tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    same(tmp_path / "local", tmp_path / "dask")


def test_report_writes_tables_and_figures_with_paired_effects(tmp_path):
    from experiments.report import make_report

    f = write(tmp_path, reps=4, steps=40)
    out = tmp_path / "o"
    run_experiment(f, out=out, workers=1, progress=False)
    paths = make_report(out, lang="zh")
    names = {p.name for p in paths}
    assert {"report.csv", "cost_effectiveness.csv", "report_zh.md", "timeseries_zh.png", "effects_zh.png"} <= names
    tab = pd.read_csv(out / "report.csv")
    row = tab[(tab.scenario == "c4_workforce") & (tab.outcome == "public_spending")].iloc[0]
    assert row["diff_vs_baseline"] > 0 and row["diff_ci_low"] <= row["diff_vs_baseline"] <= row["diff_ci_high"]
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    zh = (out / "report_zh.md").read_text(encoding="utf-8")
    assert "化解率" in zh
    # the Chinese report names scenarios in Chinese; the CSV keeps the file names
    assert "C4 网格力量与骑手兼职" in zh and "| c4_workforce |" not in zh
    assert "c4_workforce" in set(tab.scenario)


def test_every_shipped_scenario_has_a_chinese_name():
    from experiments.report import SCENARIO_ZH, scenario_label
    from model.scenarios import available

    assert set(available()) <= set(SCENARIO_ZH)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in SCENARIO_ZH[n]) for n in available())
    assert scenario_label("my_own", "zh") == "my_own" and scenario_label("combined", "en") == "combined"


def test_experiments_run_over_parameter_draws(tmp_path):
    (tmp_path / "draws.csv").write_text("problem_rate,pay_satisfaction_weight\n0.004,3.0\n0.009,5.0\n")
    f = tmp_path / "exp.toml"
    f.write_text(SMALL.format(reps=4, steps=20) + 'parameter_draws = "draws.csv"\n')
    run_experiment(f, out=tmp_path / "o", workers=1, progress=False)
    runs, _ = read_results(tmp_path / "o")
    assert list(runs[runs.scenario == "baseline"]["draw"]) == [0, 1, 0, 1]
    low = runs[(runs.scenario == "baseline") & (runs.draw == 0)]["problems_registered"].mean()
    high = runs[(runs.scenario == "baseline") & (runs.draw == 1)]["problems_registered"].mean()
    assert high > low, "the draw with the higher problem rate should register more problems"
    (tmp_path / "draws.csv").write_text("problem_rate\n7\n")
    with pytest.raises(ExperimentError.__mro__[1], match="problem_rate"):
        run_experiment(f, out=tmp_path / "o2", workers=1, progress=False)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_cleanly_and_keeps_finished_runs(tmp_path, workers):
    f = write(tmp_path, reps=20, steps=80)
    whole = tmp_path / "whole"
    run_experiment(f, out=whole, workers=1, progress=False)
    out = tmp_path / "o"
    proc = interrupted(f, out, "SIGINT", after=5, workers=workers)  # Ctrl-C reaches the whole process group
    assert proc.returncode == 130 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "interrupted" in proc.stderr
    assert len(read_results(out)[0]) == 5, "every run flushed before Ctrl-C is kept, and nothing else"
    _, skipped, finished = run_experiment(f, out=out, workers=1, progress=False)
    assert (skipped, finished) == (5, 35)
    same(whole, out)


def test_memory_stays_flat_as_runs_accumulate():
    import gc

    from experiments.runner import run_one
    from model import CommunityModel

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, CommunityModel) for o in gc.get_objects())

    spec = {"run_id": "m/0", "scenario": "baseline", "replication": 0, "seed": 0, "steps": 5, "every": 1,
            "params": {"n_households": 100}, "outcomes": ["trap_share"]}
    before = alive()  # models other tests still hold
    for seed in range(200):
        run_one({**spec, "seed": seed})
    kept = alive() - before
    assert kept == 0, f"{kept} finished models are still in memory (Mesa's Agent._ids keeps them: mesa#3179)"
