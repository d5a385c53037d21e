"""Policy levers, one class per countermeasure of the paper (C1-C6, P2).

A policy is a dose (its rows in the parameter table), a start step and an optional end step.
Outside its window, or at dose zero, it is neutral: `level()` returns 0 and it spends nothing,
so the run is exactly the run without it. The mechanisms read doses through
`model.policies.level(name)`; a policy's own actions (a campaign's visits, the fund's inflows)
are in its `step()`. Printing a policy shows how to make it again.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import ClassVar

from .parameters import NEVER, group
from .units import MONTHS_PER_YEAR, WEEKS_PER_YEAR


class Policy:
    group: ClassVar[str]
    label: ClassVar[str]
    label_zh: ClassVar[str]
    doses: ClassVar[tuple[str, ...]]  # parameters that are 0 (neutral) when the policy is off

    def __init__(self, params: dict):
        self.p = params
        self._start_key, self._end_key = f"{self.group}_start", f"{self.group}_end"

    @property
    def start(self) -> int:
        return self.p.get(self._start_key, 0)

    @property
    def end(self) -> int:
        return self.p.get(self._end_key, NEVER)

    @property
    def dosed(self) -> bool:
        p = self.p
        for d in self.doses:
            if p[d] > 0:
                return True
        return False

    def active(self, step: int) -> bool:
        """On this step? Read from the parameters each time: an experiment may change a dose mid-run."""
        if not self.dosed or step < self.start:
            return False
        end = self.end
        return end == NEVER or step < end

    def direct_cost(self, model) -> float:
        """Fiscal yuan spent this step outside the fund (staff, platforms, stipends)."""
        return 0.0

    def step(self, model) -> None:
        """Actions of the policy itself at the start of a step (before the schedule runs)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{q.name}={self.p[q.name]!r}" for q in group(self.group))
        return f"{type(self).__name__}({args})"


class RedProperty(Policy):
    """C2: a party-led low-fee provider takes unmanaged compounds that have a party organisation."""

    group, label, label_zh = "red_property", "Red property", "红色物业"
    doses = ("red_property_share",)


class ParticipationPoints(Policy):
    """C6: points per act of participation, redeemed for property fees or goods, paid by the fund."""

    group, label, label_zh = "points", "Participation points", "积分制"
    doses = ("points_per_act",)


class ResponseScoring(Policy):
    """C1: the community scores departments' responses and the score enters their assessment."""

    group, label, label_zh = "response_scoring", "Response scoring", "响应评价"
    doses = ("response_scoring_weight",)


class DigitalPlatform(Policy):
    """C3: 'three centres' platform and mobile terminals raise every community's digitalisation."""

    group, label, label_zh = "digital_platform", "Digital platform", "数字平台"
    doses = ("digital_boost",)

    def direct_cost(self, model) -> float:
        return self.p["digital_boost"] * self.p["digital_cost_yuan_per_household_year"] * model.world.n / WEEKS_PER_YEAR


class EarlyWarning(Policy):
    """C3: the data centre flags hot-spot compounds from the platform's records before they escalate."""

    group, label, label_zh = "early_warning", "Early warning", "预警"
    doses = ("early_warning_level",)


class Riders(Policy):
    """C6/P5: delivery riders and couriers recruited as part-time grid members."""

    group, label, label_zh = "riders", "Riders as grid members", "骑手兼职网格员"
    doses = ("rider_recruit_share",)

    def direct_cost(self, model) -> float:
        return model.recruited_riders() * self.p["rider_stipend_yuan_month"] * MONTHS_PER_YEAR / WEEKS_PER_YEAR


class DoorKnocking(Policy):
    """P2: a door-knocking campaign (敲门行动) visits every reachable household once."""

    group, label, label_zh = "door_knocking", "Door-knocking campaign", "敲门行动"
    doses = ("door_knock_weeks",)

    @property
    def start(self) -> int:
        return self.p["door_knock_start"]

    @property
    def end(self) -> int:
        return self.p["door_knock_start"] + self.p["door_knock_weeks"]

    def direct_cost(self, model) -> float:
        return float(model.campaign_visits_now) * self.p["door_knock_cost_yuan_per_household"]


class PartyCoverage(Policy):
    """C2: the four-tier organisation extended to compounds that lack it."""

    group, label, label_zh = "party_coverage", "Party coverage", "党组织覆盖"
    doses = ("party_coverage_boost",)


class Deliberation(Policy):
    """C2/C6: compound deliberation ('one meeting, five steps') settles collective problems."""

    group, label, label_zh = "deliberation", "Deliberation", "议事协商"
    doses = ("deliberation_rate",)


class GridWorkforcePolicy(Policy):
    """C4 with C1's burden reduction: more workers, training, less paperwork."""

    group, label, label_zh = "grid_workforce", "Grid workforce", "网格力量"
    doses = ("grid_extra_workers", "grid_training", "grid_paperwork_cut")

    def direct_cost(self, model) -> float:
        g = model.world.n_grids
        workers = g * (self.p["grid_workers_per_grid"] + self.p["grid_extra_workers"])
        return (g * self.p["grid_extra_workers"] * self.p["grid_worker_salary_yuan_year"]
                + workers * self.p["grid_training"] * self.p["grid_training_cost_yuan_worker_year"]) / WEEKS_PER_YEAR


class Funding(Policy):
    """C5: fiscal money and donations into the governance fund, property subsidies, co-building."""

    group, label, label_zh = "funding", "Funding", "经费保障"
    doses = ("fiscal_fund_yuan_per_household_year", "donations_yuan_per_household_year", "property_subsidy",
             "cobuilding_capacity")

    def step(self, model) -> None:
        n = model.world.n
        model.ledger.deposit("fiscal", self.p["fiscal_fund_yuan_per_household_year"] * n / WEEKS_PER_YEAR)
        model.ledger.deposit("donation", self.p["donations_yuan_per_household_year"] * n / WEEKS_PER_YEAR)


class Culture(Policy):
    """C6: a community culture brand raises belonging, and belonging raises participation."""

    group, label, label_zh = "culture", "Community culture", "社区文化"
    doses = ("culture_belonging_rate",)

    def direct_cost(self, model) -> float:
        return self.p["culture_belonging_rate"] * self.p["culture_cost_yuan_per_household_year"] * model.world.n / WEEKS_PER_YEAR


POLICY_CLASSES: tuple[type[Policy], ...] = (
    RedProperty, ParticipationPoints, ResponseScoring, DigitalPlatform, EarlyWarning, Riders,
    DoorKnocking, PartyCoverage, Deliberation, GridWorkforcePolicy, Funding, Culture,
)
BY_GROUP = {c.group: c for c in POLICY_CLASSES}


class Policies:
    """All levers of a run; `level(name)` is a dose where its policy is on, else 0."""

    def __init__(self, params: dict):
        self.p = params
        self.items = [cls(params) for cls in POLICY_CLASSES]
        self._by_dose = {q.name: pol for pol in self.items for q in group(pol.group)}
        self._active: dict[str, bool] = {}
        self._dose_on: dict[str, bool] = dict.fromkeys(self._by_dose, False)  # dose name -> its policy is on
        self._on: list[Policy] = []
        self._acting: list[Policy] = []  # those on whose `step` does something
        self._costing: list[Policy] = []  # those on that have a `direct_cost`
        # every policy parameter (doses and windows), read together each week
        self._read = itemgetter(*self._by_dose)
        self._values: tuple | None = None  # the values `which policies are on` was last worked out from
        self._steady: tuple[float, float] = (0, -1)  # with those values, the steps [first, last) over which it does not change
        self.step_no = 0

    def update(self, step: int) -> None:
        """Which policies are on this step. Doses are read live from the parameters (an experiment
        may change one mid-run); which policy each belongs to, and whether it is on, is worked out
        here (the schedule reads doses a few dozen times a week). It is worked out again when any
        policy parameter changed or the step left the span where no policy starts or ends."""
        self.step_no = step
        values = self._read(self.p)
        first, last = self._steady
        if first <= step < last and values == self._values:
            return  # the same parameters, and no window opens or closes: the same policies are on
        active = {pol.group: pol.active(step) for pol in self.items}
        if active != self._active:
            self._active = active
            self._dose_on = {name: active[pol.group] for name, pol in self._by_dose.items()}
            self._on = [pol for pol in self.items if active[pol.group]]
            self._acting = [pol for pol in self._on if type(pol).step is not Policy.step]
            self._costing = [pol for pol in self._on if type(pol).direct_cost is not Policy.direct_cost]
        # a policy is on between its start and its end: nothing changes between two such steps
        bounds = [b for pol in self.items for b in (pol.start, pol.end)]
        self._steady = (max([b for b in bounds if b <= step], default=-math.inf),
                        min([b for b in bounds if b > step], default=math.inf))
        self._values = values

    def is_active(self, group_name: str) -> bool:
        return self._active.get(group_name, False)

    def level(self, name: str) -> float:
        """A policy parameter's value while its policy is on, else 0 (neutral)."""
        return self.p[name] if self._dose_on[name] else 0.0

    def on(self) -> list[Policy]:
        return list(self._on)

    def acting(self) -> list[Policy]:
        """The policies on this step whose own `step` acts (the others' does nothing)."""
        return self._acting

    def costing(self) -> list[Policy]:
        """The policies on this step that have a `direct_cost` (the others' is 0)."""
        return self._costing

    def __iter__(self):
        return iter(self.items)

    def __repr__(self) -> str:
        return "Policies(" + ", ".join(repr(p) for p in self.items if p.dosed) + ")"
