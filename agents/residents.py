"""Resident households: their state lives in arrays, each rule is one compiled pass a step.

Satisfaction, trust, fee payment and participation are the residents' side of the vicious
cycle (payment <- satisfaction <- environment <- service <- revenue <- payment). A single
household can still be looked at as an object: `model.residents[i]` or `model.resident(i)`.

Each rule is one compiled pass over the households (the kernels at the end of this module,
issue 17): at a few thousand households the cost of a week was numpy's per-call overhead. The
arithmetic is the former numpy expressions', operation for operation and with numpy's types
(neighbour means are float32, so `weight * mean` is a float32 product; a float32 uniform is
compared with a rate rounded to float32), so every float is the same (`tools/fingerprint.py`).
The rules stay separate passes on purpose: one fused pass over all of them (neighbours' means
included) measured slower, 130 against 105 us a week at 3,000 households. The model's week calls
them from one kernel, in turn (`Residents.week`), which saves the Python between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from scipy.special import expit


STARTING_TRAITS = ("satisfaction", "trust", "belonging")  # each starts at its mean plus noise
NEIGHBOUR_TRAITS = ("satisfaction", "trust", "paying", "participating")  # whose network means households see
N_SATISFACTION, N_TRUST, N_PAYING, N_PARTICIPATING = range(len(NEIGHBOUR_TRAITS))
_N_TRAITS = len(NEIGHBOUR_TRAITS)
_NONE = np.zeros(0)  # an absent optional per-household array (a shift) for a kernel

# The parameters each rule of the residents' week reads, in the order its kernel unpacks them
# (`Residents.week`: read each week, as a parameter may change mid-run).
WEEK_PARAMETERS = {
    "satisfaction": ("satisfaction_base", "env_satisfaction_weight", "satisfaction_service_weight",
                     "satisfaction_resolved_gain", "satisfaction_open_penalty", "satisfaction_open_cap",
                     "satisfaction_lost_penalty", "satisfaction_rate", "network_weight"),
    "contact": ("contact_trust_central", "contact_trust_red_property", "contact_trust_deliberation"),
    "trust": ("trust_mean", "party_trust_base", "trust_rate", "network_weight", "trust_resolved_gain",
              "trust_lost_penalty", "trust_gamed_penalty", "problem_memory"),
    "participation": ("participation_intercept", "participation_trust_weight", "participation_belonging_weight",
                      "participation_neighbour_weight", "participation_reward_weight"),
    "points": ("points_redeem_threshold", "points_value_yuan", "points_fee_share", "points_learning_rate"),
    "payment": ("pay_neighbour_weight", "pay_review_rate", "pay_intercept", "pay_satisfaction_weight",
                "pay_trust_weight", "pay_fee_weight"),
}
_WEEK_READ = itemgetter(*(name for names in WEEK_PARAMETERS.values() for name in names))
_WEEK_SPLIT = tuple(np.cumsum([0] + [len(names) for names in WEEK_PARAMETERS.values()]).tolist())


def logistic(x: np.ndarray) -> np.ndarray:
    return expit(x)  # no overflow for extreme log-odds


def _per_household(x, dtype) -> np.ndarray:
    """`x` (one value per household, or one for all) as a 1-d array; kernels read it with `_at`."""
    return np.asarray(x, dtype).reshape(-1)


class Residents:
    """All households of the street as arrays (one entry per household)."""

    def __init__(self, world, p: dict, init_rng: np.random.Generator, managed0: np.ndarray, env0: np.ndarray):
        n = world.n
        self.world = world
        self.n = n
        comp = world.hh_compound
        noise = init_rng.normal(0, p["trait_start_sd"], (len(STARTING_TRAITS), n))
        self.satisfaction = np.clip(p["satisfaction_start_base"] + p["satisfaction_start_env"] * env0[comp]
                                    + p["satisfaction_start_managed"] * managed0[comp] + noise[0], 0, 1)
        self.trust = np.clip(p["trust_mean"] + p["party_trust_base"] * world.c_party[comp] + noise[1], 0, 1)
        self.belonging = np.clip(p["belonging_mean"] + noise[2], 0, 1)
        self.belonging_before_culture = self.belonging.copy()  # the level belonging fades back to
        self.points_belief = np.full(n, p["points_belief_start"])  # belief that points are paid at face value
        self.paying = np.zeros(n, bool)
        self.participating = np.zeros(n, bool)
        self._participating_share = None  # per compound, counted on first use after each decision
        self.points = np.zeros(n)
        self.points_redeemed_yuan = np.zeros(n)  # lifetime value received
        self.recent_resolved = np.zeros(n)  # decaying memory of own problems solved
        self.recent_lost = np.zeros(n)
        self._pay_logodds = np.full(n, -np.inf)  # the paying chance's log-odds (`pay_prob`): -inf, a chance of 0
        self._pay_prob = None  # the paying chance, worked out when first read after each decision
        self.fee_burden_pct = np.zeros(n)
        self._week_values, self._week_q = None, ()  # the week's parameters as last read (`week`)

    def __len__(self) -> int:
        return self.n

    @property
    def pay_prob(self) -> np.ndarray:
        """Each household's chance of paying, as its last payment decision saw it (0 without a provider).

        The decision needs the logistic only for the households that reconsider that week (a
        quarter, by default), and the chance itself is read only to inspect a household, so it is
        worked out from the decision's log-odds when first read: the same floats."""
        if self._pay_prob is None:
            self._pay_prob = _logistic_of(self._pay_logodds)
        return self._pay_prob

    def __getitem__(self, i: int) -> "Resident":
        if not -self.n <= i < self.n:
            raise IndexError(f"household {i} out of range [0, {self.n})")
        return Resident(self, int(i) % self.n)

    # ---------------------------------------------------------------- what the households see
    def neighbour_means(self) -> np.ndarray:
        """Network neighbours' means of `NEIGHBOUR_TRAITS` (one row each, float32), as last week left them."""
        t = self.world.ties_by_degree()
        return _neighbour_means(t.starts, t.degrees, t.rows, t.neighbours, t.weight, t.ones_sum, t.count_bits,
                                self.satisfaction, self.trust, self.paying, self.participating)

    def contact(self, p, org_c, central, red_c, service_c, deliberating: bool) -> np.ndarray:
        """The pull of party work around each household on the trust it drifts to: an active central
        household (`central`), red property's service (`red_c`: the compound is red's), deliberation
        in a compound with an organisation (`org_c`) while deliberation is on."""
        return _contact(self.world.hh_compound, central, org_c, red_c, service_c, deliberating,
                        p["contact_trust_central"], p["contact_trust_red_property"], p["contact_trust_deliberation"])

    def participating_share(self) -> np.ndarray:
        """Share of each compound's households taking part this week (counted when they decide:
        deliberation, the environment and tenders all read it)."""
        if self._participating_share is None:
            w = self.world
            self._participating_share = _share_by_compound(w.hh_compound, self.participating, w.c_households)
        return self._participating_share

    # ---------------------------------------------------------------- rules
    def update_satisfaction(self, p, env_c, service_c, open_problems_hh, neighbour_mean):
        """Satisfaction moves toward what the household sees: environment, service (per compound), its problems."""
        _update_satisfaction(self.satisfaction, self.world.hh_compound, env_c, service_c, open_problems_hh,
                             neighbour_mean, self.recent_resolved, self.recent_lost,
                             p["satisfaction_base"], p["env_satisfaction_weight"], p["satisfaction_service_weight"],
                             p["satisfaction_resolved_gain"], p["satisfaction_open_penalty"],
                             float(p["satisfaction_open_cap"]), p["satisfaction_lost_penalty"],
                             p["satisfaction_rate"], p["network_weight"])

    def update_trust(self, p, org_c, resolved_now, lost_now, neighbour_mean, contact, gamed_now=None):
        """Trust in the community organisation: jumps with own problems' fate, drifts to its base.

        The base is higher in compounds with a party organisation (`org_c`); `contact` (0-1) is
        the pull of party work around the household (`Residents.contact`), which raises it further.
        `gamed_now` counts the household's problems a department reported closed this week while
        they stay open: the household sees through it, loses trust and remembers it like a problem dropped.
        """
        n = self.n
        self.recent_resolved, self.recent_lost = _update_trust(
            self.trust, self.world.hh_compound, org_c, contact, neighbour_mean, resolved_now, lost_now,
            lost_now if gamed_now is None else gamed_now, gamed_now is not None,
            self.recent_resolved, self.recent_lost, np.empty(n), np.empty(n),
            p["trust_mean"], p["party_trust_base"], p["trust_rate"], p["network_weight"], p["trust_resolved_gain"],
            p["trust_lost_penalty"], p["trust_gamed_penalty"], p["problem_memory"])

    def start_paying(self, members: np.ndarray, offset: np.uint64, share: float) -> None:
        """Households `members` pay a new provider with chance `share`, each by its counter-based
        uniform for the stream-and-step `offset` (`Streams.hashed`'s draws: the same floats)."""
        _start_paying(self.paying, members, offset, share)

    def decide_payment(self, p, managed, fee_month_hh, discount_hh, neighbour_paying, u, review_all=False, shift=None):
        """Pay the property fee? A logistic threshold on satisfaction, trust, neighbours and burden.

        A household reconsiders with chance `pay_review_rate` (one uniform `u` decides both:
        it reviews if u < rate, and then pays if u / rate < its paying chance). Where there is
        no provider nobody pays. `discount_hh` (yuan/month) is what its points will cover. `shift`
        (log-odds per household, optional) is an owners' committee's stance in a participatory class.
        (The model's week runs the same rule with per-compound fees: `Residents.pay_week`.)
        """
        nb = np.asarray(neighbour_paying)
        rate = 1.0 if review_all else p["pay_review_rate"]
        self._pay_prob = None
        self.fee_burden_pct, self._pay_logodds, self.paying = _decide_payment(
            self.satisfaction, self.trust, nb, nb.dtype.type(p["pay_neighbour_weight"]), _per_household(managed, bool),
            _per_household(fee_month_hh, float), _per_household(discount_hh, float), self.world.hh_income,
            u, u.dtype.type(rate), rate, self.paying, _NONE if shift is None else shift, shift is not None,
            p["pay_intercept"], p["pay_satisfaction_weight"], p["pay_trust_weight"], p["pay_fee_weight"])

    def pay_week(self, p, managed_c, fee_c, credit, neighbour_paying, u, shift=None):
        """`decide_payment` for the week: fee per m² and managed per compound (`fee_c`, `managed_c`),
        the household's month fee its area times it, and points' prepaid `credit` covering up to that."""
        n = self.n
        w = self.world
        self._pay_prob = None
        self.fee_burden_pct, self._pay_logodds, self.paying = _pay_week(
            self.satisfaction, self.trust, neighbour_paying, np.float32(p["pay_neighbour_weight"]), w.hh_compound,
            managed_c, fee_c, w.hh_area, credit, w.hh_income, u, np.float32(p["pay_review_rate"]), p["pay_review_rate"],
            self.paying, _NONE if shift is None else shift, shift is not None,
            p["pay_intercept"], p["pay_satisfaction_weight"], p["pay_trust_weight"], p["pay_fee_weight"],
            np.empty(n), np.empty(n), np.empty(n, bool))

    def week(self, p, env_c, service_c, open_hh, org_c, central, red_c, deliberating: bool, resolved_now, lost_now,
             gamed_now, culture_rate: float, fade: bool, points_per_act: float, managed_c, fund_limit: float,
             fee_c, fee_credit, u_participate, u_pay) -> tuple:
        """The residents' week (4 of the ODD's schedule) in one compiled call: neighbours' means,
        `update_satisfaction`, `contact`, `update_trust`, belonging (`raise_belonging` at
        `culture_rate` a year when > 0, then `fade_belonging` if `fade`), `decide_participation`,
        points (earned at `points_per_act`, `redeem_points` within `fund_limit`, `learn_points_value`)
        and `pay_week`: the same passes, in the same order, on the same floats as calling them one
        by one, without the Python between them (the stage measured 131 against 149 us a week at
        3,000 households).

        The model calls the rules one by one instead when the classroom's hooks may change what
        one rule hands the next (`model.overrides`). Returns the neighbours' paying mean, then
        (tried, paid, fee part per compound, households paid, fee part, goods part, points, value)
        of the redemption (empty, and zeros, without points); each compound's share taking part
        (`participating_share`, which every week reads) is counted in the same call."""
        w, n = self.world, self.n
        t = w.ties_by_degree()
        values = _WEEK_READ(p)
        if values != self._week_values:  # as floats, one tuple per rule (the same as long as the values are)
            self._week_values = values
            floats = tuple(map(float, values))
            self._week_q = tuple(floats[a:b] for a, b in zip(_WEEK_SPLIT, _WEEK_SPLIT[1:]))
        q = self._week_q
        self._pay_prob = None
        self._participating_share = None
        # last week's memories, payment and participation, which this week's rules read
        recent_resolved, recent_lost, paying, participating = (self.recent_resolved, self.recent_lost, self.paying,
                                                                self.participating)
        self.recent_resolved, self.recent_lost, self.participating = np.empty(n), np.empty(n), np.empty(n, bool)
        self.fee_burden_pct, self._pay_logodds, self.paying = np.empty(n), np.empty(n), np.empty(n, bool)
        nb_paying, redeemed, self._participating_share = _residents_week(
            t.starts, t.degrees, t.rows, t.neighbours, t.weight, t.ones_sum, t.count_bits,
            w.hh_compound, w.c_households, central, w.hh_income, w.hh_area, w.W.indptr, w.W.indices,
            env_c, service_c, org_c, red_c, managed_c, fee_c, deliberating,
            open_hh, resolved_now, lost_now, gamed_now if gamed_now is not None else lost_now, gamed_now is not None,
            culture_rate / WEEKS_PER_YEAR, culture_rate > 0, self.belonging_before_culture,
            p["belonging_fade_rate"] / WEEKS_PER_YEAR, fade,
            float(points_per_act), float(fund_limit), u_participate, u_pay, *q,
            self.satisfaction, self.trust, self.belonging, self.points, self.points_belief, self.points_redeemed_yuan,
            fee_credit, recent_resolved, recent_lost, paying, participating,
            self.recent_resolved, self.recent_lost, self.participating, self.fee_burden_pct, self._pay_logodds,
            self.paying)
        return nb_paying, redeemed

    def raise_belonging(self, rate_per_year: float) -> None:
        """Community culture work pulls belonging toward 1."""
        _raise_belonging(self.belonging, rate_per_year / WEEKS_PER_YEAR)

    def fade_belonging(self, rate_per_year: float) -> None:
        """Without upkeep, belonging fades back toward where it was before culture work."""
        _fade_belonging(self.belonging, self.belonging_before_culture, rate_per_year / WEEKS_PER_YEAR)

    def redeem_points(self, p, fund_limit: float, managed_c, fee_credit) -> tuple:
        """Households with at least `points_redeem_threshold` points redeem all of them, in household
        order while the running total of their value stays within `fund_limit` (yuan); of each value
        the share `points_fee_share` prepays fees (`fee_credit`, only where the compound is managed).

        Updates points, lifetime value and `fee_credit` in place; returns (tried, paid, fee part per
        compound, fee part, goods part, points, value), the last four summed as numpy sums them."""
        w = self.world
        return _redeem_points(self.points, p["points_redeem_threshold"], p["points_value_yuan"], fund_limit,
                              p["points_fee_share"], managed_c, w.hh_compound, fee_credit, self.points_redeemed_yuan,
                              w.n_compounds)

    def learn_points_value(self, p, tried: np.ndarray, paid: np.ndarray, W) -> None:
        """Households learn whether points are paid: from their own redemption this week if they
        tried, else from neighbours who tried (the share of them paid); no news, no change.

        Ties are symmetric and each neighbour counts alike (W is the row-normalised adjacency),
        so the share is counted from the triers' own neighbour lists: cheap when few try."""
        _learn_points_value(self.points_belief, tried, paid, W.indptr, W.indices, p["points_learning_rate"])

    def decide_participation(self, p, reward_per_belief, neighbour_part, u, shift=None):
        """Take part in a community act this week (cleaning, deliberation, volunteering)? `shift`: as in payment.

        `reward_per_belief` (yuan, or None without points) is what an act earns if points are paid;
        each household counts it at its `points_belief`."""
        self._participating_share = None
        self.participating = _decide_participation(
            self.trust, self.belonging, neighbour_part, self.points_belief,
            0.0 if reward_per_belief is None else float(reward_per_belief), reward_per_belief is not None, u,
            _NONE if shift is None else shift, shift is not None, np.empty(self.n, bool),
            p["participation_intercept"], p["participation_trust_weight"], p["participation_belonging_weight"],
            np.float32(p["participation_neighbour_weight"]), p["participation_reward_weight"])


@dataclass
class Resident:
    """A read-only look at one household, for inspection and teaching."""

    residents: Residents
    index: int

    def __getattr__(self, name):
        if name in ("satisfaction", "trust", "belonging", "paying", "participating", "points",
                    "pay_prob", "fee_burden_pct", "points_redeemed_yuan", "points_belief"):
            return getattr(self.residents, name)[self.index].item()
        w = self.residents.world
        if name in ("elderly", "low_income", "party_member", "central", "rider"):
            return bool(getattr(w, name)[self.index])
        raise AttributeError(name)

    @property
    def compound(self) -> str:
        w = self.residents.world
        return str(w.compounds["compound"].iloc[w.hh_compound[self.index]])

    @property
    def community(self) -> str:
        w = self.residents.world
        return w.community_names[w.hh_community[self.index]]

    @property
    def grid(self) -> int:
        return int(self.residents.world.hh_grid[self.index])

    @property
    def building(self) -> int:
        return int(self.residents.world.hh_building[self.index])

    @property
    def neighbours(self) -> list[int]:
        W = self.residents.world.W
        return W.indices[W.indptr[self.index]: W.indptr[self.index + 1]].tolist()

    def as_dict(self) -> dict:
        keys = ("compound", "community", "grid", "building", "elderly", "low_income", "party_member",
                "central", "rider", "satisfaction", "trust", "belonging", "paying", "participating",
                "points", "fee_burden_pct")
        return {"household": self.index, **{k: getattr(self, k) for k in keys}}

    def __repr__(self) -> str:
        d = self.as_dict()
        return "Resident(" + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items()) + ")"


# ================================================================ the rules, compiled (issue 17)
# Imported here, below the classes: `model` imports this module, so an import of `model.jit` at the
# top would go round in a circle whenever `agents` is imported before `model`.
from model.jit import inline_kernel, kernel, np_sum  # noqa: E402
from model.logistic import draws_below_logistic as _draws_below_logistic  # noqa: E402
from model.logistic import logistic as _logistic  # noqa: E402
from model.streams import splitmix_uniform  # noqa: E402
from model.units import PERCENT, WEEKS_PER_YEAR  # noqa: E402


@kernel
def _start_paying(paying, members, offset, share):
    """`paying[members] = Streams.hashed(...) < share` in one pass (a tender's new provider: once a
    tender, where drawing, comparing and storing as three numpy calls cost more than the work)."""
    for i in members:
        paying[i] = splitmix_uniform(offset, i) < share


@kernel
def _clip01(x):
    """`np.clip(x, 0, 1)` as numpy does it: x unless below 0 or above 1 (a -0.0 stays -0.0, nan stays nan)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@kernel
def _at(a, i):
    """a[i], or a's one value for all."""
    return a[0] if len(a) == 1 else a[i]


@kernel
def _np_min(a, b):
    """`np.minimum(a, b)`: a if a < b or a is nan, else b (of two equal zeros, b)."""
    return a if (a < b or a != a) else b


@kernel
def _np_max(a, b):
    """`np.maximum(a, b)`: a if a > b or a is nan, else b (of two equal zeros, b)."""
    return a if (a > b or a != a) else b


@kernel
def _neighbour_means(starts, degrees, rows, neighbours, weight, ones_sum, count_bits, satisfaction, trust, paying,
                     participating):
    """`W @ X` for X = float32 columns (satisfaction, trust, paying, participating), as scipy's CSR
    product computes it: each row's ties in stored order, accumulated in float32 from zero, on the
    ties grouped by degree (`model.world.TiesByDegree`). Rows of the result are the traits
    (`NEIGHBOUR_TRAITS`), so each is a contiguous array.

    Each tie's product is one float32 add on a running sum, and each add waits for the one before;
    four households of a group (the same number of ties) are summed side by side, so four sums
    advance at once. A 0/1 trait adds the row's one weight for each neighbour who has it, so its
    sum is `ones_sum[group, count]`; both traits are counted in one integer (a neighbour paying
    adds 1, one taking part adds 1 << `count_bits`, more than any count), and counting waits on nothing."""
    n = len(satisfaction)
    base = 1 << count_bits  # a neighbour taking part counts this much, paying 1
    X = np.empty((n, 2), np.float32)  # satisfaction and trust, side by side for each household
    flags = np.empty(n, np.int64)
    for i in range(n):
        X[i, 0] = np.float32(satisfaction[i])
        X[i, 1] = np.float32(trust[i])
        flags[i] = (1 if paying[i] else 0) + (base if participating[i] else 0)
    out = np.empty((_N_TRAITS, n), np.float32)
    zero = np.float32(0.0)
    e = 0  # the group's first tie in `neighbours`
    for g in range(len(degrees)):
        d, w, sums = degrees[g], weight[g], ones_sum[g]
        r, end = starts[g], starts[g + 1]
        while r + 4 <= end:  # four households of the group side by side
            s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = zero
            c0 = c1 = c2 = c3 = 0
            for k in range(d):
                j0, j1 = neighbours[e + k], neighbours[e + d + k]
                j2, j3 = neighbours[e + 2 * d + k], neighbours[e + 3 * d + k]
                s0, t0, c0 = _add_tie(s0, t0, c0, j0, w, X, flags)
                s1, t1, c1 = _add_tie(s1, t1, c1, j1, w, X, flags)
                s2, t2, c2 = _add_tie(s2, t2, c2, j2, w, X, flags)
                s3, t3, c3 = _add_tie(s3, t3, c3, j3, w, X, flags)
            _store_means(out, rows[r], s0, t0, c0, sums, count_bits)
            _store_means(out, rows[r + 1], s1, t1, c1, sums, count_bits)
            _store_means(out, rows[r + 2], s2, t2, c2, sums, count_bits)
            _store_means(out, rows[r + 3], s3, t3, c3, sums, count_bits)
            e += 4 * d
            r += 4
        while r < end:  # the group's last households, one by one
            s, t, c = zero, zero, 0
            for k in range(d):
                s, t, c = _add_tie(s, t, c, neighbours[e + k], w, X, flags)
            _store_means(out, rows[r], s, t, c, sums, count_bits)
            e += d
            r += 1
    return out


@inline_kernel
def _add_tie(satisfaction_sum, trust_sum, flag_count, j, weight, X, flags):
    """One more tie, to neighbour j, on a household's running sums and count."""
    return satisfaction_sum + weight * X[j, 0], trust_sum + weight * X[j, 1], flag_count + flags[j]


@inline_kernel
def _store_means(out, i, satisfaction_sum, trust_sum, flag_count, ones_sum, count_bits):
    """Household i's four neighbour means: the two sums, and each 0/1 trait's sum from its count
    (paying in the low `count_bits`, taking part above)."""
    out[N_SATISFACTION, i] = satisfaction_sum
    out[N_TRUST, i] = trust_sum
    out[N_PAYING, i] = ones_sum[flag_count & ((1 << count_bits) - 1)]
    out[N_PARTICIPATING, i] = ones_sum[flag_count >> count_bits]


@kernel
def _by_household(per_compound, comp):
    """Each household's value of its compound's `per_compound`. A pass that reads a compound's
    value through `comp` cannot run several households at a time; a pass that reads it from this
    array can (the compiler vectorises it): `_update_satisfaction` measured twice as fast."""
    out = np.empty(len(comp), per_compound.dtype)
    for i in range(len(comp)):
        out[i] = per_compound[comp[i]]
    return out


@kernel
def _update_satisfaction(satisfaction, comp, env_c, service_c, open_hh, nb, resolved, lost, base, w_env, w_service,
                         resolved_gain, open_penalty, open_cap, lost_penalty, rate, nw):
    """`Residents.update_satisfaction` for every household, in place (7.8 of the ODD). What the
    compound gives (the target's first three terms, added first) is computed once per compound
    and spread to its households first (`_by_household`), so the rule's pass is arithmetic only."""
    service_weight = (1.0 - w_env) * w_service
    nw32 = np.float32(nw)
    seen_c = np.empty(len(env_c))
    for c in range(len(env_c)):
        seen_c[c] = base + w_env * env_c[c] + service_weight * service_c[c]
    seen = _by_household(seen_c, comp)
    for i in range(len(satisfaction)):
        target = _clip01(seen[i]
                         + resolved_gain * _np_min(resolved[i], 1.0)
                         - open_penalty * _np_min(np.float64(open_hh[i]), open_cap)
                         - lost_penalty * _np_min(lost[i], 1.0))
        s = satisfaction[i]
        satisfaction[i] = _clip01(s + rate * ((1 - nw) * target + np.float64(nw32 * nb[i]) - s))


@kernel
def _contact(comp, central, org_c, red_c, service_c, deliberating, w_central, w_red, w_deliberation):
    """`Residents.contact` for every household: the compound's two terms (red property's service,
    deliberation) once per compound and spread to its households (`_by_household`), then added to
    the household's own (central household), in this order."""
    k = len(org_c)
    red_term_c = np.empty(k)
    meeting_term_c = np.empty(k)
    for c in range(k):
        red_term_c[c] = w_red * (service_c[c] if red_c[c] else 0.0)
        meeting_term_c[c] = w_deliberation * (1.0 if (org_c[c] and deliberating) else 0.0)
    red_term, meeting_term = _by_household(red_term_c, comp), _by_household(meeting_term_c, comp)
    out = np.empty(len(comp))
    for i in range(len(comp)):
        out[i] = w_central * (1.0 if central[i] else 0.0) + red_term[i] + meeting_term[i]
    return out


@kernel
def _update_trust(trust, comp, org_c, contact, nb, resolved, lost, gamed, any_gamed, recent_resolved, recent_lost,
                  resolved_out, lost_out, trust_mean, party_base, rate, nw, resolved_gain, lost_penalty, gamed_penalty,
                  memory):
    """`Residents.update_trust` for every household: trust in place, the memories into new arrays.
    (The contact comes as an array, `_contact`'s: computing it in this pass measured slower; the
    compound's organisation is spread to its households first, as in `_update_satisfaction`.)"""
    nw32 = np.float32(nw)
    org = _by_household(org_c, comp)
    for i in range(len(trust)):
        base = trust_mean + party_base * (1.0 if org[i] else 0.0)
        t = trust[i]
        t = t + rate * ((1 - nw) * (base + contact[i]) + np.float64(nw32 * nb[i]) - t)
        t = t + (resolved_gain * resolved[i] - lost_penalty * lost[i])
        dropped = lost[i]
        if any_gamed:
            t = t - gamed_penalty * gamed[i]
            dropped = dropped + gamed[i]
        trust[i] = _clip01(t)
        resolved_out[i] = memory * recent_resolved[i] + resolved[i]
        lost_out[i] = memory * recent_lost[i] + dropped
    return resolved_out, lost_out


@kernel
def _raise_belonging(belonging, weekly):
    for i in range(len(belonging)):
        belonging[i] += weekly * (1.0 - belonging[i])


@kernel
def _fade_belonging(belonging, before, weekly):
    for i in range(len(belonging)):
        belonging[i] -= weekly * (belonging[i] - before[i])


@kernel
def _decide_participation(trust, belonging, nb, belief, reward_per_belief, rewarded, u, shift, shifted, out, intercept,
                          w_trust, w_belonging, w_nb32, w_reward):
    """`Residents.decide_participation` for every household (7.9 of the ODD): the log-odds, then
    the draws against the chance (`_draws_below_logistic`)."""
    x = np.empty(len(trust))
    for i in range(len(trust)):
        reward = reward_per_belief * belief[i] if rewarded else 0.0
        x[i] = (intercept + w_trust * trust[i] + w_belonging * belonging[i] + np.float64(w_nb32 * nb[i])
                + w_reward * reward)
        if shifted:
            x[i] = x[i] + shift[i]
    _draws_below_logistic(u, x, 1.0, out)
    return out


@inline_kernel
def _pay_logodds(satisfaction, trust, nb_term, burden, managed, shift, shifted, intercept, w_satisfaction, w_trust,
                 w_fee):
    """The log-odds of one household's paying chance (7.9). Without a provider the chance is 0
    (log-odds -inf; nan stays nan)."""
    x = intercept + w_satisfaction * satisfaction + w_trust * trust + nb_term - w_fee * burden
    if shifted:
        x = x + shift
    return x if (managed or x != x) else -np.inf


@kernel
def _pays(satisfaction, trust, nb_term, burden, managed, u, u_rate, rate, paying, shift, intercept, w_satisfaction,
          w_trust, w_fee, shifted):
    """One household's payment rule (7.9): the log-odds of its paying chance (`_pay_logodds`) and
    whether it pays this week. The logistic is worked out only if the household reconsiders
    (`u < u_rate`); the chance itself is read later from the log-odds (`Residents.pay_prob`,
    `_logistic_of`: logistic(-inf) is 0.0)."""
    x = _pay_logodds(satisfaction, trust, nb_term, burden, managed, shift, shifted, intercept, w_satisfaction, w_trust,
                     w_fee)
    if not managed:
        return x, False
    if u < u_rate:
        return x, u < rate * _logistic(x)
    return x, paying


@kernel
def _logistic_of(x):
    """`_logistic` of every element."""
    out = np.empty(len(x))
    for i in range(len(x)):
        out[i] = _logistic(x[i])
    return out


@kernel
def _decide_payment(satisfaction, trust, nb, w_nb, managed, fee_month, discount, income, u, u_rate, rate, paying,
                    shift, shifted, intercept, w_satisfaction, w_trust, w_fee):
    """`Residents.decide_payment` for every household; returns (burden, the paying chance's log-odds, paying)."""
    n = len(satisfaction)
    burden = np.empty(n)
    logodds = np.empty(n)
    pays = np.empty(n, np.bool_)
    for i in range(n):
        burden[i] = _np_max(_at(fee_month, i) - _at(discount, i), 0.0) / income[i] * PERCENT
        logodds[i], pays[i] = _pays(satisfaction[i], trust[i], w_nb * nb[i], burden[i], _at(managed, i), u[i], u_rate, rate,
                                    paying[i], shift[i] if shifted else 0.0, intercept, w_satisfaction, w_trust, w_fee,
                                    shifted)
    return burden, logodds, pays


@kernel
def _pay_week(satisfaction, trust, nb, w_nb, comp, managed_c, fee_c, area, credit, income, u, u_rate, rate, paying,
              shift, shifted, intercept, w_satisfaction, w_trust, w_fee, burden, logodds, pays):
    """`Residents.pay_week` for every household; returns (burden, the paying chance's log-odds, paying).

    `_pays`' rule in passes: burden and log-odds (`_pay_logodds`) of every household (the compound's
    fee and provider spread to its households first, `_by_household`); those who reconsider (a provider,
    and `u < u_rate`); their draws against `rate` x the chance (`_draws_below_logistic`); the
    others keep paying as they did (none without a provider)."""
    n = len(satisfaction)
    fee, managed = _by_household(fee_c, comp), _by_household(managed_c, comp)
    for i in range(n):
        fee_month = fee[i] * area[i]
        burden[i] = _np_max(fee_month - _np_min(credit[i], fee_month), 0.0) / income[i] * PERCENT
        logodds[i] = _pay_logodds(satisfaction[i], trust[i], w_nb * nb[i], burden[i], managed[i],
                                  shift[i] if shifted else 0.0, shifted, intercept, w_satisfaction, w_trust, w_fee)
        pays[i] = paying[i] and managed[i]
    who = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        who[m] = i
        m += 1 if (managed[i] and u[i] < u_rate) else 0
    x_who = np.empty(m)
    u_who = np.empty(m, u.dtype)
    decided = np.empty(m, np.bool_)
    for j in range(m):
        x_who[j] = logodds[who[j]]
        u_who[j] = u[who[j]]
    _draws_below_logistic(u_who, x_who, rate, decided)
    for j in range(m):
        pays[who[j]] = decided[j]
    return burden, logodds, pays


@kernel
def _learn_points_value(belief, tried, paid, indptr, indices, rate):
    """`Residents.learn_points_value`: neighbours counted from the triers' own ties (as `np.bincount`
    over them, whole numbers, so in any order the same), then each household's lesson."""
    n = len(belief)
    n_tried = np.zeros(n, np.int64)
    n_paid = np.zeros(n)
    anyone = False
    for j in range(n):
        if tried[j]:
            anyone = True
            for jj in range(indptr[j], indptr[j + 1]):
                k = indices[jj]
                n_tried[k] += 1
                n_paid[k] += 1.0 if paid[j] else 0.0
    if not anyone:  # nobody tried to redeem this week: no news anywhere
        return
    for i in range(n):
        if tried[i]:
            seen = 1.0 if paid[i] else 0.0
        elif n_tried[i] > 0:
            seen = n_paid[i] / n_tried[i]
        else:
            seen = 0.0
        news = tried[i] or n_tried[i] > 0
        belief[i] += rate * (1.0 if news else 0.0) * (seen - belief[i])


@kernel
def _share_by_compound(comp, flag, c_households):
    """Share of each compound's households with `flag` set (counted as `np.bincount` does: whole
    numbers). A compound's count is kept in a register while its households follow each other (an
    add to memory per household waits on the one before: 3x slower)."""
    k = len(c_households)
    count = np.zeros(k, np.int64)
    at, run = -1, 0
    for i in range(len(comp)):
        c = comp[i]
        if c != at:
            if at >= 0:
                count[at] = run
            at, run = c, count[c]
        run += 1 if flag[i] else 0
    if at >= 0:
        count[at] = run
    out = np.empty(k)
    for c in range(k):
        out[c] = np.float64(count[c]) / max(c_households[c], 1)
    return out


@kernel
def _redeem_points(points, threshold, value_per_point, fund_limit, fee_share, managed_c, comp, fee_credit,
                   redeemed_yuan, n_compounds):
    """`Residents.redeem_points` in two passes (who tries, then who the fund pays, by the running sum
    in household order as `np.cumsum`), totals in numpy's order (`np_sum`), fee parts per compound
    in household order (as `np.bincount` adds them)."""
    n = len(points)
    tried = np.empty(n, np.bool_)
    paid = np.zeros(n, np.bool_)
    n_tried = 0
    for i in range(n):
        tried[i] = points[i] >= threshold
        if tried[i]:
            n_tried += 1
    who = np.empty(n_tried, np.int64)
    value = np.empty(n_tried)
    cum = 0.0
    k = 0
    for i in range(n):
        if tried[i]:
            v = points[i] * value_per_point
            cum += v
            if cum <= fund_limit:
                who[k] = i
                value[k] = v
                k += 1
    who = who[:k]
    value = value[:k]
    fee_part = np.empty(k)
    goods = np.empty(k)
    spent = np.empty(k)
    transfer = np.zeros(n_compounds)
    for j in range(k):
        i = who[j]
        paid[i] = True
        fee_part[j] = value[j] * fee_share * (1.0 if managed_c[comp[i]] else 0.0)
        goods[j] = value[j] - fee_part[j]
        spent[j] = points[i]
        fee_credit[i] += fee_part[j]
        transfer[comp[i]] += fee_part[j]
        redeemed_yuan[i] += value[j]
        points[i] = 0.0
    return tried, paid, transfer, np_sum(fee_part), np_sum(goods), np_sum(spent), np_sum(value)



@kernel
def _residents_week(starts, degrees, rows, neighbours, weight, ones_sum, count_bits,
                    comp, c_households, central, income, area, indptr, indices,
                    env_c, service_c, org_c, red_c, managed_c, fee_c, deliberating,
                    open_hh, resolved, lost, gamed, any_gamed,
                    culture_weekly, culture_on, belonging_before, fade_weekly, fade_on,
                    per_act, fund_limit, u_participate, u_pay,
                    q_satisfaction, q_contact, q_trust, q_participation, q_points, q_payment,
                    satisfaction, trust, belonging, points, belief, redeemed_yuan, fee_credit,
                    recent_resolved, recent_lost, paying, participating,
                    resolved_out, lost_out, participating_out, burden, logodds, pays):
    """`Residents.week`: the rules' kernels called in the order `CommunityModel._residents_update`
    calls them one by one, on the same arrays (last week's memories, paying and participating in,
    this week's into the `_out` arrays and `burden`, `logodds`, `pays`; the rest in place)."""
    nb = _neighbour_means(starts, degrees, rows, neighbours, weight, ones_sum, count_bits, satisfaction, trust, paying,
                          participating)
    base, w_env, w_service, resolved_gain, open_penalty, open_cap, lost_penalty, rate, nw = q_satisfaction
    _update_satisfaction(satisfaction, comp, env_c, service_c, open_hh, nb[N_SATISFACTION], recent_resolved, recent_lost,
                         base, w_env, w_service, resolved_gain, open_penalty, open_cap, lost_penalty, rate, nw)
    w_central, w_red, w_deliberation = q_contact
    contact = _contact(comp, central, org_c, red_c, service_c, deliberating, w_central, w_red, w_deliberation)
    trust_mean, party_base, rate, nw, resolved_gain, lost_penalty, gamed_penalty, memory = q_trust
    _update_trust(trust, comp, org_c, contact, nb[N_TRUST], resolved, lost, gamed, any_gamed, recent_resolved,
                  recent_lost, resolved_out, lost_out, trust_mean, party_base, rate, nw, resolved_gain, lost_penalty,
                  gamed_penalty, memory)
    if culture_on:
        _raise_belonging(belonging, culture_weekly)
    if fade_on:
        _fade_belonging(belonging, belonging_before, fade_weekly)
    intercept, w_trust, w_belonging, w_nb, w_reward = q_participation
    threshold, value_per_point, fee_share, learning_rate = q_points
    rewarded = per_act > 0
    _decide_participation(trust, belonging, nb[N_PARTICIPATING], belief, per_act * value_per_point if rewarded else 0.0,
                          rewarded, u_participate, np.zeros(0), False, participating_out, intercept, w_trust,
                          w_belonging, np.float32(w_nb), w_reward)
    n = len(satisfaction)
    if rewarded:
        for i in range(n):
            points[i] += per_act * (1.0 if participating_out[i] else 0.0)
        tried, paid, transfer, fee_sum, goods_sum, points_sum, value_sum = _redeem_points(
            points, threshold, value_per_point, fund_limit, fee_share, managed_c, comp, fee_credit, redeemed_yuan,
            len(env_c))
        n_paid = 0
        for i in range(n):
            n_paid += 1 if paid[i] else 0
        _learn_points_value(belief, tried, paid, indptr, indices, learning_rate)
    else:
        tried, paid, transfer = np.zeros(0, np.bool_), np.zeros(0, np.bool_), np.zeros(len(env_c))
        n_paid, fee_sum, goods_sum, points_sum, value_sum = 0, 0.0, 0.0, 0.0, 0.0
    w_nb, rate, intercept, w_satisfaction, w_trust, w_fee = q_payment
    _pay_week(satisfaction, trust, nb[N_PAYING], np.float32(w_nb), comp, managed_c, fee_c, area, fee_credit, income,
              u_pay, np.float32(rate), rate, paying, np.zeros(0), False, intercept, w_satisfaction, w_trust, w_fee,
              burden, logodds, pays)
    return (nb[N_PAYING], (tried, paid, transfer, n_paid, fee_sum, goods_sum, points_sum, value_sum),
            _share_by_compound(comp, participating_out, c_households))
