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

import mesa
import numpy as np

from model.jit import np_sum

LOSSES = "losses"


class Firm(mesa.Agent):
    """A property company (物业企业)."""

    def __init__(self, model, index: int, cost_factor: float, reserve_factor: float, appetite: float,
                 base_cost_month: float):
        super().__init__(model)
        self.index = index
        self.cost_factor = cost_factor  # its cost relative to the street's base cost
        self.reserve_factor = reserve_factor  # its reserve relative to the street's typical reserve
        self.appetite = appetite  # share of its reserve it will risk on one new contract
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
        return self.appetite * max(self.reserve, 0.0)

    # ---------------------------------------------------------------- the week's decisions
    def step(self) -> None:
        if not self.contracts:
            return
        mk, p = self.model.market, self.model.p
        held = np.fromiter(sorted(self.contracts), np.int64)
        self.reserve += np_sum(mk.profit_week[held])
        ceiling = self.reserve_ceiling()
        if self.reserve > ceiling:
            mk.dividends += self.reserve - ceiling
            self.reserve = ceiling
        if self.reserve < 0:  # its means are gone: it leaves every contract
            for c in held:
                self.leave(int(c), "its reserve is used up")
            return
        for c in mk.out_of_patience(p, held):
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
