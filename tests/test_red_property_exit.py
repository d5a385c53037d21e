"""Red property has a budget and an exit: without yearly money it hands compounds back to tender
(the failure scenario `red_property_no_money`, which issue 16 builds on); with yearly money it
hands them back less often. Paired seeds (common random numbers)."""

import numpy as np
import pandas as pd

from model import CommunityModel

SEEDS = range(6)
SIZE = dict(n_households=3000)
WEEKS = 260
MONEY = {"fiscal_fund_yuan_per_household_year": 60.0}


def handbacks(seed: int, **extra) -> tuple[int, pd.DataFrame]:
    m = CommunityModel(rng=seed, scenario="red_property_no_money", collect=False, **SIZE, **extra)
    for _ in range(WEEKS):
        m.step()
        assert all(m.invariants().values()), [k for k, ok in m.invariants().items() if not ok]
    return m.outcomes["red_property_handbacks"], pd.DataFrame(m.events)


def test_red_property_without_yearly_money_hands_compounds_back():
    without = [handbacks(s) for s in SEEDS]
    with_money = [handbacks(s, **MONEY)[0] for s in SEEDS]
    counts = np.array([n for n, _ in without])
    assert np.mean(counts >= 1) >= 0.5, f"red property rarely hands back without yearly money: {counts}"
    for n, ev in without:
        back = ev[ev["event"] == "red property handed back"]
        assert len(back) == n and set(back["reason"]) <= {"red_budget"}, back
    diff = counts - np.array(with_money)
    assert np.all(diff >= 0) and diff.sum() > 0, f"yearly money does not keep red property going: {counts} vs {with_money}"
