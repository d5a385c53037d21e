"""Policies that fail or backfire through their costs, shown on paired seeds (common random numbers).

Each shipped failure scenario is run against the same street with the policy switched off (or
changed in one respect), seed by seed, so a difference is the policy's and not noise. "Beyond
seed noise" means the mean paired difference is more than two standard errors from zero.
"""

import numpy as np

from model import CommunityModel


def weeks(scenario: str, seed: int, households: int, marks: tuple[int, ...], **overrides) -> dict[int, dict]:
    """Outcomes at the weeks `marks` of one run (plus the raw problem counters)."""
    m = CommunityModel(rng=seed, scenario=scenario, n_households=households, collect=False, **overrides)
    out = {}
    for week in range(1, max(marks) + 1):
        m.step()
        if week in marks:
            c = m.problems.c
            out[week] = {**m.outcomes,
                         "other_unresolved": (c.registered - c.campaign_registered) - (c.resolved - c.campaign_resolved)}
    m.release()
    return out


def beyond_noise(d: np.ndarray, sign: int) -> bool:
    d = np.asarray(d, float)
    se = d.std(ddof=1) / np.sqrt(len(d))
    return sign * d.mean() > 2.0 * se and sign * d.mean() > 0


def test_points_with_an_empty_fund_lose_their_pull():
    """Points raise participation at first; once redemptions fail (no fund) residents and their
    neighbours learn that points are worth nothing, and the effect vanishes; a funded scheme keeps it."""
    seeds, n, marks = range(10), 600, (26, 260)
    early, late, funded_late, belief = [], [], [], []
    for s in seeds:
        off = weeks("points_without_money", s, n, marks, points_per_act=0.0)
        on = weeks("points_without_money", s, n, marks)
        funded = weeks("points_without_money", s, n, marks, fiscal_fund_yuan_per_household_year=20.0)
        early.append(on[26]["participation_rate"] - off[26]["participation_rate"])
        late.append(on[260]["participation_rate"] - off[260]["participation_rate"])
        funded_late.append(funded[260]["participation_rate"] - off[260]["participation_rate"])
        belief.append(on[260]["points_belief_mean"])
        assert funded[260]["points_belief_mean"] == 1.0, "a fund that pays every redemption should keep belief whole"
    assert beyond_noise(early, +1), f"points should raise participation before anyone tries to redeem: {np.mean(early):+.3f}"
    assert beyond_noise(funded_late, +1), f"funded points should keep participation up: {np.mean(funded_late):+.3f}"
    assert abs(np.mean(late)) < 0.25 * np.mean(funded_late), (
        f"unpaid points should lose their effect: week-260 effect {np.mean(late):+.4f} against "
        f"{np.mean(funded_late):+.4f} when funded")
    assert max(belief) < 0.1, f"residents should stop believing in unpaid points (belief {max(belief):.2f})"


def test_door_knocking_under_scarce_grid_time_leaves_other_problems_unresolved():
    """The campaign's visits come before casework and patrols; in large grids busy with paperwork
    they take most of the hours, so problems found in other ways go unresolved more often than
    if the same visits cost no time, and more problems are lost than without the campaign."""
    seeds, n, marks = range(16), 1000, (52,)
    other, lost, cases = [], [], []
    for s in seeds:
        on = weeks("door_knocking_scarce_time", s, n, marks)[52]
        free = weeks("door_knocking_scarce_time", s, n, marks, door_knock_hours_per_visit=0.0)[52]
        off = weeks("door_knocking_scarce_time", s, n, marks, door_knock_weeks=0)[52]
        other.append(on["other_unresolved"] - free["other_unresolved"])
        lost.append(on["problems_lost"] - off["problems_lost"])
        cases.append(on["grid_hours_cases"] - off["grid_hours_cases"])
        assert on["grid_hours_visits"] > 0 and free["grid_hours_visits"] == 0
    assert max(cases) < 0, "campaign visits should take hours from casework"
    assert beyond_noise(other, +1), (f"problems found by other channels should go unresolved more often: "
                                     f"mean paired difference {np.mean(other):+.2f}")
    assert beyond_noise(lost, +1), f"the campaign should leave more problems lost: {np.mean(lost):+.2f}"


def test_response_scoring_with_short_departments_grows_other_backlog_and_the_reporting_gap():
    """Scored on their record with too little capacity, departments move capacity to whistles
    (their own duties pile up) and close some whistles on paper: the records' resolution rate
    runs ahead of what residents experience, and residents' trust falls with it."""
    seeds, n, marks = range(12), 1000, (260,)
    backlog, gap, trust = [], [], []
    for s in seeds:
        on = weeks("scoring_short_departments", s, n, marks)[260]
        off = weeks("scoring_short_departments", s, n, marks, response_scoring_weight=0.0)[260]
        honest = weeks("scoring_short_departments", s, n, marks, department_gaming_propensity=0.0)[260]
        assert off["department_other_backlog"] == 0.0 and off["reported_resolution_rate"] == off["resolution_rate"]
        backlog.append(on["department_other_backlog"] - off["department_other_backlog"])
        gap.append(on["reported_resolution_rate"] - on["resolution_rate"])
        trust.append(on["trust_mean"] - honest["trust_mean"])
    assert min(backlog) >= 0 and beyond_noise(backlog, +1), f"other backlog should grow: {np.mean(backlog):+.1f}"
    assert beyond_noise(gap, +1), f"records should overstate resolution: gap {np.mean(gap):+.3f}"
    assert beyond_noise(trust, -1), f"gamed closures should cost trust: {np.mean(trust):+.4f}"


def test_culture_without_upkeep_fades():
    """Two years of culture work raise belonging and participation; without upkeep both fade back."""
    seeds, n, marks = range(8), 600, (104, 520)
    b104, b520, p104, p520 = [], [], [], []
    for s in seeds:
        on = weeks("culture_without_upkeep", s, n, marks)
        off = weeks("culture_without_upkeep", s, n, marks, culture_belonging_rate=0.0)
        b104.append(on[104]["belonging_mean"] - off[104]["belonging_mean"])
        b520.append(on[520]["belonging_mean"] - off[520]["belonging_mean"])
        p104.append(on[104]["participation_rate"] - off[104]["participation_rate"])
        p520.append(on[520]["participation_rate"] - off[520]["participation_rate"])
    assert beyond_noise(b104, +1) and beyond_noise(p104, +1), "culture work should raise belonging and participation"
    assert np.mean(b520) < 0.1 * np.mean(b104), f"belonging should fade: {np.mean(b104):+.3f} -> {np.mean(b520):+.3f}"
    assert abs(np.mean(p520)) < 0.25 * np.mean(p104), (
        f"participation gained should fade: {np.mean(p104):+.4f} -> {np.mean(p520):+.4f}")


def test_the_points_lesson_is_the_mean_over_neighbours_who_tried():
    """The fast count over the triers' own ties gives what the network mean W @ x gives."""
    m = CommunityModel(rng=3, n_households=1500)
    r, W = m.residents, m.world.W
    rng = np.random.default_rng(0)
    for share in (0.002, 0.02, 0.3):
        tried = rng.random(r.n) < share
        paid = tried & (rng.random(r.n) < 0.5)
        before = rng.random(r.n)
        r.points_belief = before.copy()
        r.learn_points_value(m.p, tried, paid, W)
        nb = W @ np.column_stack([tried, paid]).astype(float)
        seen = np.where(tried, paid, np.divide(nb[:, 1], nb[:, 0], out=np.zeros(r.n), where=nb[:, 0] > 0))
        expected = before + m.p["points_learning_rate"] * (tried | (nb[:, 0] > 0)) * (seen - before)
        assert np.allclose(r.points_belief, expected, rtol=0, atol=1e-12)
