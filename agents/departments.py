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


class Department(mesa.Agent):
    def __init__(self, model, name: str, category: int, capacity_per_week: float, base_share: float):
        super().__init__(model)
        self.name = name
        self.category = category
        self.capacity = capacity_per_week
        self.base_share = base_share
        self.whistle_share = base_share  # share of capacity given to whistles, decided on the score
        self.other_backlog = 0.0  # own duties waiting (tasks)
        self.whistle_capacity_used = 0.0  # this week's capacity allocated to whistles
        self.answered = 0  # whistles answered for real, cumulative
        self.received = 0  # whistles received, cumulative
        self.gamed = 0  # whistles closed on paper while the problem stays open, cumulative
        # the record the score is computed from: moving averages of weekly counts
        self.record_received = 0.0
        self.record_closed = 0.0
        self.record_on_time = 0.0

    # ---------------------------------------------------------------- the score
    @property
    def score(self) -> float:
        """Share answered x share answered on time, from the record (1 with no whistles yet)."""
        if self.record_received <= 0:
            return 1.0
        answered = min(1.0, self.record_closed / self.record_received)
        on_time = self.record_on_time / self.record_closed if self.record_closed > 0 else 0.0
        return answered * on_time

    def shortfall(self, target: float) -> float:
        """Relative shortfall of the score from the target (0 at or above it)."""
        return max(0.0, target - self.score) / max(target, 1e-12)

    def gaming_chance(self, weight: float, propensity: float, target: float) -> float:
        """Weekly chance an unanswered whistle is closed on paper: only under scoring, more when short."""
        return min(1.0, propensity * weight * self.shortfall(target))

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
        self.other_backlog += demand_share * self.capacity
        served = min(self.other_backlog, max(0.0, self.capacity - self.whistle_capacity_used))
        self.other_backlog -= served
        self.whistle_capacity_used = 0.0

    def record_week(self, received: int, answered: int, on_time: int, gamed: int, memory: float) -> None:
        """Add this week to the record (gamed closures look answered, and on time)."""
        a = 1.0 / max(memory, 1.0)
        self.record_received += a * (received - self.record_received)
        self.record_closed += a * (answered + gamed - self.record_closed)
        self.record_on_time += a * (on_time + gamed - self.record_on_time)
        self.received += received
        self.answered += answered
        self.gamed += gamed

    def adjust(self, scoring_weight: float, gain: float, target: float, rate: float) -> None:
        """Move the whistle share with the weighted gap between target and score (never below base)."""
        if scoring_weight <= 0:  # no scoring (or no longer): back to the unscored share
            self.whistle_share = self.base_share
            return
        step = rate * scoring_weight * gain * (target - self.score)
        self.whistle_share = min(1.0, max(self.base_share, self.whistle_share + step))


def keep_records(departments, whistles: list, answered: list, on_time: list, on_paper: list, memory: float,
                 other_demand: float, weight: float, gain: float, target: float, rate: float) -> None:
    """Each department's week: `record_week`, `serve_other_duties`, then `adjust`. `whistles` are
    the street's cumulative whistles per category; the other lists this week's counts per category."""
    for d in departments:
        k = d.category
        d.record_week(whistles[k] - d.received, answered[k], on_time[k], on_paper[k], memory)
        d.serve_other_duties(other_demand)
        d.adjust(weight, gain, target, rate)


def whistle_capacities(departments) -> tuple[tuple, tuple]:
    """Each department's category and capacity for whistles this week: what `share_capacities`
    shares over the communities' queues (`Problems.work` calls it in its pass)."""
    return tuple([d.category for d in departments]), tuple([d.capacity * d.whistle_share for d in departments])


def book_whistle_capacity(departments, used: np.ndarray) -> None:
    """The whistle capacity each department used this week (-1: none waiting, nothing shared,
    `whistle_capacity_used` stays as it was)."""
    for d, u in zip(departments, used.tolist()):
        if u >= 0:
            d.whistle_capacity_used = u


# Imported here, below what `model` imports from this module: when `agents` is imported first, `model`
# (loaded by this import) must find what it imports from here defined (an import cycle otherwise).
from model.jit import kernel, np_sum  # noqa: E402


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
