"""Draw a study's sample (seeded), store it with the settings it was drawn with, cut it into specs.

The sample file carries its method, N, factor names and `calc_second_order` in its Parquet
metadata, so the analysis reads the layout from the sample itself and refuses a mismatch
(SALib would silently return wrong indices for a second-order sample read as first-order).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .study import Study, StudyError

META_KEY = b"govsim.sensitivity"
FAST_M = 4


def rows_per_base(method: str, D: int, calc_second_order: bool) -> int:
    """Rows of the sample that one base sample (Sobol'), trajectory (Morris) or factor (FAST) makes."""
    if method == "sobol":
        return 2 * D + 2 if calc_second_order else D + 2
    if method == "morris":
        return D + 1
    return 1


def draw(study: Study) -> tuple[np.ndarray, dict]:
    """The sample matrix (points x factors) and its metadata."""
    problem = study.problem()
    if all(d == "unif" for d in problem["dists"]):
        problem.pop("dists")
    if study.method == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, study.N, calc_second_order=study.calc_second_order, scramble=True, seed=study.seed)
    elif study.method == "morris":
        from SALib.sample import morris

        X = morris.sample(problem, study.N, num_levels=study.num_levels, seed=study.seed)
    else:
        from SALib.sample import fast_sampler

        X = fast_sampler.sample(problem, study.N, M=FAST_M, seed=study.seed)
    whole = whole_numbers(study, X) if study.method in ("sobol", "fast") else []
    meta = {"method": study.method, "N": study.N, "names": study.names, "D": len(study.factors),
            "calc_second_order": bool(study.calc_second_order) if study.method == "sobol" else None,
            "num_levels": study.num_levels if study.method == "morris" else None,
            "M": FAST_M if study.method == "fast" else None, "seed": study.seed, "rows": int(len(X)),
            "problem": study.problem(), "study_sha256": study.digest, "whole_numbers": whole}
    return X, meta


def whole_numbers(study: Study, X: np.ndarray) -> list[str]:
    """Whole-number factors (table kind "int", uniform) drawn as whole numbers, each equally likely.

    The samplers draw floats; rounding a uniform draw on [lo, hi] (as the community model does)
    gives the two end values half the weight of the others (5 and 30 of [5, 30] 1/50 each, the
    rest 1/25). Here the unit-cube coordinate u of each point is mapped to the integers
    ceil(lo) .. floor(hi) by floor(u * n), so each has weight 1/n, and the sample holds the values
    the model runs (PRIM boxes and figures read them). The map acts column by column on every row
    alike, so Saltelli's A, B and AB_i matrices keep their structure and the Sobol' estimators
    (which read only the outputs) stay valid: the indices are those of a factor uniform on the
    integers. FAST also reads only the outputs; Morris (whose elementary effects divide by the step
    in X) keeps its grid and the model's rounding. Other distributions are rounded by the model.
    Changes X in place; returns the names of the factors it changed.
    """
    import math

    out = []
    for j, f in enumerate(study.factors):
        if f.kind != "int" or f.dist != "unif":
            continue
        lo, hi = f.bounds
        a, b = math.ceil(lo), math.floor(hi)
        u = (X[:, j] - lo) / (hi - lo)
        X[:, j] = a + np.clip(np.floor(u * (b - a + 1)), 0, b - a)
        out.append(f.name)
    return out


def save(path: Path, X: np.ndarray, meta: dict) -> None:
    """Write the sample with its metadata, atomically."""
    table = pa.table({"point": np.arange(len(X)), **{n: X[:, i] for i, n in enumerate(meta["names"])}})
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta).encode()})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def read(path: Path) -> tuple[np.ndarray, dict]:
    """The sample and the settings it was drawn with."""
    table = pq.read_table(path)
    md = table.schema.metadata or {}
    if META_KEY not in md:
        raise StudyError("sample", str(path), "a sample written by govsim sensitivity (with its settings)")
    meta = json.loads(md[META_KEY])
    X = np.column_stack([table.column(n).to_numpy() for n in meta["names"]])
    return X, meta


def specs(study: Study, X: np.ndarray) -> list[dict]:
    """Runner specs: blocks of `points_per_run` points, each run at every replication's seed.

    Replication r uses seed base_seed + r at every point (common random numbers, as in the
    experiments); the optional noise check reruns a spread of points at more seeds.
    """
    k = study.points_per_run
    seeds = [study.base_seed + r for r in range(study.replications)]
    base = {"model": study.model, "names": study.names, "args": study.model_args, "outputs": study.outputs}
    out = []
    for b, start in enumerate(range(0, len(X), k)):
        idx = list(range(start, min(start + k, len(X))))
        out.append({**base, "run_id": f"main-{b:07d}", "kind": "main", "points": idx,
                    "values": X[idx].tolist(), "seeds": seeds})
    if study.noise and study.replications < 2:
        n = min(study.noise["points"], len(X))
        idx = np.unique(np.linspace(0, len(X) - 1, n).round().astype(int)).tolist()
        nseeds = [study.base_seed + r for r in range(study.noise["replications"])]
        for b, start in enumerate(range(0, len(idx), k)):
            sub = idx[start:start + k]
            out.append({**base, "run_id": f"noise-{b:07d}", "kind": "noise", "points": sub,
                        "values": X[sub].tolist(), "seeds": nseeds})
    return out


def point_params(spec: dict, values: list) -> dict:
    """The model's parameters at one point of a block (`specs`): the study's fixed arguments, then
    the point's factor values."""
    return {**spec["args"], **dict(zip(spec["names"], values))}


_MODELS: dict = {}


def run_block(spec: dict) -> tuple[list[dict], None]:
    """Worker: every point of a block at every seed; one row per (point, seed), no time series.

    `cpu_seconds` (the worker's CPU time for that run) lets a timing on a shared machine be read
    apart from the other users' load.
    """
    import time

    from .study import resolve_model

    f = _MODELS.get(spec["model"])
    if f is None:
        f = _MODELS[spec["model"]] = resolve_model(spec["model"])
    rows = []
    names, outputs = spec["names"], spec["outputs"]
    for point, values in zip(spec["points"], spec["values"]):
        params = point_params(spec, values)
        for r, seed in enumerate(spec["seeds"]):
            t0 = time.process_time()
            y = f(params, seed)
            cpu = time.process_time() - t0
            missing = [o for o in outputs if o not in y]
            if missing:
                raise StudyError("outputs", missing, f"keys the model {spec['model']} returns: {', '.join(y)}")
            rows.append({"run_id": spec["run_id"], "kind": spec["kind"], "point": point, "replication": r,
                         "seed": seed, "cpu_seconds": cpu, **{o: float(y[o]) for o in outputs}})
    return rows, None
