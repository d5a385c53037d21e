"""Property management over all compounds at once: fees, costs, service, entry and exit.

The supply side of the vicious cycle. A commercial firm sets its service to what its revenue
pays for (keeping its margin) but never below its contract minimum; when revenue cannot pay
even that, it loses money and leaves once its reserve for the compound is gone. No collection
threshold is written anywhere: exits follow from the firm's own profit and loss. An
unmanaged compound is appraised now and then, and a firm enters only if the payment it can
expect from today's residents covers the cost, which poor environment makes unlikely.
Red property runs at full service while its start-up grant lasts, then on what fees and
subsidies pay; it does not leave.
"""

from __future__ import annotations

import numpy as np

from .world import FIRM, NONE, OLD, RED

WEEKS_PER_MONTH = 52.0 / 12.0


class PropertyMarket:
    def __init__(self, world, p: dict, env0: np.ndarray):
        self.world = world
        n_c = world.n_compounds
        self.provider = world.c_provider0.copy()
        self.env = env0.copy()
        self.service = np.where(self.provider != NONE, 1.0, 0.0)
        self.reserve = np.zeros(n_c)
        self.revenue_ewma = np.zeros(n_c)
        self.collection = np.zeros(n_c)
        self.fee = world.c_fee.copy()
        base_cost = np.where(world.c_type == OLD, p["cost_old"], p["cost_commercial"])
        self.firm_cost_m2 = base_cost * np.where(world.c_lift, p["lift_cost_factor"], 1.0)  # yuan/m²/month at full service
        typical_age = np.where(world.c_type == OLD, p["building_age_old"], p["building_age_commercial"])
        age_factor = np.clip(world.c_age / typical_age, p["age_factor_min"], p["age_factor_max"])
        self.decay = np.where(world.c_type == OLD, p["env_decay_old"], p["env_decay_commercial"]) * age_factor
        # revenue accounts (yuan, cumulative): fees paid by households, transfers from the fund
        self.fees_received = 0.0
        self.transfers_received = 0.0
        self.costs_paid = 0.0
        self.firm_reserves_start = 0.0

    # ---------------------------------------------------------------- helpers
    def full_cost_week(self, p: dict) -> np.ndarray:
        m2 = self.world.c_area
        factor = np.where(self.provider == RED, p["red_property_cost_factor"], 1.0)
        return self.firm_cost_m2 * factor * m2 / WEEKS_PER_MONTH

    def fee_m2(self, p: dict) -> np.ndarray:
        return np.where(self.provider == RED, p["red_property_fee"], self.fee)

    def cost_at(self, p: dict, service: np.ndarray, full: np.ndarray) -> np.ndarray:
        fixed = p["fixed_cost_share"]  # share of full-service cost that does not shrink with service
        return full * (fixed + (1.0 - fixed) * service)

    def service_paid_by(self, p: dict, revenue: np.ndarray, full: np.ndarray) -> np.ndarray:
        fixed = p["fixed_cost_share"]
        return np.clip((revenue / np.maximum(full, 1e-9) - fixed) / (1.0 - fixed), 0.0, 1.0)

    # ---------------------------------------------------------------- the weekly accounts
    def settle(self, p: dict, fees_week: np.ndarray, transfers_week: np.ndarray) -> np.ndarray:
        """Book a week's revenue and cost, set service, return compounds whose firm must leave."""
        managed = self.provider != NONE
        full = self.full_cost_week(p)
        revenue = np.where(managed, fees_week + transfers_week, 0.0)
        self.fees_received += float(fees_week[managed].sum())
        self.transfers_received += float(transfers_week[managed].sum())
        a = p["revenue_smoothing"]
        self.revenue_ewma = np.where(managed, (1.0 - a) * self.revenue_ewma + a * revenue, 0.0)
        firm = self.provider == FIRM
        red = self.provider == RED
        paid_for = self.service_paid_by(p, self.revenue_ewma * (1.0 - p["firm_required_margin"]), full)
        service = np.where(firm, np.maximum(paid_for, p["firm_min_service"]), 0.0)
        cost = np.where(firm, self.cost_at(p, service, full), 0.0)
        # red property spends what it has (this week's revenue and its reserve), up to full service;
        # it never borrows, so when money is short its service, not its reserve, gives way
        avail = np.where(red, revenue + np.maximum(self.reserve, 0.0), 0.0)
        red_cost = np.minimum(self.cost_at(p, np.ones_like(full), full), avail)
        service = np.where(red, self.service_paid_by(p, red_cost, full), service)
        cost = np.where(red, red_cost, cost)
        self.service = service
        self.costs_paid += float(cost.sum())
        self.reserve = np.where(managed, self.reserve + revenue - cost, 0.0)
        # profits above the starting reserve are taken out (firms) or kept for later (red: capped)
        cap = np.where(red, self.reserve_cap_red, self.reserve_cap)
        self.reserve = np.minimum(self.reserve, cap)
        return np.flatnonzero(firm & (self.reserve < 0))

    def update_environment(self, p: dict, participation_share: np.ndarray) -> None:
        """Environment improves with service and residents' own work, and decays without upkeep."""
        e = self.env
        up = p["service_env_rate"] * self.service + p["participation_env_effect"] * participation_share
        self.env = np.clip(e + up * (1.0 - e) - self.decay * e, 0.0, 1.0)

    def expected_margin(self, p: dict, expected_collection: np.ndarray, subsidy_m2: np.ndarray) -> np.ndarray:
        """What an appraising firm expects: revenue at today's willingness to pay, less minimum-service cost."""
        rev = (self.fee * expected_collection + subsidy_m2) * (1.0 - p["firm_required_margin"])
        fixed = p["fixed_cost_share"]
        cost_min = self.firm_cost_m2 * (fixed + (1.0 - fixed) * p["firm_min_service"])
        return rev - cost_min

    # ---------------------------------------------------------------- entry and exit
    def start_firms(self, p: dict) -> None:
        """Firms present at the start hold a full reserve."""
        self.reserve_cap = p["firm_reserve_months"] * self.firm_cost_m2 * self.world.c_area
        self.reserve_cap_red = np.zeros_like(self.reserve_cap)
        firm = self.provider == FIRM
        self.reserve[firm] = self.reserve_cap[firm]
        self.firm_reserves_start = float(self.reserve[firm].sum())

    def enter(self, c: np.ndarray) -> None:
        self.provider[c] = FIRM
        self.reserve[c] = self.reserve_cap[c]
        self.revenue_ewma[c] = 0.0
        self.firm_reserves_start += float(self.reserve_cap[c].sum())

    def exit(self, c: np.ndarray) -> None:
        self.provider[c] = NONE
        self.service[c] = 0.0
        self.reserve[c] = 0.0
        self.revenue_ewma[c] = 0.0

    def take_red(self, c: np.ndarray, grant: np.ndarray) -> None:
        self.provider[c] = RED
        self.reserve[c] = grant
        self.reserve_cap_red[c] = np.maximum(grant, self.reserve_cap_red[c])
        self.revenue_ewma[c] = 0.0

