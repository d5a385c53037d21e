"""Grid workers (网格员), as per-grid arrays: how many, how skilled, how much time paperwork eats.

Their free time is split between patrols (which discover problems) and casework (which
resolves them); the burden-reduction action (减负增效) frees time, training raises skill.
"""

from __future__ import annotations

import numpy as np


class GridWorkforce:
    def __init__(self, world, p: dict):
        self.world = world
        self.households = world.grid_households.astype(float)
        self.set_levels(p, extra=0.0, training=0.0, paperwork_cut=0.0)

    def set_levels(self, p: dict, extra: float, training: float, paperwork_cut: float) -> None:
        g = len(self.households)
        self.workers = np.full(g, p["grid_workers_per_grid"] + extra)
        self.skill = np.full(g, min(1.0, p["grid_worker_skill"] + training))
        self.paperwork = np.full(g, p["grid_paperwork_share"] * (1.0 - paperwork_cut))

    @property
    def free_time(self) -> np.ndarray:
        """Worker-weeks per week left after paperwork."""
        return self.workers * (1.0 - self.paperwork)

    def patrol_chance(self, p: dict) -> np.ndarray:
        """Weekly chance a household of each grid is visited on patrol (`grid_patrol_share` of the free time)."""
        visits = p["grid_patrol_share"] * self.free_time * p["patrol_households_per_week"]
        return np.minimum(1.0, visits / np.maximum(self.households, 1.0))

    def case_capacity(self, p: dict) -> np.ndarray:
        """Problems each grid's workers can settle per week (the rest of the free time)."""
        return (1.0 - p["grid_patrol_share"]) * self.free_time * p["grid_cases_per_week"] * self.skill

    def __repr__(self) -> str:
        return (f"GridWorkforce(grids={len(self.households)}, workers={self.workers.mean():.2f}/grid, "
                f"skill={self.skill.mean():.2f}, paperwork={self.paperwork.mean():.2f})")
