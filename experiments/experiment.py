"""Experiment files: which scenarios, how many replications, how long, how large.

    name = "policy_comparison"
    scenarios = ["baseline", "c1_duties_and_whistle", "my_scenario.toml"]
    replications = 20          # replication r uses seed base_seed + r in every scenario (CRN)
    steps = 520
    households = 3000          # (or [params] n_households = 3000; not both: one size for every run)
    base_seed = 0
    outcomes = ["trap_share", ...]   # optional: the outcomes kept in the time series (default: headline)
    timeseries_every = 4             # optional: keep every k-th week of the time series
    parameter_draws = "draws.csv"    # optional: one parameter set a row (e.g. posterior draws);
                                     # replication r uses row r mod rows, in every scenario
    [params]                         # optional: overrides applied to every scenario
    problem_rate = 0.007

Everything is checked before any run starts; errors name the field and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.outcomes import HEADLINE, OUTCOMES
from model.parameters import ParameterError, validate
from model.scenarios import Scenario, load_scenario, source_bytes
from model.tomlfile import as_identifier, distinct, identifier, read_toml, whole_number

KEYS = {"name", "description", "scenarios", "replications", "steps", "households", "base_seed", "outcomes",
        "timeseries_every", "params", "parameter_draws"}


class ExperimentError(ParameterError):
    pass


@dataclass
class Experiment:
    name: str
    scenarios: list[Scenario]
    replications: int
    steps: int
    households: int
    base_seed: int = 0
    outcomes: tuple[str, ...] = HEADLINE
    timeseries_every: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    draws: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""
    digest: str = ""  # hash of the file and every scenario it names

    def runs(self) -> list[dict]:
        """Every (scenario, replication) as a plain dict a worker can run."""
        out = []
        for sc in self.scenarios:
            for r in range(self.replications):
                draw = self.draws[r % len(self.draws)] if self.draws else {}
                out.append({"run_id": f"{sc.name}/{r}", "scenario": sc.name, "replication": r,
                            "seed": self.base_seed + r, "steps": self.steps, "draw": r % len(self.draws) if self.draws else -1,
                            "params": {**sc.params, **self.params, **draw, "n_households": self.households},
                            "outcomes": list(self.outcomes), "every": self.timeseries_every})
        return out


def load(path: str | Path) -> Experiment:
    path = Path(path)
    where = str(path)
    data, raw = read_toml(path, ExperimentError, field="experiment")
    for key in data:
        if key not in KEYS:
            raise ExperimentError(key, data[key], "keys " + ", ".join(sorted(KEYS)), where)
    names = data.get("scenarios")
    if not isinstance(names, list) or not names or not all(isinstance(s, str) for s in names):
        raise ExperimentError("scenarios", names, "a non-empty list of scenario names or .toml files", where)
    digest = hashlib.sha256(raw)
    scenarios = []
    for s in names:
        spec = s if s.endswith(".toml") and Path(s).is_absolute() else (
            str(path.parent / s) if s.endswith(".toml") else s)
        sc = load_scenario(spec)
        digest.update(source_bytes(sc))  # the same from any working directory (resume must not depend on it)
        digest.update(json.dumps(sc.params, sort_keys=True, default=str).encode())
        scenarios.append(sc)
    seen = [sc.name for sc in scenarios]
    if len(set(seen)) != len(seen):
        raise ExperimentError("scenarios", seen, "distinct scenario names", where)
    outcomes = _outcomes(data.get("outcomes", list(HEADLINE)), where)
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ExperimentError("params", params, "a table of parameter = value", where)
    if "n_households" in params:
        # every run is made with the experiment's own size (Experiment.runs puts it last), so a
        # [params] n_households beside `households` would be silently ignored: refused, as
        # `govsim run` refuses --households with --set n_households; alone, it is the size
        if "households" in data:
            raise ExperimentError("households", data["households"],
                                  "either households or [params] n_households, not both", where)
        households = _int(params, "n_households", 20, 5_000_000, where)
        digest.update(b"households from [params] n_households")  # older runs of this file used the default
    else:
        households = _int(data, "households", 20, 5_000_000, where, 3000)
    draws = _draws(data.get("parameter_draws"), path, where, digest)
    for sc in scenarios:  # every scenario's parameters, as they will be run, are valid
        for i, draw in enumerate(draws or [{}]):
            validate({**sc.params, **params, **draw, "n_households": households},
                     where=f"{where} (scenario {sc.name}" + (f", draw {i + 1})" if draws else ")"))
    return Experiment(
        name=identifier(data, "name", as_identifier(path.stem), where, ExperimentError), description=str(data.get("description", "")), scenarios=scenarios,
        replications=_int(data, "replications", 1, 1_000_000, where), steps=_int(data, "steps", 1, 100_000, where, 520),
        households=households, base_seed=_int(data, "base_seed", 0, 2**62, where, 0), outcomes=tuple(outcomes),
        timeseries_every=_int(data, "timeseries_every", 1, 10_000, where, 1), params=params, draws=draws,
        digest=digest.hexdigest())


def _outcomes(outcomes, where: str) -> list[str]:
    """The outcomes kept in the time series: at least one, each known, none twice.

    Checked here because the runs cannot: a repeated name makes the time-series table fail to
    build after every run has finished (nothing saved, and the same on every re-run), and an
    empty list leaves the report nothing to draw.
    """
    if not isinstance(outcomes, list) or not all(isinstance(o, str) and o in OUTCOMES for o in outcomes):
        bad = [o for o in outcomes if not isinstance(o, str) or o not in OUTCOMES] if isinstance(outcomes, list) else outcomes
        raise ExperimentError("outcomes", bad, "names from model.outcomes.OUTCOMES", where)
    if not outcomes:
        raise ExperimentError("outcomes", outcomes, "at least one name from model.outcomes.OUTCOMES "
                              "(leave the key out for the headline outcomes)", where)
    distinct("outcomes", outcomes, where, ExperimentError)
    return outcomes


def _draws(spec, path: Path, where: str, digest) -> list[dict[str, Any]]:
    """Parameter sets from a CSV (header: parameter names), checked later against the table."""
    if spec is None:
        return []
    if not isinstance(spec, str):
        raise ExperimentError("parameter_draws", spec, "a path to a CSV file", where)
    import csv
    import io

    f = Path(spec) if Path(spec).is_absolute() else path.parent / spec
    if not f.exists():
        raise ExperimentError("parameter_draws", spec, "an existing CSV file (relative to the experiment file)", where)
    if not f.is_file():
        raise ExperimentError("parameter_draws", spec, "a CSV file, not a folder (relative to the experiment file)", where)
    try:
        data = f.read_bytes()
        text = data.decode("utf-8-sig")  # a byte-order mark (as spreadsheets write) is not part of the first name
    except OSError as exc:
        raise ExperimentError("parameter_draws", spec, f"a readable CSV file ({exc.strerror or exc})", where) from None
    except UnicodeDecodeError as exc:
        raise ExperimentError("parameter_draws", spec, f"a CSV file in UTF-8 (byte {exc.start} of {f} is not: "
                              "save it as UTF-8)", where) from None
    digest.update(data)
    rows = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    for i, row in enumerate(reader):
        if None in row or None in row.values():  # csv puts extra fields under None, missing ones as None
            fields = [row[k] for k in header if row[k] is not None] + row.get(None, [])
            shown = ", ".join(header[:12]) + (" ..." if len(header) > 12 else "")
            raise ExperimentError("parameter_draws", fields, f"one field per name in the header ({shown})", f"{f} row {i + 2}")
        out = {}
        for k, v in row.items():
            try:
                out[k] = float(v)
            except (TypeError, ValueError):
                raise ExperimentError(k, v, "a number", f"{f} row {i + 2}") from None
            if out[k].is_integer() and k.endswith(("_weeks", "_start", "_end", "_span", "n_households")):
                out[k] = int(out[k])
        rows.append(out)
    if not rows:
        raise ExperimentError("parameter_draws", spec, "a CSV with at least one row", where)
    return rows


def _int(data: dict, key: str, lo: int, hi: int, where: str, default: int | None = None) -> int:
    return whole_number(data, key, lo, hi, where, ExperimentError, default)
