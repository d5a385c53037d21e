"""Docking (Axtell et al. 1996): the vectorised model and the per-agent Mesa reference
implement one model, the property market included (the reference has its own per-object
companies, tenders and red property, issue 15). Over 30 seeds each, the distributions of nine
final outcomes agree (two-sample Kolmogorov-Smirnov, each at 0.05 / 9, Bonferroni), and the same
test notices a real difference: with the problem rate raised by half, or firms' costs raised by
a fifth, in the reference only, it rejects. The same holds for the departments scored on their
record (issue 16): with response scoring and short capacity, the outcomes of the record, the
other duties and the gaming agree, and cutting the departments' gaming propensity to a sixth in
the reference only is noticed (at this small street whistles are few: halving it is not
reliably noticed with 30 seeds). And for a year of culture work followed by belonging fading
without upkeep: the outcomes agree over 20 seeds, and a fade slower by a fifth in the reference
only is noticed."""

import numpy as np
import pytest
from scipy import stats

from benchmarks.reference import ReferenceModel
from model import CommunityModel

OUTCOMES = ("trap_share", "fee_collection_rate", "environment_mean", "satisfaction_mean", "problems_registered",
            "firm_entries", "firm_exits", "provider_changes", "fee_mean")
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


def test_docking_test_notices_a_shifted_market(vectorised):
    shifted = finals(ReferenceModel, cost_old=1.02, cost_commercial=1.44)  # defaults 0.85, 1.2: a fifth dearer
    p = min(stats.ks_2samp(vectorised[:, j], shifted[:, j]).pvalue
            for j in (OUTCOMES.index("trap_share"), OUTCOMES.index("fee_mean"), OUTCOMES.index("provider_changes")))
    assert p < LEVEL, f"the docking test missed firms' costs raised by a fifth (smallest p = {p:.3g})"


@pytest.mark.slow
def test_docking_holds_at_a_larger_size_and_longer_horizon():
    big = dict(seeds=range(40), size=dict(n_households=1000, households_per_compound=80), steps=260)
    v, r = finals(CommunityModel, **big), finals(ReferenceModel, **big)
    for j, name in enumerate(OUTCOMES):
        p = stats.ks_2samp(v[:, j], r[:, j]).pvalue
        assert p > LEVEL, f"{name}: distributions differ at 1,000 households over 5 years (KS p = {p:.3g})"


# ---- departments scored on their record, with short capacity (other duties, gaming, grid paperwork)
SCORED = dict(department_capacity=0.5, response_scoring_weight=0.8)
SCORED_OUTCOMES = ("resolution_rate", "reported_resolution_rate", "department_other_backlog", "trust_mean",
                   "whistles_closed_on_paper", "grid_hours_cases")
SCORED_LEVEL = 0.05 / len(SCORED_OUTCOMES)


def scored_finals(cls, **extra):
    rows = []
    for seed in SEEDS:
        m = cls(rng=seed, **SIZE, **SCORED, **extra)
        for _ in range(STEPS):
            m.step()
        rows.append([m.outcomes[k] for k in SCORED_OUTCOMES])
    return np.array(rows, float)


@pytest.fixture(scope="module")
def vectorised_scored():
    return scored_finals(CommunityModel)


def test_scored_departments_dock(vectorised_scored):
    reference = scored_finals(ReferenceModel)
    for j, name in enumerate(SCORED_OUTCOMES):
        p = stats.ks_2samp(vectorised_scored[:, j], reference[:, j]).pvalue
        assert p > SCORED_LEVEL, (f"{name} under scoring: distributions differ (KS p = {p:.3g}); vectorised mean "
                                  f"{vectorised_scored[:, j].mean():.4g}, reference mean {reference[:, j].mean():.4g}")


def test_docking_notices_a_changed_gaming_rule(vectorised_scored):
    shifted = scored_finals(ReferenceModel, department_gaming_propensity=0.05)  # default 0.3: a sixth
    j = SCORED_OUTCOMES.index("whistles_closed_on_paper")
    p = stats.ks_2samp(vectorised_scored[:, j], shifted[:, j]).pvalue
    assert p < SCORED_LEVEL, f"the docking test missed a gaming propensity cut to a sixth (p = {p:.3g})"


# ---- community culture for a year, then belonging fading without upkeep (issue 16)
CULTURE = dict(culture_belonging_rate=0.3, culture_end=52)
CULTURE_OUTCOMES = ("belonging_mean", "participation_rate", "trust_mean", "satisfaction_mean")
CULTURE_SEEDS = range(20)
CULTURE_LEVEL = 0.05 / len(CULTURE_OUTCOMES)


def culture_finals(cls, **extra):
    rows = []
    for seed in CULTURE_SEEDS:
        m = cls(rng=seed, **SIZE, **CULTURE, **extra)
        for _ in range(STEPS):
            m.step()
        rows.append([m.outcomes[k] for k in CULTURE_OUTCOMES])
    return np.array(rows, float)


def test_culture_and_fading_belonging_dock():
    v, r = culture_finals(CommunityModel), culture_finals(ReferenceModel)
    for j, name in enumerate(CULTURE_OUTCOMES):
        p = stats.ks_2samp(v[:, j], r[:, j]).pvalue
        assert p > CULTURE_LEVEL, (f"{name} with culture: distributions differ (KS p = {p:.3g}); vectorised mean "
                                   f"{v[:, j].mean():.4g}, reference mean {r[:, j].mean():.4g}")
    slower = culture_finals(ReferenceModel, belonging_fade_rate=0.4)  # default 0.5
    p = stats.ks_2samp(v[:, 0], slower[:, 0]).pvalue
    assert p < CULTURE_LEVEL, f"the docking test missed a slower fade of belonging (p = {p:.3g})"
