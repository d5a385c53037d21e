"""Each policy's mechanical effect on its own proximal outcome has the sign its mechanism implies.

Twenty paired seeds (common random numbers: the same seed with and without the policy), a
one-sided Wilcoxon signed-rank test at the 1 % level. Emergent, distal effects are reported by
the experiments, not asserted here.
"""

import numpy as np
import pytest
from scipy import stats

from model import run

SEEDS = range(20)
SIZE = dict(steps=104, households=800)
FUND = {"fund_initial_yuan_per_household": 40, "fiscal_fund_yuan_per_household_year": 30}

# policy (overrides), proximal outcome, expected sign
TABLE = [
    ({"response_scoring_weight": 0.8}, "department_response_rate", +1),
    ({"grid_extra_workers": 1.0}, "problems_lost", -1),
    ({"grid_paperwork_cut": 0.5}, "problems_lost", -1),
    ({"grid_training": 0.3}, "problems_lost", -1),
    ({"digital_boost": 0.5}, "problems_lost", -1),
    ({"early_warning_level": 1.0, "digital_boost": 0.5}, "problems_registered", -1),
    ({"door_knock_weeks": 8, "door_knock_start": 10}, "problems_registered", +1),
    ({"points_per_act": 2.0, "fiscal_fund_yuan_per_household_year": 20}, "participation_rate", +1),
    ({"points_per_act": 2.0, "fiscal_fund_yuan_per_household_year": 20}, "points_redeemed", +1),
    ({"red_property_share": 1.0, **FUND}, "trap_share", -1),
    ({"party_coverage_boost": 0.8}, "trust_mean", +1),
    ({"culture_belonging_rate": 0.3}, "participation_rate", +1),
    ({"deliberation_rate": 2.0, "party_coverage_boost": 1.0}, "problems_lost", -1),
    ({"rider_recruit_share": 0.5}, "problems_registered", +1),
    ({"property_subsidy": 0.3, "fiscal_fund_yuan_per_household_year": 50}, "public_spending", +1),
    ({"cobuilding_capacity": 1.0}, "problems_lost", -1),
]


@pytest.fixture(scope="module")
def baseline():
    return [run("baseline", seed=s, **SIZE).summary["outcomes"] for s in SEEDS]


@pytest.mark.parametrize("overrides,outcome,sign", TABLE, ids=[f"{next(iter(o))}->{out}" for o, out, _ in TABLE])
def test_policy_moves_its_proximal_outcome_the_way_its_mechanism_implies(baseline, overrides, outcome, sign):
    diffs = np.array([run("baseline", seed=s, **SIZE, **overrides).summary["outcomes"][outcome] - b[outcome]
                      for s, b in zip(SEEDS, baseline)])
    assert np.any(diffs != 0), f"{overrides} leaves {outcome} unchanged in every seed"
    p = stats.wilcoxon(diffs, alternative="greater" if sign > 0 else "less").pvalue
    level = 0.01
    if "red_property_share" in overrides:
        # red property needs an organised compound left unmanaged; since firms bid for trapped
        # compounds too (issue 15), only a few of the 20 pairs offer one, so 1 % is out of reach:
        # 5 %, and no pair may move the wrong way
        level = 0.05
        assert np.all(diffs * sign >= 0), f"{overrides}: {outcome} moved the wrong way in some seed: {diffs}"
    assert p < level, (f"{overrides}: {outcome} should {'rise' if sign > 0 else 'fall'}; "
                      f"mean paired difference {diffs.mean():+.4g}, p = {p:.3g}")
