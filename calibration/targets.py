"""Calibration targets, simulation settings and run configurations: loaded and checked.

Everything is checked before any simulation starts, so a typo in a 20-minute ABC run fails
at once with a ParameterError naming the field, the value and what is allowed.

`calibration/targets.toml` holds the observed figures (value, uncertainty, source) and the
simulations that produce the matching statistics; a run configuration (`calibration/fanrong.toml`)
picks targets and parameters, gives priors and the ABC-SMC settings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.parameters import BY_NAME, ParameterError, validate
from model.scenarios import scenario_beside
from model.tomlfile import read_toml

HERE = Path(__file__).parent
TARGETS_FILE = HERE / "targets.toml"
ROOT = HERE.parent  # the project: the shipped run files name their targets from here

KINDS = ("target", "pattern", "input")
SIM_KINDS = ("run", "new_provider", "paired_policy", "world")
PRIOR_KINDS = ("uniform", "loguniform")
# The one integer parameter that can have a prior: the size of the street the targets were counted
# in. It sets `households` of the simulations marked `street_sized = true` (rounded to a whole
# number); every other simulation keeps its own size.
SIZE_PRIOR = "n_households"


class CalibrationError(ParameterError):
    """Bad targets, priors or settings: names the field, the value and what is allowed."""


def _err(field_: str, value: Any, allowed: str, where: str) -> CalibrationError:
    return CalibrationError(field_, value, allowed, where)


def _read_toml(path: Path) -> dict:
    return read_toml(path, CalibrationError, where=str(path))[0]


def _num(d: dict, key: str, where: str, lo: float = float("-inf"), hi: float = float("inf"),
         required: bool = True, integer: bool = False):
    if key not in d:
        if required:
            raise _err(key, "(missing)", f"a number in [{lo:g}, {hi:g}]", where)
        return None
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not float(v).is_integer()):
        raise _err(key, v, f"a {'whole ' if integer else ''}number in [{lo:g}, {hi:g}]", where)
    if not lo <= v <= hi:
        raise _err(key, v, f"a number in [{lo:g}, {hi:g}]", where)
    return int(v) if integer else float(v)


def _str(d: dict, key: str, where: str, required: bool = True, choices: tuple[str, ...] | None = None) -> str:
    v = d.get(key)
    if v is None:
        if required:
            raise _err(key, "(missing)", "one of " + ", ".join(choices) if choices else "a non-empty string", where)
        return ""
    if not isinstance(v, str) or not v.strip():
        raise _err(key, v, "a non-empty string", where)
    if choices and v not in choices:
        raise _err(key, v, "one of " + ", ".join(choices), where)
    return v


def _keys(d: dict, allowed: set[str], where: str) -> None:
    for k in d:
        if k not in allowed:
            raise _err(k, d[k], "keys " + ", ".join(sorted(allowed)), where)


# ================================================================ simulations
@dataclass(frozen=True)
class Simulation:
    """One kind of model run that yields statistics (run once per particle and seed)."""

    name: str
    kind: str
    scenario: str
    households: int
    steps: int
    params: dict[str, Any] = field(default_factory=dict)
    at_steps: tuple[int, ...] = ()       # "run": extra steps at which outcomes are recorded
    policy: dict[str, Any] = field(default_factory=dict)  # "paired_policy": overrides switched on
    weeks_after: int = 4                 # "new_provider": weeks after the arrival
    assumptions: str = ""
    street_sized: bool = False           # a prior on n_households (the street's size) sets `households`



def _simulation(name: str, d: dict, where: str, base: Path | None = None) -> Simulation:
    w = f"{where} [simulation.{name}]"
    _keys(d, {"kind", "scenario", "households", "steps", "params", "at_steps", "policy", "weeks_after",
              "assumptions", "street_sized"}, w)
    kind = _str(d, "kind", w, choices=SIM_KINDS)
    scenario = _str(d, "scenario", w)
    if base is not None:
        scenario = scenario_beside(base, scenario)
    from model.scenarios import load_scenario

    try:
        load_scenario(scenario)
    except ParameterError as exc:
        raise _err("scenario", scenario, exc.allowed, w) from None
    households = _num(d, "households", w, 20, 5_000_000, integer=True)
    steps = _num(d, "steps", w, 0, 100_000, integer=True)
    params = d.get("params", {})
    policy = d.get("policy", {})
    for key, table in (("params", params), ("policy", policy)):
        if not isinstance(table, dict):
            raise _err(key, table, "a table of parameter = value", w)
        for k, v in table.items():
            if k not in BY_NAME:
                raise _err(f"{key}.{k}", v, "a parameter from the table (`govsim params`)", w)
            BY_NAME[k].check(v, w)
    at = d.get("at_steps", [])
    if not isinstance(at, list) or any(not isinstance(s, int) or not 0 < s <= steps for s in at):
        raise _err("at_steps", at, f"a list of whole numbers in [1, {steps}]", w)
    if kind == "paired_policy" and not policy:
        raise _err("policy", policy, "a non-empty table of the policy's parameters", w)
    weeks_after = _num(d, "weeks_after", w, 1, 520, required=False, integer=True) or 4
    street_sized = d.get("street_sized", False)
    if not isinstance(street_sized, bool):
        raise _err("street_sized", street_sized, "true or false (true: a prior on n_households sets the size)", w)
    if "n_households" in params or "n_households" in policy:
        raise _err("params.n_households", params.get("n_households", policy.get("n_households")),
                   "the simulation's `households` (or `street_sized = true` and a prior on n_households)", w)
    return Simulation(name, kind, scenario, households, steps, dict(params), tuple(at), dict(policy), weeks_after,
                      d.get("assumptions", ""), street_sized)


# ================================================================ targets
@dataclass(frozen=True)
class Target:
    """An observed figure, how sure we are of it, where it comes from and what it is compared with."""

    name: str
    kind: str             # target (numeric, enters ABC), pattern (checked), input (a parameter's value)
    value: float
    sd: float             # uncertainty, one standard deviation, in the statistic's units
    interval: tuple[float, float]  # accepted range (for patterns: what counts as reproduced)
    source: str
    simulation: str
    statistic: str
    note: str = ""


def _target(name: str, d: dict, sims: dict[str, Simulation], where: str) -> Target:
    w = f"{where} [target.{name}]"
    _keys(d, {"kind", "value", "sd", "interval", "source", "simulation", "statistic", "note"}, w)
    kind = _str(d, "kind", w, choices=KINDS)
    value = _num(d, "value", w)
    sd = _num(d, "sd", w, 0.0)
    if sd <= 0:
        raise _err("sd", sd, "a positive number (the target's uncertainty)", w)
    source = _str(d, "source", w)
    iv = d.get("interval", [value - 2 * sd, value + 2 * sd])
    if (not isinstance(iv, list) or len(iv) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in iv)
            or not iv[0] <= value <= iv[1]):
        raise _err("interval", iv, f"[low, high] around the value {value:g}", w)
    sim = _str(d, "simulation", w)
    if sim not in sims:
        raise _err("simulation", sim, "one of " + ", ".join(sims), w)
    from .statistics import statistics_of

    stat = _str(d, "statistic", w)
    names = statistics_of(sims[sim].kind)
    if stat not in names:
        raise _err("statistic", stat, f"a statistic of a '{sims[sim].kind}' simulation: " + ", ".join(names), w)
    return Target(name, kind, value, sd, (float(iv[0]), float(iv[1])), source, sim, stat, d.get("note", ""))


@dataclass
class TargetSet:
    targets: dict[str, Target]
    simulations: dict[str, Simulation]
    street: dict[str, Any]
    path: str


def load_targets(path: str | Path = TARGETS_FILE) -> TargetSet:
    path = Path(path)
    data = _read_toml(path)
    where = str(path)
    _keys(data, {"street", "simulation", "target"}, where)
    sims_raw = data.get("simulation", {})
    if not isinstance(sims_raw, dict) or not sims_raw:
        raise _err("simulation", sims_raw, "tables [simulation.<name>]", where)
    sims = {n: _simulation(n, d, where, path.parent) for n, d in sims_raw.items()}
    t_raw = data.get("target", {})
    if not isinstance(t_raw, dict) or not t_raw:
        raise _err("target", t_raw, "tables [target.<name>]", where)
    targets = {n: _target(n, d, sims, where) for n, d in t_raw.items()}
    street = data.get("street", {})
    if not isinstance(street, dict):
        raise _err("street", street, "a table describing the street", where)
    return TargetSet(targets, sims, street, where)


# ================================================================ run configuration
@dataclass(frozen=True)
class Prior:
    name: str
    kind: str
    low: float
    high: float


@dataclass
class Config:
    """One ABC-SMC run: targets, priors, and the sampler's settings."""

    name: str
    targets: list[str]
    priors: list[Prior]
    population_size: int
    max_generations: int
    min_epsilon: float
    epsilon_quantile: float
    min_acceptance_rate: float
    seed: int
    database: str
    out: str
    predictive_draws: int
    predictive_seeds: int
    fixed: dict[str, Any]
    target_set: TargetSet
    path: str = ""

    def digest(self) -> str:
        """Hash of everything that changes the posterior: a changed config is not resumed."""
        numbers = ("value", "sd", "simulation", "statistic")  # not the prose: editing a source resumes
        blob = json.dumps({"targets": {n: {k: vars(self.target_set.targets[n])[k] for k in numbers}
                                       for n in self.targets},
                           "sims": {n: {k: v for k, v in vars(s).items() if k != "assumptions"}
                                    for n, s in self.target_set.simulations.items()},
                           "priors": [vars(p) for p in self.priors], "pop": self.population_size,
                           "q": self.epsilon_quantile, "seed": self.seed, "fixed": self.fixed}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]


CONFIG_KEYS = {"name", "targets_file", "targets", "priors", "population_size", "max_generations", "min_epsilon",
               "epsilon_quantile", "min_acceptance_rate", "seed", "database", "out", 
               "predictive_draws", "predictive_seeds", "fixed"}


def targets_path(tfile: Any, base: Path | None, where: str) -> Path:
    """The targets file a run configuration names, or a CalibrationError naming `targets_file`.

    A relative path is read from the configuration's own folder (`base`), so a calibration can be
    checked and run from any folder; then, as before, from the current folder, then from the
    project's (the shipped run files write `calibration/targets.toml`, from the project).
    """
    if not isinstance(tfile, str) or not tfile.strip():
        raise _err("targets_file", tfile, "the path of a targets .toml file", where)
    p = Path(tfile)
    tried = [p] if p.is_absolute() else [c for c in dict.fromkeys(
        ([base / p] if base is not None else []) + [p, ROOT / p])]
    for c in tried:
        if c.is_file():
            return c
    looked = "" if p.is_absolute() else (" (a relative path is read from the calibration file's folder, then the "
                                         "current folder, then the project's)")
    raise _err("targets_file", tfile, "an existing targets .toml file" + looked, where)


def parse_config(data: dict, where: str = "config", base: Path | None = None) -> Config:
    """Check a run configuration (parsed TOML); raises CalibrationError before any simulation.

    `base` is the configuration file's folder, from which a relative `targets_file` is read first.
    """
    _keys(data, CONFIG_KEYS, where)
    ts = load_targets(targets_path(data.get("targets_file", str(TARGETS_FILE)), base, where))
    names = data.get("targets")
    numeric = [n for n, t in ts.targets.items() if t.kind == "target"]
    if not isinstance(names, list) or not names:
        raise _err("targets", names, "a non-empty list of targets: " + ", ".join(numeric), where)
    for n in names:
        if n not in ts.targets or ts.targets[n].kind != "target":
            raise _err("targets", n, "numeric targets (kind = \"target\") of " + ts.path + ": " + ", ".join(numeric), where)
    pri = data.get("priors")
    if not isinstance(pri, dict) or not pri:
        raise _err("priors", pri, "a table: parameter = {kind = \"uniform\", low = .., high = ..}", where)
    priors = []
    for pname, spec in pri.items():
        w = f"{where} [priors.{pname}]"
        if pname not in BY_NAME:
            from model.parameters import _suggest

            raise _err(f"priors.{pname}", spec, "a parameter from the table (`govsim params`)" + _suggest(pname), where)
        par = BY_NAME[pname]
        if par.kind != "float" and pname != SIZE_PRIOR:
            raise _err(f"priors.{pname}", spec, "a float parameter, or n_households (the street's size); other "
                       "integer and boolean ones are not calibrated", where)
        if not isinstance(spec, dict):
            raise _err(f"priors.{pname}", spec, "a table {kind, low, high}", where)
        _keys(spec, {"kind", "low", "high"}, w)
        kind = _str(spec, "kind", w, choices=PRIOR_KINDS)
        lo, hi = par.valid
        low = _num(spec, "low", w, lo, hi)
        high = _num(spec, "high", w, lo, hi)
        if not low < high:
            raise _err("high", high, f"a number above low ({low:g}) and at most {hi:g}", w)
        if kind == "loguniform" and low <= 0:
            raise _err("low", low, f"a positive number in (0, {hi:g}] for a loguniform prior", w)
        priors.append(Prior(pname, kind, low, high))
    if any(p.name == SIZE_PRIOR for p in priors) and not any(
            ts.simulations[ts.targets[n].simulation].street_sized for n in names):
        raise _err(f"priors.{SIZE_PRIOR}", pri[SIZE_PRIOR], "a prior only where a target's simulation is "
                   "`street_sized = true` (the size of the other simulations is their own)", where)
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict):
        raise _err("fixed", fixed, "a table of parameter = value", where)
    for k, v in fixed.items():
        if k in pri:
            raise _err(f"fixed.{k}", v, "a parameter without a prior", where)
    validate(fixed, where=where + " [fixed]")
    return Config(
        name=_str(data, "name", where),
        targets=list(names), priors=priors,
        population_size=_num(data, "population_size", where, 10, 100_000, integer=True),
        max_generations=_num(data, "max_generations", where, 1, 1000, integer=True),
        min_epsilon=_num(data, "min_epsilon", where, 0.0),
        epsilon_quantile=_num(data, "epsilon_quantile", where, 0.05, 0.95, required=False) or 0.5,
        min_acceptance_rate=_num(data, "min_acceptance_rate", where, 0.0, 1.0, required=False) or 0.0,
        seed=_num(data, "seed", where, 0, 2**31 - 1, required=False, integer=True) or 0,
        database=_str(data, "database", where),
        out=_str(data, "out", where),
        predictive_draws=_num(data, "predictive_draws", where, 1, 10_000, required=False, integer=True) or 50,
        predictive_seeds=_num(data, "predictive_seeds", where, 1, 100, required=False, integer=True) or 1,
        fixed=dict(fixed), target_set=ts, path=where)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    return parse_config(_read_toml(path), str(path), base=path.parent)
