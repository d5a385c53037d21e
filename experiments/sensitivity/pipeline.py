"""A study from file to indices: check, sample, run on the batch runner (resumable), analyse, plot.

    results/sensitivity/<name>/
        manifest.json              the study file's hash, settings and versions
        sample.parquet             the sample, with the settings it was drawn with in its metadata
        runs/part-*.parquet        one row per (point, seed): run_id (block), kind, point, replication, seed, outputs
        indices.csv / .parquet     output, factor, index (S1, ST | mu_star, sigma, mu), value, lo, hi, N
        s2.csv / .parquet          Sobol' second-order indices with intervals
        convergence.csv / .parquet indices at growing N (nested sub-samples)
        seed_variance.csv          the seed's share of variance, per output
        prim_*.csv                 scenario discovery (when the study has [prim])
        timing.json                runs_wall_seconds (the runs, seed-noise reruns included, to their merged
                                   files) against goal_seconds, the model's CPU per run against the
                                   machinery's (main process + local workers, start-up included),
                                   analysis_seconds (indices, convergence, PRIM, figures) apart
        figures/*.png              in each language asked for
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from experiments.lock import folder_lock
from experiments.runner import Store, execute, read_manifest, scheduler_client

from . import sampling
from .analysis import indices, seed_variance, to_frames
from .study import Study, StudyError, load


ROOT = Path(__file__).resolve().parents[2]


def _portable(source: str) -> str:
    """The study file as the manifest records it: relative to the project when inside it (clones move)."""
    try:
        return Path(source).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return source


def _study_file(recorded: str) -> Path:
    """A manifest's study file: as recorded, else relative to the project, else by name under experiments/."""
    for p in (Path(recorded), ROOT / recorded, ROOT / "experiments" / Path(recorded).name):
        if p.is_file():
            return p
    return Path(recorded)


def prepare(study: Study, out: Path, writer: str | None = None) -> Store:
    """A new folder, or the one this very study made (a changed study file is refused)."""
    man = out / "manifest.json"
    old = read_manifest(out)  # an empty, garbled or incomplete manifest is one line, as for experiments
    if old is not None:
        if "study" not in old:  # another command's folder (an experiment's): say whose, not "changed"
            raise StudyError("--out", str(out), "a new folder or one govsim sensitivity made (this one holds "
                             f"the results of {old.get('experiment') or old.get('name') or 'another command'})")
        if old["sha256"] != study.digest:
            raise StudyError("study", study.source, f"the study that made {out} (sha256 {old.get('sha256', '?')[:12]}); "
                             "the file has changed since: use another --out folder, or delete the old results")
    else:
        from importlib.metadata import version

        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".manifest.json.{writer or os.getpid()}.tmp"
        tmp.write_text(json.dumps({"study": study.name, "file": _portable(study.source), "sha256": study.digest,
                                   "method": study.method, "model": study.model, "N": study.N,
                                   "factors": study.names, "outputs": study.outputs,
                                   "replications": study.replications, "model_args": study.model_args,
                                   "versions": {k: version(k) for k in ("salib", "mesa", "numpy")}}, indent=2))
        os.replace(tmp, man)
    return Store(out, writer)


def sample_for(study: Study, out: Path) -> tuple[np.ndarray, dict]:
    path = out / "sample.parquet"
    if path.exists():
        return sampling.read(path)
    X, meta = sampling.draw(study)
    sampling.save(path, X, meta)
    return X, meta


def run_study(path: str | Path, out: str | Path | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, langs: tuple[str, ...] = ("en",),
              figures: bool = True) -> dict:
    """Check, sample, run what is not yet on disk, analyse; returns a summary (folder, counts, timings)."""
    t_start = time.perf_counter()
    study = load(path)  # every check happens here, before any folder is touched
    out = Path(out) if out else Path("results") / "sensitivity" / study.name
    # connected first: a malformed address, or no scheduler there, is one line and nothing written
    with scheduler_client(scheduler) as client, folder_lock(out, f"govsim sensitivity {path}") as writer:
        return _run_locked(study, out, writer, workers, scheduler, progress, langs, figures, t_start, client)


GOAL_SECONDS = 1800  # issue 19: the runs, seed-noise reruns included, in under 30 minutes on two cores


def _children_cpu() -> float:
    """CPU seconds of this process's finished (waited-for) child processes: the local workers."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _run_locked(study: Study, out: Path, writer: str, workers, scheduler, progress, langs, figures,
                t_start: float, client=None) -> dict:
    store = prepare(study, out, writer)
    store.verify()
    X, meta = sample_for(study, out)
    done = store.done()
    specs = sampling.specs(study, X)
    todo = [s for s in specs if s["run_id"] not in done]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    sample_seconds = time.perf_counter() - t_start
    t0, cpu0, kids0 = time.perf_counter(), time.process_time(), _children_cpu()
    finished = execute(todo, store, workers=workers, scheduler=client if client is not None else scheduler,
                       progress=progress,
                       worker=sampling.run_block, unit="block")
    wall = time.perf_counter() - t0
    t_compact = time.perf_counter()
    compact(out, writer)
    compact_seconds = time.perf_counter() - t_compact
    main_cpu, kids_cpu = time.process_time() - cpu0, _children_cpu() - kids0
    runs_wall = time.perf_counter() - t0
    evals = sum(len(s["points"]) * len(s["seeds"]) for s in todo)
    noise = sum(len(s["points"]) * len(s["seeds"]) for s in todo if s["kind"] == "noise")
    summary = {"folder": str(out), "blocks_done_before": len(done), "blocks_run": finished, "model_runs": evals,
               "model_runs_main": evals - noise, "model_runs_noise": noise,
               "points_per_run": study.points_per_run,
               # wall_seconds: the runner (every block run now, the seed-noise reruns included);
               # runs_wall_seconds adds merging the run files: all the runs cost before analysis
               "wall_seconds": round(wall, 2), "compact_seconds": round(compact_seconds, 2),
               "runs_wall_seconds": round(runs_wall, 2), "sample_seconds": round(sample_seconds, 2),
               "runs_per_second": round(evals / wall, 2) if wall > 0 else None,
               "workers": workers, "scheduler": scheduler, "goal_seconds": GOAL_SECONDS,
               "goal_met": (runs_wall <= GOAL_SECONDS) if not done and todo else None}
    if done or not todo:
        summary["goal_note"] = "resumed (or nothing left to run): this timing is not the whole study's"
    rows = read_rows(out)
    if "cpu_seconds" in rows:
        cpu = float(rows["cpu_seconds"].sum())
        summary.update({"cpu_seconds_all_runs": round(cpu, 1), "cpu_seconds_per_run": round(cpu / len(rows), 4),
                        "wall_seconds_if_cores_free": round(cpu / max(1, workers), 1)})
        # this call's runs: the model's own CPU (timed around each run in the worker) against all
        # the CPU the runs took here (main process + local worker processes, start-up included)
        ids = {s["run_id"] for s in todo}
        model_cpu = float(rows.loc[rows["run_id"].isin(ids), "cpu_seconds"].sum())
        if evals and not scheduler:
            total = main_cpu + kids_cpu
            summary.update({"cpu_seconds_model": round(model_cpu, 1), "cpu_seconds_main_process": round(main_cpu, 1),
                            "cpu_seconds_workers": round(kids_cpu, 1),
                            "cpu_seconds_model_per_run": round(model_cpu / evals, 4),
                            "cpu_seconds_machinery_per_run": round((total - model_cpu) / evals, 4),
                            "machinery_share_of_cpu": round((total - model_cpu) / total, 4) if total > 0 else None})
    t1 = time.perf_counter()
    summary.update(analyse(out, study, langs=langs, figures=figures))
    summary.update({"analysis_seconds": round(time.perf_counter() - t1, 2),
                    "total_seconds": round(time.perf_counter() - t_start, 2)})
    (out / "timing.json").write_text(json.dumps(_relative_paths(summary), indent=2))
    return summary


def _relative_paths(obj):
    """Paths inside the project written relative to it, so result files read the same in any clone."""
    if isinstance(obj, dict):
        return {k: _relative_paths(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative_paths(v) for v in obj]
    if isinstance(obj, str) and obj.startswith(str(ROOT) + "/"):
        return _portable(obj)
    return obj


def compact(out: Path, writer: str = "c") -> int:
    """Merge the many small run parts of a finished run into one (fewer files to keep or commit).

    The merged part is written and renamed before the old ones are deleted: a crash in between
    leaves duplicates, which `read_rows` drops.
    """
    import pyarrow as pa

    parts = sorted((Path(out) / "runs").glob("part-*.parquet"))
    if len(parts) < 2:
        return len(parts)
    table = pa.Table.from_pandas(pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True),
                                 preserve_index=False)
    n = 1 + max(int(p.stem.split("-")[1]) for p in parts)
    tmp = Path(out) / "runs" / f".part-{n:06d}-{writer}.parquet.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, Path(out) / "runs" / f"part-{n:06d}-{writer}.parquet")
    for p in parts:
        p.unlink()
    return 1


def read_rows(out: Path) -> pd.DataFrame:
    parts = sorted((out / "runs").glob("part-*.parquet"))
    if not parts:
        raise StudyError("results", str(out), "a folder with finished runs (run the study first)")
    rows = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    return rows.drop_duplicates(["run_id", "point", "replication"])


def averaged(rows: pd.DataFrame, outputs: list[str], n_points: int) -> pd.DataFrame:
    """Each point's outputs averaged over its seeds (main runs), in sample order (finished points only)."""
    return rows[rows["kind"] == "main"].groupby("point")[outputs].mean().sort_index()


def complete_prefix(done: pd.Index, meta: dict) -> int:
    """Base samples (Sobol') or trajectories (Morris) finished from the start of the sample.

    Both samples are nested, so an interrupted study can be read at the largest finished prefix
    (a power of 2 for Sobol'); FAST is not nested and needs every point.
    """
    from .sampling import rows_per_base

    step = rows_per_base(meta["method"], meta["D"], bool(meta.get("calc_second_order")))
    mask = np.zeros(meta["rows"], bool)
    mask[done.to_numpy()] = True
    whole = mask[: meta["rows"] // step * step].reshape(-1, step).all(axis=1) if meta["method"] != "fast" else mask
    n = int(np.argmin(whole)) if not whole.all() else len(whole)
    if meta["method"] == "fast":
        return meta["N"] if n == len(whole) else 0
    if meta["method"] == "sobol" and n < meta["N"]:
        n = 1 << (n.bit_length() - 1) if n else 0
    return n


def _write(df: pd.DataFrame, out: Path, stem: str) -> None:
    df.to_csv(out / f"{stem}.csv", index=False, float_format="%.6g")
    df.to_parquet(out / f"{stem}.parquet", index=False)


def check_analysable(out: Path, study: Study, field: str = "results", hint: str = "run the study first") -> None:
    """Refuse, in one line and before anything is read or written, a folder holding no runs of `study`.

    Analysing is asked for by folder name, so a mistyped or never-run folder, or one another
    study made, is the user's slip: it must read as such, not as a missing-file traceback.
    """
    sample = out / "sample.parquet"
    if not sample.is_file() or not any((out / "runs").glob("part-*.parquet")):
        raise StudyError(field, str(out), f"a folder holding runs of study '{study.name}' to analyse "
                         f"(it has none: {hint})")
    md = pq.read_schema(sample).metadata or {}
    if sampling.META_KEY not in md:
        raise StudyError("sample", str(sample), "a sample written by govsim sensitivity (with its settings)")
    meta = json.loads(md[sampling.META_KEY])  # the settings only: the sample itself is read once, later
    names = meta.get("names", [])
    if meta.get("method") != study.method or names != study.names:
        shown = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
        raise StudyError(field, str(out), f"a folder holding runs of study '{study.name}' to analyse (its sample "
                         f"is another study's: {meta.get('method')} of {len(names)} factors {shown}; {hint})")


def analyse(out: str | Path, study: Study | None = None, langs: tuple[str, ...] = ("en",), figures: bool = True) -> dict:
    """Indices with intervals, convergence, seed variance, PRIM and figures from a finished folder."""
    out = Path(out)
    if study is None:
        if not (out / "manifest.json").is_file():
            raise StudyError("results", str(out), "a folder made by govsim sensitivity (with its manifest.json)")
        study = load(_study_file(json.loads((out / "manifest.json").read_text())["file"]))
    check_analysable(out, study)
    X, meta = sampling.read(out / "sample.parquet")
    rows = read_rows(out)
    Y = averaged(rows, study.outputs, len(X))
    n_full = meta["N"]
    if len(Y) < len(X):  # an interrupted study: analyse the finished nested prefix, say so
        n = complete_prefix(Y.index, meta)
        if n < 2:
            raise StudyError("results", f"{len(Y)} of {len(X)} points",
                             "every sample point finished, or a finished prefix of at least 2 base samples / "
                             "trajectories (resume the run)")
        step = sampling.rows_per_base(meta["method"], meta["D"], bool(meta.get("calc_second_order")))
        meta = {**meta, "N": n, "rows": n * step}
        X, Y = X[: n * step], Y.loc[: n * step - 1]
    frames, s2s, conv = [], [], []
    for o in study.outputs:
        res = indices(X, Y[o].to_numpy(), meta, resamples=study.bootstrap, seed=study.seed)
        f, s2 = to_frames(res, meta, o)
        frames.append(f)
        s2s.append(s2)
        for n in study.convergence:
            if n < meta["N"]:
                conv.append(to_frames(indices(X, Y[o].to_numpy(), meta, n=n, resamples=study.bootstrap,
                                              seed=study.seed), meta, o, N=n)[0])
        conv.append(f)
    table = pd.concat(frames, ignore_index=True)
    _write(table, out, "indices")
    if meta["method"] == "sobol" and meta["calc_second_order"]:
        _write(pd.concat(s2s, ignore_index=True), out, "s2")
    if study.convergence:
        _write(pd.concat(conv, ignore_index=True), out, "convergence")
    sv = seed_variance(rows, study.outputs, study.replications)
    sv.to_csv(out / "seed_variance.csv", index=False, float_format="%.6g")
    made = {"indices": str(out / "indices.csv"), "seed_variance": sv.to_dict("records"), "N_used": meta["N"],
            "N": n_full}
    if meta["N"] < n_full:
        import warnings

        warnings.warn(f"{out}: only {meta['N']} of {n_full} base samples / trajectories finished; "
                      "indices are for that prefix (resume the study to finish it)", stacklevel=2)
    if study.prim:
        from .prim import discover

        made["prim"] = discover(out, study, X, Y, langs=langs if figures else ())
    if figures:
        from .figures import make_figures

        made["figures"] = [str(p) for lang in langs for p in make_figures(out, study, lang)]
    return made
