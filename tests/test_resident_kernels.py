"""The residents' and grid workers' compiled rules give the numpy expressions' floats bit for bit (issue 17).

`tools/fingerprint.py` checks whole runs of the shipped scenarios; these check the pieces on
inputs those runs may never reach (extreme log-odds, signed zeros, nan, ties, empty rows).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

from agents import residents as R
from model import CommunityModel
from model.grid_time import GridHours
from model.logistic import draws_below_logistic, logistic


def same(a, b) -> bool:
    """Equal bit for bit (so -0.0 differs from 0.0 and nan equals nan)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_logistic_is_scipys_expit():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, s, 200_000) for s in (1, 5, 40, 400)]
                       + [np.array([0.0, -0.0, 709.0, -709.0, 745.2, -745.2, 1e300, -1e300, np.inf, -np.inf])])
    assert same(np.array([R._logistic(v) for v in x[:2000]]), expit(x[:2000]))
    out = np.empty(len(x))
    for i, v in enumerate(x[-20_000:]):
        out[i] = R._logistic(v)
    assert same(out[:20_000], expit(x[-20_000:]))


def test_draws_below_the_logistic_are_decided_as_the_logistic_decides():
    """`_draws_below_logistic` (an approximate chance, the exact logistic only where the draw is
    too close to call) decides every draw as `u < scale * _logistic(x)` does: float32 draws as the
    model's streams give them and float64 draws, log-odds inside and outside the fast range,
    nan and infinities, draws placed exactly on the chance and a hair either side of it."""
    rng = np.random.default_rng(7)

    def exact(u, x, scale):  # (a compiled comparison of float32 and float64 compares in float64)
        return np.array([float(u[i]) < scale * logistic(x[i]) for i in range(len(x))])

    x = np.concatenate([rng.normal(0, s, 50_000) for s in (0.5, 3, 12, 40)]
                       + [np.array([0.0, -0.0, 16.999, -16.999, 17.0, -17.0, 700.0, -750.0, np.nan, np.inf, -np.inf])])
    for scale in (1.0, 0.25, 0.7):
        for u in (rng.random(len(x), dtype=np.float32), rng.random(len(x)),
                  np.zeros(len(x), np.float32), np.full(len(x), np.float32(1) - np.float32(2.0 ** -24))):
            out = np.empty(len(x), bool)
            draws_below_logistic(u, x, scale, out)
            assert np.array_equal(out, exact(u, x, scale)), (scale, u.dtype)
    # draws on the chance itself and next to it: the approximation cannot tell, the logistic decides
    xs = rng.normal(0, 2, 3000)
    chance = np.array([logistic(v) for v in xs])
    for u in (chance, np.nextafter(chance, 0), np.nextafter(chance, 1), chance * (1 + 1e-12), chance * (1 - 1e-12)):
        out = np.empty(len(xs), bool)
        doubtful = draws_below_logistic(u, xs, 1.0, out)
        assert doubtful == len(xs)
        assert np.array_equal(out, exact(u, xs, 1.0))
    # far from the chance nothing is left to the logistic
    out = np.empty(len(xs), bool)
    assert draws_below_logistic(np.where(chance < 0.5, chance + 0.3, chance - 0.3), xs, 1.0, out) == 0


def test_clip_min_max_are_numpys():
    rng = np.random.default_rng(1)
    special = np.array([-0.0, 0.0, 1.0, -1.0, 2.0, np.nan, np.inf, -np.inf, 1e-300, -1e-300])
    a = np.concatenate([special, rng.normal(0.5, 1, 2000)])
    assert same(np.array([R._clip01(v) for v in a]), np.clip(a, 0.0, 1.0))
    for b in (0.0, -0.0, 1.0, np.nan):
        assert same(np.array([R._np_min(v, b) for v in a]), np.minimum(a, b)), b
        assert same(np.array([R._np_max(v, b) for v in a]), np.maximum(a, b)), b


def test_neighbour_means_are_scipys_float32_product():
    """The CSR product in float32, row by row in stored order, on the model's network and on
    random row-normalised networks with unsorted ties, empty rows and groups of every size (the
    kernel sums four rows of a degree side by side, the rest one by one)."""
    from model.world import group_ties

    m = CommunityModel(rng=2, n_households=800)
    for _ in range(5):
        m.step()
    r, W = m.residents, m.world.W
    X = np.column_stack([r.satisfaction, r.trust, r.paying, r.participating]).astype(np.float32)
    assert same(r.neighbour_means(), np.ascontiguousarray((W @ X).T))
    rng = np.random.default_rng(4)
    for n, density in ((500, 0.005), (300, 0.05), (7, 0.3)):
        A = sp.random(n, n, density=density, random_state=int(rng.integers(1 << 30)), format="csr", dtype=np.float32)
        for i in range(n):  # each row's ties in a shuffled stored order, each weighing 1 / degree
            lo, hi = A.indptr[i], A.indptr[i + 1]
            A.indices[lo:hi] = A.indices[lo + rng.permutation(hi - lo)]
            A.data[lo:hi] = np.float32(1.0 / max(hi - lo, 1))
        A.has_sorted_indices = False
        sat, trust = rng.random(n), rng.random(n)
        pay, part = rng.random(n) < 0.5, rng.random(n) < 0.3
        t = group_ties(A)
        got = R._neighbour_means(*t, sat, trust, pay, part)
        X = np.column_stack([sat, trust, pay, part]).astype(np.float32)
        assert same(got, np.ascontiguousarray((A @ X).T)), n


def test_ties_of_unequal_weights_are_refused():
    """The grouped layout holds one weight a row: a network whose rows weigh ties unequally would
    give other floats than `W @ x`, so it is refused with a clear error."""
    from model.world import group_ties

    A = sp.csr_matrix(np.array([[0, 0.25, 0.75], [0.5, 0, 0.5], [1, 0, 0]], np.float32))
    with pytest.raises(ValueError, match="one weight"):
        group_ties(A)


def test_learn_points_value_counts_as_bincount_does():
    m = CommunityModel(rng=3, n_households=600)
    r, W = m.residents, m.world.W
    rng = np.random.default_rng(0)
    tried = rng.random(r.n) < 0.2
    paid = tried & (rng.random(r.n) < 0.5)
    before = rng.random(r.n)
    r.points_belief = before.copy()
    r.learn_points_value(m.p, tried, paid, W)
    who = np.flatnonzero(tried)
    lens = np.diff(W.indptr)[who]
    told = np.concatenate([W.indices[W.indptr[j]:W.indptr[j + 1]] for j in who])
    n_tried = np.bincount(told, minlength=r.n)
    n_paid = np.bincount(told, weights=np.repeat(paid[who], lens).astype(float), minlength=r.n)
    seen = np.where(tried, paid.astype(float), np.divide(n_paid, n_tried, out=np.zeros(r.n), where=n_tried > 0))
    expected = before + m.p["points_learning_rate"] * (tried | (n_tried > 0)) * (seen - before)
    assert same(r.points_belief, expected)


def test_grid_hours_allocate_as_numpy_did():
    rng = np.random.default_rng(7)
    g = 37
    available = rng.uniform(50, 400, g)
    demands = [rng.uniform(0, 150, g) * (rng.random(g) < 0.6) for _ in range(4)]
    for case_share in (0.8, rng.random(g)):
        hours = GridHours(g)
        hours.allocate(available, *demands, case_share)
        left = available.astype(float)
        week = {}
        for use, demand in zip(("paperwork", "meetings", "visits", "warnings"), demands):
            week[use] = np.minimum(demand, left)
            left = left - week[use]
        week["cases"] = case_share * left
        week["patrols"] = left - week["cases"]
        for use, v in week.items():
            assert same(hours.week[use], v), use
            assert hours.total[use] == float(v.sum()), use
        assert hours.available_total == float(available.sum())
        share = hours.granted_share("meetings", demands[1])
        assert same(share, np.divide(week["meetings"], demands[1], out=np.ones(g), where=demands[1] > 0))


def test_satisfaction_contact_and_trust_are_their_numpy_expressions():
    """The rules that read a compound's value through the household's compound (spread to the
    households first, so the pass vectorises) give the numpy expressions' floats: nan, signed
    zeros and values outside [0, 1] included, compounds with and without households."""
    rng = np.random.default_rng(11)
    n, k = 2000, 9
    comp = np.sort(rng.integers(0, k - 1, n)).astype(np.int64)  # the last compound has nobody
    env_c, service_c = rng.normal(0.5, 0.4, k), rng.random(k)
    env_c[:2] = np.nan, -0.0
    org_c, red_c, central = rng.random(k) < 0.5, rng.random(k) < 0.5, rng.random(n) < 0.2
    open_hh = rng.integers(0, 6, n).astype(np.int64)
    nb = rng.random(n).astype(np.float32)
    resolved, lost = rng.normal(0.5, 0.7, n), rng.normal(0.3, 0.5, n)
    resolved[:3] = np.nan, -0.0, 2.0
    sat0 = rng.normal(0.5, 0.6, n)
    sat0[3] = np.nan
    base, w_env, w_service, gain, open_pen, open_cap, lost_pen, rate, nw = 0.3, 0.4, 0.5, 0.05, 0.04, 3.0, 0.06, 0.1, 0.3
    sat = sat0.copy()
    R._update_satisfaction(sat, comp, env_c, service_c, open_hh, nb, resolved, lost, base, w_env, w_service, gain,
                           open_pen, open_cap, lost_pen, rate, nw)
    seen = (base + w_env * env_c + (1.0 - w_env) * w_service * service_c)[comp]
    target = np.clip(seen + gain * np.minimum(resolved, 1.0) - open_pen * np.minimum(open_hh.astype(float), open_cap)
                     - lost_pen * np.minimum(lost, 1.0), 0.0, 1.0)
    nb_term = (np.float32(nw) * nb).astype(float)
    assert same(sat, np.clip(sat0 + rate * ((1 - nw) * target + nb_term - sat0), 0.0, 1.0))

    for deliberating in (True, False):
        contact = R._contact(comp, central, org_c, red_c, service_c, deliberating, 0.2, 0.3, 0.1)
        expected = (0.2 * central.astype(float) + (0.3 * np.where(red_c, service_c, 0.0))[comp]
                    + (0.1 * (org_c & deliberating).astype(float))[comp])
        assert same(contact, expected)

    trust0 = rng.normal(0.5, 0.3, n)
    gamed = rng.integers(0, 2, n).astype(float)
    rec_r, rec_l = rng.random(n), rng.random(n)
    for any_gamed in (True, False):
        trust, out_r, out_l = trust0.copy(), np.empty(n), np.empty(n)
        R._update_trust(trust, comp, org_c, contact, nb, resolved, lost, gamed, any_gamed, rec_r, rec_l, out_r, out_l,
                        0.5, 0.1, 0.08, nw, 0.05, 0.07, 0.09, 0.9)
        t = trust0 + 0.08 * ((1 - nw) * ((0.5 + 0.1 * org_c[comp].astype(float)) + contact) + nb_term - trust0)
        t = t + (0.05 * resolved - 0.07 * lost)
        dropped = lost + gamed if any_gamed else lost
        if any_gamed:
            t = t - 0.09 * gamed
        assert same(trust, np.clip(t, 0.0, 1.0))
        assert same(out_r, 0.9 * rec_r + resolved) and same(out_l, 0.9 * rec_l + dropped)
