"""How a bidder appraises a compound: the money a contract would make under its own service.

Forward-looking, month by month over the contract: the environment recovers (or not) under the
service it would give; residents' satisfaction follows the environment; payment follows
satisfaction and the neighbours already paying, starting from the few who pay a newcomer
(Harbin Pingfang). Cost includes the upkeep of a run-down environment. The bidder's yardstick
is a prior for a managed compound of this type in good condition (table rows, which a survey of
collection by compound age and condition would set), updated with what it sees in the street's
managed compounds of the same type; how residents respond to satisfaction, neighbours and the
fee is taken from the residents' own rule (an experienced firm knows its customers).

The two links of the vicious cycle run through here: environment -> satisfaction -> payment
(a long, costly ramp in a run-down compound) and environment -> upkeep cost.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .jit import inline_kernel, kernel, np_sum
from .units import WEEKS_PER_MONTH
from .world import FIRM, OLD


class Yardstick(NamedTuple):
    """What a managed compound of a type looks like, as a bidder believes (prior + the street).
    (A named tuple: one is made per tender, and a frozen dataclass cost more to make.)"""

    collection: float
    satisfaction: float
    environment: float
    fee: float


def yardstick(p: dict, kind: int, provider: np.ndarray, c_type: np.ndarray, collection: np.ndarray,
              satisfaction: np.ndarray, env: np.ndarray, fee: np.ndarray, guide_fee: float) -> Yardstick:
    """Prior for a managed compound of type `kind`, updated with the street's firm-managed compounds."""
    prior = p["appraisal_prior_collection_old"] if kind == OLD else p["appraisal_prior_collection_commercial"]
    return Yardstick._make(_street_yardstick(provider, c_type, kind, collection, satisfaction, env, fee,
                                             p["appraisal_prior_weight"], prior, p["appraisal_prior_satisfaction"],
                                             p["environment_standard"], guide_fee))


@kernel
def _street_yardstick(provider, c_type, kind, collection, satisfaction, env, fee, k, prior_collection,
                      prior_satisfaction, prior_environment, guide_fee):
    """`yardstick`'s collection, satisfaction, environment and fee: each prior, weighted `k`, mixed with
    what a bidder sees in the street's firm-managed compounds of the type, one each; collection kept
    inside (0, 1). (In a kernel: once a tender, and Python's arithmetic here cost more than the sums.
    numba's `min`/`max` are Python's, NaN included.)"""
    seen, s_collection, s_satisfaction, s_env, s_fee = _seen_sums(provider, c_type, kind, collection, satisfaction,
                                                                  env, fee)
    n = float(seen)
    tiny = 1e-9
    return (min(max(_mix(k, n, prior_collection, s_collection, tiny), tiny), 1.0 - tiny),
            _mix(k, n, prior_satisfaction, s_satisfaction, tiny), _mix(k, n, prior_environment, s_env, tiny),
            _mix(k, n, guide_fee, s_fee, tiny))


@inline_kernel
def _mix(k, n, prior_value, seen_sum, tiny):
    """A prior worth `k` compounds mixed with the sum of what is seen in `n`."""
    return (k * prior_value + seen_sum) / max(k + n, tiny)


@kernel
def _seen_sums(provider, c_type, kind, collection, satisfaction, env, fee):
    """How many firm-managed compounds of the type there are, and the sums of what a bidder sees
    in them (numpy's summation order, `np_sum`)."""
    idx = np.empty(len(provider), np.int64)
    n = 0
    for c in range(len(provider)):
        if provider[c] == FIRM and c_type[c] == kind:
            idx[n] = c
            n += 1
    buf = np.empty(n)
    seen_values = (collection, satisfaction, env, fee)
    out = np.empty(len(seen_values))
    for v, values in enumerate(seen_values):
        for j in range(n):
            buf[j] = values[idx[j]]
        out[v] = np_sum(buf)
    return n, out[0], out[1], out[2], out[3]


class Compound(NamedTuple):
    """The compound as a bidder finds it (means over its households where a mean is meant).
    (A named tuple: one is made per tender, and a frozen dataclass cost more to make.)"""

    env: float
    satisfaction: float
    collection: float  # share paying on the first day of the contract
    participation: float
    decay: float  # weekly environment decay
    area_m2: float
    burden_per_fee: float  # mean % of income one yuan/m²/month of fee takes
    full_cost_month_m2: float  # full-service cost at the street's base cost (yuan/m²/month)
    subsidy_month_m2: float  # subsidy a provider of it receives (yuan/m²/month)


def appraise(p: dict, site: Compound, ruler: Yardstick, fees: np.ndarray, services: np.ndarray,
             cost_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contract profit over `contract_months`, the worst running loss on the way (yuan), and the
    collection expected at the contract's end, for every bidder (rows) and option (columns).

    `fees` and `services` are the options (one row), `cost_factor` the bidders (one column). The
    revenue path does not depend on who bids, so months are stepped once per option; each
    bidder's cost is its factor times the same path. (A tender asks only for each bidder's best
    acceptable option: `best_bid`, the same books.)
    """
    fees, services = np.ravel(fees), np.ravel(services)
    if fees.shape != services.shape:
        fees, services = np.broadcast_arrays(fees, services)
    services = np.ascontiguousarray(services, dtype=float)
    cum_rev, cum_cost, paying = option_paths(p, site, ruler, fees, services, np.arange(len(services)))
    profit, worst = _bidder_books(cum_rev, cum_cost, np.ascontiguousarray(np.ravel(cost_factor), dtype=float))
    return profit, worst, np.broadcast_to(paying, profit.shape)


def best_bid(p: dict, site: Compound, ruler: Yardstick, fees: np.ndarray, levels: np.ndarray,
             level_of: np.ndarray, cost_factor: np.ndarray, at_risk: np.ndarray, score: np.ndarray,
             by_score: np.ndarray) -> tuple[int, int, float, float, float]:
    """The tender's winner from `appraise`'s books: each bidder offers its best-scoring option whose
    contract profit is not negative and whose worst running loss is within its `at_risk` (the first
    on a tie); the best offer wins, ties to the cheaper company, then the lower index.

    Options are given as `fees` and service `levels[level_of]` (a band's grid has few service levels:
    the environment's path is worked out once per level); `by_score` lists the options best score
    first (ties by index), so a bidder's books are read only until its first acceptable option.
    Returns (bidder, option, score, expected collection, worst loss); bidder -1 if no bid is acceptable."""
    return _winning_bid(*_path_inputs(p, site, ruler, fees, levels, level_of), cost_factor, at_risk, score, by_score)


def street_bid(p: dict, site: Compound, street: tuple, fees: np.ndarray, levels: np.ndarray,
               level_of: np.ndarray, cost_factor: np.ndarray, at_risk: np.ndarray, score: np.ndarray,
               by_score: np.ndarray) -> tuple[int, int, float, float, float]:
    """`best_bid` with the bidders' yardstick made from the street (`yardstick`'s arguments after `p`,
    in order, as `street`), the tender's way: the yardstick, the environment's rates and the
    yardstick's log-odds in one compiled call (`_tender_rates`) instead of three steps of Python around
    two small ones. The same floats as `best_bid(p, site, yardstick(p, *street), ...)`."""
    kind, provider, c_type, collection, satisfaction, env, fee, guide_fee = street
    prior = p["appraisal_prior_collection_old"] if kind == OLD else p["appraisal_prior_collection_commercial"]
    r_collection, r_satisfaction, r_environment, r_fee, logit_collection, e_star, keep = _tender_rates(
        provider, c_type, kind, collection, satisfaction, env, fee, p["appraisal_prior_weight"], prior,
        p["appraisal_prior_satisfaction"], p["environment_standard"], guide_fee, levels, p["service_env_rate"],
        p["participation_env_effect"] * site.participation, site.decay)
    return _winning_bid(*_path_args(p, site, Yardstick(r_collection, r_satisfaction, r_environment, r_fee),
                                    logit_collection, e_star, keep, fees, levels, level_of),
                        cost_factor, at_risk, score, by_score)


@kernel
def _tender_rates(provider, c_type, kind, collection, satisfaction, env, fee, k, prior_collection, prior_satisfaction,
                  prior_environment, guide_fee, levels, service_rate, participation_up, decay):
    """`_street_yardstick`'s four values, the log-odds of its collection (`logit_of`) and `_env_rates`' two
    arrays, in one call (`street_bid`)."""
    collection_r, satisfaction_r, environment_r, fee_r = _street_yardstick(
        provider, c_type, kind, collection, satisfaction, env, fee, k, prior_collection, prior_satisfaction,
        prior_environment, guide_fee)
    e_star, keep = _env_rates(levels, service_rate, participation_up, decay)
    return collection_r, satisfaction_r, environment_r, fee_r, logit_of(collection_r), e_star, keep


@inline_kernel
def logit_of(x):
    """`scipy.special.logit(x)` of one float, by scipy's own formula (scipy 1.17: `log(x / (1 - x))` away
    from 1/2, `log1p(s) - log1p(-s)` with s = 2(x - 1/2) near it, where the first loses digits), so the
    same floats (`tests/test_kernels.py` checks them against scipy's); inside a kernel, where scipy's
    ufunc called on one Python float cost a tender more than the arithmetic."""
    if x < 0.3 or x > 0.65:
        return np.log(x / (1.0 - x))
    s = 2.0 * (x - 0.5)
    return np.log1p(s) - np.log1p(-s)


def option_paths(p: dict, site: Compound, ruler: Yardstick, fees: np.ndarray, levels: np.ndarray,
                 level_of: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month by month over the contract, for every option (fee `fees[j]`, service `levels[level_of[j]]`):
    cumulative revenue and full-service-cost-scaled cost (months x options) and the last month's
    collection. The environment approaches its level under the service, so its path is computed per
    service level (`np.power` stays numpy's: its last bit is the CPU's, `tools/fingerprint.py`)."""
    return _option_paths(*_path_inputs(p, site, ruler, fees, levels, level_of))


def _path_inputs(p: dict, site: Compound, ruler: Yardstick, fees: np.ndarray, levels: np.ndarray,
                 level_of: np.ndarray) -> tuple:
    """`_option_paths`' arguments for `option_paths` (and `best_bid`, which steps the same paths)."""
    e_star, keep = _env_rates(levels, p["service_env_rate"], p["participation_env_effect"] * site.participation,
                              site.decay)
    return _path_args(p, site, ruler, logit_of(ruler.collection), e_star, keep, fees, levels, level_of)


def _path_args(p: dict, site: Compound, ruler: Yardstick, logit_collection: float, e_star: np.ndarray,
               keep: np.ndarray, fees: np.ndarray, levels: np.ndarray, level_of: np.ndarray) -> tuple:
    """`_option_paths`' arguments, given the environment's rates per service level and the log-odds
    of the yardstick's collection."""
    months = int(p["contract_months"])
    kept = _kept(keep, months)  # months x levels
    sat_keep = (1.0 - p["satisfaction_rate"]) ** WEEKS_PER_MONTH
    pay_keep = (1.0 - p["pay_review_rate"]) ** WEEKS_PER_MONTH
    # the payment rule's log-odds without satisfaction and neighbours, per option (`drive`)
    fee_slope = p["pay_fee_weight"] * site.burden_per_fee
    return (e_star, kept, site.env, level_of, np.ascontiguousarray(fees, dtype=float), levels,
            logit_collection, fee_slope, ruler.fee, p["pay_neighbour_weight"] * ruler.collection,
            ruler.satisfaction, ruler.environment, p["env_satisfaction_weight"], site.satisfaction,
            site.collection, sat_keep, pay_keep, p["pay_satisfaction_weight"], p["pay_neighbour_weight"],
            site.subsidy_month_m2, site.area_m2, 1.0 - p["firm_required_margin"],
            p["environment_standard"], site.full_cost_month_m2, p["upkeep_environment_cost"],
            p["fixed_cost_share"])


def _kept(keep: np.ndarray, months: int) -> np.ndarray:
    """`np.power(keep, _weeks_after(months))`: the share of the environment's gap left at the end of
    each month, per service level (months x levels; read-only, it is kept). numpy's power, worked out
    once per distinct `keep`: a compound's decay and participation change seldom, so the same
    powers come back tender after tender (nine in ten in a tender-heavy run), and the same input
    gives numpy's same bits. The store is emptied when full (a few MB at most)."""
    key = (keep.tobytes(), months)
    kept = _KEPT.get(key)
    if kept is None:
        if len(_KEPT) >= 4096:
            _KEPT.clear()
        kept = _KEPT[key] = np.power(keep, _weeks_after(months))
        kept.flags.writeable = False
    return kept


_KEPT: dict[tuple[bytes, int], np.ndarray] = {}


def _weeks_after(months: int) -> np.ndarray:
    """Weeks from the contract's start to the end of each of its months (a column: months x 1)."""
    weeks = _WEEKS_AFTER.get(months)
    if weeks is None:
        weeks = _WEEKS_AFTER[months] = WEEKS_PER_MONTH * np.arange(1, months + 1)[:, None]
    return weeks


_WEEKS_AFTER: dict[int, np.ndarray] = {}


@kernel
def _env_rates(services, service_rate, participation_up, decay):
    """Per option, the environment's level under its service (`a / max(a + d, 1e-12)`, with a = the
    weekly rise) and the share of the gap kept each week (`np.clip(1 - a - d, 0, 1)`), in numpy's
    floats and order; the appraisal's numpy glue cost more than the arithmetic."""
    n = len(services)
    e_star = np.empty(n)
    keep = np.empty(n)
    for j in range(n):
        a = service_rate * services[j] + participation_up
        s = a + decay
        e_star[j] = a / (s if (s > 1e-12 or s != s) else 1e-12)
        x = 1.0 - a - decay
        if x == x:  # np.clip: max then min, NaN passes through
            x = x if x > 0.0 else 0.0
            x = x if x < 1.0 else 1.0
        keep[j] = x
    return e_star, keep


@kernel
def _option_paths(e_star, kept, env0, level_of, fees, levels, logit_collection, fee_slope, ruler_fee, neighbour_drive,
                  ruler_satisfaction, ruler_environment, w_env, sat0, q0, sat_keep, pay_keep, w_sat, w_nb, subsidy, area,
                  after_margin, standard, full_cost_m2, upkeep_cost, fixed):
    """Month by month over the contract (rows of `kept`) for every option (fee j, service level
    `level_of[j]`): the environment `e_star + (env0 - e_star) * kept` of its level; satisfaction
    follows the environment, the share paying follows satisfaction and the neighbours already
    paying (the residents' own rule, seen monthly; the logistic is scipy's `expit` formula, the
    log-odds' fee part `logit(collection) - fee_slope * (fee - ruler_fee) - neighbour_drive`);
    revenue and cost follow. Returns the cumulative revenue and cost (months x options) and the last
    month's collection per option. The arithmetic is the numpy expressions', in order."""
    cum_rev, cum_cost, last_paying = _empty_books(kept.shape[0], len(fees))
    for j in range(len(fees)):
        _option_path(j, cum_rev, cum_cost, last_paying, e_star, kept, env0, level_of, fees, levels, logit_collection,
                     fee_slope, ruler_fee, neighbour_drive, ruler_satisfaction, ruler_environment, w_env, sat0, q0,
                     sat_keep, pay_keep, w_sat, w_nb, subsidy, area, after_margin, standard, full_cost_m2,
                     upkeep_cost, fixed)
    return cum_rev, cum_cost, last_paying


@inline_kernel
def _empty_books(months, k):
    """Cumulative revenue and cost (months x options) and the last month's collection, to be filled."""
    return np.empty((months, k)), np.empty((months, k)), np.empty(k)


@inline_kernel
def _option_path(j, cum_rev, cum_cost, last_paying, e_star, kept, env0, level_of, fees, levels, logit_collection,
                 fee_slope, ruler_fee, neighbour_drive, ruler_satisfaction, ruler_environment, w_env, sat0, q0,
                 sat_keep, pay_keep, w_sat, w_nb, subsidy, area, after_margin, standard, full_cost_m2, upkeep_cost,
                 fixed):
    """Option j's months (`_option_paths`), into column j of the books; an option's path depends on
    no other option's."""
    lv = level_of[j]
    drive = logit_collection - fee_slope * (fees[j] - ruler_fee) - neighbour_drive
    sat = sat0
    q = q0
    rev_sum = 0.0
    cost_sum = 0.0
    for m in range(kept.shape[0]):
        env = e_star[lv] + (env0 - e_star[lv]) * kept[m, lv]
        target_sat = ruler_satisfaction + w_env * (env - ruler_environment)
        sat = target_sat + (sat - target_sat) * sat_keep
        target = 1.0 / (1.0 + np.exp(-(drive + w_sat * (sat - ruler_satisfaction) + w_nb * q)))
        q = target + (q - target) * pay_keep
        revenue = (fees[j] * q + subsidy) * area * after_margin
        arrears = max(standard - env, 0.0)
        cost = full_cost_m2 * (1.0 + upkeep_cost * arrears) * (fixed + (1.0 - fixed) * levels[lv]) * area
        rev_sum = revenue if m == 0 else rev_sum + revenue
        cost_sum = cost if m == 0 else cost_sum + cost
        cum_rev[m, j] = rev_sum
        cum_cost[m, j] = cost_sum
    last_paying[j] = q


@inline_kernel
def _books_of(cum_rev, cum_cost, j, cost_factor):
    """One bidder's contract profit and worst running loss for option j (its cost factor times the
    option's cost path)."""
    return _profit_of(cum_rev, cum_cost, j, cost_factor), _worst_of(cum_rev, cum_cost, j, cost_factor)


@inline_kernel
def _profit_of(cum_rev, cum_cost, j, cost_factor):
    """One bidder's contract profit for option j."""
    months = cum_rev.shape[0]
    return cum_rev[months - 1, j] - cost_factor * cum_cost[months - 1, j]


@inline_kernel
def _worst_of(cum_rev, cum_cost, j, cost_factor):
    """One bidder's worst running loss for option j (0 if it never runs at a loss)."""
    low = np.inf
    for m in range(cum_rev.shape[0]):
        x = cum_rev[m, j] - cost_factor * cum_cost[m, j]
        low = min(low, x)
    return -min(low, 0.0)


@kernel
def _bidder_books(cum_rev, cum_cost, cost_factor):
    """Every bidder's (rows) profit and worst running loss for every option (columns)."""
    k = cum_rev.shape[1]
    n_b = len(cost_factor)
    profit = np.empty((n_b, k))
    worst = np.empty((n_b, k))
    for b in range(n_b):
        for j in range(k):
            profit[b, j], worst[b, j] = _books_of(cum_rev, cum_cost, j, cost_factor[b])
    return profit, worst


@kernel
def _winning_bid(e_star, kept, env0, level_of, fees, levels, logit_collection, fee_slope, ruler_fee, neighbour_drive,
                 ruler_satisfaction, ruler_environment, w_env, sat0, q0, sat_keep, pay_keep, w_sat, w_nb, subsidy, area,
                 after_margin, standard, full_cost_m2, upkeep_cost, fixed, cost_factor, at_risk, score, by_score):
    """`best_bid`'s choice, from `_option_paths`' arguments and the bidders: per bidder the first
    acceptable option in `by_score` order (the best score, the lowest index on a tie; an option
    scored nan or -inf is never offered), then the best offer, ties to the cheaper company, then the
    lower index. Returns (bidder, option, score, expected collection, worst loss); (-1, -1, -inf,
    nan, nan) if no bid is acceptable.

    An option's months are stepped (`_option_path`) when a bidder first reads its books, and a
    bid's worst loss is read only if its profit is not negative: bidders stop at their first
    acceptable option, so most options' books are never needed (the same numbers, less work)."""
    cum_rev, cum_cost, paying = _empty_books(kept.shape[0], len(fees))
    stepped = np.zeros(len(fees), np.bool_)
    win, win_j, win_score, win_worst = -1, -1, -np.inf, np.nan
    for b in range(len(cost_factor)):
        for j in by_score:
            if not score[j] > -np.inf:
                continue
            if not stepped[j]:
                _option_path(j, cum_rev, cum_cost, paying, e_star, kept, env0, level_of, fees, levels,
                             logit_collection, fee_slope, ruler_fee, neighbour_drive, ruler_satisfaction,
                             ruler_environment, w_env, sat0, q0, sat_keep, pay_keep, w_sat, w_nb, subsidy, area,
                             after_margin, standard, full_cost_m2, upkeep_cost, fixed)
                stepped[j] = True
            if not _profit_of(cum_rev, cum_cost, j, cost_factor[b]) >= 0.0:
                continue
            worst = _worst_of(cum_rev, cum_cost, j, cost_factor[b])
            if worst <= at_risk[b]:
                if win < 0 or score[j] > win_score or (score[j] == win_score and cost_factor[b] < cost_factor[win]):
                    win, win_j, win_score, win_worst = b, j, score[j], worst
                break
    return win, win_j, win_score, (paying[win_j] if win >= 0 else np.nan), win_worst
