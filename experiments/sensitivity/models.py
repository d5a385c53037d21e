"""Models the sensitivity runner can call: any `f(params: dict, seed: int) -> dict[str, float]`.

`ishigami` has known indices, so the whole pipeline (sampling, runner, files, analysis) can be
checked against them; `community` adapts the community model to the same signature.
"""

from __future__ import annotations

import math
from typing import Any

from model.parameters import BY_NAME, ParameterError

COMMUNITY_ARGS = {"households": (20, 5_000_000), "steps": (1, 100_000)}


def ishigami(params: dict, seed: int) -> dict[str, float]:
    """Ishigami-Homma: y = sin x1 + a sin^2 x2 + b x3^4 sin x1 (a = 7, b = 0.1 unless given).

    Analytic indices for a = 7, b = 0.1 on [-pi, pi]^3: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244.
    `noise` (default 0) adds Gaussian noise of that standard deviation, drawn from the seed and the
    point (so it differs between points as a model's seed effect does), to check the seed's share.
    """
    a, b = params.get("a", 7.0), params.get("b", 0.1)
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    y = math.sin(x1) + a * math.sin(x2) ** 2 + b * x3 ** 4 * math.sin(x1)
    noise = params.get("noise", 0.0)
    if noise:
        import numpy as np

        key = [seed] + [int((v + 10.0) * 1e6) for v in (x1, x2, x3)]
        y += noise * np.random.default_rng(key).standard_normal()
    return {"y": y}


def linear(params: dict, seed: int) -> dict[str, float]:
    """y = sum_i i * x_i over factors x1, x2, ... (x2 gets weight 0): Morris mu* = |weight|, sigma = 0."""
    y = 0.0
    for k, v in params.items():
        if k.startswith("x") and k[1:].isdigit():
            i = int(k[1:])
            y += (0 if i == 2 else i) * v
    return {"y": y, "y_squared": y * y}


def check_community_args(args: dict, where: str = "") -> None:
    """[model_args] of a community study: households, steps, scenario and fixed table parameters."""
    from model.parameters import validate
    from model.scenarios import load_scenario

    fixed = {}
    for k, v in args.items():
        if k in COMMUNITY_ARGS:
            lo, hi = COMMUNITY_ARGS[k]
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ParameterError(f"model_args.{k}", v, f"a whole number in [{lo}, {hi}]", where)
        elif k == "scenario":
            if not isinstance(v, str):
                raise ParameterError("model_args.scenario", v, "a shipped scenario name or a .toml file", where)
            load_scenario(v)
        elif k in BY_NAME:
            fixed[k] = v
        else:
            raise ParameterError(f"model_args.{k}", v, "households, steps, scenario or a parameter from the table", where)
    validate(fixed, where=where)


def community(params: dict, seed: int) -> dict[str, float]:
    """Run the community model at one point: table parameters plus households, steps, scenario.

    Whole-number parameters are rounded (samplers draw floats); every outcome is returned.
    """
    from model.model import CommunityModel

    p: dict[str, Any] = dict(params)
    steps = int(p.pop("steps", 156))
    households = p.pop("households", None)
    scenario = p.pop("scenario", None)
    if households is not None:
        p["n_households"] = int(households)
    for k, v in p.items():
        if BY_NAME[k].kind == "int":
            p[k] = int(round(float(v)))
    m = CommunityModel(rng=seed, scenario=scenario, collect=False, **p)
    for _ in range(steps):
        m.step()
    out = {k: float(v) for k, v in m.outcomes.items()}
    m.release()
    return out
