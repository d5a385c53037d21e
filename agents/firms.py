"""Property companies as Mesa agents: each may hold several compounds' contracts with one reserve.

Companies differ in cost, reserve and appetite for risk. Each week a company books what its
contracts made (the arithmetic is in `model/property_market.py`), takes out profit above its
reserve's ceiling, keeps a losing contract's promised service from its reserve (cross-subsidy
within its means) and leaves a contract whose running profit has been negative for longer
than its patience; a company whose reserve is gone leaves them all. Bids are made in the
tender (`model/tendering.py`); companies that hold nothing in the street are potential
entrants from outside it.
"""

from __future__ import annotations

from operator import attrgetter

import mesa
import numpy as np

from model.jit import kernel, np_sum
from model.units import WEEKS_PER_MONTH

LOSSES = "losses"


def _read_by_tenders(name: str, doc: str) -> property:
    """A company attribute every tender reads (`Bidders`): setting it counts in the company's
    `traits_set`, so a tender's arrays take the company's new values after any change and only then."""
    slot = "_" + name

    def set_trait(firm: Firm, value: float) -> None:
        setattr(firm, slot, value)
        firm.traits_set += 1

    return property(attrgetter(slot), set_trait, doc=doc)


class Firm(mesa.Agent):
    """A property company (物业企业)."""

    traits_set = 0  # times its cost factor, appetite or reserve was set (`Bidders`)
    cost_factor = _read_by_tenders("cost_factor", "its cost relative to the street's base cost")
    appetite = _read_by_tenders("appetite", "share of its reserve it will risk on one new contract")
    reserve = _read_by_tenders("reserve", "its money (yuan); profit in, losses out, paid out above its ceiling")

    def __init__(self, model, index: int, cost_factor: float, reserve_factor: float, appetite: float,
                 base_cost_month: float):
        super().__init__(model)
        self.index = index
        self.cost_factor = cost_factor
        self.reserve_factor = reserve_factor  # its reserve relative to the street's typical reserve
        self.appetite = appetite
        self.base_cost_month = base_cost_month  # full monthly cost of the street's mean compound (yuan)
        self.contracts: set[int] = set()
        self.reserve = 0.0
        self.won = 0
        self.left = 0

    # ---------------------------------------------------------------- money
    def reserve_ceiling(self) -> float:
        """Reserve it keeps; profit above it is paid out to the owners (leaves the street)."""
        full_month = self.model.market.full_cost_month  # yuan a month at full service, per compound
        held = sum(full_month[c] for c in self.contracts)
        return self.reserve_factor * self.model.p["firm_reserve_months"] * max(self.base_cost_month, held)

    def at_risk(self) -> float:
        """The worst running loss it accepts on one new contract (yuan)."""
        return at_risk_of(self._appetite, self._reserve)

    # ---------------------------------------------------------------- the week's decisions
    def step(self) -> None:
        if not self.contracts:
            return
        mk, p = self.model.market, self.model.p
        self.reserve, ceiling, held, leaving = _book_week(
            np.fromiter(self.contracts, np.int64, len(self.contracts)), mk.profit_week, mk.full_cost_month_array,
            mk.loss_weeks, self.reserve, self.reserve_factor, p["firm_reserve_months"], self.base_cost_month,
            p["firm_loss_patience_months"] * WEEKS_PER_MONTH)
        if self.reserve > ceiling:
            mk.dividends += self.reserve - ceiling
            self.reserve = ceiling
        if self.reserve < 0:  # its means are gone: it leaves every contract
            for c in held:
                self.leave(int(c), "its reserve is used up")
            return
        for c in leaving:
            self.leave(int(c), f"running profit negative for {p['firm_loss_patience_months']:g} months")

    def win(self, c: int) -> None:
        self.contracts.add(c)
        self.won += 1

    def lose(self, c: int) -> None:
        """Its contract went to another bidder, or ended without its bid."""
        self.contracts.discard(c)

    def leave(self, c: int, why: str) -> None:
        self.contracts.discard(c)
        self.left += 1
        self.model.contract_left(c, LOSSES, why)

    def __repr__(self) -> str:
        return (f"Firm({self.index}, cost x{self.cost_factor:.2f}, reserve {self.reserve:,.0f} yuan, "
                f"appetite {self.appetite:.2f}, contracts {sorted(self.contracts)})")


def at_risk_of(appetite: float, reserve: float) -> float:
    """`Firm.at_risk` from its traits: its appetite times its reserve, nothing below zero
    (`appetite * max(reserve, 0.0)`, Python's `max`: a nan or -0.0 reserve is kept as it is)."""
    return appetite * (0.0 if 0.0 > reserve else reserve)


class Bidders:
    """The companies a tender invites, as the appraisal reads them: each one's cost factor and
    `Firm.at_risk`, as arrays in the companies' order.

    Asking every company for them cost a tender more than its bidders' books. They change only when
    a company's cost factor, appetite or reserve is set (a reserve moves weekly, for the few
    companies that hold contracts), so only the companies whose `traits_set` moved since the last
    tender are read again; the arrays are made anew for another list of companies.
    """

    def __init__(self) -> None:
        self._firms: list[Firm] = []
        self._sets: list[int] = []  # each company's `traits_set` when its row was read
        self._arrays = (np.empty(0), np.empty(0))

    def arrays(self, firms: list[Firm]) -> tuple[np.ndarray, np.ndarray]:
        """(cost factors, at risk) of `firms`; callers must not write into them (they are kept, and
        rows are updated in place)."""
        sets = [f.traits_set for f in firms]
        if firms != self._firms:
            self._firms, self._sets = list(firms), sets
            # (the traits' slots read directly: the properties and a method call per company cost
            # three times the arithmetic, and this runs at nearly every tender of a busy street)
            self._arrays = (np.array([f._cost_factor for f in firms], dtype=float),
                            np.array([at_risk_of(f._appetite, f._reserve) for f in firms], dtype=float))
        elif sets != self._sets:
            cost, at_risk = self._arrays
            for i, (now, then) in enumerate(zip(sets, self._sets)):
                if now != then:
                    f = firms[i]
                    cost[i], at_risk[i] = f._cost_factor, at_risk_of(f._appetite, f._reserve)
            self._sets = sets
        return self._arrays


@kernel
def _book_week(held, profit_week, full_cost_month, loss_weeks, reserve, reserve_factor, reserve_months,
               base_cost_month, patience_weeks):
    """A company's week in one pass: its contracts' profit into the reserve (in compound order, summed
    as numpy sums), the reserve's ceiling (`reserve_ceiling`: the held compounds' full monthly cost,
    added in the order the company's set holds them, as Python's `sum` does), and the contracts it
    has lost money on for longer than its patience. `held` comes in the set's order."""
    ordered = np.sort(held)
    profits = np.empty(len(ordered))
    for k in range(len(ordered)):
        profits[k] = profit_week[ordered[k]]
    reserve = reserve + np_sum(profits)
    cost = 0.0
    for c in held:
        cost += full_cost_month[c]
    ceiling = reserve_factor * reserve_months * max(base_cost_month, cost)
    leaving = np.empty(len(ordered), np.int64)
    n = 0
    for c in ordered:
        if loss_weeks[c] >= patience_weeks:
            leaving[n] = c
            n += 1
    return reserve, ceiling, ordered, leaving[:n]
