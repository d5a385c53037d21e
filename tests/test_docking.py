"""Docking (Axtell et al. 1996): the vectorised model and the per-agent Mesa reference
implement one model. Over 30 seeds each, the distributions of five final outcomes agree
(two-sample Kolmogorov-Smirnov, each at 0.05 / 5 = 0.01, Bonferroni), and the same test
notices a real difference: with the problem rate raised by half in the reference only, it
rejects."""

import numpy as np
import pytest
from scipy import stats

from benchmarks.reference import ReferenceModel
from model import CommunityModel

OUTCOMES = ("trap_share", "fee_collection_rate", "environment_mean", "satisfaction_mean", "problems_registered")
SEEDS = range(30)
SIZE = dict(n_households=400, households_per_compound=60)
STEPS = 104
LEVEL = 0.05 / len(OUTCOMES)


def finals(cls, seeds=SEEDS, size=SIZE, steps=STEPS, **extra):
    rows = []
    for seed in seeds:
        m = cls(rng=seed, **size, **extra)
        for _ in range(steps):
            m.step()
        rows.append([m.outcomes[k] for k in OUTCOMES])
    return np.array(rows, float)


@pytest.fixture(scope="module")
def vectorised():
    return finals(CommunityModel)


@pytest.fixture(scope="module")
def reference():
    return finals(ReferenceModel)


def test_vectorised_and_reference_distributions_agree(vectorised, reference):
    for j, name in enumerate(OUTCOMES):
        p = stats.ks_2samp(vectorised[:, j], reference[:, j]).pvalue
        assert p > LEVEL, (f"{name}: distributions differ (KS p = {p:.3g}); vectorised mean "
                           f"{vectorised[:, j].mean():.4g}, reference mean {reference[:, j].mean():.4g}")


def test_docking_test_notices_a_shifted_rule(vectorised):
    shifted = finals(ReferenceModel, problem_rate=0.009)  # default 0.006: a 50 % higher problem rate
    j = OUTCOMES.index("problems_registered")
    p = stats.ks_2samp(vectorised[:, j], shifted[:, j]).pvalue
    assert p < LEVEL, f"the docking test missed a 50 % higher problem rate (p = {p:.3g})"


@pytest.mark.slow
def test_docking_holds_at_a_larger_size_and_longer_horizon():
    big = dict(seeds=range(40), size=dict(n_households=1000, households_per_compound=80), steps=260)
    v, r = finals(CommunityModel, **big), finals(ReferenceModel, **big)
    for j, name in enumerate(OUTCOMES):
        p = stats.ks_2samp(v[:, j], r[:, j]).pvalue
        assert p > LEVEL, f"{name}: distributions differ at 1,000 households over 5 years (KS p = {p:.3g})"
