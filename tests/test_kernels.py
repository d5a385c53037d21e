"""The compiled kernels' building blocks give numpy's floats bit for bit (issue 17).

Speed work must not move any result: `tools/fingerprint.py` checks whole runs; these check the
pieces that make that possible on any input, including the awkward ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from model.jit import np_sum
from model.streams import Streams, splitmix_uniform, stream_key

floats = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=300)
@given(hnp.arrays(np.float64, st.integers(0, 700), elements=floats))
def test_np_sum_is_numpys_pairwise_sum(a):
    assert np_sum(a) == float(a.sum()) or (np.isnan(np_sum(a)) and np.isnan(a.sum()))


def test_np_sum_over_block_boundaries_and_large_arrays():
    rng = np.random.default_rng(3)
    for n in (7, 8, 9, 127, 128, 129, 255, 256, 257, 8191, 8192, 8193, 100_003):
        a = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 6, size=n)  # wide magnitudes: order matters
        assert np_sum(a) == float(a.sum()), n


def test_order_matters_for_these_inputs():
    """The check above could not fail if any order gave the same float: show that it does not."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=1000) * 10.0 ** rng.uniform(-6, 6, size=1000)
    assert sum(a.tolist()) != float(a.sum())


@settings(max_examples=50)
@given(st.integers(0, 2**31), st.integers(0, 10_000), st.lists(st.integers(0, 2**40), min_size=1, max_size=50))
def test_counter_based_uniform_in_a_kernel_is_the_streams_own(seed, step, idx):
    s = Streams(seed)
    idx = np.array(idx, np.int64)
    inside = np.array([splitmix_uniform(s.offset("problems.handle", step), i) for i in idx])
    np.testing.assert_array_equal(inside, s.hashed("problems.handle", step, idx))
    assert np.all((inside >= 0) & (inside < 1))


def test_every_engine_kernel_is_stamped_with_the_whole_engine():
    """A kernel calling another file's kernel must be recompiled when that file changes (numba
    alone checks only the kernel's own file): engine kernels use the engine-wide stamp."""
    import model.model  # noqa: F401  (imports every module with kernels)
    from numba.core.registry import CPUDispatcher

    from model.jit import ENGINE_DIRS, EngineInTreeLocator, EngineUserProvidedLocator, EngineUserWideLocator

    seen = 0
    for name, module in list(sys.modules.items()):
        if not (name.startswith("model.") or name.startswith("agents.")):
            continue
        for obj in vars(module).values():
            if isinstance(obj, CPUDispatcher) and Path(obj.py_func.__code__.co_filename).resolve().parent in ENGINE_DIRS:
                assert isinstance(obj._cache._impl.locator, (EngineUserProvidedLocator, EngineInTreeLocator, EngineUserWideLocator)), name
                seen += 1
    assert seen >= 5


def test_engine_stamp_changes_when_any_engine_file_changes(tmp_path):
    from model.jit import engine_source_stamp

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "rules.py").write_text("x = 1\n")
    helper = tmp_path / "b" / "helpers.py"
    helper.write_text("y = 2\n")
    dirs = (tmp_path / "a", tmp_path / "b")
    before = engine_source_stamp(dirs)
    assert engine_source_stamp(dirs) == before
    helper.write_text("y = 3\n")
    os.utime(helper, ns=(helper.stat().st_atime_ns, helper.stat().st_mtime_ns + 1_000_000))
    assert engine_source_stamp(dirs) != before


ROOT = Path(__file__).resolve().parents[1]
_FIRST_CALLS = r"""
import json, sys
from model import CommunityModel
from model.jit import _KERNELS, load_cached_kernels
loaded = load_cached_kernels() if sys.argv[1] == "load" else 0
before = [len(k.overloads) for k in _KERNELS]
m = CommunityModel(rng=0, scenario="combined", n_households=300, collect=True)
for _ in range(60):
    m.step()
print(json.dumps({"loaded": loaded, "loaded_in_run": sum(len(k.overloads) for k in _KERNELS) - sum(before)}))
"""


@pytest.mark.parametrize("load", [False, True])
def test_loading_the_cached_kernels_first_leaves_none_to_load_inside_a_run(load):
    """`load_cached_kernels` loads, before a run, every kernel the run calls (the session's first
    run, `conftest.py`, put them all in the disk cache): a benchmark's timing then holds no kernel's
    first load. Without it the same run loads kernels as it goes (the check can tell)."""
    out = subprocess.run([sys.executable, "-c", _FIRST_CALLS, "load" if load else "lazy"], cwd=ROOT,
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    r = json.loads(out.stdout.strip().splitlines()[-1])
    if load:
        assert r["loaded"] > 20 and r["loaded_in_run"] == 0, r
    else:
        assert r["loaded"] == 0 and r["loaded_in_run"] > 20, r


def _winner_from_full_books(profit, worst, at_risk, score, cost):
    """The published rule read off every bidder's full books (numpy): each bidder's best-scoring
    acceptable option (the first on a tie), the best offer wins, ties to the cheaper company."""
    win = (-1, -1, -np.inf)
    for b in range(profit.shape[0]):
        ok = (profit[b] >= 0.0) & (worst[b] <= at_risk[b]) & (score > -np.inf)
        if not ok.any():
            continue
        j = int(np.flatnonzero(ok)[np.argmax(score[ok])])
        if win[0] < 0 or score[j] > win[2] or (score[j] == win[2] and cost[b] < cost[win[0]]):
            win = (b, j, score[j])
    return win


def test_a_tender_reads_each_bidders_books_only_as_far_as_it_needs():
    """`best_bid` (books read lazily, per service level) picks the same winner, option, score,
    expected collection and worst loss as the rule applied to `appraise`'s full books, over
    compounds, bands, reserves and score ties (a coarse score grid makes ties common); the tender's
    own call (`street_bid`: yardstick, rates and log-odds in one kernel) returns the same floats."""
    from model import CommunityModel
    from model.appraisal import appraise, best_bid, street_bid, yardstick

    m = CommunityModel(rng=5, n_households=1200, households_per_compound=100, scenario="combined", collect=False)
    for _ in range(30):
        m.step()
    office, p, w = m.tender_office, m.p, m.world
    satisfaction, participation = w.compound_mean(m.residents.satisfaction), m._participation_share()
    rng = np.random.default_rng(0)
    checked = won = 0
    for trial in range(60):
        c = int(rng.integers(w.n_compounds))
        site, street, lo_c, hi_c = m._tender_inputs(c, satisfaction, participation, float(rng.uniform(0.05, 0.9)))
        ruler = yardstick(p, *street)
        fees, services, levels, level_of = office.options(p, lo_c, hi_c)
        k = len(m.firm_list)
        dear = trial % 3 == 0  # dear companies that risk nothing: often no acceptable bid
        cost = rng.uniform(2.0, 4.0, k) if dear else rng.uniform(0.6, 1.6, k)
        at_risk = np.zeros(k) if dear else rng.uniform(0.0, 3e5, k) * (rng.random(k) < 0.8)
        score = np.round(rng.uniform(0, 1, len(fees)), 1) if trial % 2 else office.score(p, c, fees, services, lo_c, hi_c)
        by_score = np.argsort(-score, kind="stable")
        profit, worst, paying = appraise(p, site, ruler, fees, services, cost)
        expect = _winner_from_full_books(profit, worst, at_risk, score, cost)
        i, j, best, collection, worst_loss = best_bid(p, site, ruler, fees, levels, level_of, cost, at_risk,
                                                      score, by_score)
        assert (i, j) == expect[:2]
        same = street_bid(p, site, street, fees, levels, level_of, cost, at_risk, score, by_score)
        np.testing.assert_array_equal(same, (i, j, best, collection, worst_loss))
        if i >= 0:
            won += 1
            assert best == expect[2] and collection == paying[i, j] and worst_loss == worst[i, j]
        checked += 1
    assert checked == 60 and 5 < won < 60  # both outcomes occur: the check can fail either way


def test_the_log_odds_kernel_is_scipys_logit():
    """`logit_of` restates scipy's `logit` so the tender's yardstick needs no ufunc call: the same
    floats over the unit interval, both branches' edges (0.3, 0.65), near 0 and 1, 0, 1, outside and nan."""
    from numba import njit
    from scipy.special import logit

    from model.appraisal import logit_of

    every = njit(error_model="numpy")(lambda x: np.array([logit_of(v) for v in x]))
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.random(200_000), rng.random(2_000) * 1e-9, 1.0 - rng.random(2_000) * 1e-9,
                        np.nextafter(0.3, [0.0, 1.0]), np.nextafter(0.65, [0.0, 1.0]),
                        [0.0, 1.0, 0.3, 0.5, 0.65, -0.5, 1.5, np.nan, np.inf, 5e-324]])
    np.testing.assert_array_equal(every(x), logit(x))


def test_the_tender_calendar_is_the_rules_one_by_one():
    """`tender_calendar` (contracts ending, their re-tender draws, the tenders due, in one call) gives
    what `contracts_ending`, `Streams.hashed` and `tenders_due` give called in turn, on random calendars."""
    from model.tendering import NOT_DUE, contracts_ending, tender_calendar, tenders_due
    from model.world import FIRM, NONE, RED

    rng = np.random.default_rng(4)
    streams = Streams(9)
    moved = 0
    for trial in range(200):
        n, now, share, weeks = int(rng.integers(1, 40)), int(rng.integers(0, 60)), float(rng.random()), 156
        provider = rng.choice(np.array([FIRM, NONE, RED], dtype=np.int8), n)
        contract_end = rng.integers(0, 80, n).astype(np.int64)
        tender_due = np.where(rng.random(n) < 0.3, rng.integers(0, 80, n), NOT_DUE).astype(np.int64)
        end_a, due_a = contract_end.copy(), tender_due.copy()
        ending = contracts_ending(provider, end_a, due_a, now)
        for c, x in zip(ending, streams.hashed("tendering.retender", now, ending)):
            if x < share:
                due_a[c] = now
            else:
                end_a[c] += weeks
        expect = tenders_due(due_a, now)
        got = tender_calendar(provider, contract_end, tender_due, now, streams.offset("tendering.retender", now),
                              share, weeks)
        np.testing.assert_array_equal(got, expect)
        np.testing.assert_array_equal(contract_end, end_a)
        np.testing.assert_array_equal(tender_due, due_a)
        moved += len(ending)
    assert moved > 100  # contracts did end, so both branches were taken


@settings(max_examples=60)
@given(st.integers(1, 9), st.integers(0, 400), st.booleans(), st.integers(0, 2**31))
def test_per_compound_sums_kept_in_registers_are_bincounts_in_any_order(n_c, n, shuffled, seed):
    """`collect_fees`, the participation share and compound means keep a compound's running sums
    in registers while its households follow each other; the sums must be `np.bincount`'s, float
    for float, whether the households come compound by compound or in any order."""
    from agents.residents import _share_by_compound
    from model.property_market import NONE, collect_fees
    from model.world import _compound_mean

    rng = np.random.default_rng(seed)
    comp = np.sort(rng.integers(0, n_c, n)).astype(np.int32)
    if shuffled:
        comp = rng.permutation(comp)
    area = rng.uniform(30, 120, n) * 10.0 ** rng.uniform(-3, 3, n)  # wide magnitudes: the order shows
    paying = rng.random(n) < 0.6
    credit = np.where(rng.random(n) < 0.3, rng.uniform(0, 50, n), 0.0)
    fee_m2 = rng.uniform(0.2, 2.0, n_c)
    provider = np.where(rng.random(n_c) < 0.8, NONE + 1, NONE).astype(np.int8)
    c_households = np.bincount(comp, minlength=n_c).astype(np.int64)

    left = credit.copy()
    fees, collection = collect_fees(fee_m2, comp, area, 1 / 4.345, paying, left, True, provider, c_households)
    due = fee_m2[comp] * area * (1 / 4.345) * paying
    used = np.minimum(credit, due)
    np.testing.assert_array_equal(fees, np.bincount(comp, weights=due - used, minlength=n_c))
    np.testing.assert_array_equal(left, credit - used)
    share = np.bincount(comp, weights=paying.astype(float), minlength=n_c) / np.maximum(c_households, 1)
    np.testing.assert_array_equal(collection, np.where(provider != NONE, share, 0.0))
    np.testing.assert_array_equal(_share_by_compound(comp, paying, c_households), share)
    np.testing.assert_array_equal(_compound_mean(comp, area, c_households),
                                  np.bincount(comp, weights=area, minlength=n_c) / np.maximum(c_households, 1))


def test_the_paying_chance_read_later_is_the_decisions_own():
    """Payment works out the logistic only for households that reconsider; the chance read
    afterwards (`Residents.pay_prob`) must be what the rule computed: the logistic of the log-odds
    where a provider is, 0 where none is; and who pays must follow the rule for every household."""
    from scipy.special import expit

    from model import CommunityModel

    m = CommunityModel(rng=4, n_households=400, collect=False)
    for _ in range(10):
        m.step()
    r, p, w = m.residents, m.p, m.world
    rng = np.random.default_rng(0)
    managed_c = rng.random(w.n_compounds) < 0.6
    managed_c[:2] = True, False  # both branches are exercised
    fee_c = rng.uniform(0.2, 2.0, w.n_compounds)
    credit = np.where(rng.random(w.n) < 0.3, rng.uniform(0, 80, w.n), 0.0)
    nb = rng.random(w.n).astype(np.float32)
    u = rng.random(w.n, dtype=np.float32)
    before = r.paying.copy()
    r.pay_week(p, managed_c, fee_c, credit, nb, u)

    managed = managed_c[w.hh_compound]
    fee_month = fee_c[w.hh_compound] * w.hh_area
    burden = np.maximum(fee_month - np.minimum(credit, fee_month), 0.0) / w.hh_income * 100.0
    x = (p["pay_intercept"] + p["pay_satisfaction_weight"] * r.satisfaction + p["pay_trust_weight"] * r.trust
         + (np.float32(p["pay_neighbour_weight"]) * nb).astype(float) - p["pay_fee_weight"] * burden)
    chance = np.where(managed, expit(x), 0.0)
    np.testing.assert_array_equal(r.fee_burden_pct, burden)
    np.testing.assert_allclose(r.pay_prob, chance, rtol=1e-12, atol=0)
    assert np.all(r.pay_prob[~managed] == 0.0)
    rate = p["pay_review_rate"]
    reviews = u < np.float32(rate)
    np.testing.assert_array_equal(r.paying, managed & np.where(reviews, u < rate * chance, before))
    assert reviews.any() and (~reviews).any()


@settings(max_examples=60)
@given(st.integers(0, 2**31), st.lists(st.integers(0, 40), min_size=1, max_size=8), st.integers(-1, 8))
def test_a_streams_float32_uniforms_are_numpys_whatever_the_counts(seed, counts, handed_at):
    """`Streams.uniform` steps numpy's PCG64 in a kernel while it can; the floats must be numpy's own
    `random(n, dtype=float32)` for any sequence of counts (odd ones leave a half kept), and a
    generator handed to a caller (before any draw, or after the `handed_at`-th count) goes on
    from the same state, with numpy's behaviour."""
    s = Streams(seed)
    key = np.random.SeedSequence(entropy=seed, spawn_key=(stream_key("residents.pay"),))
    reference = np.random.Generator(np.random.PCG64(key))
    for i, n in enumerate(counts):
        if i == handed_at:
            np.testing.assert_array_equal(s["residents.pay"].standard_normal(3), reference.standard_normal(3))
        np.testing.assert_array_equal(s.uniform("residents.pay", n), reference.random(n, dtype=np.float32))
    np.testing.assert_array_equal(s.uniform("residents.pay", (2, 3)), reference.random((2, 3), dtype=np.float32))
    after, expected = s["residents.pay"].bit_generator.state, reference.bit_generator.state
    assert after["state"] == expected["state"] and after["has_uint32"] == expected["has_uint32"]


@pytest.mark.parametrize("pairs", [0, 1, 7, 8, 9, 11, 1500, 4099])
def test_pcg64_stepped_in_a_kernel_is_numpys_generator(pairs):
    """Four chains side by side, then one by one: the floats and the state numpy's own, for counts
    below, at and past the chains' width (the increment of several seeds' streams)."""
    from model.streams import pcg64_float32, pcg64_jump, pcg64_state
    for seed in range(3):
        gen = np.random.Generator(np.random.PCG64(seed))
        state = pcg64_state(gen)
        np.testing.assert_array_equal(pcg64_float32(state, pcg64_jump(state), pairs),
                                      gen.random(2 * pairs, dtype=np.float32))
        np.testing.assert_array_equal(state, pcg64_state(gen))


def test_outcome_tallies_are_numpys_means_and_counts():
    """The outcomes' household and compound tallies run branch-free in kernels; each mean and
    share must be the float numpy's own expression gives (random states, empty selections too)."""
    from model.outcomes import _compound_tallies, _household_tallies
    from model.world import FIRM, NONE, RED

    rng = np.random.default_rng(5)
    for n_c, n in ((1, 5), (7, 300), (40, 5000)):
        provider = rng.choice(np.array([NONE, FIRM, RED], np.int8), n_c)
        env, fee = rng.random(n_c) * 10.0 ** rng.uniform(-3, 3, n_c), rng.uniform(0.5, 3, n_c)
        old_c = rng.random(n_c) < 0.5
        env_sum, n_managed, env_old_sum, n_old, n_managed_old, fee_sum, n_firm, n_red = _compound_tallies(
            env, provider, fee, old_c)
        managed = provider != NONE
        assert env_sum / n_c == float(env.mean()) and 1.0 - n_managed / n_c == float(1.0 - managed.mean())
        assert (env_old_sum / n_old if n_old else 0.0) == (float(env[old_c].mean()) if old_c.any() else 0.0)
        assert (fee_sum / n_firm if n_firm else 0.0) == (float(fee[provider == FIRM].mean()) if n_firm else 0.0)
        assert n_managed_old == np.count_nonzero(managed & old_c) and n_red == np.count_nonzero(provider == RED)

        comp = np.sort(rng.integers(0, n_c, n))
        sat, trust, bel, belief = (rng.random(n) * 10.0 ** rng.uniform(-3, 3, n) for _ in range(4))
        paying, part, elderly, low = (rng.random(n) < q for q in (0.6, 0.3, 0.2, 0.1))
        t = _household_tallies(sat, trust, bel, belief, paying, part, managed, old_c, comp, elderly, low)
        assert t[:4] == (float(sat.sum()), float(trust.sum()), float(bel.sum()), float(belief.sum()))
        assert t[4:9] == (paying.sum(), part.sum(), managed[comp].sum(), (paying & old_c[comp]).sum(),
                          (managed & old_c)[comp].sum())
        assert t[9:] == (float(sat[elderly].sum()), elderly.sum(), float(sat[low].sum()), low.sum())


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_a_company_s_risk_read_from_its_traits_is_python_s_max(appetite, reserve):
    """`Bidders` reads each company's risk from its traits' slots (`at_risk_of`); it must be the
    float of `appetite * max(reserve, 0.0)` bit for bit (a -0.0 or nan reserve included)."""
    from agents.firms import at_risk_of
    for r in (reserve, -0.0, 0.0, -1.0):
        got, want = at_risk_of(appetite, r), appetite * max(r, 0.0)
        assert np.array(got).tobytes() == np.array(want).tobytes() or (got != got and want != want)


def test_the_tender_s_arrays_follow_every_company_s_traits():
    """`Bidders` reads again only the companies whose traits were set since the last tender; its
    arrays must always be those made afresh from every company (and anew for another list)."""
    from agents.firms import Bidders, at_risk_of
    from model import CommunityModel

    m = CommunityModel(rng=2, n_households=600, collect=False, firm_pool_size=12)
    firms, bidders, rng = m.firm_list, Bidders(), np.random.default_rng(1)

    def fresh(fs):
        return (np.array([f.cost_factor for f in fs]), np.array([at_risk_of(f.appetite, f.reserve) for f in fs]))

    for round_ in range(40):
        for f in rng.choice(firms, size=int(rng.integers(0, 4)), replace=False):
            trait = ("cost_factor", "appetite", "reserve")[int(rng.integers(3))]
            setattr(f, trait, float(rng.choice([rng.uniform(-1e5, 1e6), 0.0, -0.0])))
        which = firms if round_ % 5 else firms[: 2 + round_ % 7]  # now and then another list of companies
        got = bidders.arrays(which)
        want = fresh(which)
        assert all(g.tobytes() == w.tobytes() for g, w in zip(got, want))


_shares = st.floats(0.0, 1.0) | st.sampled_from([0.0, 1.0, np.nan])


@settings(max_examples=200)
@given(st.integers(1, 12), st.integers(0, 2**31), st.booleans(), st.floats(0.0, 3.0), st.floats(0.0, 1.0))
def test_the_arising_multiplier_is_the_numpy_expression(n_c, seed, warned, factor, prevention):
    """`arising_multiplier` gives the floats of the numpy expressions it replaced, nan included."""
    from model.problems import arising_multiplier

    rng = np.random.default_rng(seed)
    env = rng.random(n_c)
    env[rng.random(n_c) < 0.1] = np.nan
    community = rng.integers(0, 3, n_c).astype(np.int32)
    digital, hot, followed = rng.random(3), rng.random(n_c) < 0.5, rng.random(n_c)
    followed[rng.random(n_c) < 0.2] = 1.0
    want = 1.0 + factor * (1.0 - env)
    if warned:
        want = want * (1.0 - prevention * digital[community] * hot * followed)
    got = arising_multiplier(env, factor, warned, prevention, digital, community, hot, followed)
    assert got.tobytes() == want.tobytes()


@settings(max_examples=300)
@given(hnp.arrays(np.float64, st.integers(1, 40), elements=st.sampled_from([0.0, 0.5, 2.0, 1e-9]) | st.floats(0.0, 50.0)),
       st.sampled_from([0.0, 0.33, 0.5, 0.75, 0.9, 1.0]) | st.floats(0.0, 1.0))
def test_hot_spots_are_the_numpy_quantile_s(record, q):
    """`hot_spots`: compounds at or above numpy's quantile of the record (ties and zeros included)
    and above zero, as `np.quantile` and the comparisons give them."""
    from model.problems import hot_spots

    want = (record >= np.quantile(record, q)) & (record > 0)
    assert hot_spots(record, q).tolist() == want.tolist()


def test_a_record_of_nan_sorts_last_and_is_never_hot():
    """(np.quantile would make every threshold nan; the rule has always sorted nan last.)"""
    from model.problems import hot_spots

    assert hot_spots(np.array([np.nan, 0.5]), 0.0).tolist() == [False, True]
    assert hot_spots(np.array([np.nan, 0.5, 0.2]), 0.5).tolist() == [False, True, False]


@settings(max_examples=100)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**31), st.floats(0.0, 3.0), st.floats(0.0, 5.0))
def test_hot_spot_households_and_check_hours_are_the_numpy_expressions(n_grids, n_c, seed, rate, visit_hours):
    from model.grid_time import hot_spot_checks

    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 900, (n_grids, n_c)).astype(float) * (rng.random((n_grids, n_c)) < 0.3)
    hot = rng.random(n_c) < 0.4
    households, hours = hot_spot_checks(counts, hot, rate, visit_hours)
    assert households.tobytes() == (counts @ hot).tobytes()
    assert hours.tobytes() == (rate * (counts @ hot) * visit_hours).tobytes()


@settings(max_examples=200)
@given(st.integers(1, 12), st.integers(0, 2**31), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 20.0))
def test_the_deliberation_s_chance_is_the_numpy_expression(n_c, seed, resolve, floor, scale):
    from model.problems import deliberation_chance

    rng = np.random.default_rng(seed)
    meet, part = rng.random(n_c), rng.random(n_c)
    part[rng.random(n_c) < 0.2] = np.nan
    part[rng.random(n_c) < 0.2] = 1.0 / max(scale, 1e-9)  # exactly at the cap, now and then
    want = meet * resolve * (floor + (1.0 - floor) * np.minimum(1.0, scale * part))
    assert deliberation_chance(meet, resolve, floor, scale, part).tobytes() == want.tobytes()


def test_the_meetings_hours_kept_follow_the_rate_the_hours_and_the_organisations():
    """`_meeting_hours` keeps its product while nothing it depends on changes; each change must
    show at once (a classroom may set a parameter mid-run, a policy raises party coverage)."""
    from model import CommunityModel
    from model.property_market import WEEKS_PER_MONTH

    m = CommunityModel(rng=3, n_households=900, households_per_compound=90.0, scenario="combined", collect=False)

    def fresh():
        rate = m.policies.level("deliberation_rate")
        meetings_c = min(1.0, rate / WEEKS_PER_MONTH) * m.party.compound_org
        return m._grid_part_of_compound() @ (meetings_c * m.p["deliberation_hours_per_meeting"])

    seen = set()
    for week in range(30):
        m.step()
        if week == 10:
            m.p["deliberation_hours_per_meeting"] *= 1.7
        if week == 20:
            m.party.set_coverage_boost(0.95)
        got = m._meeting_hours()
        assert got.tobytes() == fresh().tobytes()
        seen.add(got.tobytes())
    assert len(seen) >= 3  # the hours did change, and each change was followed


@pytest.mark.parametrize("rates", [(0.0, 0.0), (0.8, 0.0), (0.5, 1.2)])
def test_the_week_s_money_and_its_close_in_one_call_each_are_the_rules_one_by_one(rates):
    """`income_week` is `collect_fees` then `subsidy_demands`; `PropertyMarket.close_week` is
    `stop_paying_unmanaged` then `update_environment`: the same floats, the same households paying."""
    from model import CommunityModel
    from model.ledger import subsidy_demands
    from model.property_market import collect_fees, income_week, stop_paying_unmanaged

    m = CommunityModel(rng=6, n_households=800, households_per_compound=80.0, scenario="combined", collect=False)
    for _ in range(40):
        m.step()
    w, mk, r, p = m.world, m.market, m.residents, m.p
    mk.provider[::3] = 0  # some compounds left without a provider
    credit = np.random.default_rng(1).uniform(0, 30, w.n)
    args = (mk.fee_m2(p), w.hh_compound, w.hh_area, 1 / 4.345, r.paying, credit, True, mk.provider, w.c_households)
    a_credit, b_credit = credit.copy(), credit.copy()
    got = income_week(*args[:5], a_credit, *args[6:], *rates, w.c_area, w.c_type)
    fees, collection = collect_fees(*args[:5], b_credit, *args[6:])
    want = (fees, collection, np.float64(fees.sum()), *subsidy_demands(*rates, w.c_area, 1 / 4.345, mk.provider, w.c_type))
    assert all(np.asarray(x).tobytes() == np.asarray(y).tobytes() for x, y in zip(got, want))
    assert a_credit.tobytes() == b_credit.tobytes()
    share = m._participation_share()
    paying, env = r.paying.copy(), mk.env.copy()
    mk.close_week(p, r.paying, w.hh_compound, share)
    stop_paying_unmanaged(paying, mk.provider, w.hh_compound)
    mk.env, closed_env = env, mk.env
    mk.update_environment(p, share)
    assert (r.paying == paying).all() and not r.paying[mk.provider[w.hh_compound] == 0].any()
    assert closed_env.tobytes() == mk.env.tobytes()
