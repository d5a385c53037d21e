"""Property management's weekly accounts over all compounds at once: fees, costs, service, environment.

The supply side of the vicious cycle, as arrays over compounds. Who holds a contract, and
whether to bid for or leave one, is decided by the companies (`agents/firms.py`), the tender
(`model/tendering.py`) and red property (`agents/providers.py`); this module only books what a
week costs and earns under the contracts that exist and moves the environment.

A contract fixes a fee inside the government-guided band and a service level; a firm keeps at
least that service and provides more when revenue pays for it (after its margin). Upkeep costs
more where the environment has fallen below the standard (old pipes, rubbish, broken paving:
the loop's environment -> cost link). Red property spends what its one budget holds (fees,
subsidies, start-up grants from the fund) and cuts service when money is short.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel, np_sum
from .ledger import subsidy_demands
from .units import WEEKS_PER_MONTH
from .world import FIRM, NONE, OLD, RED

NO_FIRM = -1


class PropertyMarket:
    def __init__(self, world, p: dict, env0: np.ndarray):
        self.world = world
        n_c = world.n_compounds
        self.provider = world.c_provider0.copy()
        self.env = env0.copy()
        self.service = np.where(self.provider != NONE, 1.0, 0.0)
        self.collection = np.zeros(n_c)
        self.guide_fee = world.c_fee.copy()  # the government-guided fee of the compound's type
        self.fee = world.c_fee.copy()  # the contract's fee (yuan/m²/month)
        base_cost = np.where(world.c_type == OLD, p["cost_old"], p["cost_commercial"])
        self.firm_cost_m2 = base_cost * np.where(world.c_lift, p["lift_cost_factor"], 1.0)  # yuan/m²/month at full service
        self.full_cost_month_array = self.firm_cost_m2 * world.c_area  # yuan a month at full service (a firm's reserve)
        self.full_cost_month = self.full_cost_month_array.tolist()
        typical_age = np.where(world.c_type == OLD, p["building_age_old"], p["building_age_commercial"])
        age_factor = np.clip(world.c_age / typical_age, p["age_factor_min"], p["age_factor_max"])
        self.decay = np.where(world.c_type == OLD, p["env_decay_old"], p["env_decay_commercial"]) * age_factor
        # contracts: holder, promised service, holder's cost factor, end step; a contract's running profit
        self.owner = np.full(n_c, NO_FIRM, np.int64)
        self.contract_service = np.where(self.provider != NONE, p["firm_min_service"], 0.0)
        self.cost_factor = np.ones(n_c)
        self.contract_end = np.zeros(n_c, np.int64)
        self.revenue_ewma = np.zeros(n_c)
        self.profit_ewma = np.zeros(n_c)  # yuan/week
        self.loss_weeks = np.zeros(n_c, np.int64)  # weeks in a row with a negative running profit
        self.profit_week = np.zeros(n_c)
        self.contract_profit = np.zeros(n_c)  # yuan made on the contract since it began
        self.planned_loss = np.zeros(n_c)  # the worst running loss its holder expected when it bid
        self.red_budget = 0.0
        self.red_short_weeks = 0
        # money accounts (yuan, cumulative): what providers received and paid, and what left the street
        self.fees_received = 0.0
        self.transfers_received = 0.0
        self.costs_paid = 0.0
        self.dividends = 0.0
        self.firm_cash_start = 0.0
        self._no_choice = np.full(n_c, np.nan)  # no played firm chooses service (model/overrides.py)

    # ---------------------------------------------------------------- helpers
    def full_cost_week(self, p: dict) -> np.ndarray:
        """Full-service cost this week (yuan): the holder's cost, more where the environment is run down."""
        arrears = np.maximum(p["environment_standard"] - self.env, 0.0)
        factor = np.where(self.provider == RED, p["red_property_cost_factor"], self.cost_factor)
        return (self.firm_cost_m2 * factor * (1.0 + p["upkeep_environment_cost"] * arrears)
                * self.world.c_area / WEEKS_PER_MONTH)

    def fee_m2(self, p: dict) -> np.ndarray:
        """Each compound's fee this week (yuan/m²/month): the contract's, or red property's low fee."""
        return _fee_m2(self.provider, self.fee, float(p["red_property_fee"]))

    def fee_band(self, p: dict) -> tuple[np.ndarray, np.ndarray]:
        """The government-guided band (yuan/m²/month) inside which bids must name their fee."""
        return _band(self.guide_fee, p["fee_band_width"])

    def fee_band_of(self, p: dict, c: int) -> tuple[float, float]:
        """`fee_band` of compound `c` alone, as floats (a tender needs one compound's: the same products)."""
        return _band(self.guide_fee.item(c), p["fee_band_width"])

    @staticmethod
    def cost_at(p: dict, service: np.ndarray, full: np.ndarray) -> np.ndarray:
        fixed = p["fixed_cost_share"]  # share of full-service cost that does not shrink with service
        return full * (fixed + (1.0 - fixed) * service)

    @staticmethod
    def service_paid_by(p: dict, spend: np.ndarray, full: np.ndarray) -> np.ndarray:
        fixed = p["fixed_cost_share"]
        return np.clip((spend / np.maximum(full, 1e-9) - fixed) / (1.0 - fixed), 0.0, 1.0)

    # ---------------------------------------------------------------- the weekly accounts
    def settle(self, p: dict, fees_week: np.ndarray, transfers_week: np.ndarray,
               chosen_service: np.ndarray | None = None) -> None:
        """Book a week's revenue and cost of every contract and set service.

        `chosen_service` (per compound, NaN where the company's rule decides) is a played firm's
        choice in a participatory class (model/overrides.py); the contract minimum still binds.

        `profit_week` holds each firm contract's profit for the companies to book; red property's
        compounds draw on, and pay into, its one budget.
        """
        chosen = self._no_choice if chosen_service is None else np.asarray(chosen_service, float)
        fees_sum, transfers_sum, self.red_budget, short, cost_sum = _settle_week(
            self.provider, self.env, self.cost_factor, self.firm_cost_m2, self.world.c_area, self.contract_service,
            self.loss_weeks, self.planned_loss, fees_week, transfers_week, chosen, chosen_service is not None,
            self.revenue_ewma, self.profit_ewma, self.contract_profit, self.profit_week, self.service, self.red_budget,
            p["environment_standard"], p["red_property_cost_factor"], p["upkeep_environment_cost"],
            p["revenue_smoothing"], 1.0 - 1.0 / (p["firm_profit_memory_months"] * WEEKS_PER_MONTH),
            p["firm_required_margin"], p["fixed_cost_share"], p["firm_min_service"])
        self.fees_received += fees_sum
        self.transfers_received += transfers_sum
        self.red_short_weeks = self.red_short_weeks + 1 if short else 0
        self.costs_paid += cost_sum

    def out_of_patience(self, p: dict, compounds: np.ndarray) -> np.ndarray:
        """Those of `compounds` whose contract has lost money for longer than a company bears."""
        return compounds[self.loss_weeks[compounds] >= p["firm_loss_patience_months"] * WEEKS_PER_MONTH]

    def red_cannot_go_on(self, p: dict) -> bool:
        """Red property's budget is empty and its service below the minimum for longer than its patience."""
        return self.red_short_weeks >= p["red_property_patience_months"] * WEEKS_PER_MONTH

    def update_environment(self, p: dict, participation_share: np.ndarray) -> None:
        """Environment improves with service and residents' own work, and decays without upkeep."""
        self.env = _environment_moves(self.env, self.service, participation_share, self.decay,
                                      p["service_env_rate"], p["participation_env_effect"])

    def close_week(self, p: dict, paying: np.ndarray, hh_compound: np.ndarray, participation_share: np.ndarray) -> None:
        """After the providers' books: nobody pays where no provider is left (`stop_paying_unmanaged`,
        into `paying`), then `update_environment`; one compiled call."""
        self.env = _close_week(paying, self.provider, hh_compound, self.env, self.service, participation_share,
                               self.decay, p["service_env_rate"], p["participation_env_effect"])

    # ---------------------------------------------------------------- contracts begin and end
    def award(self, c: int, firm_index: int, cost_factor: float, fee: float, service: float, end: int,
              planned_loss: float = 0.0) -> None:
        self.provider[c] = FIRM
        self.owner[c] = firm_index
        self.cost_factor[c] = cost_factor
        self.fee[c] = fee
        self.contract_service[c] = service
        self.contract_end[c] = end
        self.revenue_ewma[c] = 0.0
        self.profit_ewma[c] = 0.0
        self.loss_weeks[c] = 0
        self.contract_profit[c] = 0.0
        self.planned_loss[c] = planned_loss

    def vacate(self, c: int) -> None:
        self.provider[c] = NONE
        self.owner[c] = NO_FIRM
        self.service[c] = 0.0
        self.contract_service[c] = 0.0
        self.cost_factor[c] = 1.0
        self.fee[c] = self.guide_fee[c]
        self.revenue_ewma[c] = 0.0
        self.profit_ewma[c] = 0.0
        self.loss_weeks[c] = 0

    def take_red(self, c: int, grant: float) -> None:
        self.vacate(c)
        self.provider[c] = RED
        self.red_budget += grant


# ---------------------------------------------------------------- the week's accounts, compiled
def _band(guide_fee, width: float):
    """The band of half-width `width` (a share) around the guideline fee (an array of them, or one)."""
    return guide_fee * (1.0 - width), guide_fee * (1.0 + width)


@kernel
def _settle_week(provider, env, cost_factor, firm_cost_m2, area, contract_service, loss_weeks, planned_loss,
                 fees_week, transfers_week, chosen, any_chosen, revenue_ewma, profit_ewma, contract_profit,
                 profit_week, service, red_budget, standard, red_cost_factor, upkeep_cost, smoothing, keep,
                 margin, fixed, min_service):
    """`PropertyMarket.settle` in one pass over the compounds (then one over red property's).

    The arithmetic is the numpy version's, operation for operation, and every total is summed in
    numpy's order (`np_sum`), so the books are the same floats. Updates the per-compound arrays
    in place; returns (fees received, transfers received, red budget, red short this week, costs).
    """
    n = len(provider)
    full = np.empty(n)
    revenue = np.empty(n)
    cost = np.empty(n)
    fees_m = np.empty(n)
    transfers_m = np.empty(n)
    n_managed = 0
    n_red = 0
    for c in range(n):
        arrears = max(standard - env[c], 0.0)
        factor = red_cost_factor if provider[c] == RED else cost_factor[c]
        full[c] = firm_cost_m2[c] * factor * (1.0 + upkeep_cost * arrears) * area[c] / WEEKS_PER_MONTH
        managed = provider[c] != NONE
        revenue[c] = fees_week[c] + transfers_week[c] if managed else 0.0
        if managed:
            fees_m[n_managed] = fees_week[c]
            transfers_m[n_managed] = transfers_week[c]
            n_managed += 1
        revenue_ewma[c] = (1.0 - smoothing) * revenue_ewma[c] + smoothing * revenue[c] if managed else 0.0
        if provider[c] == FIRM:
            spend = revenue_ewma[c] * (1.0 - margin)
            paid_for = min(max((spend / max(full[c], 1e-9) - fixed) / (1.0 - fixed), 0.0), 1.0)
            floor = min(min_service, contract_service[c]) if loss_weeks[c] > 0 else contract_service[c]
            s = max(paid_for, floor)
            if any_chosen and not np.isnan(chosen[c]):  # [classroom] a played firm's service level
                s = min(max(chosen[c], min_service), 1.0)
            service[c] = s
            cost[c] = full[c] * (fixed + (1.0 - fixed) * s)
        else:
            service[c] = 0.0
            cost[c] = 0.0
        if provider[c] == RED:
            n_red += 1
    # red property spends what its budget and this week's revenue hold, up to full service
    red_full = np.empty(n_red)
    red_revenue = np.empty(n_red)
    j = 0
    for c in range(n):
        if provider[c] == RED:
            red_full[j] = full[c] * (fixed + (1.0 - fixed) * 1.0)
            red_revenue[j] = revenue[c]
            j += 1
    need = np_sum(red_full)
    revenue_red = np_sum(red_revenue)
    avail = revenue_red + max(red_budget, 0.0)
    share = min(1.0, avail / need) if need > 0 else 1.0
    red_cost = np.empty(n_red)
    red_service = np.empty(n_red)
    j = 0
    for c in range(n):
        if provider[c] == RED:
            rc = full[c] * (fixed + (1.0 - fixed) * 1.0) * share
            red_cost[j] = rc
            service[c] = min(max((rc / max(full[c], 1e-9) - fixed) / (1.0 - fixed), 0.0), 1.0)
            red_service[j] = service[c]
            cost[c] = rc
            j += 1
    red_budget += revenue_red - np_sum(red_cost)
    short = n_red > 0 and red_budget <= 1e-9 and share < 1.0 and np_sum(red_service) / n_red < min_service
    for c in range(n):
        if provider[c] == FIRM:
            profit_week[c] = revenue[c] - cost[c]
            profit_ewma[c] = keep * profit_ewma[c] + (1.0 - keep) * profit_week[c]
            contract_profit[c] = contract_profit[c] + profit_week[c]
            losing = profit_ewma[c] < 0 and contract_profit[c] < -planned_loss[c]
            loss_weeks[c] = loss_weeks[c] + 1 if losing else 0
        else:
            profit_week[c] = 0.0
            profit_ewma[c] = 0.0
            contract_profit[c] = 0.0
            loss_weeks[c] = 0
    return np_sum(fees_m[:n_managed]), np_sum(transfers_m[:n_managed]), red_budget, short, np_sum(cost)


@kernel
def collect_fees(fee_m2, hh_compound, hh_area, weeks_per_month_inv, paying, fee_credit, use_credit, provider,
                 c_households):
    """The week's fees per compound (yuan; a household pays fee x area / weeks a month if it pays,
    less what its points prepaid, `use_credit`) and each managed compound's collection rate, in
    one pass over the households. Sums run in household order, as `np.bincount` adds them; a
    compound's running sums stay in registers while its households follow each other (the same
    additions in the same order, without waiting on memory for each)."""
    n_c = len(provider)
    fees = np.zeros(n_c)
    payers = np.zeros(n_c)
    at, fee_sum, payer_sum = -1, 0.0, 0.0
    for i in range(len(hh_compound)):
        c = hh_compound[i]
        if c != at:
            if at >= 0:
                fees[at], payers[at] = fee_sum, payer_sum
            at, fee_sum, payer_sum = c, fees[c], payers[c]
        due = fee_m2[c] * hh_area[i] * weeks_per_month_inv * (1.0 if paying[i] else 0.0)
        if use_credit:
            from_credit = min(fee_credit[i], due)
            fee_credit[i] -= from_credit
            due = due - from_credit
        fee_sum += due
        payer_sum += 1.0 if paying[i] else 0.0
    if at >= 0:
        fees[at], payers[at] = fee_sum, payer_sum
    collection = np.empty(n_c)
    for c in range(n_c):
        collection[c] = payers[c] / max(c_households[c], 1) if provider[c] != NONE else 0.0
    return fees, collection


@kernel
def income_week(fee_m2, hh_compound, hh_area, weeks_per_month_inv, paying, fee_credit, use_credit, provider,
                c_households, old_rate, red_rate, area, c_type):
    """The week's money coming in, in one call (each kernel call costs a week about what a small pass
    does): `collect_fees`, then `model.ledger.subsidy_demands` (the fund's subsidy demands and their
    totals, for the fund to pay). Returns (fees, collection, the fees' total as numpy sums them,
    demands, totals)."""
    fees, collection = collect_fees(fee_m2, hh_compound, hh_area, weeks_per_month_inv, paying, fee_credit,
                                    use_credit, provider, c_households)
    want, totals = subsidy_demands(old_rate, red_rate, area, weeks_per_month_inv, provider, c_type)
    return fees, collection, np_sum(fees), want, totals


@kernel
def stop_paying_unmanaged(paying, provider, hh_compound):
    """Nobody pays a fee where no provider is left."""
    for i in range(len(paying)):
        if provider[hh_compound[i]] == NONE:
            paying[i] = False


@kernel
def _fee_m2(provider, fee, red_fee):
    out = fee.copy()
    for c in range(len(out)):
        if provider[c] == RED:
            out[c] = red_fee
    return out


@kernel
def _close_week(paying, provider, hh_compound, env, service, participation_share, decay, service_rate,
                participation_effect):
    stop_paying_unmanaged(paying, provider, hh_compound)
    return _environment_moves(env, service, participation_share, decay, service_rate, participation_effect)


@kernel
def _environment_moves(env, service, participation_share, decay, service_rate, participation_effect):
    """Each compound's environment: up with service and residents' own work, down with decay (a new array)."""
    out = np.empty(len(env))
    for c in range(len(env)):
        e = env[c]
        up = service_rate * service[c] + participation_effect * participation_share[c]
        out[c] = min(max(e + up * (1.0 - e) - decay[c] * e, 0.0), 1.0)
    return out
