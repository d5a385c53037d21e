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
damaged pair is set aside (moved to `damaged/runs/` and `damaged/timeseries/`, renamed
`*.damaged`, so `runs/` and `timeseries/` stay readable as datasets) and its runs are run again.
Temporary files left by a kill or a full disk are removed at the next start.

A folder is written into only if it is new, empty, or was made by this very experiment (its
manifest says so); a folder holding anything else is refused, as `govsim run` refuses one.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from model.errors import OutputError, writing
from model.parameters import ParameterError

from .experiment import Experiment, ExperimentError
from .lock import LOCK_NAME, folder_lock, new_writer_id

if TYPE_CHECKING:
    from distributed import Client

DAMAGED = "damaged"  # where set-aside parts go, outside the datasets runs/ and timeseries/


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
        """Read every part back; set aside (move to `damaged/`, renamed `*.damaged`) each runs part
        whose file or time series is unreadable or short, so its runs count as not done and are run again.

        Returns one line per damaged part; `say` (default: stderr) is told each.
        """
        say = say or (lambda line: print(f"govsim: {line}", file=sys.stderr))
        runs_dir, ts_dir = self.out / "runs", self.out / "timeseries"
        aside = self.out / DAMAGED
        for old in sorted(runs_dir.glob("*.damaged")) + sorted(ts_dir.glob("*.damaged")):  # an older govsim left them here
            self._set_aside(old)
            self.damaged.append(f"{old.parent.name}/{old.name}: moved to {aside} (set aside earlier)")
            say(self.damaged[-1])
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
                        self._set_aside(f)
                self.damaged.append(f"{p.name}: {problem}; set aside in {aside}, {n} runs will be run again")
                say(self.damaged[-1])
        for ts in sorted(ts_dir.glob("part-*.parquet")):
            if ts.name not in paired:  # written just before a kill, its runs part never was: those runs are not done
                self._set_aside(ts)
                self.damaged.append(f"timeseries/{ts.name}: no runs part (interrupted while saving); set aside in {aside}")
                say(self.damaged[-1])
        return self.damaged

    def _set_aside(self, f: Path) -> Path:
        """Move `f` from runs/ or timeseries/ to damaged/<same folder>/<name>.damaged.

        Out of the dataset folders, because readers take a folder whole (`pandas.read_parquet(
        "<out>/runs")` fails on a damaged file, and a damaged time series would be counted twice
        beside its rerun); kept rather than deleted, so nothing the user may want to inspect is lost.
        """
        name = f.name if f.name.endswith(".damaged") else f.name + ".damaged"
        dest = self.out / DAMAGED / f.parent.name / name
        k = 1
        while dest.exists():  # never overwrite an earlier set-aside file of the same name
            dest = dest.with_name(f"{name}.{k}")
            k += 1
        with writing(dest):
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, dest)
        return dest

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


def read_manifest(out: Path) -> dict | None:
    """The folder's manifest (None if it has none); one it cannot use is a one-line ExperimentError.

    The manifest is how a folder is known to hold one experiment's results: if it is empty, not
    JSON or has no sha256, whose runs the folder holds is unknown, so resuming into it could mix
    two experiments' results, and guessing is not safe.
    """
    man = out / "manifest.json"
    if not man.exists():
        return None
    try:
        old = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: JSONDecodeError, or bytes that are not UTF-8
        problem = f"unreadable ({type(exc).__name__})"
    else:
        ok = isinstance(old, dict) and isinstance(old.get("sha256"), str) and old["sha256"]
        problem = None if ok else "incomplete (no sha256)"
    if problem:
        raise ExperimentError(
            "manifest", str(man), f"the manifest govsim wrote when it made {out}: this one is {problem}, so "
            "whose results the folder holds is unknown; use another --out folder, or delete the old results", str(out))
    return old


def check_folder(out: Path) -> None:
    """Refuse (OutputError) an `out` that is not empty and holds things govsim did not put there.

    The same rule and words as `govsim run` (model.run.check_run_folder): Parquet parts are never
    mixed in with a user's own files. A folder with a manifest is govsim's (check_owner tells
    whose); without one, only what a start cut short leaves is allowed: the lock file, hidden
    temporary files, and empty runs/, timeseries/ and damaged/ folders.
    """
    if not out.is_dir() or (out / "manifest.json").exists():
        return  # a file in the way is check_writable's one line; a manifest is check_owner's business

    def leftover(p: Path) -> bool:
        if p.name == LOCK_NAME or (p.name.startswith(".") and p.name.endswith(".tmp")):
            return True
        return p.is_dir() and p.name in ("runs", "timeseries", DAMAGED) and all(
            q.name.startswith(".") and q.name.endswith(".tmp") for q in p.iterdir())

    stray = sorted(p.name for p in out.iterdir() if not leftover(p))
    if stray:
        own = stray[0] in ("runs", "timeseries", DAMAGED)
        raise OutputError(out, f"the folder is not empty and is not a govsim experiment folder ('{stray[0]}'"
                               + (" and no manifest.json" if own else "") + "); choose another --out or empty it")


def check_owner(exp: Experiment, source: Path, out: Path) -> bool:
    """True if `out` holds this very experiment's results, False if it has none (new or empty);
    else ExperimentError (another experiment's, or an unusable manifest) or OutputError (not govsim's)."""
    check_folder(out)
    old = read_manifest(out)
    if old is None:
        return False
    if old["sha256"] != exp.digest:
        raise ExperimentError(
            "experiment", str(source),
            f"the experiment that made {out} (sha256 {old['sha256'][:12]}); the file or one of its "
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


# a dask scheduler's address as `Client` takes it: a network scheme (none means tcp), a host (a
# name, an IPv4 address or a bracketed IPv6 one) and a port; or, from Python only, the inproc://
# address of a LocalCluster(processes=False) in this very process
SCHEDULER_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})"
                               r"|inproc://[^\s/]+/\d+/\d+")


class SchedulerError(ParameterError):
    """--scheduler is not a scheduler's address, or no scheduler answered there."""


def check_scheduler(address: str) -> str:
    """`address` if it has the form of a dask scheduler's address, else SchedulerError.

    Checked before any folder is touched: dask itself would only fail when connecting, with a
    long ValueError traceback (`missing port number`) that reads like a bug in govsim.
    """
    m = SCHEDULER_ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if not m or (m.group(1) is not None and not 1 <= int(m.group(1)) <= 65535):
        raise SchedulerError("--scheduler", address, "tcp://host:port, the address a dask scheduler prints "
                             "(e.g. tcp://127.0.0.1:8786)")
    return address


def connect(address: str, timeout: float | None = None) -> Client:
    """A dask `Client` on the scheduler at `address`; SchedulerError if none answers there.

    `timeout` (seconds) defaults to dask's own connect timeout (distributed.comm.timeouts.connect,
    30 s), which allows for a busy head node; tests pass a short one. Only the connection is
    turned into one line: a failure once connected (a worker's error) keeps its traceback.
    """
    check_scheduler(address)
    import dask
    from dask.utils import parse_timedelta
    from distributed import Client

    wait = timeout if timeout is not None else parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    try:
        return Client(address, timeout=wait)
    except OSError:  # dask's "Timed out trying to connect": refused, no such host, a firewall
        raise SchedulerError("--scheduler", address, f"the address of a running dask scheduler: none answered "
                             f"there within {wait:g} s (start one with `dask scheduler`, or check the address)") from None


@contextmanager
def scheduler_client(address: str | None) -> Iterator[Client | None]:
    """A client on the scheduler at `address` (None: no scheduler), connected (`connect`: a bad or
    silent address is one line) before the caller writes anything, and closed when it is done."""
    client = connect(address) if address else None
    try:
        yield client
    finally:
        if client is not None:
            client.close()


def execute(specs: list[dict], store: Store, workers: int = 1, scheduler: str | Client | None = None,
            progress: bool = True, flush_seconds: float = 2.0, batch: int = 50,
            on_result: Callable[[dict], None] | None = None, worker: Callable[[dict], tuple] | None = None,
            unit: str = "run") -> int:
    """Run `specs`, stream results to `store`; returns the number of specs finished.

    `worker(spec)` (default `run_one`, importable so spawned processes and dask find it) returns
    (row, series) or (list of rows, None): a spec may stand for a block of points without series.
    `scheduler` is an address (connected to here, before anything is run or written: a bad one is
    one line) or a `Client` the caller connected (and closes).
    """
    with scheduler_client(scheduler) if isinstance(scheduler, str) else nullcontext(scheduler) as client:
        return _execute(specs, store, workers, client, progress, flush_seconds, batch, on_result, worker, unit)


def _execute(specs: list[dict], store: Store, workers: int, client: Client | None, progress: bool,
             flush_seconds: float, batch: int, on_result: Callable[[dict], None] | None,
             worker: Callable[[dict], tuple] | None, unit: str) -> int:
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
        for result in _results(specs, workers, client, worker):
            take(result)
    finally:
        store.flush(rows, series)
        bar.close()
    return finished


def _results(specs: list[dict], workers: int, client: Client | None,
             worker: Callable[[dict], tuple] | None = None) -> Iterable[tuple]:
    """Results as they finish, from one of three executors (the same worker everywhere):
    a connected dask `client`, else `workers` local processes, else this process."""
    run_one_ = worker or run_one
    if client is not None:
        from distributed import as_completed

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
    if scheduler:
        check_scheduler(scheduler)
    out = Path(out) if out else Path("results") / exp.name
    check_owner(exp, path, out)  # a changed experiment is refused before the folder is touched (and again under the lock)
    # connected first: no scheduler there is one line, and nothing written
    with scheduler_client(scheduler) as client, folder_lock(out, f"govsim experiment {path}") as writer:
        store = prepare(exp, path, out, writer)
        store.verify()
        done = store.done()
        todo = [s for s in exp.runs() if s["run_id"] not in done]
        workers = workers if workers is not None else (os.cpu_count() or 1)
        finished = execute(todo, store, workers=workers, scheduler=client, progress=progress)
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
