"""Departments that answer the communities' whistles (社区吹哨、部门报到), scored on their record.

They serve the whole street, so the communities' whistles compete for their capacity, and they
have duties of their own besides whistles (a backlog that grows when they are neglected). Each
week a department splits its capacity: a share to whistles (about a third without scoring,
Chen, Pan & Xu 2016), the rest, and whatever whistles leave unused, to its other duties.

Under response scoring the community party organisation scores each department from its
record: share of whistles answered times share answered within the deadline. A department
whose score falls short of the target moves capacity toward whistles (at the cost of its other
duties), and it may game the score: reply that a whistle is closed while the problem stays
open. A gamed closure counts in the record as answered on time, which raises the score and
eases the pressure to answer for real.
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


class DepartmentBooks:
    """The street's departments' state, one row each (the order of `CommunityModel.departments`),
    so the week's bookkeeping of all of them is one compiled call (`keep_records`); each
    `Department` reads and writes its own row."""

    FLOATS = ("capacity", "base_share", "whistle_share", "other_backlog", "whistle_capacity_used",
              "record_received", "record_closed", "record_on_time")
    COUNTS = ("answered", "received", "gamed")

    def __init__(self):
        self.category = np.zeros(0, np.int64)
        for name in self.FLOATS:
            setattr(self, name, np.zeros(0))
        for name in self.COUNTS:
            setattr(self, name, np.zeros(0, np.int64))

    def add(self, category: int, capacity: float, base_share: float) -> int:
        """A new department's row (made once, at the model's start); returns its index."""
        row = {"category": category, "capacity": capacity, "base_share": base_share, "whistle_share": base_share}
        for name in ("category", *self.FLOATS, *self.COUNTS):
            arr = getattr(self, name)
            setattr(self, name, np.append(arr, np.array([row.get(name, 0)], arr.dtype)))
        return len(self.category) - 1


def _row_value(name: str, kind):
    """A `Department` attribute kept in its row of the books (read as a Python number)."""

    def get(self):
        return kind(getattr(self.books, name)[self.index])

    def set(self, value):
        getattr(self.books, name)[self.index] = value

    return property(get, set, doc=f"this department's `{name}` (its row of `DepartmentBooks`)")


class Department(mesa.Agent):
    def __init__(self, model, name: str, category: int, capacity_per_week: float, base_share: float,
                 books: DepartmentBooks | None = None):
        """`books`: the street's departments' rows, to which this one adds its own (a books of its
        own if none is given)."""
        super().__init__(model)
        self.name = name
        self.books = books = DepartmentBooks() if books is None else books
        self.index = books.add(category, capacity_per_week, base_share)
        # its row: category; capacity; base_share; whistle_share (share of capacity given to whistles,
        # decided on the score); other_backlog (own duties waiting, tasks); whistle_capacity_used (this
        # week's capacity allocated to whistles); answered, received, gamed (whistles answered for real,
        # received, closed on paper while the problem stays open: cumulative); and the record the score
        # is computed from, moving averages of weekly counts: record_received, record_closed, record_on_time
        # (each read and set as an attribute: the properties are made below the class, one per row)

    # ---------------------------------------------------------------- the score
    @property
    def score(self) -> float:
        """Share answered x share answered on time, from the record (1 with no whistles yet)."""
        b, i = self.books, self.index
        return _score(b.record_received[i], b.record_closed[i], b.record_on_time[i])

    def shortfall(self, target: float) -> float:
        """Relative shortfall of the score from the target (0 at or above it)."""
        return _shortfall(self.score, float(target))

    def gaming_chance(self, weight: float, propensity: float, target: float) -> float:
        """Weekly chance an unanswered whistle is closed on paper: only under scoring, more when short."""
        return _gaming_chance(self.score, float(weight), float(propensity), float(target))

    # ---------------------------------------------------------------- the week
    def allocate(self, queue_by_community: np.ndarray, scoring_power: np.ndarray, scoring_weight: float,
                 tilt: float, rounds: int) -> np.ndarray:
        """Chance that a whistled problem of each community is answered this week.

        Capacity for whistles is shared in proportion to queue length, tilted by `tilt` x scoring
        weight x each community's scoring power; capacity a community cannot use goes to the
        others, in at most `rounds` rounds; what no community uses goes back to other duties.
        """
        chance, used = share_capacity(queue_by_community, self.capacity * self.whistle_share, tilt * scoring_weight,
                                      scoring_power, rounds)
        self.whistle_capacity_used = used
        return chance

    def serve_other_duties(self, demand_share: float) -> None:
        """New own duties arrive; the capacity whistles did not use serves the backlog."""
        b = self.books
        _serve_other_duties(b.capacity, b.other_backlog, b.whistle_capacity_used, self.index, float(demand_share))

    def record_week(self, received: int, answered: int, on_time: int, gamed: int, memory: float) -> None:
        """Add this week to the record (gamed closures look answered, and on time)."""
        b = self.books
        _record_week(b.record_received, b.record_closed, b.record_on_time, b.received, b.answered, b.gamed, self.index,
                     received, answered, on_time, gamed, float(memory))

    def adjust(self, scoring_weight: float, gain: float, target: float, rate: float) -> None:
        """Move the whistle share with the weighted gap between target and score (never below base)."""
        b = self.books
        _adjust(b.whistle_share, b.base_share, b.record_received, b.record_closed, b.record_on_time, self.index,
                float(scoring_weight), float(gain), float(target), float(rate))


for _name, _kind in (("category", int), *((f, float) for f in DepartmentBooks.FLOATS),
                     *((c, int) for c in DepartmentBooks.COUNTS)):
    setattr(Department, _name, _row_value(_name, _kind))  # each of the books' rows, as this department's attribute


def keep_records(books: DepartmentBooks, used: np.ndarray, whistles: np.ndarray, answered: np.ndarray,
                 on_time: np.ndarray, on_paper: np.ndarray, memory: float, other_demand: float, weight: float,
                 gain: float, target: float, rate: float) -> None:
    """Each department's week, in one compiled call: the whistle capacity it `used` this week is
    booked (-1: none waiting, nothing shared, `whistle_capacity_used` stays as it was), then
    `record_week`, `serve_other_duties` and `adjust`. `whistles` are the street's cumulative whistles
    per category; the other arrays this week's counts per category."""
    b = books
    _keep_records(b.category, b.capacity, b.base_share, b.whistle_share, b.other_backlog, b.whistle_capacity_used,
                  b.record_received, b.record_closed, b.record_on_time, b.received, b.answered, b.gamed,
                  np.asarray(used, float), whistles, answered, on_time, on_paper, float(memory), float(other_demand),
                  float(weight), float(gain), float(target), float(rate))


def gaming_chances(books: DepartmentBooks, n_categories: int, weight: float, propensity: float,
                   target: float) -> np.ndarray:
    """`Department.gaming_chance` of each department, by its category (0 for a category without one)."""
    b = books
    return _gaming_chances(b.category, b.record_received, b.record_closed, b.record_on_time, n_categories,
                           float(weight), float(propensity), float(target))


def whistle_capacities(books: DepartmentBooks) -> tuple[np.ndarray, np.ndarray]:
    """Each department's category and capacity for whistles this week: what `share_capacities`
    shares over the communities' queues (`Problems.work` calls it in its pass)."""
    return books.category, books.capacity * books.whistle_share


# Imported here, below what `model` imports from this module: when `agents` is imported first, `model`
# (loaded by this import) must find what it imports from here defined (an import cycle otherwise).
from model.jit import inline_kernel, kernel, np_sum  # noqa: E402


@kernel
def _share(queue, cap, tilt_weight, power, rounds, chance):
    """`Department.allocate`'s rounds: capacity `cap` shared over the communities' queues (int) in
    proportion to queue x (1 + `tilt_weight` x power), what a community cannot use shared again;
    the chance per community into `chance`, returns the capacity used. The same floats as the
    numpy version: element by element in its order, totals by numpy's pairwise sum (`np_sum`)."""
    n = len(queue)
    q = np.empty(n)
    prio = np.empty(n)
    for i in range(n):
        q[i] = queue[i]
        prio[i] = q[i] * (1.0 + tilt_weight * power[i])
    alloc = np.zeros(n)
    w = np.zeros(n)
    for _ in range(rounds):
        free = cap - np_sum(alloc)
        want = False
        for i in range(n):
            if (q[i] - alloc[i]) > 1e-9:
                w[i] = prio[i]
                want = True
            else:
                w[i] = 0.0
        if free <= 1e-9 or not want:
            break
        total = np_sum(w)
        if total <= 0:
            break
        for i in range(n):
            x = alloc[i] + free * w[i] / total
            alloc[i] = q[i] if q[i] <= x else x
    for i in range(n):
        chance[i] = alloc[i] / q[i] if q[i] > 0 else 0.0
    return np_sum(alloc)


@kernel
def share_capacity(queue, cap, tilt_weight, power, rounds):
    """One department's `_share`: (chance per community, capacity used)."""
    chance = np.zeros(len(queue))
    used = _share(queue, cap, tilt_weight, power, rounds, chance)
    return chance, used


@kernel
def share_capacities(queues, categories, caps, tilt_weight, power, rounds, chance):
    """`_share` for each department (its category's row of `queues` and of `chance`) that has
    whistles waiting. Returns the capacity each used (-1: none waiting, nothing shared)."""
    used = np.full(len(categories), -1.0)
    for d in range(len(categories)):
        k = categories[d]
        if queues[k].any():
            used[d] = _share(queues[k], caps[d], tilt_weight, power, rounds, chance[k])
    return used


# ---- the departments' bookkeeping, compiled: Python's own arithmetic (numba's `min` and `max` are
# Python's), one department (row) at a time, so a department's methods and `keep_records` agree bit for bit
@inline_kernel
def _score(record_received, record_closed, record_on_time):
    if record_received <= 0:
        return 1.0
    answered = min(1.0, record_closed / record_received)
    on_time = record_on_time / record_closed if record_closed > 0 else 0.0
    return answered * on_time


@kernel
def _record_week(record_received, record_closed, record_on_time, received_total, answered_total, gamed_total, i,
                 received, answered, on_time, gamed, memory):
    a = 1.0 / max(memory, 1.0)
    record_received[i] += a * (received - record_received[i])
    record_closed[i] += a * (answered + gamed - record_closed[i])
    record_on_time[i] += a * (on_time + gamed - record_on_time[i])
    received_total[i] += received
    answered_total[i] += answered
    gamed_total[i] += gamed


@kernel
def _serve_other_duties(capacity, other_backlog, whistle_capacity_used, i, demand_share):
    other_backlog[i] += demand_share * capacity[i]
    served = min(other_backlog[i], max(0.0, capacity[i] - whistle_capacity_used[i]))
    other_backlog[i] -= served
    whistle_capacity_used[i] = 0.0


@kernel
def _adjust(whistle_share, base_share, record_received, record_closed, record_on_time, i, scoring_weight, gain, target,
            rate):
    if scoring_weight <= 0:  # no scoring (or no longer): back to the unscored share
        whistle_share[i] = base_share[i]
        return
    step = rate * scoring_weight * gain * (target - _score(record_received[i], record_closed[i], record_on_time[i]))
    whistle_share[i] = min(1.0, max(base_share[i], whistle_share[i] + step))


@kernel
def _keep_records(category, capacity, base_share, whistle_share, other_backlog, whistle_capacity_used,
                  record_received, record_closed, record_on_time, received_total, answered_total, gamed_total,
                  used, whistles, answered, on_time, on_paper, memory, demand_share, weight, gain, target, rate):
    for i in range(len(category)):
        if used[i] >= 0:  # (nan is not booked, as the mask `used >= 0` had it)
            whistle_capacity_used[i] = used[i]
        k = category[i]
        _record_week(record_received, record_closed, record_on_time, received_total, answered_total, gamed_total, i,
                     whistles[k] - received_total[i], answered[k], on_time[k], on_paper[k], memory)
        _serve_other_duties(capacity, other_backlog, whistle_capacity_used, i, demand_share)
        _adjust(whistle_share, base_share, record_received, record_closed, record_on_time, i, weight, gain, target,
                rate)


@kernel
def _gaming_chances(category, record_received, record_closed, record_on_time, n_categories, weight, propensity,
                    target):
    chance = np.zeros(n_categories)
    for i in range(len(category)):
        chance[category[i]] = _gaming_chance(_score(record_received[i], record_closed[i], record_on_time[i]), weight,
                                             propensity, target)
    return chance


@inline_kernel
def _shortfall(score, target):
    return max(0.0, target - score) / max(target, 1e-12)


@inline_kernel
def _gaming_chance(score, weight, propensity, target):
    return min(1.0, propensity * weight * _shortfall(score, target))
