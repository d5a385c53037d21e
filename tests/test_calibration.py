"""Calibration: targets and priors are checked before any simulation; ABC recovers known
parameters (and the same check fails for a wrong value); the outputs feed experiments."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest

from calibration.abc import particle_seed, posterior, recovery, run_abc, summary
from calibration.statistics import simulate, target_values
from calibration.targets import CalibrationError, load_config, load_targets, parse_config
from model.parameters import BY_NAME, ParameterError

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------- the shipped files


def test_shipped_targets_and_config_load_and_name_their_sources():
    ts = load_targets()
    need = {"fanrong_registered", "fanrong_resolution_rate", "fanrong_unresolved", "harbin_uptake",
            "firm_exit_collection", "party_members", "response_scoring_rise"}
    assert need <= set(ts.targets)
    assert ts.targets["fanrong_registered"].value == 260
    assert ts.targets["fanrong_unresolved"].value == 46
    assert 0.82 <= ts.targets["fanrong_resolution_rate"].value <= 0.84
    assert ts.targets["harbin_uptake"].value == pytest.approx(0.025)
    for t in ts.targets.values():
        assert len(t.source) > 20 and t.sd > 0
    # the street's size and make-up are stated, with a source or marked as an assumption
    assert ts.street["households"] == ts.simulations["fanrong"].households
    assert "assumption" in ts.street["households_source"]
    cfg = load_config(ROOT / "calibration" / "fanrong.toml")
    assert set(cfg.targets) <= set(ts.targets)


# ---------------------------------------------------------------- bad input fails before any simulation

GOOD = {"name": "t", "targets": ["fanrong_registered"], "population_size": 20, "max_generations": 1,
        "min_epsilon": 0.1, "database": "x.db", "out": "x",
        "priors": {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012}}}


@pytest.fixture
def no_simulation(monkeypatch):
    """Any model run during loading would be a bug: make it explode."""
    import model.model

    def boom(*a, **k):
        raise AssertionError("a simulation ran before the input was checked")

    monkeypatch.setattr(model.model.CommunityModel, "step", boom)


@pytest.mark.parametrize("change, field, allowed", [
    ({"priors": {"problem_rat": {"kind": "uniform", "low": 0.003, "high": 0.01}}}, "priors.problem_rat",
     "did you mean problem_rate"),
    ({"priors": {"problem_rate": {"kind": "uniform", "low": -0.1, "high": 0.01}}}, "low", "[0, 1]"),
    ({"priors": {"loss_rate": {"kind": "uniform", "low": 0.01, "high": 1.5}}}, "high", "[0, 1]"),
    ({"priors": {"problem_rate": {"kind": "normal", "low": 0.003, "high": 0.01}}}, "kind", "uniform, loguniform"),
    ({"priors": {"escalation_weeks": {"kind": "uniform", "low": 2, "high": 6}}}, "priors.escalation_weeks", "float"),
    ({"targets": ["fanrong_registerd"]}, "targets", "fanrong_registered"),
    ({"targets": ["firm_exit_collection"]}, "targets", "kind = \"target\""),
    ({"population_size": 5}, "population_size", "[10, 100000]"),
])
def test_bad_priors_and_settings_fail_before_any_simulation(no_simulation, change, field, allowed):
    with pytest.raises(CalibrationError) as exc:
        parse_config({**GOOD, **change})
    assert exc.value.field == field
    assert allowed in exc.value.allowed


def _targets_file(tmp_path, drop=None, extra=""):
    text = (ROOT / "calibration" / "targets.toml").read_text(encoding="utf-8")
    if drop:
        text = "\n".join(line for line in text.splitlines() if not line.startswith(drop))
    f = tmp_path / "targets.toml"
    f.write_text(text + extra, encoding="utf-8")
    return f


def test_a_target_without_a_source_fails_naming_it(tmp_path, no_simulation):
    f = _targets_file(tmp_path, drop='source = "paper P2: \'still 46')
    with pytest.raises(CalibrationError) as exc:
        load_targets(f)
    assert exc.value.field == "source" and "fanrong_unresolved" in exc.value.where


def test_a_target_naming_an_unknown_statistic_or_parameter_fails(tmp_path, no_simulation):
    f = _targets_file(tmp_path, extra='\n[target.bad]\nkind = "target"\nvalue = 1\nsd = 1\nsource = "somewhere, page 1, a long enough source"\n'
                                      'simulation = "fanrong"\nstatistic = "campaign_registerd"\n')
    with pytest.raises(CalibrationError) as exc:
        load_targets(f)
    assert exc.value.field == "statistic" and "campaign_registered" in exc.value.allowed
    f = _targets_file(tmp_path, extra='\n[simulation.bad]\nkind = "run"\nscenario = "baseline"\nhouseholds = 100\n'
                                      'steps = 4\n[simulation.bad.params]\nproblem_rat = 0.1\n')
    with pytest.raises(CalibrationError) as exc:
        load_targets(f)
    assert exc.value.field == "params.problem_rat"


def test_cli_rejects_a_bad_prior_with_status_2_and_writes_nothing(tmp_path, capsys, no_simulation):
    from govsim.cli import main

    db = tmp_path / "abc.db"
    f = tmp_path / "bad.toml"
    f.write_text(f'name = "bad"\ntargets = ["fanrong_registered"]\npopulation_size = 20\nmax_generations = 1\n'
                 f'min_epsilon = 0.1\ndatabase = "{db}"\nout = "{tmp_path / "out"}"\n'
                 f'[priors]\nloss_rate = {{ kind = "uniform", low = 0.0, high = 2.0 }}\n')
    assert main(["calibrate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "'high' = 2.0" in err and "[0, 1]" in err
    assert not db.exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- statistics


def test_statistics_are_reproducible_and_respond_to_parameters():
    ts = load_targets()
    t = [ts.targets["fanrong_registered"]]
    small = {"fanrong": ts.simulations["fanrong"].__class__(**{**vars(ts.simulations["fanrong"]),
                                                              "households": 800, "steps": 36})}
    a = target_values(t, small, {"problem_rate": 0.004}, 3)
    assert a == target_values(t, small, {"problem_rate": 0.004}, 3)
    b = target_values(t, small, {"problem_rate": 0.012}, 3)
    assert b["fanrong_registered"] > 1.5 * a["fanrong_registered"]
    assert particle_seed({"a": 0.1}, 1) != particle_seed({"a": 0.1}, 2)


def test_new_provider_uptake_starts_from_the_entry_share_and_grows():
    ts = load_targets()
    sim = ts.simulations["harbin_entry"]
    zero = simulate(sim, {"entry_payment_share": 0.0, "pay_review_rate": 0.0}, 1)
    assert zero["new_providers"] > 0 and zero["collection_after"] == 0.0
    some = simulate(sim, {"entry_payment_share": 0.05, "pay_review_rate": 0.0}, 1)
    assert 0.03 < some["collection_after"] < 0.07
    grown = simulate(sim, {"entry_payment_share": 0.05, "pay_review_rate": 0.5}, 1)
    assert grown["collection_after"] > some["collection_after"]


# ---------------------------------------------------------------- parameter recovery

RECOVERY_TARGETS = """
[simulation.small]
kind = "run"
scenario = "fanrong_knock_on_door"
households = {households}
steps = {steps}
[simulation.small.params]
door_knock_start = {start}
door_knock_weeks = 4
[target.registered]
kind = "target"
value = {registered}
sd = {sd_registered}
source = "simulated at known parameters (parameter-recovery test)"
simulation = "small"
statistic = "campaign_registered"
[target.unresolved]
kind = "target"
value = {unresolved}
sd = {sd_unresolved}
source = "simulated at known parameters (parameter-recovery test)"
simulation = "small"
statistic = "campaign_unresolved"
"""


def recover(tmp_path, truth: dict, priors: dict, households: int, start: int, population: int,
            generations: int, seeds: int = 8):
    """Simulate data at `truth`, calibrate a small street, return the posterior summary.

    A short campaign (4 weeks from week `start`) keeps each run cheap. The observed value is the
    mean over a few seeds and its sd one run's spread over them (streets differ by seed), so the
    calibration allows for exactly the noise one simulation has.
    """
    from calibration.targets import Simulation

    steps = start + 10
    sim = Simulation("small", "run", "fanrong_knock_on_door", households, steps,
                     {"door_knock_start": start, "door_knock_weeks": 4})
    runs = [simulate(sim, truth, 900 + s) for s in range(seeds)]
    reg = np.array([r["campaign_registered"] for r in runs])
    unres = np.array([r["campaign_unresolved"] for r in runs])
    f = tmp_path / "targets.toml"
    f.write_text(RECOVERY_TARGETS.format(households=households, steps=steps, start=start,
                                         registered=reg.mean(), sd_registered=max(reg.std(ddof=1), 1.0),
                                         unresolved=unres.mean(), sd_unresolved=max(unres.std(ddof=1), 1.0)))
    cfg = parse_config({"name": "recovery", "targets_file": str(f), "targets": ["registered", "unresolved"],
                        "priors": priors, "population_size": population, "max_generations": generations,
                        "min_epsilon": 0.0, "database": str(tmp_path / "abc.db"), "out": str(tmp_path),
                        "seed": 7}, "recovery")
    history = run_abc(cfg, workers=1, progress=False)
    df, w = posterior(history)
    return summary(df, w), history, cfg


def test_parameter_recovery_short(tmp_path):
    """Known parameters are inside the 90 % credible intervals; 3 posterior sds away they are not."""
    truth = {"problem_rate": 0.008, "grid_worker_skill": 0.5}
    priors = {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012},
              "grid_worker_skill": {"kind": "uniform", "low": 0.3, "high": 0.9}}
    summ, history, cfg = recover(tmp_path, truth, priors, households=1000, start=10, population=50, generations=4)
    assert history.max_t == 3
    assert recovery(summ, truth) == {k: True for k in truth}, summ
    # the check can fail: the same truth moved by three posterior sds is outside the interval
    assert recovery(summ, truth, shift_sd=3.0) == {k: False for k in truth}, summ
    assert recovery(summ, truth, shift_sd=-3.0) == {k: False for k in truth}, summ
    # the targets narrowed the registered count's driver well below its prior sd (0.0026); since
    # issue 15 firms enter some trapped compounds, so environment, and with it the problem count,
    # varies more between runs: about half the prior sd (0.50x measured), asserted below 0.55x
    assert summ["problem_rate"]["sd"] < 0.55 * (0.012 - 0.003) / np.sqrt(12)
    # the run is in its SQLite history; asking again resumes it and, being finished, adds nothing
    n_sims = int(history.get_all_populations()["samples"].sum())
    again = run_abc(cfg, workers=1, progress=False)
    assert again.id == history.id and int(again.get_all_populations()["samples"].sum()) == n_sims


@pytest.mark.slow
def test_parameter_recovery_three_parameters(tmp_path):
    truth = {"problem_rate": 0.006, "grid_worker_skill": 0.65, "loss_rate": 0.03}
    priors = {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012},
              "grid_worker_skill": {"kind": "uniform", "low": 0.3, "high": 0.9},
              "loss_rate": {"kind": "uniform", "low": 0.005, "high": 0.06}}
    summ, _, _ = recover(tmp_path, truth, priors, households=2000, start=12, population=150, generations=6)
    assert recovery(summ, truth) == {k: True for k in truth}, summ
    assert recovery(summ, truth, shift_sd=3.0) == {k: False for k in truth}, summ


# ---------------------------------------------------------------- from a posterior to experiments

CHEAP_TARGETS = """
[simulation.small]
kind = "run"
scenario = "fanrong_knock_on_door"
households = 600
steps = 16
[simulation.small.params]
door_knock_start = 8
door_knock_weeks = 4
[simulation.street]
kind = "world"
scenario = "baseline"
households = 600
steps = 0
[target.registered]
kind = "target"
value = 40
sd = 8
source = "made up for a test of the output pipeline"
simulation = "small"
statistic = "campaign_registered"
[target.members]
kind = "input"
value = 0.07
sd = 0.005
source = "made up for a test of the output pipeline"
simulation = "street"
statistic = "party_member_share"
"""


def test_posterior_becomes_draws_a_scenario_figures_and_a_predictive_check(tmp_path):
    from calibration.posterior import write_all
    from experiments.experiment import load as load_experiment
    from model.scenarios import load_scenario

    (tmp_path / "targets.toml").write_text(CHEAP_TARGETS)
    cfg = parse_config({"name": "pipe", "targets_file": str(tmp_path / "targets.toml"), "targets": ["registered"],
                        "priors": {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012},
                                   "loss_rate": {"kind": "loguniform", "low": 0.005, "high": 0.06}},
                        "population_size": 10, "max_generations": 1, "min_epsilon": 0.0, "seed": 3,
                        "database": str(tmp_path / "abc.db"), "out": str(tmp_path / "out"),
                        "predictive_draws": 2}, "pipe")
    history = run_abc(cfg, progress=False)
    out = tmp_path / "out"
    written = {p.name for p in write_all(cfg, history, out, n_draws=7, progress=False)}
    assert {"posterior.csv", "parameter_draws.csv", "calibrated.toml", "posterior.md", "predictive_check.json",
            "marginals.png", "pairwise_zh.png", "predictive_check_zh.png"} <= written
    draws = list(csv.DictReader(open(out / "parameter_draws.csv")))
    assert len(draws) == 7 and set(draws[0]) == {"problem_rate", "loss_rate"}
    for row in draws:
        assert 0.003 <= float(row["problem_rate"]) <= 0.012 and 0.005 <= float(row["loss_rate"]) <= 0.06
    sc = load_scenario(out / "calibrated.toml")
    assert sc.name == "calibrated" and set(sc.params) == {"problem_rate", "loss_rate"}
    check = {r["target"]: r for r in __import__("json").loads((out / "predictive_check.json").read_text())}
    assert check["members"]["reproduced"] is True and check["registered"]["in_abc"] is True
    # an experiment accepts the draws (every value checked against the table)
    f = tmp_path / "exp.toml"
    f.write_text('name = "e"\nscenarios = ["baseline"]\nreplications = 3\nsteps = 4\nhouseholds = 200\n'
                 f'parameter_draws = "{out / "parameter_draws.csv"}"\n')
    exp = load_experiment(f)
    assert [r["params"]["problem_rate"] for r in exp.runs()] == [float(d["problem_rate"]) for d in draws[:3]]


def test_abc_on_a_dask_cluster_finishes_and_lets_go_of_the_scheduler(tmp_path):
    """`--scheduler`: the same ABC through a dask cluster, and the connection is closed afterwards
    (a long-lived cluster must not collect one client per calibration)."""
    from dask.distributed import Client, LocalCluster

    (tmp_path / "targets.toml").write_text(CHEAP_TARGETS)
    cfg = parse_config({"name": "dask", "targets_file": str(tmp_path / "targets.toml"), "targets": ["registered"],
                        "priors": {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012}},
                        "population_size": 10, "max_generations": 1, "min_epsilon": 0.0, "seed": 3,
                        "database": str(tmp_path / "abc.db"), "out": str(tmp_path / "out")}, "dask")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as watcher:
        def clients() -> int:
            return watcher.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.clients))

        before = clients()
        history = run_abc(cfg, scheduler=cluster.scheduler_address, progress=False)
        assert history.max_t == 0 and int(history.get_all_populations()["samples"].sum()) >= 10
        deadline = time.time() + 10
        while clients() != before and time.time() < deadline:
            time.sleep(0.2)
        assert clients() == before


# ---------------------------------------------------------------- the street's size as a prior (issue 18)

SIZED_TARGETS = """
[simulation.small]
kind = "run"
scenario = "fanrong_knock_on_door"
households = 600
street_sized = true
steps = 16
[simulation.small.params]
door_knock_start = 8
door_knock_weeks = 4
[simulation.street]
kind = "world"
scenario = "fanrong_knock_on_door"
households = 600
street_sized = true
steps = 0
[simulation.other]
kind = "world"
scenario = "baseline"
households = 300
steps = 0
[target.registered]
kind = "target"
value = 40
sd = 8
source = "made up for a test of the street's size as a prior"
simulation = "small"
statistic = "campaign_registered"
[target.size]
kind = "input"
value = 600
sd = 100
source = "made up for a test of the street's size as a prior"
simulation = "street"
statistic = "households"
[target.other_size]
kind = "input"
value = 300
sd = 10
source = "made up for a test of the street's size as a prior"
simulation = "other"
statistic = "households"
"""


def test_the_streets_size_can_be_a_prior_and_sets_only_street_sized_simulations(tmp_path):
    from calibration.abc import Simulator
    from calibration.posterior import resample, scenario_toml
    from calibration.statistics import households_of
    from model.scenarios import load_scenario

    (tmp_path / "targets.toml").write_text(SIZED_TARGETS)
    base = {"name": "sized", "targets_file": str(tmp_path / "targets.toml"), "targets": ["registered"],
            "priors": {"problem_rate": {"kind": "uniform", "low": 0.003, "high": 0.012},
                       "n_households": {"kind": "uniform", "low": 400, "high": 1200}},
            "population_size": 10, "max_generations": 1, "min_epsilon": 0.0, "seed": 5,
            "database": str(tmp_path / "abc.db"), "out": str(tmp_path / "out")}
    cfg = parse_config(base, "sized")
    ts = cfg.target_set
    # the size reaches the street-sized simulations only, rounded to whole households
    assert households_of(ts.simulations["street"], {"n_households": 876.6}) == 877
    assert households_of(ts.simulations["other"], {"n_households": 876.6}) == 300
    assert households_of(ts.simulations["street"], {}) == 600
    vals = target_values(list(ts.targets.values()), ts.simulations, {"n_households": 876.6}, 1)
    assert vals["size"] == 877 and vals["other_size"] == 300
    # a larger street finds more problems at the same rate (the size is not ignored by the run)
    sim = Simulator(cfg)
    small = np.mean([simulate(ts.simulations["small"], {"n_households": 400}, s)["campaign_registered"] for s in (1, 2)])
    large = np.mean([simulate(ts.simulations["small"], {"n_households": 1200}, s)["campaign_registered"] for s in (1, 2)])
    assert large > 2 * small
    assert set(sim({"problem_rate": 0.006, "n_households": 900.0})) == {"registered"}
    # the ABC samples it, the posterior carries it, draws hold whole numbers, the scenario leaves it out
    history = run_abc(cfg, progress=False)
    df, w = posterior(history)
    assert "n_households" in df and df["n_households"].between(400, 1200).all() and df["n_households"].nunique() > 1
    draws = resample(df, w, 12, 3)
    assert draws["n_households"].dtype.kind == "i" and draws["n_households"].between(400, 1200).all()
    text = scenario_toml(cfg, summary(df, w))
    (tmp_path / "calibrated.toml").write_text(text)
    sc = load_scenario(tmp_path / "calibrated.toml")
    assert "n_households" not in sc.params and set(sc.params) == {"problem_rate"}
    assert "n_households (the calibrated street's size)" in text
    # a size prior where no target's simulation is street-sized, or a prior on another integer, is refused
    no_street = {**base, "targets": ["registered"]}
    (tmp_path / "t2.toml").write_text(SIZED_TARGETS.replace("street_sized = true\nsteps = 16", "steps = 16"))
    with pytest.raises(CalibrationError, match="street_sized"):
        parse_config({**no_street, "targets_file": str(tmp_path / "t2.toml")}, "x")
    with pytest.raises(CalibrationError, match="n_households"):
        parse_config({**base, "priors": {"n_communities": {"kind": "uniform", "low": 2, "high": 6}}}, "x")
    # a simulation cannot set the size among its parameters (it would hide the prior)
    (tmp_path / "t3.toml").write_text(SIZED_TARGETS.replace("door_knock_weeks = 4", "door_knock_weeks = 4\nn_households = 700"))
    with pytest.raises(CalibrationError, match="households"):
        load_targets(tmp_path / "t3.toml")
