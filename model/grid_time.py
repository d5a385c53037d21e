"""One time budget per grid: where the grid workers' hours go each week, by a stated priority.

Grid workers' hours (workers x `grid_hours_per_worker_week`) are finite. Mandated work is
served first, in this order: (1) paperwork demanded by the street and the departments
(including the record of every scored whistle), (2) compound deliberation meetings, (3) the
street's door-knocking campaign, (4) the platform's early-warning checks of hot spots. What is left goes to routine patrols
(`grid_patrol_share`) and casework (the rest). So a campaign or a warning takes its
hours from cases and patrols, and with little time left it does less than it was asked to.

The week's sharing is one compiled pass over the grids (issue 17: a handful of grids, so the
cost was numpy's per-call overhead); its totals are summed in numpy's order (`np_sum`).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel, np_sum
from .streams import splitmix_uniform

USES = ("paperwork", "meetings", "visits", "warnings", "cases", "patrols")  # in order of priority (cases and patrols share)
PAPERWORK, MEETINGS, VISITS, WARNINGS, CASES, PATROLS = range(len(USES))


class GridHours:
    """This week's hours per grid for each use, and the street's totals since the start."""

    def __init__(self, n_grids: int):
        self._set_week(np.zeros((len(USES), n_grids)))
        self._totals = np.zeros(len(USES) + 1)  # the street's hours since the start: each use's, then all available

    @property
    def week(self) -> dict[str, np.ndarray]:
        """This week's hours per grid for each use (rows of the week's table, `USES` order). Made into a
        dict when first read: most weeks nothing reads it, and six row views a week cost more than
        some of the kernels."""
        if self._week_by_use is None:
            self._week_by_use = dict(zip(USES, self._week))
        return self._week_by_use

    def _set_week(self, week: np.ndarray) -> None:
        self._week, self._week_by_use = week, None

    @property
    def total(self) -> dict[str, float]:
        """Hours given to each use since the start, summed over the grids."""
        return dict(zip(USES, self._totals[:len(USES)].tolist()))

    @property
    def available_total(self) -> float:
        return float(self._totals[len(USES)])

    def allocate(self, available: np.ndarray, paperwork: np.ndarray, meetings: np.ndarray, visits: np.ndarray,
                 warnings: np.ndarray, case_share) -> None:
        """Serve the demands (hours per grid) in priority order; split the rest between cases and patrols
        (`case_share`: one share, or one per grid)."""
        available = np.asarray(available, float)
        if np.isscalar(case_share):
            week = _allocate(available, paperwork, meetings, visits, warnings, _ONE_SHARE, float(case_share), False,
                             self._totals)
        else:
            week = _allocate(available, paperwork, meetings, visits, warnings, np.asarray(case_share, float), 0.0, True,
                             self._totals)
        self._set_week(week)

    def granted_share(self, use: str, demand: np.ndarray) -> np.ndarray:
        """Share of each grid's demand for `use` that got its hours (1 where nothing was asked)."""
        return self.granted(use, demand)[0]

    def granted(self, use: str, demand: np.ndarray) -> tuple[np.ndarray, bool]:
        """`granted_share`, and whether every grid got all it asked for."""
        return _granted_share(self._week[USES.index(use)], np.asarray(demand, float))

    def warning_checks(self, visit_hours: float, hot_households: np.ndarray,
                       demand: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray, bool]:
        """The early warning's week in one pass: whether any grid has hot-spot households, each grid's
        chance of a check for one of them (the hours granted to warnings / `visit_hours` / the
        households, 0 where none), and `granted("warnings", demand)`."""
        return _warning_checks(self._week[WARNINGS], visit_hours, hot_households, np.asarray(demand, float))

    def share_week(self, workforce, p: dict, scored: np.ndarray, meetings: np.ndarray, visits: np.ndarray,
                   warnings: np.ndarray, case_share: float, hot_households: np.ndarray) -> tuple:
        """The grid workers' week in one compiled call (`grid_week`), where no played grid worker
        shares the hours: their hours and paperwork (`GridWorkforce.hours`, `paperwork_hours`), then
        `allocate`, the meetings' `granted`, `patrol_chance`, `case_capacity` and `warning_checks`,
        the same floats as calling them one by one. Returns (meetings' granted share, all granted;
        patrol chance, case capacity; any hot spot, check chance, warnings' granted share, all granted)."""
        hpw = p["grid_hours_per_worker_week"]
        week, *out = grid_week(workforce.workers, workforce.skill, workforce.paperwork, workforce.households, hpw,
                               scored, p["scoring_paperwork_hours_per_whistle"], workforce.paperwork_cut,
                               meetings, visits, warnings, case_share, workforce.visit_hours(p),
                               p["grid_cases_per_week"], hot_households, self._totals)
        self._set_week(week)
        return tuple(out)

    def balances(self) -> bool:
        """Every available hour went to exactly one use."""
        used = sum(self.total.values())
        return abs(used - self.available_total) <= 1e-6 * max(1.0, self.available_total)


@kernel
def _np_min(a, b):
    """`np.minimum(a, b)`: a if a < b or a is nan, else b."""
    return a if (a < b or a != a) else b


_ONE_SHARE = np.zeros(0)  # (no per-grid shares: one share for every grid)


@kernel
def _allocate(available, paperwork, meetings, visits, warnings, case_shares, case_share, per_grid, totals):
    """`GridHours.allocate` in one pass: each grid's hours served in priority order (numpy's
    `np.minimum(demand, left)`, `left - got`), cases taking `case_share` (or the grid's of
    `case_shares` with `per_grid`) of what is left; then the totals, each `float(week[use].sum())`
    added to its running total in `totals` (the last: all hours available)."""
    g = len(available)
    week = np.empty((len(USES), g))
    for i in range(g):
        left = available[i]
        got = _np_min(paperwork[i], left)
        week[PAPERWORK, i] = got
        left = left - got
        got = _np_min(meetings[i], left)
        week[MEETINGS, i] = got
        left = left - got
        got = _np_min(visits[i], left)
        week[VISITS, i] = got
        left = left - got
        got = _np_min(warnings[i], left)
        week[WARNINGS, i] = got
        left = left - got
        cases = (case_shares[i] if per_grid else case_share) * left
        week[CASES, i] = cases
        week[PATROLS, i] = left - cases
    for k in range(len(USES)):
        totals[k] += np_sum(week[k])
    totals[len(USES)] += np_sum(available)
    return week


@kernel
def _granted_share(got, demand):
    """np.divide(got, demand, where=demand > 0, else 1), and whether all of it is >= 1."""
    out = np.empty(len(demand))
    all_done = True
    for i in range(len(demand)):
        out[i] = got[i] / demand[i] if demand[i] > 0 else 1.0
        if not out[i] >= 1.0:
            all_done = False
    return out, all_done


@kernel
def _warning_checks(got, visit_hours, hot, demand):
    """`hot.any()`; `np.divide(got / visit_hours, hot, where=hot > 0, else 0)`; `_granted_share(got, demand)`."""
    any_hot = False
    check = np.zeros(len(hot))
    for i in range(len(hot)):
        if hot[i] != 0:
            any_hot = True
        if hot[i] > 0:
            check[i] = got[i] / visit_hours / hot[i]
    share, all_done = _granted_share(got, demand)
    return any_hot, check, share, all_done


# ---------------------------------------------------------------- the door-knocking campaign's visits
@kernel
def plan_visits(reach, visited, visit, grid, n_grids, offset, chance, hours_per_visit):
    """The campaign's plan (`CommunityModel._plan_campaign_visits`): each reachable household not yet
    visited is planned with chance `chance`, by its counter-based uniform (`offset`: the stream
    'door_knocking.visit' at this step); `visit` is set in place. Returns the hours asked per grid
    (the count per grid, as `np.bincount`, times the hours of a visit)."""
    count = np.zeros(n_grids, np.int64)
    for i in range(len(reach)):
        if reach[i] and not visited[i] and splitmix_uniform(offset, i) < chance:
            visit[i] = True
            count[grid[i]] += 1
    out = np.empty(n_grids)
    for g in range(n_grids):
        out[g] = count[g] * hours_per_visit
    return out


@kernel
def make_visits(visit, visited, grid, put_off, done, offset):
    """The visits the hours allow: with `put_off`, a planned visit waits for a later week if its
    uniform (`offset`: the stream 'door_knocking.time' at this step) is at least its grid's granted
    share `done`; the others are made (marked visited). Returns how many were made."""
    made = 0
    for i in range(len(visit)):
        if visit[i]:
            if put_off and splitmix_uniform(offset, i) >= done[grid[i]]:
                visit[i] = False
            else:
                visited[i] = True
                made += 1
    return made


# ---------------------------------------------------------------- the week in one call
# Imported here: `agents.grid_workers` holds the workforce's rules (hours into patrols and cases).
@kernel
def hot_spot_checks(grid_compound_households, hot, checks_per_household, visit_hours):
    """Each grid's households in hot-spot compounds (`grid_compound_households @ hot`) and the hours
    their warning checks ask (`checks_per_household` x those households x `visit_hours`, in that
    order). The households are whole numbers, so every product and partial sum is exact and any
    order of adding gives numpy's."""
    n_grids, n_compounds = grid_compound_households.shape
    households = np.empty(n_grids)
    hours = np.empty(n_grids)
    for g in range(n_grids):
        total = 0.0
        for c in range(n_compounds):
            if hot[c]:
                total += grid_compound_households[g, c]
        households[g] = total
        hours[g] = checks_per_household * total * visit_hours
    return households, hours


from agents.grid_workers import _case_capacity, _paperwork_hours, _patrol_chance  # noqa: E402


@kernel
def grid_week(workers, skill, paperwork_share, households, hours_per_worker, scored, hours_per_whistle, cut,
              meetings, visits, warnings, case_share, visit_hours, cases_per_week, hot, totals):
    """`GridHours.share_week`: the kernels `CommunityModel._grid_time` calls one by one, in its order."""
    available = np.empty(len(workers))
    for i in range(len(workers)):
        available[i] = workers[i] * hours_per_worker  # `GridWorkforce.hours`
    paperwork = _paperwork_hours(paperwork_share, workers, hours_per_worker, scored, hours_per_whistle, cut)
    week = _allocate(available, paperwork, meetings, visits, warnings, np.zeros(0), case_share, False, totals)
    meetings_share, meetings_done = _granted_share(week[MEETINGS], meetings)
    patrol = _patrol_chance(week[PATROLS], visit_hours, households)
    capacity = _case_capacity(week[CASES], hours_per_worker, cases_per_week, skill)
    any_hot, check, warnings_share, warnings_done = _warning_checks(week[WARNINGS], visit_hours, hot, warnings)
    return week, meetings_share, meetings_done, patrol, capacity, any_hot, check, warnings_share, warnings_done
