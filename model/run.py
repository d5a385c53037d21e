"""One-call runs: `run("baseline", steps=520, seed=1)` returns a Result that knows how to save itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import CommunityModel

DEFAULT_STEPS = 520  # ten years of weeks


@dataclass
class Result:
    timeseries: pd.DataFrame
    summary: dict
    compounds: pd.DataFrame  # each compound's state at the end
    compounds_over_time: pd.DataFrame  # each compound's state every `every` steps
    events: pd.DataFrame
    model: CommunityModel | None = None

    def save(self, out: str | Path, figure: bool = True) -> Path:
        """Write timeseries.csv, compounds.csv, events.csv, summary.json and overview.png into `out`.

        Files are written under temporary names and renamed at the end, so an interrupted
        save leaves nothing partial behind.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tmp = []

        def put(name: str, write) -> None:
            path = out / f".{name}.tmp"
            write(path)
            tmp.append((path, out / name))

        put("timeseries.csv", lambda p: self.timeseries.to_csv(p, index=False))
        put("compounds.csv", lambda p: self.compounds_over_time.to_csv(p, index=False))
        put("events.csv", lambda p: self.events.to_csv(p, index=False))
        put("summary.json", lambda p: p.write_text(json.dumps(_jsonable(self.summary), indent=2, ensure_ascii=False), encoding="utf-8"))
        if figure:
            from .plots import overview

            put("overview.png", lambda p: overview(self, p))
        for src, dst in tmp:
            src.replace(dst)
        return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def run(scenario: str | Path | dict | None = "baseline", steps: int = DEFAULT_STEPS, seed: int = 0,
        households: int | None = None, compounds: str | Path | pd.DataFrame | None = None,
        every: int = 13, keep_model: bool = False, **params: Any) -> Result:
    """Build a model, run it `steps` weeks and collect the results."""
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps = {steps!r} is invalid; allowed: a whole number >= 0")
    if households is not None:
        params["n_households"] = households
    m = CommunityModel(rng=seed, scenario=scenario, compounds=compounds, **params)
    snaps = [_snapshot(m)]
    for _ in range(steps):
        m.step()
        if m.steps % every == 0 or m.steps == steps:
            snaps.append(_snapshot(m))
    ts = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    summary = m.summary()
    result = Result(timeseries=ts, summary=summary, compounds=m.compound_table(),
                  compounds_over_time=pd.concat(snaps, ignore_index=True),
                  events=pd.DataFrame(m.events, columns=["step", "compound", "event", "why"]),
                  model=m if keep_model else None)
    if not keep_model:
        m.release()
    return result


def _snapshot(m: CommunityModel) -> pd.DataFrame:
    df = m.compound_table()
    df.insert(0, "step", m.steps)
    return df
