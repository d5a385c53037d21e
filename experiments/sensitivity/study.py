"""Sensitivity study files: method, factors, outputs, sample size and seed handling, checked.

    name = "sensitivity_sobol"
    method = "sobol"                 # morris, sobol or fast
    model = "experiments.sensitivity.models:community"   # any module:function f(params, seed) -> dict
    outputs = ["trap_share", "resolution_rate"]
    N = 1024                         # sobol: base samples (a power of 2); morris: trajectories; fast: per factor
    seed = 0                         # sampler and bootstrap seed: one seed, one result
    replications = 1                 # model seeds per point (seed base_seed + r, the same at every point), averaged
    base_seed = 0
    points_per_run = 16              # points in one runner spec (cheap models: thousands)
    calc_second_order = true         # sobol only
    num_levels = 4                   # morris only
    bootstrap = 1000                 # resamples for the 95 % intervals
    factors = ["problem_rate", ...]  # or "all" (every parameter of the table but `exclude`)
    exclude = ["n_households"]
    [model_args]                     # fixed settings handed to the model with every point
    households = 500
    steps = 156
    scenario = "combined"
    [bounds]                         # override the table's plausible range
    problem_rate = [0.004, 0.01]
    [distributions]                  # where uniform is wrong: "triang" (bounds lo, hi, peak as a share),
    tie_rewire = "triang"            # "truncnorm" (lo, hi, mean, sd), "norm" / "lognorm" (models off the table)
    [noise]                          # with replications = 1: extra runs that measure the seed's share
    points = 64
    replications = 4
    [prim]                           # scenario discovery on the study's points
    output = "trap_share"
    threshold = 0.2
    above = true

Everything is checked before any run; errors name the field, the value and what is allowed.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from model.parameters import BY_NAME, PARAMS, ParameterError
from model.scenarios import scenario_beside
from model.tomlfile import as_identifier, distinct, identifier, read_toml, whole_number

METHODS = ("morris", "sobol", "fast")
DISTS = {"unif": 2, "triang": 3, "norm": 2, "truncnorm": 4, "lognorm": 2}
COMMUNITY = "experiments.sensitivity.models:community"
KEYS = {"name", "description", "method", "model", "outputs", "N", "seed", "replications", "base_seed",
        "points_per_run", "calc_second_order", "num_levels", "bootstrap", "factors", "exclude", "model_args",
        "bounds", "distributions", "noise", "prim", "convergence"}
# Policy windows say when a policy runs, not how strong it is or how the world works: screening
# them over [0, 104] weeks would mostly measure "the policy was off for part of the run".
WINDOW_SUFFIXES = ("_start", "_end")


def is_window(p) -> bool:
    """A policy window: a whole number of weeks named *_start or *_end (not, e.g., the float
    old_managed_share_start or points_belief_start, which are states of the world at the start)."""
    return p.kind == "int" and p.name.endswith(WINDOW_SUFFIXES)

SIZE = ("n_households",)  # the study sets the size; it is a resolution, not a factor


class StudyError(ParameterError):
    """A bad study file: names the field, the value and what is allowed."""


@dataclass
class Factor:
    name: str
    bounds: list[float]
    dist: str = "unif"
    kind: str = "float"


@dataclass
class Study:
    name: str
    method: str
    model: str
    outputs: list[str]
    N: int
    factors: list[Factor]
    seed: int = 0
    replications: int = 1
    base_seed: int = 0
    points_per_run: int = 16
    calc_second_order: bool = True
    num_levels: int = 4
    bootstrap: int = 1000
    model_args: dict[str, Any] = field(default_factory=dict)
    noise: dict[str, int] = field(default_factory=dict)
    prim: dict[str, Any] = field(default_factory=dict)
    convergence: list[int] = field(default_factory=list)
    description: str = ""
    digest: str = ""
    source: str = ""

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    def problem(self) -> dict:
        """The SALib problem dict (bounds and distributions)."""
        return {"num_vars": len(self.factors), "names": self.names, "bounds": [list(f.bounds) for f in self.factors],
                "dists": [f.dist for f in self.factors]}


def resolve_model(spec: str, where: str = "") -> Callable[[dict, int], dict]:
    """Import `module:function`; the function must be callable as f(params: dict, seed: int)."""
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise StudyError("model", spec, "'module:function', e.g. experiments.sensitivity.models:ishigami", where)
    mod, fn = spec.split(":")
    try:
        f = getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as exc:
        raise StudyError("model", spec, f"an importable module:function ({exc})", where) from None
    if not callable(f):
        raise StudyError("model", spec, "a callable f(params: dict, seed: int) -> dict[str, float]", where)
    try:  # a function that cannot take (params, seed) would fail in every run of the batch, not here
        inspect.signature(f).bind({}, 0)
    except TypeError:
        raise StudyError("model", spec, "a callable f(params: dict, seed: int) -> dict[str, float] (this one "
                         f"takes {inspect.signature(f)})", where) from None
    except ValueError:  # no signature to read (some built-ins): the first run will tell
        pass
    return f


def _factor_names(data: dict, table: bool, where: str) -> list[str]:
    spec = data.get("factors")
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise StudyError("exclude", exclude, "a list of parameter names", where)
    if spec == "all":
        if not table:
            raise StudyError("factors", spec, "a list of names ('all' means the parameter table: community model only)", where)
        bad = [e for e in exclude if e not in BY_NAME]
        if bad:
            raise StudyError("exclude", bad, "names from the parameter table (`govsim params`)", where)
        return [p.name for p in PARAMS if p.name not in exclude and p.kind != "bool"
                and not is_window(p) and p.name not in SIZE]
    if not isinstance(spec, list) or len(spec) < 2 or not all(isinstance(s, str) for s in spec):
        raise StudyError("factors", spec, "\"all\" or a list of at least two factor names", where)
    distinct("factors", spec, where, StudyError)
    names = [s for s in spec if s not in exclude]
    if table:
        bad = [s for s in names if s not in BY_NAME]
        if bad:
            raise StudyError("factors", bad, "names from the parameter table (`govsim params`)", where)
        bad = [s for s in names if BY_NAME[s].kind == "bool" or s in SIZE]
        if bad:
            raise StudyError("factors", bad, "numeric parameters (not true/false switches, not the model size: "
                             "set households in [model_args])", where)
    return names


def _factors(data: dict, names: list[str], table: bool, where: str) -> list[Factor]:
    bounds = data.get("bounds", {})
    dists = data.get("distributions", {})
    for key, tab in (("bounds", bounds), ("distributions", dists)):
        if not isinstance(tab, dict):
            raise StudyError(key, tab, "a table of factor = value", where)
        stray = [k for k in tab if k not in names]
        if stray:
            raise StudyError(key, stray, "names among the study's factors: " + ", ".join(names[:12])
                             + (" ..." if len(names) > 12 else ""), where)
    out = []
    for n in names:
        dist = dists.get(n, "unif")
        if dist not in DISTS:
            raise StudyError(f"distributions.{n}", dist, ", ".join(DISTS), where)
        p = BY_NAME.get(n) if table or n in BY_NAME else None
        if n in bounds:
            b = bounds[n]
        elif p is not None and dist == "unif":
            b = list(p.plausible)
        else:
            raise StudyError(f"bounds.{n}", "(missing)", f"{DISTS[dist]} numbers for a {dist} factor"
                             + ("" if p is not None else " (not in the parameter table, so no default range)"), where)
        if (not isinstance(b, list) or len(b) != DISTS[dist]
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in b)):
            raise StudyError(f"bounds.{n}", b, f"{DISTS[dist]} numbers for a {dist} factor", where)
        b = [float(v) for v in b]
        if dist in ("unif", "triang", "truncnorm") and not b[0] < b[1]:
            raise StudyError(f"bounds.{n}", b, "lower < upper", where)
        if dist == "triang" and not 0 <= b[2] <= 1:
            raise StudyError(f"bounds.{n}", b, "[lo, hi, peak] with the peak as a share of the range in [0, 1]", where)
        if dist in ("norm", "lognorm", "truncnorm") and not (b[-1] > 0):
            raise StudyError(f"bounds.{n}", b, "a standard deviation > 0 as the last number", where)
        if p is not None:
            if dist in ("norm", "lognorm"):
                raise StudyError(f"distributions.{n}", dist, "unif, triang or truncnorm: a table parameter has a "
                                 f"valid range [{p.valid[0]:g}, {p.valid[1]:g}] an unbounded draw would leave", where)
            lo, hi = b[0], b[1]
            if not (p.valid[0] <= lo and hi <= p.valid[1]):
                raise StudyError(f"bounds.{n}", b, f"a range inside the valid [{p.valid[0]:g}, {p.valid[1]:g}] {p.unit}", where)
            if p.kind == "int" and (hi - lo < 1 or math.floor(hi) - math.ceil(lo) < 1):
                raise StudyError(f"bounds.{n}", b, "a range holding at least two whole numbers (a whole-number parameter)", where)
        out.append(Factor(n, b, dist, p.kind if p is not None else "float"))
    return out


def load(path: str | Path) -> Study:
    """Read and check a study file; nothing runs and nothing is written before this passes."""
    path = Path(path)
    where = str(path)
    data, raw = read_toml(path, StudyError, field="study")
    return from_dict(data, where, raw, base=path.parent)



def from_dict(data: dict, where: str = "", raw: bytes | None = None, base: Path | None = None) -> Study:
    """Check a study given as a dict (what `load` reads from TOML); `base` is the study file's
    folder, against which a relative scenario file in [model_args] is read (default: as written)."""
    for key in data:
        if key not in KEYS:
            raise StudyError(key, data[key], "keys " + ", ".join(sorted(KEYS)), where)
    method = data.get("method")
    if method not in METHODS:
        raise StudyError("method", method, ", ".join(METHODS), where)
    model = data.get("model", COMMUNITY)
    resolve_model(model, where)
    table = model == COMMUNITY
    outputs = data.get("outputs")
    if not isinstance(outputs, list) or not outputs or not all(isinstance(o, str) for o in outputs):
        raise StudyError("outputs", outputs, "a non-empty list of output names", where)
    distinct("outputs", outputs, where, StudyError)
    if table:
        from model.outcomes import OUTCOMES

        bad = [o for o in outputs if o not in OUTCOMES]
        if bad:
            raise StudyError("outputs", bad, "names from model.outcomes.OUTCOMES", where)
    names = _factor_names(data, table, where)
    factors = _factors(data, names, table, where)
    N = _int(data, "N", 2, 2**24, where)
    calc2 = data.get("calc_second_order", True)
    if not isinstance(calc2, bool):
        raise StudyError("calc_second_order", calc2, "true or false", where)
    if method == "sobol" and N & (N - 1):
        raise StudyError("N", N, "a power of 2 for Sobol' sequences (e.g. 512, 1024, 2048)", where)
    if method == "fast" and N <= 4 * 4 ** 2:
        raise StudyError("N", N, "more than 64 (4 M^2 with M = 4) for FAST", where)
    num_levels = _int(data, "num_levels", 2, 100, where, 4)
    if method == "morris" and num_levels % 2:
        raise StudyError("num_levels", num_levels, "an even whole number (Morris levels)", where)
    model_args = data.get("model_args", {})
    if not isinstance(model_args, dict):
        raise StudyError("model_args", model_args, "a table of fixed settings", where)
    if table:
        from .models import check_community_args

        if base is not None and isinstance(model_args.get("scenario"), str):
            model_args = {**model_args, "scenario": scenario_beside(Path(base), model_args["scenario"])}
        check_community_args(model_args, where)
    noise = data.get("noise", {})
    if not isinstance(noise, dict) or set(noise) - {"points", "replications"}:
        raise StudyError("noise", noise, "a table with points and replications", where)
    if noise:
        noise = {"points": _int(noise, "points", 2, 100_000, f"{where} [noise]"),
                 "replications": _int(noise, "replications", 2, 1000, f"{where} [noise]")}
    prim = data.get("prim", {})
    if not isinstance(prim, dict) or set(prim) - {"output", "threshold", "above", "peel_alpha", "density"}:
        raise StudyError("prim", prim, "a table with output, threshold, above, peel_alpha, density", where)
    if prim:
        if prim.get("output") not in outputs:
            raise StudyError("prim.output", prim.get("output"), "one of the study's outputs: " + ", ".join(outputs), where)
        if isinstance(prim.get("threshold"), bool) or not isinstance(prim.get("threshold"), (int, float)):
            raise StudyError("prim.threshold", prim.get("threshold"), "a number", where)
        if not isinstance(prim.get("above", True), bool):
            raise StudyError("prim.above", prim.get("above"), "true or false", where)
        for k, lo, hi in (("peel_alpha", 0.01, 0.5), ("density", 0.0, 1.0)):
            v = prim.get(k, {"peel_alpha": 0.05, "density": 0.8}[k])
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo < v <= hi:
                raise StudyError(f"prim.{k}", v, f"a number in ({lo:g}, {hi:g}]", where)
    conv = data.get("convergence", [])
    if not isinstance(conv, list) or not all(isinstance(c, int) and not isinstance(c, bool) and 2 <= c <= N for c in conv):
        raise StudyError("convergence", conv, f"a list of sample sizes in [2, N = {N}]", where)
    if method == "sobol" and any(c & (c - 1) for c in conv):
        raise StudyError("convergence", conv, "powers of 2 (nested Sobol' samples)", where)
    digest = hashlib.sha256(raw if raw is not None else json.dumps(data, sort_keys=True, default=str).encode())
    return Study(name=identifier(data, "name", as_identifier(Path(where).stem or "study"), where, StudyError),
                 description=str(data.get("description", "")),
                 method=method, model=model, outputs=list(outputs), N=N, factors=factors,
                 seed=_int(data, "seed", 0, 2**62, where, 0), replications=_int(data, "replications", 1, 10_000, where, 1),
                 base_seed=_int(data, "base_seed", 0, 2**62, where, 0),
                 points_per_run=_int(data, "points_per_run", 1, 10**7, where, 16), calc_second_order=calc2,
                 num_levels=num_levels, bootstrap=_int(data, "bootstrap", 10, 100_000, where, 1000),
                 model_args=model_args, noise=noise, prim=prim, convergence=sorted(conv), digest=digest.hexdigest(),
                 source=where)


def _int(data: dict, key: str, lo: int, hi: int, where: str, default: int | None = None) -> int:
    return whole_number(data, key, lo, hi, where, StudyError, default)
