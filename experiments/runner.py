"""Run an experiment's (scenario, replication) runs on local processes or a dask cluster.

Results stream to Parquet under `results/<experiment>/` in small batches, each written to a
temporary file and renamed, so a crash (even SIGKILL) loses at most the runs in flight and
the batch not yet flushed (a few seconds). Running the same experiment again skips the runs
already on disk; a changed experiment file is refused rather than mixed with old results.

    runs/part-*.parquet        one row a run: run_id, scenario, replication, seed, params (JSON),
                               final value of every outcome, ts_rows (its rows in the time series)
    timeseries/part-*.parquet  one row a run and kept week: run_id, scenario, replication, step, outcomes
    manifest.json              the experiment file's hash, name, versions
    .govsim.lock               held (fcntl.flock) by the one process writing here (experiments/lock.py)

Parts are named `part-<number>-<writer id>.parquet`; a runs part and its time-series part share
the name. On resume every part is read back and its time series counted against `ts_rows`; a
damaged pair is set aside (renamed `*.damaged`) and its runs are run again. Temporary files
left by a kill or a full disk are removed at the next start.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from .experiment import Experiment, ExperimentError
from .lock import folder_lock, new_writer_id


def run_one(spec: dict) -> tuple[dict, dict]:
    """One run in a worker: final outcomes and the kept time series (plain Python data)."""
    from model.model import CommunityModel

    m = CommunityModel(rng=spec["seed"], collect=False, **spec["params"])
    every, keep = spec["every"], spec["outcomes"]
    ts: dict[str, list] = {"step": [0], **{k: [m.outcomes[k]] for k in keep}}
    for _ in range(spec["steps"]):
        m.step()
        if m.steps % every == 0 or m.steps == spec["steps"]:
            ts["step"].append(m.steps)
            for k in keep:
                ts[k].append(m.outcomes[k])
    row = {"run_id": spec["run_id"], "scenario": spec["scenario"], "replication": spec["replication"],
           "seed": spec["seed"], "draw": spec.get("draw", -1), "params": json.dumps(spec["params"], sort_keys=True),
           "n_compounds": m.world.n_compounds, "n_households": m.world.n, "ts_rows": len(ts["step"]),
           **{k: float(v) for k, v in m.outcomes.items()}}
    m.release()  # memory stays flat over thousands of runs
    return row, ts


class Store:
    """Parquet parts under one experiment folder, written atomically."""

    def __init__(self, out: Path, writer: str | None = None):
        self.out = out
        self.writer = writer or new_writer_id()  # in every part and temporary name: writers never collide
        (out / "runs").mkdir(parents=True, exist_ok=True)
        (out / "timeseries").mkdir(parents=True, exist_ok=True)
        self.cleaned = clean_temporary(out)
        existing = sorted((out / "runs").glob("part-*.parquet")) + sorted((out / "timeseries").glob("part-*.parquet"))
        self.next_part = 1 + max((int(p.stem.split("-")[1]) for p in existing), default=0)
        self.damaged: list[str] = []

    def verify(self, say: Callable[[str], None] | None = None) -> list[str]:
        """Read every part back; set aside (rename `*.damaged`) each runs part whose file or time
        series is unreadable or short, so its runs count as not done and are run again.

        Returns one line per damaged part; `say` (default: stderr) is told each.
        """
        say = say or (lambda line: print(f"govsim: {line}", file=sys.stderr))
        runs_dir, ts_dir = self.out / "runs", self.out / "timeseries"
        paired = set()
        for p in sorted(runs_dir.glob("part-*.parquet")):
            ts = ts_dir / p.name
            paired.add(p.name)
            problem = None
            try:
                table = pq.read_table(p)
            except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for a truncated file
                problem, n = f"unreadable ({type(exc).__name__})", "its"
            else:
                n = table.num_rows
                want = sum(x or 0 for x in table.column("ts_rows").to_pylist()) if "ts_rows" in table.column_names else None
                if ts.exists() or want:
                    try:
                        got = pq.read_table(ts).num_rows
                    except FileNotFoundError:
                        problem = "its time-series part is missing"
                    except Exception as exc:
                        problem = f"its time-series part is unreadable ({type(exc).__name__})"
                    else:
                        if want is not None and got != want:
                            problem = f"its time-series part has {got} rows, the runs part says {want}"
            if problem:
                for f in (p, ts):
                    if f.exists():
                        os.replace(f, f.with_name(f.name + ".damaged"))
                self.damaged.append(f"{p.name}: {problem}; set aside, {n} runs will be run again")
                say(self.damaged[-1])
        for ts in sorted(ts_dir.glob("part-*.parquet")):
            if ts.name not in paired:  # written just before a kill, its runs part never was: those runs are not done
                os.replace(ts, ts.with_name(ts.name + ".damaged"))
                self.damaged.append(f"timeseries/{ts.name}: no runs part (interrupted while saving); set aside")
                say(self.damaged[-1])
        return self.damaged

    def done(self) -> set[str]:
        ids: set[str] = set()
        for p in sorted((self.out / "runs").glob("part-*.parquet")):
            ids.update(pq.read_table(p, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    def _write(self, table: pa.Table, folder: str, part: int) -> None:
        final = self.out / folder / f"part-{part:06d}-{self.writer}.parquet"
        tmp = self.out / folder / f".part-{part:06d}-{self.writer}.parquet.tmp"
        try:
            pq.write_table(table, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, final)
        finally:
            if tmp.exists():  # a full disk: no half-written file stays behind
                tmp.unlink()

    def flush(self, rows: list[dict], series: list[tuple[dict, dict]]) -> None:
        """Time series first, then the runs part: a run counts as done only once both are on disk."""
        if not rows:
            return
        cols: dict[str, list] = {}
        for row, ts in series:
            n = len(ts["step"])
            for key in ("run_id", "scenario", "replication"):
                cols.setdefault(key, []).extend([row[key]] * n)
            for k, v in ts.items():
                cols.setdefault(k, []).extend(v)
        part = self.next_part
        self.next_part += 1
        if cols:  # runs without time series (e.g. sensitivity blocks) write only the runs part
            self._write(pa.table(cols), "timeseries", part)
        self._write(pa.Table.from_pylist(rows), "runs", part)


def _manifest(exp: Experiment, source: Path) -> dict:
    import mesa
    import numpy

    from model import __version__

    return {"experiment": exp.name, "file": str(source), "sha256": exp.digest, "replications": exp.replications,
            "scenarios": [s.name for s in exp.scenarios], "steps": exp.steps, "households": exp.households,
            "base_seed": exp.base_seed, "versions": {"govsim": __version__, "mesa": mesa.__version__,
                                                     "numpy": numpy.__version__, "pyarrow": pa.__version__}}


def clean_temporary(out: Path) -> list[Path]:
    """Remove the hidden `.*.tmp` files a kill or a full disk left in a results folder (call with its lock held)."""
    gone = []
    for folder in (out, out / "runs", out / "timeseries"):
        for p in folder.glob(".*.tmp"):
            if p.is_file():
                p.unlink()
                gone.append(p)
    return gone


def check_owner(exp: Experiment, source: Path, out: Path) -> bool:
    """True if `out` holds this very experiment's results, False if it has none; else ExperimentError."""
    man = out / "manifest.json"
    if not man.exists():
        return False
    old = json.loads(man.read_text())
    if old.get("sha256") != exp.digest:
        raise ExperimentError(
            "experiment", str(source),
            f"the experiment that made {out} (sha256 {old.get('sha256', '?')[:12]}); the file or one of its "
            "scenarios has changed since: use another --out folder, or delete the old results", str(out))
    return True


def prepare(exp: Experiment, source: Path, out: Path, writer: str | None = None) -> Store:
    """Check the folder belongs to this very experiment (or is new) and write its manifest."""
    man = out / "manifest.json"
    if not check_owner(exp, source, out):
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".manifest.json.{writer or os.getpid()}.tmp"
        tmp.write_text(json.dumps(_manifest(exp, source), indent=2))
        os.replace(tmp, man)
    return Store(out, writer)


INTERRUPT_ENV = "GOVSIM_TEST_INTERRUPT"


def planned_interruption() -> tuple[int, int] | None:
    """(signal, k) from `GOVSIM_TEST_INTERRUPT="SIGKILL@3"` (or SIGINT, SIGTERM), else None.

    Tests of resuming need an interruption that falls between finished and unfinished runs on
    any machine, fast or slow. With the variable set, every finished run is flushed at once and,
    right after the k-th flush, the runner sends the signal to its own process group, as a
    terminal's Ctrl-C or a batch system's kill would: real signals, at a known point.
    """
    import signal

    text = os.environ.get(INTERRUPT_ENV)
    if not text:
        return None
    name, _, k = text.partition("@")
    if name not in ("SIGKILL", "SIGINT", "SIGTERM") or not k.isdigit() or int(k) < 1:
        from model.parameters import ParameterError

        raise ParameterError(INTERRUPT_ENV, text, "SIGKILL@K, SIGINT@K or SIGTERM@K with K >= 1")
    return int(getattr(signal, name)), int(k)


def execute(specs: list[dict], store: Store, workers: int = 1, scheduler: str | None = None,
            progress: bool = True, flush_seconds: float = 2.0, batch: int = 50,
            on_result: Callable[[dict], None] | None = None, worker: Callable[[dict], tuple] | None = None,
            unit: str = "run") -> int:
    """Run `specs`, stream results to `store`; returns the number of specs finished.

    `worker(spec)` (default `run_one`, importable so spawned processes and dask find it) returns
    (row, series) or (list of rows, None): a spec may stand for a block of points without series.
    """
    from tqdm import tqdm

    worker = worker or run_one
    interrupt = planned_interruption()
    if interrupt:
        batch, flush_seconds = 1, float("inf")
    flushes = 0
    bar = tqdm(total=len(specs), unit=unit, disable=not progress, smoothing=0.05)
    rows: list[dict] = []
    series: list[tuple[dict, dict]] = []
    last = time.monotonic()
    finished = 0

    def take(result) -> None:
        nonlocal last, finished, flushes
        row, ts = result
        for r in (row if isinstance(row, list) else [row]):
            rows.append(r)
            if on_result:
                on_result(r)
        if ts is not None:
            series.append((row, ts))
        finished += 1
        bar.update(1)
        if len(rows) >= batch or time.monotonic() - last >= flush_seconds:
            store.flush(rows, series)
            rows.clear()
            series.clear()
            last = time.monotonic()
            flushes += 1
            if interrupt and flushes == interrupt[1]:
                os.killpg(os.getpgrp(), interrupt[0])

    try:
        for result in _results(specs, workers, scheduler, worker):
            take(result)
    finally:
        store.flush(rows, series)
        bar.close()
    return finished


def _results(specs: list[dict], workers: int, scheduler: str | None,
             worker: Callable[[dict], tuple] | None = None) -> Iterable[tuple]:
    """Results as they finish, from one of three executors (the same worker everywhere)."""
    run_one_ = worker or run_one
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = client.map(run_one_, specs, pure=False)
            try:
                for fut in as_completed(futures):
                    yield fut.result()
            finally:
                client.cancel(futures)
        return
    if workers <= 1:
        for spec in specs:
            yield run_one_(spec)
        return
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        pending = set()
        it = iter(specs)
        try:
            while True:
                while len(pending) < 4 * workers:  # a bounded window: memory stays flat
                    spec = next(it, None)
                    if spec is None:
                        break
                    pending.add(pool.submit(run_one_, spec))
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()


def run_experiment(path: str | Path, out: str | Path | None = None, workers: int | None = None,
                   scheduler: str | None = None, progress: bool = True) -> tuple[Path, int, int]:
    """Load, check and run an experiment file; returns (folder, runs skipped, runs finished)."""
    from .experiment import load

    path = Path(path)
    exp = load(path)  # every check happens here, before any folder is touched
    out = Path(out) if out else Path("results") / exp.name
    check_owner(exp, path, out)  # a changed experiment is refused before the folder is touched (and again under the lock)
    with folder_lock(out, f"govsim experiment {path}") as writer:
        store = prepare(exp, path, out, writer)
        store.verify()
        done = store.done()
        todo = [s for s in exp.runs() if s["run_id"] not in done]
        workers = workers if workers is not None else (os.cpu_count() or 1)
        finished = execute(todo, store, workers=workers, scheduler=scheduler, progress=progress)
    return out, len(done), finished


def read_results(out: str | Path):
    """The finished runs and their time series as pandas DataFrames (sorted, one row per run)."""
    import pandas as pd

    out = Path(out)
    runs = pd.concat([_read_part(p) for p in sorted((out / "runs").glob("part-*.parquet"))], ignore_index=True)
    runs = runs.drop_duplicates("run_id").sort_values(["scenario", "replication"]).reset_index(drop=True)
    ts = pd.concat([_read_part(p) for p in sorted((out / "timeseries").glob("part-*.parquet"))], ignore_index=True)
    ts = ts[ts["run_id"].isin(set(runs["run_id"]))].drop_duplicates(["run_id", "step"])
    return runs, ts.sort_values(["scenario", "replication", "step"]).reset_index(drop=True)


def _read_part(p: Path):
    """One part as a DataFrame; a damaged one is a one-line error saying how to repair it."""
    try:
        return pq.read_table(p).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise ExperimentError(
            "part", str(p), "a readable Parquet part: this one is damaged "
            f"({type(exc).__name__}); run `govsim experiment` with the same file and --out again to redo its runs") from None
