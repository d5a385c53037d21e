"""The reference's own grid offices and departments, written from the ODD (sections 7.1 and 7.7)
without the vectorised code: plain Python, one object per grid and per department."""

from __future__ import annotations


class GridOffice:
    """One grid's workers and their week: paperwork first, then casework and patrols share the rest
    (the reference runs no campaign and no early warning, so those take no hours)."""

    def __init__(self, p: dict, households: int):
        self.p = p
        self.households = households
        self.workers = p["grid_workers_per_grid"]
        self.hours = {"paperwork": 0.0, "cases": 0.0, "patrols": 0.0}
        self.patrol_chance = 0.0
        self.case_capacity = 0.0

    def plan_week(self, whistles_last_week: int) -> None:
        p = self.p
        available = self.workers * p["grid_hours_per_worker_week"]
        paperwork = (p["grid_paperwork_share"] * available
                     + whistles_last_week * p["scoring_paperwork_hours_per_whistle"] * (p["response_scoring_weight"] > 0))
        paperwork = min(paperwork, available)
        left = available - paperwork
        patrols = p["grid_patrol_share"] * left
        cases = left - patrols
        self.hours["paperwork"] += paperwork
        self.hours["cases"] += cases
        self.hours["patrols"] += patrols
        visit_hours = p["grid_hours_per_worker_week"] / max(p["patrol_households_per_week"], 1e-12)
        self.patrol_chance = min(1.0, patrols / visit_hours / max(self.households, 1))
        self.case_capacity = cases / p["grid_hours_per_worker_week"] * p["grid_cases_per_week"] * p["grid_worker_skill"]


class ScoredDepartment:
    """A department with its own duties, a record of whistles and (under scoring) a whistle share
    it adjusts to its score, and a chance to close unanswered whistles on paper."""

    def __init__(self, p: dict, capacity: float):
        self.p = p
        self.capacity = capacity
        self.share = p["department_base_responsiveness"]
        self.backlog = 0.0
        self.rec_received = self.rec_closed = self.rec_on_time = 0.0
        self.received_week = self.answered_week = self.on_time_week = self.gamed_week = 0
        self.allocated = 0.0
        self.gaming = 0.0

    def score(self) -> float:
        if self.rec_received <= 0:
            return 1.0
        share_answered = min(1.0, self.rec_closed / self.rec_received)
        share_on_time = self.rec_on_time / self.rec_closed if self.rec_closed > 0 else 0.0
        return share_answered * share_on_time

    def open_week(self) -> None:
        """Decide this week's chance of closing an unanswered whistle on paper."""
        p, w = self.p, self.p["response_scoring_weight"]
        target = p["response_score_target"]
        short = max(0.0, target - self.score()) / max(target, 1e-12)
        self.gaming = min(1.0, p["department_gaming_propensity"] * w * short)

    def answer_chances(self, queue: list[int], power: list[float]) -> list[float]:
        """Water-filling of the whistle capacity over communities, tilted by scoring power."""
        p, w = self.p, self.p["response_scoring_weight"]
        budget = self.capacity * self.share
        given = [0.0] * len(queue)
        for _ in range(p["department_reallocation_rounds"]):
            free = budget - sum(given)
            wanting = [j for j, q in enumerate(queue) if q - given[j] > 1e-9]
            if free <= 1e-9 or not wanting:
                break
            weights = {j: queue[j] * (1.0 + p["response_scoring_tilt"] * w * power[j]) for j in wanting}
            total = sum(weights.values())
            if total <= 0:
                break
            for j in wanting:
                given[j] = min(queue[j], given[j] + free * weights[j] / total)
        self.allocated = sum(given)
        return [given[j] / queue[j] if queue[j] > 0 else 0.0 for j in range(len(queue))]

    def close_week(self) -> None:
        """Record the week, serve other duties with what whistles left, adjust the share if scored."""
        p = self.p
        a = 1.0 / max(p["department_record_memory"], 1.0)
        self.rec_received += a * (self.received_week - self.rec_received)
        self.rec_closed += a * (self.answered_week + self.gamed_week - self.rec_closed)
        self.rec_on_time += a * (self.on_time_week + self.gamed_week - self.rec_on_time)
        self.received_week = self.answered_week = self.on_time_week = self.gamed_week = 0
        self.backlog += p["department_other_demand"] * self.capacity
        self.backlog -= min(self.backlog, max(0.0, self.capacity - self.allocated))
        self.allocated = 0.0
        w = p["response_scoring_weight"]
        if w > 0:
            step = p["department_adjust_rate"] * w * p["response_scoring_gain"] * (p["response_score_target"] - self.score())
            self.share = min(1.0, max(p["department_base_responsiveness"], self.share + step))
