"""Red property (红色物业) as a Mesa agent: a party-led low-fee provider with one budget and an exit.

It takes unmanaged compounds with a party organisation while the policy is on (if the fund
pays its start-up grant), runs on that budget, its low fees and the fund's subsidy (the
arithmetic is in `model/property_market.py`: service is cut when money is short), and hands a
compound back to tender once its environment reaches the standard (the Hegang path) or when
it cannot go on: its budget is empty and its service has stayed below the contract minimum for
longer than its patience. Residents' trust grows with the service it gives, not with its name.
Commercial companies are in `agents/firms.py`.
"""

from __future__ import annotations

import mesa
import numpy as np

from model.jit import kernel
from model.world import NONE

from .firms import Firm

CommercialFirm = Firm  # the older name


class RedPropertyProvider(mesa.Agent):
    """The red provider of the street; `compounds` are those it runs now."""

    def __init__(self, model):
        super().__init__(model)
        self.compounds: set[int] = set()
        self.handed_back = 0

    def take(self, compound: int) -> None:
        self.compounds.add(compound)

    def release(self, compound: int) -> None:
        self.compounds.discard(compound)

    def step(self) -> None:
        """Ask for a tender where the standard is reached; give one compound up when it cannot go on."""
        m, p = self.model, self.model.p
        mk = m.market
        if not self.compounds:
            return
        held = np.fromiter(sorted(self.compounds), np.int64)
        ready = held[(mk.env[held] >= p["environment_standard"]) & (m.tender_due[held] < 0)]
        for c in ready:
            m.call_tender(int(c), m.steps)
        if mk.red_cannot_go_on(p):
            deficit = mk.full_cost_week(p)[held] - mk.revenue_ewma[held]
            c = int(held[np.argmax(deficit)])
            mk.red_short_weeks = 0
            self.handed_back += 1
            m.red_gives_up(c)

    def __repr__(self) -> str:
        return f"RedPropertyProvider(compounds={sorted(self.compounds)}, budget={self.model.market.red_budget:,.0f})"



@kernel
def red_candidates(provider, compound_org, red_order, share):
    """Compounds red property would take this week, in compound order: unmanaged, with a compound
    party organisation, and within the policy's share (`red_order` < `share`). Checked every week
    the policy is on; one pass instead of four numpy calls."""
    out = np.empty(len(provider), np.int64)
    k = 0
    for c in range(len(provider)):
        if provider[c] == NONE and compound_org[c] and red_order[c] < share:
            out[k] = c
            k += 1
    return out[:k]
