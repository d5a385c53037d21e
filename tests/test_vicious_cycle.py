"""The vicious cycle emerges from its feedback loop: two long-run states, hysteresis, and a
single state once the loop is cut. Over many seeds, with a paired statistical test."""

import numpy as np
import pytest
from scipy import stats

from experiments.vicious_cycle import hysteresis, long_run_managed

SEEDS = range(10)
SMALL = dict(n_compounds=8, households=150)


@pytest.fixture(scope="module")
def end_states():
    full = [long_run_managed(s, steps=364, **SMALL) for s in SEEDS]
    cut = [long_run_managed(s, steps=364, cut_link=True, **SMALL) for s in SEEDS]
    return full, cut


def test_identical_old_compounds_settle_in_two_states_by_their_start(end_states):
    full, _ = end_states
    managed = np.array([d["managed at start"] for d in full])
    unmanaged = np.array([d["unmanaged at start"] for d in full])
    p = stats.wilcoxon(managed, unmanaged, alternative="greater").pvalue
    assert p < 0.01, f"start state leaves no lasting mark: managed {managed}, unmanaged {unmanaged}, p={p:.3g}"
    assert managed.mean() > 0.7, f"compounds that start with a firm mostly lose it: {managed.mean():.2f} kept"
    assert unmanaged.mean() < 0.2, f"unmanaged compounds attract firms without help: {unmanaged.mean():.2f}"


def test_cutting_payment_from_satisfaction_removes_the_second_state(end_states):
    _, cut = end_states
    managed = np.array([d["managed at start"] for d in cut])
    unmanaged = np.array([d["unmanaged at start"] for d in cut])
    assert np.allclose(managed, unmanaged, atol=0.15), (
        f"with payment independent of satisfaction the start still matters: {managed} vs {unmanaged}")


def test_subsidy_swept_up_then_down_shows_hysteresis():
    levels = (0.0, 0.3, 0.6, 0.9, 1.2)
    runs = [hysteresis(s, levels=levels, weeks_per_level=104, n_compounds=6, households=150) for s in range(4)]
    gaps = []
    for df in runs:
        up = df[df.leg == "up"].set_index("subsidy")["trap_share"]
        down = df[df.leg == "down"].set_index("subsidy")["trap_share"]
        assert up.loc[0.0] == 1.0, "before any subsidy every old compound should be unmanaged"
        assert up.loc[max(levels)] < 0.5, f"even the largest subsidy leaves the trap: {up.loc[max(levels)]}"
        gaps.append(float(up.loc[0.0] - down.loc[0.0]))  # the same zero subsidy, before and after the sweep
    assert min(gaps) > 0.5, f"withdrawing the subsidy brings the trap straight back (no hysteresis): gaps {gaps}"
