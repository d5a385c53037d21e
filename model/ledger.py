"""The budget ledger: every yuan of subsidy, points redemption, donation and policy cost.

The governance fund (专项资金) is filled by fiscal money and donations and pays red-property
subsidies, old-compound property subsidies and points redemptions; it never goes below zero
(a payment it cannot afford is refused or cut). Other policy costs are paid directly from the
fiscal budget. `public_spending` is all fiscal money spent.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .jit import kernel, np_sum
from .world import NONE, OLD, RED

FISCAL, DONATION = "fiscal", "donation"
# uses that end up as property providers' revenue
PROVIDER_USES = ("red_property_subsidy", "red_property_startup", "property_subsidy", "points_fee")


class Ledger:
    def __init__(self, fund_initial: float = 0.0):
        self.balance = {FISCAL: float(fund_initial), DONATION: 0.0}
        self.inflow = {FISCAL: float(fund_initial), DONATION: 0.0}
        self.flows: dict[tuple[str, str], float] = defaultdict(float)  # (source, use) -> yuan
        self.direct: dict[str, float] = defaultdict(float)  # fiscal costs outside the fund
        self.refused = 0.0  # payments the fund could not make

    def deposit(self, source: str, amount: float) -> None:
        self.balance[source] += amount
        self.inflow[source] += amount

    @property
    def fund_balance(self) -> float:
        return self.balance[FISCAL] + self.balance[DONATION]

    def pay(self, use: str, amount: float, partial: bool = True) -> float:
        """Pay from the fund, donations first; returns what was paid (all, part, or nothing)."""
        amount = max(0.0, float(amount))
        if amount <= 0.0:
            return 0.0
        balance = self.balance
        donations = balance[DONATION]
        avail = balance[FISCAL] + donations  # `fund_balance`
        if amount > avail + 1e-9 and not partial:
            self.refused += amount
            return 0.0
        paid = min(amount, avail)
        self.refused += amount - paid
        from_don = min(paid, donations)
        from_fiscal = paid - from_don
        balance[DONATION] = donations - from_don
        balance[FISCAL] -= from_fiscal
        if from_don:
            self.flows[(DONATION, use)] += from_don
        if from_fiscal:
            self.flows[(FISCAL, use)] += from_fiscal
        return paid

    def spend_direct(self, use: str, amount: float) -> None:
        if amount > 0:
            self.direct[use] += float(amount)

    # ---- totals
    @property
    def public_spending(self) -> float:
        return float(sum(v for (src, _), v in self.flows.items() if src == FISCAL) + sum(self.direct.values()))

    def to_providers(self) -> float:
        return sum(v for (_, use), v in self.flows.items() if use in PROVIDER_USES)

    def by_use(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for (_, use), v in self.flows.items():
            out[use] += v
        for use, v in self.direct.items():
            out[use] += v
        return dict(out)

    def spent(self) -> float:
        return sum(self.flows.values())

    def balances(self) -> bool:
        """Inflows = what the fund paid + what is left, per source; nothing below zero."""
        ok = all(b >= -1e-6 for b in self.balance.values())
        for src in (FISCAL, DONATION):
            paid = sum(v for (s, _), v in self.flows.items() if s == src)
            ok &= abs(self.inflow[src] - paid - self.balance[src]) <= 1e-6 * max(1.0, self.inflow[src])
        return ok


# ---------------------------------------------------------------- per-compound demands on the fund, compiled
SUBSIDIES = ("property_subsidy", "red_property_subsidy")  # the rows of `subsidy_demands`: old compounds, red property
SUBSIDY_OLD, SUBSIDY_RED = range(len(SUBSIDIES))


@kernel
def subsidy_demands(old_rate, red_rate, area, weeks_per_month_inv, provider, c_type):
    """A week's subsidy demands per compound (rows: old compounds with a provider at `old_rate`, red
    property's compounds at `red_rate`; yuan/m²/month x area / weeks a month; a row at rate <= 0
    is not worked out), and each row's total. The floats of numpy's `rate * area * wk * mask`
    (element by element, in that order) and of `want.sum()` (`np_sum`): one pass a week instead of
    a dozen numpy calls for a few dozen compounds."""
    n = len(area)
    rates = (old_rate, red_rate)
    want = np.zeros((len(rates), n))
    totals = np.zeros(len(rates))
    for row in range(len(rates)):
        rate = rates[row]
        if rate <= 0:
            continue
        for c in range(n):
            on = (c_type[c] == OLD and provider[c] != NONE) if row == SUBSIDY_OLD else provider[c] == RED
            want[row, c] = rate * area[c] * weeks_per_month_inv * (1.0 if on else 0.0)
        totals[row] = np_sum(want[row])
    return want, totals


@kernel
def add_shares(into, want, old_share, red_share):
    """`into += want[0] * old_share`, then `into += want[1] * red_share` (a share < 0: the fund paid
    nothing of that row, nothing added): what each compound gets when the fund pays that share of
    the row's demand."""
    shares = (old_share, red_share)
    for row in range(len(shares)):
        if shares[row] >= 0:
            for c in range(len(into)):
                into[c] += want[row, c] * shares[row]
