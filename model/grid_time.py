"""One time budget per grid: where the grid workers' hours go each week, by a stated priority.

Grid workers' hours (workers x `grid_hours_per_worker_week`) are finite. Mandated work is
served first, in this order: (1) paperwork demanded by the street and the departments
(including the record of every scored whistle), (2) compound deliberation meetings, (3) the
street's door-knocking campaign, (4) the platform's early-warning checks of hot spots. What is left goes to routine patrols
(`grid_patrol_share`) and casework (the rest). So a campaign or a warning takes its
hours from cases and patrols, and with little time left it does less than it was asked to.
"""

from __future__ import annotations

import numpy as np

USES = ("paperwork", "meetings", "visits", "warnings", "cases", "patrols")  # in order of priority (cases and patrols share)


class GridHours:
    """This week's hours per grid for each use, and the street's totals since the start."""

    def __init__(self, n_grids: int):
        self.week = {use: np.zeros(n_grids) for use in USES}
        self.total = dict.fromkeys(USES, 0.0)
        self.available_total = 0.0

    def allocate(self, available: np.ndarray, paperwork: np.ndarray, meetings: np.ndarray, visits: np.ndarray,
                 warnings: np.ndarray, case_share: float) -> None:
        """Serve the demands (hours per grid) in priority order; split the rest between cases and patrols."""
        left = available.astype(float)
        for use, demand in (("paperwork", paperwork), ("meetings", meetings), ("visits", visits), ("warnings", warnings)):
            got = np.minimum(demand, left)
            self.week[use] = got
            left = left - got
        self.week["cases"] = case_share * left
        self.week["patrols"] = left - self.week["cases"]
        for use in USES:
            self.total[use] += float(self.week[use].sum())
        self.available_total += float(available.sum())

    def granted_share(self, use: str, demand: np.ndarray) -> np.ndarray:
        """Share of each grid's demand for `use` that got its hours (1 where nothing was asked)."""
        return np.divide(self.week[use], demand, out=np.ones_like(demand, dtype=float), where=demand > 0)

    def balances(self) -> bool:
        """Every available hour went to exactly one use."""
        used = sum(self.total.values())
        return abs(used - self.available_total) <= 1e-6 * max(1.0, self.available_total)
