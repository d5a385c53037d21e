"""Simulated statistics: the model runs behind each target, and what is read off them.

Each simulation kind is one way of running the model (a scenario up to a week; a new provider's
first month; a policy switched on against a paired control with the same seed; or just the
built street). Statistics are read from the model itself, never from a parameter, so a
pattern such as "firms leave near 50 % collection" can only come out of the firms' accounts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.outcomes import OUTCOMES
from model.world import NONE, OLD

from .targets import Simulation

RUN_STATS = tuple(OUTCOMES) + ("campaign_resolution_rate", "firm_exit_collections")
_STATS = {
    "run": RUN_STATS,
    "new_provider": ("collection_after", "new_providers"),
    "paired_policy": ("resolution_rate_gain", "resolution_rate_rise", "department_response_gain"),
    "world": ("party_member_share", "old_compound_share", "households"),
}


def statistics_of(kind: str) -> tuple[str, ...]:
    return _STATS[kind]


def households_of(sim: Simulation, params: dict[str, Any]) -> int:
    """The simulation's size: a street-sized simulation takes n_households from the parameters
    (a prior on the street's size), rounded; every other one keeps its own `households`."""
    if sim.street_sized and "n_households" in params:
        return int(round(float(params["n_households"])))
    return sim.households


def _model(sim: Simulation, params: dict[str, Any], seed: int, extra: dict | None = None):
    from model.model import CommunityModel

    over = {**sim.params, **(extra or {}), **params, "n_households": households_of(sim, params)}
    return CommunityModel(rng=int(seed), scenario=sim.scenario, collect=False, **over)


def _outcomes(m) -> dict[str, float]:
    o = {k: float(v) for k, v in m.outcomes.items()}
    reg = o["campaign_registered"]
    o["campaign_resolution_rate"] = o["campaign_resolved"] / reg if reg > 0 else 0.0
    return o


def _run(sim: Simulation, params: dict, seed: int) -> dict[str, Any]:
    m = _model(sim, params, seed)
    out: dict[str, Any] = {}
    for _ in range(sim.steps):
        m.step()
        if m.steps in sim.at_steps:
            out.update({f"{k}@{m.steps}": v for k, v in _outcomes(m).items()})
    out.update(_outcomes(m))
    out["firm_exit_collections"] = list(m.exit_collections)
    m.release()
    return out


def _new_provider(sim: Simulation, params: dict, seed: int) -> dict[str, Any]:
    """Collection `weeks_after` weeks after a provider arrives in an old compound that had none."""
    m = _model(sim, params, seed)
    w = m.world
    arrived = np.full(w.n_compounds, -1)
    before = m.market.provider.copy()
    values = []
    for _ in range(sim.steps):
        m.step()
        now = m.market.provider
        new = (before == NONE) & (now != NONE) & (w.c_type == OLD)
        arrived[new] = m.steps
        due = np.flatnonzero((arrived >= 0) & (m.steps - arrived == sim.weeks_after) & (now != NONE))
        for c in due:
            values.append(float(m.residents.paying[w.households_of(c)].mean()))
        before = now.copy()
    m.release()
    return {"collection_after": float(np.mean(values)) if values else float("nan"), "new_providers": float(len(values))}


def _yearly_rates(sim: Simulation, params: dict, seed: int, extra: dict | None) -> tuple[float, float, float]:
    """Resolution rate in the year before the policy starts and in the last year; response rate in the last."""
    m = _model(sim, params, seed, extra)
    start = int(m.p.get(next((k for k in sim.policy if k.endswith("_start")), ""), sim.steps - 52))
    marks = {max(start - 52, 0), start, sim.steps - 52, sim.steps}
    snap = {}
    if 0 in marks:
        c = m.problems.c
        snap[0] = (c.registered, c.resolved, c.whistles, c.whistles_answered)
    for _ in range(sim.steps):
        m.step()
        if m.steps in marks:
            c = m.problems.c
            snap[m.steps] = (c.registered, c.resolved, c.whistles, c.whistles_answered)
    m.release()

    def rate(a, b, i, j):
        d_reg = snap[b][i] - snap[a][i]
        return (snap[b][j] - snap[a][j]) / d_reg if d_reg > 0 else float("nan")

    before = rate(max(start - 52, 0), start, 0, 1)
    last = rate(sim.steps - 52, sim.steps, 0, 1)
    response = rate(sim.steps - 52, sim.steps, 2, 3)
    return before, last, response


def _paired(sim: Simulation, params: dict, seed: int) -> dict[str, Any]:
    """The policy against a control with the same seed (common random numbers)."""
    b0, l0, r0 = _yearly_rates(sim, params, seed, None)
    b1, l1, r1 = _yearly_rates(sim, params, seed, sim.policy)
    return {"resolution_rate_gain": l1 - l0, "resolution_rate_rise": (l1 - b1) - (l0 - b0),
            "department_response_gain": r1 - r0}


def _world(sim: Simulation, params: dict, seed: int) -> dict[str, Any]:
    m = _model(sim, params, seed)
    w = m.world
    out = {"party_member_share": float(w.party_member.mean()),
           "old_compound_share": float(np.mean(w.c_type == OLD)), "households": float(w.n)}
    m.release()
    return out


_RUNNERS = {"run": _run, "new_provider": _new_provider, "paired_policy": _paired, "world": _world}


def simulate(sim: Simulation, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Every statistic of one simulation at `params` (on top of the simulation's own settings)."""
    return _RUNNERS[sim.kind](sim, params, seed)


def target_values(targets, sims: dict[str, Simulation], params: dict[str, Any], seed: int) -> dict[str, float]:
    """The simulated value of each target at `params` (each needed simulation run once)."""
    cache: dict[str, dict] = {}
    out = {}
    for t in targets:
        if t.simulation not in cache:
            cache[t.simulation] = simulate(sims[t.simulation], params, seed)
        out[t.name] = cache[t.simulation][t.statistic]
    return out
