"""Grid workers (网格员), as per-grid arrays: how many, how skilled, how much paperwork they are given.

Their hours are a budget shared among paperwork, campaign visits, warning checks, casework
and patrols (`model/grid_time.py` sets the priority); this module turns hours into what the
hours buy: patrol visits (which discover problems) and case capacity (which resolves them).
The burden-reduction action (减负增效) cuts paperwork, training raises skill.
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
        self.paperwork_cut = paperwork_cut
        self.paperwork = np.full(g, p["grid_paperwork_share"] * (1.0 - paperwork_cut))

    def hours(self, p: dict) -> np.ndarray:
        """Working hours per grid this week."""
        return self.workers * p["grid_hours_per_worker_week"]

    def paperwork_hours(self, p: dict, scored_whistles: np.ndarray) -> np.ndarray:
        """Hours of paperwork demanded: the street's forms (a share of the hours) plus the record of
        each scored whistle, both cut by the duty lists."""
        per_whistle = scored_whistles * p["scoring_paperwork_hours_per_whistle"] * (1.0 - self.paperwork_cut)
        return self.paperwork * self.hours(p) + per_whistle

    def visit_hours(self, p: dict) -> float:
        """Hours a patrol visit (or a warning check) takes."""
        return p["grid_hours_per_worker_week"] / max(p["patrol_households_per_week"], 1e-12)

    def patrol_chance(self, p: dict, patrol_hours: np.ndarray) -> np.ndarray:
        """Weekly chance a household of each grid is visited on patrol."""
        visits = patrol_hours / self.visit_hours(p)
        return np.minimum(1.0, visits / np.maximum(self.households, 1.0))

    def case_capacity(self, p: dict, case_hours: np.ndarray) -> np.ndarray:
        """Problems each grid's workers can settle this week in the hours given to casework."""
        return case_hours / p["grid_hours_per_worker_week"] * p["grid_cases_per_week"] * self.skill

    def __repr__(self) -> str:
        return (f"GridWorkforce(grids={len(self.households)}, workers={self.workers.mean():.2f}/grid, "
                f"skill={self.skill.mean():.2f}, paperwork={self.paperwork.mean():.2f})")
