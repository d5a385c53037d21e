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

from .world import FIRM, NONE, OLD, RED

WEEKS_PER_MONTH = 52.0 / 12.0
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

    # ---------------------------------------------------------------- helpers
    def full_cost_week(self, p: dict) -> np.ndarray:
        """Full-service cost this week (yuan): the holder's cost, more where the environment is run down."""
        arrears = np.maximum(p["environment_standard"] - self.env, 0.0)
        factor = np.where(self.provider == RED, p["red_property_cost_factor"], self.cost_factor)
        return (self.firm_cost_m2 * factor * (1.0 + p["upkeep_environment_cost"] * arrears)
                * self.world.c_area / WEEKS_PER_MONTH)

    def fee_m2(self, p: dict) -> np.ndarray:
        return np.where(self.provider == RED, p["red_property_fee"], self.fee)

    def fee_band(self, p: dict) -> tuple[np.ndarray, np.ndarray]:
        """The government-guided band (yuan/m²/month) inside which bids must name their fee."""
        w = p["fee_band_width"]
        return self.guide_fee * (1.0 - w), self.guide_fee * (1.0 + w)

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
        managed = self.provider != NONE
        firm, red = self.provider == FIRM, self.provider == RED
        full = self.full_cost_week(p)
        revenue = np.where(managed, fees_week + transfers_week, 0.0)
        self.fees_received += float(fees_week[managed].sum())
        self.transfers_received += float(transfers_week[managed].sum())
        a = p["revenue_smoothing"]
        self.revenue_ewma = np.where(managed, (1.0 - a) * self.revenue_ewma + a * revenue, 0.0)
        keep = 1.0 - 1.0 / (p["firm_profit_memory_months"] * WEEKS_PER_MONTH)
        # a firm gives what revenue pays after its margin, never less than its contract promised;
        # once the contract is losing beyond plan it falls back to the contract minimum
        paid_for = self.service_paid_by(p, self.revenue_ewma * (1.0 - p["firm_required_margin"]), full)
        floor = np.where(self.loss_weeks > 0, np.minimum(p["firm_min_service"], self.contract_service),
                         self.contract_service)
        service = np.where(firm, np.maximum(paid_for, floor), 0.0)
        if chosen_service is not None:  # [classroom] a played firm's service level
            played = firm & ~np.isnan(chosen_service)
            service = np.where(played, np.clip(np.nan_to_num(chosen_service), p["firm_min_service"], 1.0), service)
        cost = np.where(firm, self.cost_at(p, service, full), 0.0)
        # red property spends what its budget and this week's revenue hold, up to full service
        need = float(self.cost_at(p, np.ones_like(full), full)[red].sum())
        avail = float(revenue[red].sum()) + max(self.red_budget, 0.0)
        share = min(1.0, avail / need) if need > 0 else 1.0
        red_cost = self.cost_at(p, np.ones_like(full), full) * share
        service = np.where(red, self.service_paid_by(p, red_cost, full), service)
        cost = np.where(red, red_cost, cost)
        self.red_budget += float(revenue[red].sum() - red_cost[red].sum())
        short = red.any() and self.red_budget <= 1e-9 and share < 1.0 and \
            float(service[red].mean()) < p["firm_min_service"]
        self.red_short_weeks = self.red_short_weeks + 1 if short else 0
        self.service = service
        self.costs_paid += float(cost.sum())
        self.profit_week = np.where(firm, revenue - cost, 0.0)
        self.profit_ewma = np.where(firm, keep * self.profit_ewma + (1.0 - keep) * self.profit_week, 0.0)
        self.contract_profit = np.where(firm, self.contract_profit + self.profit_week, 0.0)
        # a loss counts once the contract has lost more than its holder planned to (a newcomer's ramp is planned)
        losing = firm & (self.profit_ewma < 0) & (self.contract_profit < -self.planned_loss)
        self.loss_weeks = np.where(losing, self.loss_weeks + 1, 0)

    def out_of_patience(self, p: dict, compounds: np.ndarray) -> np.ndarray:
        """Those of `compounds` whose contract has lost money for longer than a company bears."""
        return compounds[self.loss_weeks[compounds] >= p["firm_loss_patience_months"] * WEEKS_PER_MONTH]

    def red_cannot_go_on(self, p: dict) -> bool:
        """Red property's budget is empty and its service below the minimum for longer than its patience."""
        return self.red_short_weeks >= p["red_property_patience_months"] * WEEKS_PER_MONTH

    def update_environment(self, p: dict, participation_share: np.ndarray) -> None:
        """Environment improves with service and residents' own work, and decays without upkeep."""
        e = self.env
        up = p["service_env_rate"] * self.service + p["participation_env_effect"] * participation_share
        self.env = np.clip(e + up * (1.0 - e) - self.decay * e, 0.0, 1.0)

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
