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
        self._levels = None  # what the arrays below were last set from
        self.set_levels(p, extra=0.0, training=0.0, paperwork_cut=0.0)

    def set_levels(self, p: dict, extra: float, training: float, paperwork_cut: float) -> None:
        """Workers, skill and paperwork share per grid (set again only when a level or its row changed)."""
        levels = (p["grid_workers_per_grid"], p["grid_worker_skill"], p["grid_paperwork_share"], extra, training,
                  paperwork_cut)
        if levels == self._levels:
            return
        self._levels = levels
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
        return _paperwork_hours(self.paperwork, self.workers, p["grid_hours_per_worker_week"], scored_whistles,
                                p["scoring_paperwork_hours_per_whistle"], self.paperwork_cut)

    def visit_hours(self, p: dict) -> float:
        """Hours a patrol visit (or a warning check) takes."""
        return p["grid_hours_per_worker_week"] / max(p["patrol_households_per_week"], 1e-12)

    def patrol_chance(self, p: dict, patrol_hours: np.ndarray) -> np.ndarray:
        """Weekly chance a household of each grid is visited on patrol."""
        return _patrol_chance(patrol_hours, self.visit_hours(p), self.households)

    def case_capacity(self, p: dict, case_hours: np.ndarray) -> np.ndarray:
        """Problems each grid's workers can settle this week in the hours given to casework."""
        return _case_capacity(case_hours, p["grid_hours_per_worker_week"], p["grid_cases_per_week"], self.skill)

    def __repr__(self) -> str:
        return (f"GridWorkforce(grids={len(self.households)}, workers={self.workers.mean():.2f}/grid, "
                f"skill={self.skill.mean():.2f}, paperwork={self.paperwork.mean():.2f})")


# ================================================================ the rules, compiled (issue 17)
# A handful of grids: each rule is one compiled call instead of several numpy calls, same arithmetic.
# Imported here, below the class: `model` imports this module, so an import of `model.jit` at the
# top would go round in a circle whenever `agents` is imported before `model`.
from model.jit import kernel  # noqa: E402


@kernel
def _paperwork_hours(paperwork, workers, hours_per_worker, scored, hours_per_whistle, cut):
    """`paperwork * hours + scored * hours_per_whistle * (1 - cut)`, per grid."""
    out = np.empty(len(paperwork))
    for i in range(len(paperwork)):
        out[i] = paperwork[i] * (workers[i] * hours_per_worker) + scored[i] * hours_per_whistle * (1.0 - cut)
    return out


@kernel
def _patrol_chance(patrol_hours, visit_hours, households):
    """`np.minimum(1, patrol_hours / visit_hours / np.maximum(households, 1))`, per grid."""
    out = np.empty(len(patrol_hours))
    for i in range(len(patrol_hours)):
        h = households[i] if (households[i] > 1.0 or households[i] != households[i]) else 1.0
        x = patrol_hours[i] / visit_hours / h
        out[i] = 1.0 if 1.0 < x else x
    return out


@kernel
def _case_capacity(case_hours, hours_per_worker, cases_per_week, skill):
    """`case_hours / hours_per_worker * cases_per_week * skill`, per grid."""
    out = np.empty(len(case_hours))
    for i in range(len(case_hours)):
        out[i] = case_hours[i] / hours_per_worker * cases_per_week * skill[i]
    return out
