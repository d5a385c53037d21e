"""The departments' week in one compiled call (`agents.departments.keep_records`) is their rule,
department by department, in Python's own arithmetic (issue 17: no Python loop over departments
in the hot path). The reference below is the rule as `Department` wrote it before its state moved
into `DepartmentBooks`."""

from __future__ import annotations

import numpy as np
import pytest

from agents.departments import DepartmentBooks, gaming_chances, keep_records, whistle_capacities
from model import CommunityModel


class _Reference:
    """A department's record and duties in plain Python floats (the rule as first written)."""

    def __init__(self, d):
        for name in ("category", "capacity", "base_share", "whistle_share", "other_backlog", "whistle_capacity_used",
                     "answered", "received", "gamed", "record_received", "record_closed", "record_on_time"):
            setattr(self, name, getattr(d, name))

    @property
    def score(self):
        if self.record_received <= 0:
            return 1.0
        answered = min(1.0, self.record_closed / self.record_received)
        on_time = self.record_on_time / self.record_closed if self.record_closed > 0 else 0.0
        return answered * on_time

    def week(self, whistles, answered, on_time, gamed, memory, demand, weight, gain, target, rate):
        received = whistles - self.received
        a = 1.0 / max(memory, 1.0)
        self.record_received += a * (received - self.record_received)
        self.record_closed += a * (answered + gamed - self.record_closed)
        self.record_on_time += a * (on_time + gamed - self.record_on_time)
        self.received += received
        self.answered += answered
        self.gamed += gamed
        self.other_backlog += demand * self.capacity
        served = min(self.other_backlog, max(0.0, self.capacity - self.whistle_capacity_used))
        self.other_backlog -= served
        self.whistle_capacity_used = 0.0
        if weight <= 0:
            self.whistle_share = self.base_share
            return
        step = rate * weight * gain * (target - self.score)
        self.whistle_share = min(1.0, max(self.base_share, self.whistle_share + step))

    def gaming_chance(self, weight, propensity, target):
        return min(1.0, propensity * weight * (max(0.0, target - self.score) / max(target, 1e-12)))


@pytest.mark.parametrize("weight", [0.0, 0.6, 1.0])
def test_the_departments_week_in_one_call_is_their_rule_one_by_one(weight):
    m = CommunityModel(rng=3, n_households=600, scenario="scoring_short_departments", collect=False)
    for _ in range(30):
        m.step()
    books, depts = m.department_books, m.departments
    rng = np.random.default_rng(5)
    refs = [_Reference(d) for d in depts]
    whistles = m.problems.c.whistles_by_category.copy()
    for week in range(60):
        whistles += rng.integers(0, 9, len(whistles))
        counts = rng.integers(0, 6, (3, len(whistles)))
        if week % 7 == 0:
            counts[:] = 0  # a quiet week: nothing answered (the score's 0 / 0 guard)
        for d in depts:  # what an earlier week left
            d.whistle_capacity_used = float(rng.uniform(0, 1.5 * d.capacity))
        # the capacity used this week (-1: no whistle waited, the earlier figure stays; nan is not booked)
        used = np.array([rng.choice([-1.0, np.nan, rng.uniform(0, 1.5 * d.capacity)], p=[0.3, 0.05, 0.65])
                         for d in depts])
        for r, d, u in zip(refs, depts, used):
            r.whistle_capacity_used = float(u) if u >= 0 else d.whistle_capacity_used
        args = (12.0, 0.3, weight, 0.8, 0.9, 0.2)
        keep_records(books, used, whistles, counts[0], counts[1], counts[2], *args)
        for r in refs:
            k = r.category
            r.week(int(whistles[k]), int(counts[0, k]), int(counts[1, k]), int(counts[2, k]), *args)
        for r, d in zip(refs, depts):
            for name in vars(r):
                assert getattr(d, name) == getattr(r, name), (week, d.name, name)
                assert type(getattr(d, name)) is type(getattr(r, name)), name
        chance = gaming_chances(books, len(whistles), weight, 0.7, 0.9)
        for r in refs:
            assert chance[r.category] == r.gaming_chance(weight, 0.7, 0.9)
            assert [d.gaming_chance(weight, 0.7, 0.9) for d in depts if d.category == r.category] == [chance[r.category]]


def test_a_department_reads_and_writes_its_own_row():
    books = DepartmentBooks()
    m = CommunityModel(rng=0, n_households=300, collect=False)
    from agents.departments import Department

    a = Department(m, "a", 2, 5.0, 0.3, books)
    b = Department(m, "b", 0, 7.0, 0.4, books)
    assert (a.index, b.index) == (0, 1) and (a.whistle_share, b.whistle_share) == (0.3, 0.4)
    b.whistle_share = 0.9  # a played department head sets the share (`Overrides.whistle_shares`)
    categories, caps = whistle_capacities(books)
    assert categories.tolist() == [2, 0] and caps.tolist() == [5.0 * 0.3, 7.0 * 0.9]
    assert a.whistle_share == 0.3 and a.score == 1.0 and a.received == 0 and isinstance(a.received, int)
