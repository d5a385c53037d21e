"""One classroom run (and an optional comparison run) with the history the charts and stories need.

Kept apart from the browser layout so that it can be tested without one: the app only calls
`step`, `reset` and reads `history`, `compound_history`, `counters`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from model.model import CommunityModel
from model.world import FIRM, NONE, OLD, RED

from .presets import DEMO_HOUSEHOLDS, PRESETS

CHART_OUTCOMES = ("trap_share", "fee_collection_rate", "resolution_rate", "satisfaction_mean", "trust_mean",
                  "participation_rate", "department_response_rate", "public_spending", "problems_registered",
                  "problems_resolved", "problems_unresolved", "environment_mean", "campaign_registered",
                  "campaign_resolved", "campaign_unresolved")


@dataclass
class Run:
    """A model plus what it looked like every week so far."""

    preset: str
    model: CommunityModel
    history: dict[str, list[float]] = field(default_factory=dict)
    env: list[np.ndarray] = field(default_factory=list)  # per week, per compound
    collection: list[np.ndarray] = field(default_factory=list)
    provider: list[np.ndarray] = field(default_factory=list)
    registered: list[np.ndarray] = field(default_factory=list)
    resolved: list[np.ndarray] = field(default_factory=list)

    def record(self) -> None:
        m = self.model
        for k in CHART_OUTCOMES:
            self.history.setdefault(k, []).append(float(m.outcomes[k]))
        self.history.setdefault("step", []).append(m.steps)
        mk, w = m.market, m.world
        self.env.append(mk.env.copy())
        # payers now (the market's own figure is only set at its first monthly settlement)
        paying = np.bincount(w.hh_compound, weights=m.residents.paying.astype(float), minlength=w.n_compounds)
        self.collection.append(np.where(mk.provider != NONE, paying / np.maximum(w.c_households, 1), 0.0))
        self.provider.append(mk.provider.copy())
        self.registered.append(np.bincount(w.hh_compound, weights=m.problems.hh_registered, minlength=w.n_compounds))
        self.resolved.append(np.bincount(w.hh_compound, weights=m.problems.hh_resolved, minlength=w.n_compounds))

    @property
    def steps(self) -> int:
        return self.model.steps


def _check(field_: str, value, ok: bool, allowed: str) -> None:
    if not ok:
        raise ValueError(f"{field_} = {value!r} is invalid; allowed: {allowed}")


class Session:
    """What the teacher is looking at: a preset with slider overrides, a seed, and perhaps a comparison."""

    def __init__(self, preset: str = "baseline", seed: int = 0, households: int = DEMO_HOUSEHOLDS,
                 overrides: dict | None = None, compare: str | None = None):
        _check("preset", preset, preset in PRESETS, ", ".join(PRESETS))
        _check("compare", compare, compare is None or compare in PRESETS, "none or " + ", ".join(PRESETS))
        _check("seed", seed, isinstance(seed, (int, np.integer)) and seed >= 0, "a whole number >= 0")
        self.preset, self.seed, self.households = preset, int(seed), int(households)
        self.overrides = dict(overrides or {})
        self.compare_preset = compare
        self.lock = threading.RLock()  # the app's play thread and a button press must not step at once
        self.reset()

    def _new(self, preset: str, overrides: dict) -> Run:
        m = CommunityModel(rng=self.seed, scenario=preset, n_households=self.households, **overrides)
        run = Run(preset, m)
        run.record()
        return run

    def reset(self) -> None:
        """Back to week 0 (same preset, levers and seed: the same run again)."""
        for r in (getattr(self, "main", None), getattr(self, "other", None)):
            if r is not None:
                r.model.release()
        self.main = self._new(self.preset, self.overrides)
        # the comparison runs its own preset as shipped, on the same street and seed (common random numbers)
        self.other = self._new(self.compare_preset, {}) if self.compare_preset else None

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            for r in self.runs:
                r.model.step()
                r.record()

    @property
    def runs(self) -> list[Run]:
        return [self.main] + ([self.other] if self.other else [])

    @property
    def steps(self) -> int:
        return self.main.steps

    @property
    def world(self):
        return self.main.model.world

    def counters(self, run: Run | None = None) -> dict[str, float]:
        """The paper's counters (registered, resolved, unresolved, rate) for a run (default: the main one)."""
        o = (run or self.main).model.outcomes
        return {"registered": int(o["problems_registered"]), "resolved": int(o["problems_resolved"]),
                "unresolved": int(o["problems_unresolved"]), "rate": float(o["resolution_rate"])}

    def compound_state(self) -> dict[str, np.ndarray]:
        m = self.main.model
        return {"env": m.market.env.copy(), "provider": m.market.provider.copy(),
                "collection": self.main.collection[-1].copy(), "old": m.world.c_type == OLD}

    def events_of(self, c: int) -> list[dict]:
        """The main run's recorded events for compound index `c` (firm came, left, red property took over)."""
        name = self.world.compounds["compound"].iloc[c]
        return [e for e in self.main.model.events if e["compound"] == name]

    def close(self) -> None:
        for r in self.runs:
            r.model.release()


__all__ = ["Session", "Run", "CHART_OUTCOMES", "FIRM", "RED", "NONE"]
