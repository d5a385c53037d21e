"""Scenarios: a set of policies with their doses plus parameter overrides, in TOML files.

    name = "c2_party_and_red_property"
    description = "..."            # one line, English
    description_zh = "..."         # one line, Chinese
    [params]                       # any parameter of the table
    party_coverage_mean = 0.3
    [policies.red_property]        # a policy group; keys are its parameters, plus start / end
    red_property_share = 1.0
    start = 0
    end = -1

Shipped scenarios live in `experiments/scenarios/` (installed with the package). Loading
checks everything and raises ScenarioError naming the field, the value and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .parameters import BY_NAME, POLICY_GROUPS, ParameterError, validate
from .tomlfile import as_identifier, identifier, read_toml


class ScenarioError(ParameterError):
    pass


@dataclass
class Scenario:
    name: str
    description: str = ""
    description_zh: str = ""
    params: dict[str, Any] = field(default_factory=dict)  # overrides of the defaults
    path: str | None = None

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, {len(self.params)} overrides)"


def scenario_dir():
    return resources.files("experiments") / "scenarios"


def available() -> list[str]:
    return sorted(p.name[:-5] for p in scenario_dir().iterdir() if p.name.endswith(".toml"))


def _err(field_: str, value: Any, allowed: str, where: str) -> ScenarioError:
    return ScenarioError(field_, value, allowed, where)


def parse(data: dict, where: str = "scenario") -> Scenario:
    """Check a scenario's parsed TOML and turn it into flat parameter overrides."""
    known = {"name", "description", "description_zh", "params", "policies"}
    for key in data:
        if key not in known:
            raise _err(key, data[key], "top-level keys " + ", ".join(sorted(known)), where)
    name = identifier(data, "name", as_identifier(Path(where).stem) if where.endswith(".toml") else "custom",
                      where, ScenarioError)  # it names output folders (results/runs/<name>-seed<N>)
    for key in ("description", "description_zh"):
        if not isinstance(data.get(key, ""), str):
            raise _err(key, data[key], "a string", where)
    overrides: dict[str, Any] = {}
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise _err("params", params, "a table of parameter = value", where)
    for key, value in params.items():
        if key not in BY_NAME:
            raise _err(f"params.{key}", value, "a parameter from the table (`govsim params`)", where)
        overrides[key] = value
    policies = data.get("policies", {})
    if not isinstance(policies, dict):
        raise _err("policies", policies, "tables [policies.<group>]", where)
    for grp, table in policies.items():
        if grp not in POLICY_GROUPS:
            raise _err(f"policies.{grp}", "(policy)", "one of " + ", ".join(POLICY_GROUPS), where)
        if not isinstance(table, dict):
            raise _err(f"policies.{grp}", table, "a table of dose = value", where)
        for key, value in table.items():
            full = f"{grp}_{key}" if key in ("start", "end") else key
            if grp == "door_knocking" and key == "start":
                full = "door_knock_start"
            if full not in BY_NAME or BY_NAME[full].group != grp:
                allowed = [q for q in BY_NAME.values() if q.group == grp]
                names = [q.name for q in allowed] + (["start", "end"] if grp != "door_knocking" else ["start"])
                raise _err(f"policies.{grp}.{key}", value, "one of " + ", ".join(names), where)
            overrides[full] = value
    validate(overrides, where=where)  # types and ranges, with the field named
    return Scenario(name=name, description=data.get("description", ""),
                    description_zh=data.get("description_zh", ""), params=overrides,
                    path=where if where.endswith(".toml") else None)


def read(path: str | Path) -> Scenario:
    path = Path(path)
    data, _ = read_toml(path, ScenarioError, field="scenario",
                        missing="an existing .toml file or a shipped scenario: " + ", ".join(available()), where=str(path))
    return parse(data, str(path))


def load_scenario(spec: str | Path | dict | Scenario) -> Scenario:
    """A shipped scenario's name, a path to a TOML file, a parsed dict, or a Scenario."""
    if isinstance(spec, Scenario):
        return spec
    if isinstance(spec, dict):
        return parse(spec)
    s = str(spec)
    if s.endswith(".toml") or (s not in available() and Path(s).exists()):  # a shipped name wins over a stray file
        return read(s)
    if s not in available():
        raise _err("scenario", s, "a shipped scenario (" + ", ".join(available()) + ") or a .toml file", "scenario")
    res = scenario_dir() / f"{s}.toml"
    sc = parse(tomllib.loads(res.read_text(encoding="utf-8")), f"{s}.toml")
    sc.path = f"experiments/scenarios/{s}.toml"
    return sc


def source_bytes(sc: Scenario) -> bytes:
    """The text a scenario was read from, found the same way from any working directory (b"" if none)."""
    if sc.path == f"experiments/scenarios/{sc.name}.toml" and sc.name in available():
        return (scenario_dir() / f"{sc.name}.toml").read_bytes()
    if sc.path and Path(sc.path).is_file():
        return Path(sc.path).read_bytes()
    return b""


def describe_all() -> list[tuple[str, str, str]]:
    out = []
    for name in available():
        sc = load_scenario(name)
        out.append((name, sc.description, sc.description_zh))
    return out


def scenario_beside(base: Path, spec: str) -> str:
    """A scenario named in a file (a study, a calibration's targets), with a relative scenario file
    read from that file's folder.

    Such files are used from any folder (and their points by workers), so a scenario file named
    next to them must not depend on where the command was typed. A shipped scenario's name, an
    absolute path, a file not found next to them (read from the current folder, as before) and a
    file that is the same both ways stay as written, so what worked before reads and records the
    same (a digest, and so resuming, unchanged).
    """
    p = Path(spec)
    near = Path(base) / p
    if spec in available() or p.is_absolute() or not near.is_file():
        return spec
    if p.is_file() and p.resolve() == near.resolve():
        return spec
    return str(near.resolve())
