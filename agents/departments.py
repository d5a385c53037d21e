"""Departments that answer the communities' whistles (社区吹哨、部门报到).

They serve the whole street, so the communities' whistles compete for their capacity. Only a
share of it goes to whistles (about a third without scoring, Chen, Pan & Xu 2016); response
scoring raises that share and tilts capacity toward the communities whose party organisation
scores them actively.
"""

from __future__ import annotations

import mesa
import numpy as np

DEPARTMENTS = {  # name -> the problem category it answers (model.problems.CATEGORIES)
    "urban_management": "environment",
    "housing_and_heating": "repair",
    "public_security": "dispute",
    "civil_affairs": "elder_care",
}


class Department(mesa.Agent):
    def __init__(self, model, name: str, category: int, capacity_per_week: float):
        super().__init__(model)
        self.name = name
        self.category = category
        self.capacity = capacity_per_week
        self.answered = 0  # whistles answered, cumulative
        self.received = 0  # whistles received, cumulative

    def responsiveness(self, base: float, scoring_weight: float, gain: float) -> float:
        """Share of capacity given to whistles: base, raised toward 1 by response scoring."""
        return base + (1.0 - base) * min(1.0, scoring_weight * gain)

    def allocate(self, queue_by_community: np.ndarray, scoring_power: np.ndarray, resp: float,
                 scoring_weight: float, tilt: float, rounds: int) -> np.ndarray:
        """Chance that a whistled problem of each community is answered this week.

        Capacity for whistles is shared in proportion to queue length, tilted by `tilt` x scoring
        weight x each community's scoring power; capacity a community cannot use goes to the
        others, in at most `rounds` rounds.
        """
        q = queue_by_community.astype(float)
        cap = self.capacity * resp
        prio = q * (1.0 + tilt * scoring_weight * scoring_power)
        alloc = np.zeros_like(q)
        for _ in range(rounds):
            free = cap - alloc.sum()
            want = (q - alloc) > 1e-9
            if free <= 1e-9 or not want.any():
                break
            w = np.where(want, prio, 0.0)
            if w.sum() <= 0:
                break
            alloc = np.minimum(q, alloc + free * w / w.sum())
        return np.divide(alloc, q, out=np.zeros_like(q), where=q > 0)
