"""The participatory classroom's street (`govsim class`): decisions act through the model's own rules.

No browser and no server here: the class's shared street (`classroom.live.street.ClassStreet`)
is driven directly, with a clock the test moves, so every check is deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classroom.live.roles import Refused
from classroom.live.street import ROUND_WEEKS, ClassStreet
from model.model import CommunityModel
from model.overrides import CommitteeDecision, Overrides
from model.world import FIRM

HH = 3000  # 12 compounds: quick, and every role has places


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def same_state(a: CommunityModel, b: CommunityModel) -> None:
    """Bit for bit: households, compounds, problems, the ledger and every weekly outcome."""
    for name in ("satisfaction", "trust", "belonging", "paying", "participating", "points", "pay_prob"):
        assert np.array_equal(getattr(a.residents, name), getattr(b.residents, name)), name
    for name in ("provider", "owner", "env", "service", "fee", "revenue_ewma", "profit_ewma", "collection"):
        assert np.array_equal(getattr(a.market, name), getattr(b.market, name)), name
    assert [f.reserve for f in a.firm_list] == [f.reserve for f in b.firm_list]
    assert np.array_equal(a.problems.state, b.problems.state) and np.array_equal(a.problems.level_pos, b.problems.level_pos)
    assert a.ledger.by_use() == b.ledger.by_use()
    assert pd.DataFrame(a.events).equals(pd.DataFrame(b.events))  # NaN figures compare equal here
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe(),
                                  check_exact=True)


def play(st: ClassStreet, rounds: int) -> None:
    for _ in range(rounds):
        st.play_round()


def test_a_class_nobody_joins_is_the_simulated_run_bit_for_bit():
    st = ClassStreet(seed=4, households=HH, clock=Clock())
    st.teacher_action("start-nonce-1", "start")
    play(st, 3)
    plain = CommunityModel(rng=4, scenario="baseline", n_households=HH)
    for _ in range(3 * ROUND_WEEKS):
        plain.step()
    same_state(st.main.model, plain)
    same_state(st.twin.model, plain)


def test_an_empty_override_and_the_rule_s_own_choice_change_nothing():
    """The hook itself is neutral: set but empty, or a committee that leaves the fee to its households."""
    a = CommunityModel(rng=2, n_households=HH)
    b = CommunityModel(rng=2, n_households=HH)
    c = CommunityModel(rng=2, n_households=HH)
    for _ in range(12):
        b.overrides = Overrides()
        c.overrides = Overrides(committees={0: CommitteeDecision(fee_stance=0)})
        for m in (a, b, c):
            m.step()
    same_state(a, b)
    same_state(a, c)


@pytest.mark.parametrize("scenario", ["combined", "culture_without_upkeep", "points_without_money",
                                      "scoring_short_departments", "door_knocking_scarce_time", "c3_digital"])
def test_the_week_in_one_call_is_the_rules_one_by_one(scenario):
    """Without hooks the residents' rules run as one compiled call (`Residents.week`), and so does the
    sharing of the grid workers' hours (`GridHours.share_week`); with the hooks set (here empty)
    they run one by one: the same state, bit for bit, with points, culture work and its fading,
    closures on paper, scored whistles' paperwork, meetings, the door-knocking campaign with too
    few hours, and the early warning's checks in play."""
    a = CommunityModel(rng=5, scenario=scenario, n_households=HH)
    b = CommunityModel(rng=5, scenario=scenario, n_households=HH)
    b.overrides = Overrides()
    for _ in range(120):
        a.step()
        b.step()
    same_state(a, b)
    for name in ("recent_resolved", "recent_lost", "points_belief", "points_redeemed_yuan", "fee_burden_pct"):
        assert np.array_equal(getattr(a.residents, name), getattr(b.residents, name)), name
    assert np.array_equal(a.fee_credit, b.fee_credit)
    assert a.points_redeemed == b.points_redeemed and a.points_redeemed_yuan == b.points_redeemed_yuan
    assert a.grid_hours.total == b.grid_hours.total and a.campaign_visits_now == b.campaign_visits_now
    for name in ("_patrol", "_case_capacity", "_meetings_held", "_warning_check", "_warning_followed"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def firm_tenure(st: ClassStreet, which, c: int, weeks: int) -> int:
    """Week in which the compound's company first left it (weeks + 1 if none did). Under issue 15's
    market a company leaves a contract that has lost money for longer than its patience; the
    compound is tendered again at once, so another company may take it."""
    model = st.main.model if which == "class" else st.twin.model
    name = model.world.compounds["compound"].iloc[c]
    left = [e["step"] for e in model.events if e["compound"] == name and e["event"] == "firm left"]
    return min(left) if left else weeks + 1


def test_a_committee_that_opposes_the_fee_every_round_loses_its_firm_sooner_than_its_twin():
    """Paired seeds (common random numbers): the class street against the same street all simulated.
    The stance acts only through the households' own payment rule; the company leaves by its own rule."""
    rounds, diffs = 26, []
    for seed in range(6):
        clock = Clock()
        st = ClassStreet(seed=seed, households=HH, clock=clock)
        p = st.join("committee", "committee")
        c = int(p.place)
        assert st.main.model.market.provider[c] == FIRM  # the first committee place: an old compound with a firm
        st.teacher_action(f"start-{seed}-abc", "start")
        for r in range(rounds):
            st.decide(p.token, r + 1, f"oppose-{seed}-{r}-x", {"fee_stance": -1})
            clock.t += 1.0
            assert st.due(), "everyone here decided: the round must close"
            st.play_round()
        weeks = rounds * ROUND_WEEKS
        diffs.append(firm_tenure(st, "twin", c, weeks) - firm_tenure(st, "class", c, weeks))
    d = np.array(diffs, float)
    se = d.std(ddof=1) / np.sqrt(len(d)) if d.std() > 0 else 0.0
    assert d.mean() > 0 and d.mean() > 3 * se and (d > 0).all(), f"weeks of firm kept (twin - class) by seed: {diffs}"


def test_a_saved_class_resumes_to_the_same_street(tmp_path):
    clock = Clock()
    path = tmp_path / "class.json"
    st = ClassStreet(seed=7, households=HH, save_path=path, clock=clock)
    players = {r: st.join(f"p-{r}", r) for r in ("committee", "grid", "department", "firm")}
    st.teacher_action("start-abcdefgh", "start")
    vacant = [int(c) for c in np.flatnonzero(st.main.model.market.provider == 0)]
    decisions = {"committee": {"fee_stance": 1, "tender": True, "report": True, "deliberate": True, "volunteer": True},
                 "grid": {"cases": 40, "patrols": 20, "visits": 20, "paperwork": 20},
                 "department": {"whistle_share": 0.1, "close_by_reply": True},
                 "firm": {"service": 0.9, "leave": False, "bids": vacant[:1]}}
    for r in range(3):
        for role, p in players.items():
            st.decide(p.token, r + 1, f"n-{role}-{r}-abcdef", decisions[role])
        st.play_round()
        if r == 1:
            st.set_preset("c2_party_and_red_property")
    assert path.exists()
    back = ClassStreet.resume(path, save_path=tmp_path / "again.json")
    assert back.round == 3 and back.preset == "c2_party_and_red_property"
    same_state(back.main.model, st.main.model)
    same_state(back.twin.model, st.twin.model)
    assert [d.gamed for d in back.main.model.departments] == [d.gamed for d in st.main.model.departments]


def test_refused_requests_change_nothing():
    clock = Clock()
    st = ClassStreet(seed=1, households=HH, clock=clock)
    p = st.join("amy", "committee")
    with pytest.raises(Refused):  # not open before the teacher starts
        st.decide(p.token, 1, "early-nonce-1", {"fee_stance": 1})
    st.teacher_action("start-nonce-xy", "start")
    st.decide(p.token, 1, "first-nonce-1", {"fee_stance": 1})
    bad = [("forged-token", 1, "fresh-nonce-1", {"fee_stance": -1}),     # a forged player
           (p.token, 1, "first-nonce-1", {"fee_stance": -1}),            # a replay
           (p.token, 2, "fresh-nonce-2", {"fee_stance": -1}),            # a round that is not open
           (p.token, 0, "fresh-nonce-3", {"fee_stance": -1}),            # a stale round
           (p.token, 1, "short", {"fee_stance": -1}),                    # a malformed nonce
           (p.token, 1, "fresh-nonce-4", {"fee_stance": 2}),             # out of range
           (p.token, 1, "fresh-nonce-5", {"fee_stance": -1, "x": 1}),    # an unknown field
           (p.token, 1, "fresh-nonce-6", {"fee_stance": True}),          # a wrong type
           (p.token, 1, "fresh-nonce-7", ["fee_stance"]),                # not an object
           (p.token, "1", "fresh-nonce-8", {"fee_stance": -1})]          # a round that is not a number
    for args in bad:
        with pytest.raises(Refused):
            st.decide(*args)
    assert st.decided(p) == {"fee_stance": 1, "tender": False, "report": False, "deliberate": False, "volunteer": False}
    with pytest.raises(Refused):
        st.teacher_action("start-nonce-xy", "close", round=1)  # the teacher's replay too
    assert st.round == 0


def test_a_student_who_leaves_or_goes_away_never_stalls_a_round():
    clock = Clock()
    st = ClassStreet(seed=1, households=HH, clock=clock)
    a, b, c = st.join("a", "committee"), st.join("b", "grid"), st.join("c", "department")
    st.teacher_action("start-nonce-ab", "start")
    st.decide(a.token, 1, "a-decides-1", {"fee_stance": -1})
    assert not st.due()
    st.leave(b.token)  # b leaves: the simulated rule plays the grid
    assert not st.due()
    clock.t += 30.0  # c's phone went quiet: away after PRESENT_SECONDS
    st.player(a.token)  # a is still polling
    assert st.due(), "the only player here has decided"
    st.play_round()
    assert st.round == 1 and set(st.log[0]["played"]) == {a.slot}
    # a disconnect loses no decision: a decision made, then silence, still counts when the round closes
    st.decide(a.token, 2, "a-decides-2", {"fee_stance": 1})
    clock.t += 1000.0
    assert st.due()  # the countdown (pace default 90 s) ran out
    st.play_round()
    assert st.log[1]["played"][a.slot]["decision"]["fee_stance"] == 1


def test_a_department_head_who_closes_by_reply_games_the_record_through_the_model_s_own_gaming():
    """Issue 16's gaming (closed on paper, the problem stays open), chosen by a student without scoring."""
    clock = Clock()
    st = ClassStreet(seed=7, households=HH, clock=clock)
    p = st.join("head", "department")
    st.teacher_action("start-nonce-dp", "start")
    for r in range(10):
        st.decide(p.token, r + 1, f"reply-{r}-nonce", {"whistle_share": 0.1, "close_by_reply": True})
        st.play_round()
    mine = next(d for d in st.main.model.departments if d.name == p.place)
    twin = next(d for d in st.twin.model.departments if d.name == p.place)
    assert mine.gamed > 0 and twin.gamed == 0, "only the played head closes by reply (no scoring in the baseline)"
    assert st.main.model.problems.c.gamed == mine.gamed
    assert mine.answered < twin.answered, "a tenth of the capacity answers fewer whistles for real"

