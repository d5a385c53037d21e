"""The ABC-SMC driver (pyabc): priors from the parameter table, a distance scaled by each
target's uncertainty, a run history in SQLite that a second call resumes.

Randomness. Each simulation's seed is a hash of the particle's parameter values and the
config's seed, so a particle always gives the same statistics. pyabc draws particles from
numpy's *global* random state and offers no generator argument; so, and only here, the entry
point seeds it (`np.random.seed(config.seed)`). With one worker (pyabc's single-core sampler)
a run is then reproducible bit for bit; with several processes or dask pyabc reseeds its
workers from the operating system, so the posterior is reproducible only in distribution.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .statistics import target_values
from .targets import Config

BIG = 1e6  # stands in for a statistic the model could not produce (e.g. no provider arrived)


def particle_seed(params: dict[str, float], base: int) -> int:
    """A seed that depends only on the particle and the config's seed (reproducible, unshared)."""
    blob = json.dumps({k: round(float(v), 12) for k, v in sorted(params.items())} | {"_": base})
    return int.from_bytes(hashlib.sha256(blob.encode()).digest()[:4], "little")


class Simulator:
    """The pyabc model: parameters -> the selected targets' simulated values (picklable)."""

    def __init__(self, cfg: Config):
        self.targets = [cfg.target_set.targets[n] for n in cfg.targets]
        self.sims = cfg.target_set.simulations
        self.fixed = dict(cfg.fixed)
        self.seed = cfg.seed

    def __call__(self, pars) -> dict[str, float]:
        theta = {k: float(v) for k, v in dict(pars).items()}
        vals = target_values(self.targets, self.sims, {**self.fixed, **theta}, particle_seed(theta, self.seed))
        return {k: (float(v) if v == v else BIG) for k, v in vals.items()}


def make_prior(cfg: Config):
    import pyabc

    rvs = {}
    for p in cfg.priors:
        if p.kind == "uniform":
            rvs[p.name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            rvs[p.name] = pyabc.RV("loguniform", p.low, p.high)
    return pyabc.Distribution(**rvs)


def observed(cfg: Config) -> dict[str, float]:
    return {n: cfg.target_set.targets[n].value for n in cfg.targets}


def make_distance(cfg: Config):
    """Euclidean distance with each target in units of its own uncertainty (sd)."""
    import pyabc

    weights = {n: 1.0 / cfg.target_set.targets[n].sd for n in cfg.targets}
    return pyabc.PNormDistance(p=2, fixed_weights={0: weights})


def make_sampler(workers: int = 1, scheduler: str | None = None):
    import pyabc

    if scheduler:  # an address, or a client the command line connected (and checked) before any writing
        if isinstance(scheduler, str):
            from dask.distributed import Client

            scheduler = Client(scheduler)
        return pyabc.sampler.DaskDistributedSampler(dask_client=scheduler, batch_size=4)
    if workers <= 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


def _db_url(path: str) -> str:
    return path if path.startswith("sqlite:") else "sqlite:///" + str(Path(path).resolve())


def _runs_file(path: str) -> Path:
    return Path(path.replace("sqlite:///", "") + ".runs.json")


SQLITE_MAGIC = b"SQLite format 3\x00"
DATABASE_ALLOWED = "a new file path or an existing pyabc database (a .db file a calibration wrote)"


def check_database(database: str, field: str = "database", where: str = "") -> Path:
    """The database file, or a CalibrationError naming `field` (--db or the file's `database`).

    Runs before the output folder is touched and before any simulation: sqlite3 reports a folder,
    a file that is not a database, or another program's database only when pyabc first opens it,
    as a long traceback, and a foreign database would be written into. A missing or empty file
    is a new database; an SQLite file must already hold pyabc's run table.
    """
    from .targets import CalibrationError

    if not isinstance(database, str) or not database.strip():
        raise CalibrationError(field, database, DATABASE_ALLOWED, where)
    path = Path(database.replace("sqlite:///", ""))
    if path.is_dir():
        raise CalibrationError(field, database, DATABASE_ALLOWED + "; this is a folder", where)
    parent = next((q for q in path.absolute().parents if q.exists()), None)
    if parent is not None and not parent.is_dir():
        raise CalibrationError(field, database, DATABASE_ALLOWED + f"; '{parent}' is a file, not a folder", where)
    if not path.exists():
        return path
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise CalibrationError(field, database, DATABASE_ALLOWED + f"; it cannot be read ({exc.strerror})",
                               where) from None
    if not head:
        return path  # an empty file: SQLite makes it a new database
    if head != SQLITE_MAGIC:
        raise CalibrationError(field, database, DATABASE_ALLOWED + "; this file is not an SQLite database", where)
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise CalibrationError(field, database, DATABASE_ALLOWED + f"; SQLite cannot read it ({exc})", where) from None
    if tables and "abc_smc" not in tables:
        raise CalibrationError(field, database, DATABASE_ALLOWED + "; this SQLite database is not pyabc's (no "
                               "abc_smc table)", where)
    return path


@contextmanager
def database_lock(database: str, command: str) -> Iterator[None]:
    """Hold the database's lock while the block runs: one calibration writes a database at a time.

    Two calibrations sharing a database (a same --db with different --out folders) would each add
    an ABC run to it while its `.runs.json` kept only the last, so a resume would pick the wrong
    run. The lock is `experiments.lock.folder_lock` on a hidden file beside it,
    `.<database's name>.govsim.lock` (as SQLite keeps its journal beside the database; ignored by
    git): the same kernel lock, released when the holder dies, and the same record of who holds
    it. A second writer is refused at once, in one line naming the holder, like a held --out folder.
    """
    from experiments.lock import folder_lock

    db = Path(database.replace("sqlite:///", ""))
    with folder_lock(db.parent, command, shown=db, instead="another --db file",
                     name=f".{db.name}.govsim.lock"):
        yield


def run_abc(cfg: Config, workers: int = 1, scheduler: str | None = None, database: str | None = None,
            progress: bool = True, command: str | None = None, held: bool = False):
    """Run (or resume) the ABC-SMC of `cfg`; returns the pyabc History.

    The database is checked (`check_database`) and held (`database_lock`, recording `command` as
    the holder) for as long as the ABC writes to it, so a second calibration into it is refused;
    `held`: the caller holds that lock already (`govsim calibrate` takes it before its --out folder,
    so a refused calibration leaves no folder behind).
    """
    db = database or cfg.database
    check_database(db, "--db" if database else "database", "" if database else cfg.path)
    if held:
        return _run_abc(cfg, workers, scheduler, db, progress)
    with database_lock(db, command or f"govsim calibrate {cfg.path or cfg.name}"):
        return _run_abc(cfg, workers, scheduler, db, progress)


def _run_abc(cfg: Config, workers: int, scheduler: str | None, db: str, progress: bool):
    import pyabc

    if progress:
        logging.getLogger("ABC").setLevel(logging.INFO)
    else:
        for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Adaptation",
                     "ABC.Transition", "ABC.Acceptor", "ABC.Population", "ABC.Predictor", "ABC.Sumstat"):
            logging.getLogger(name).setLevel(logging.WARNING)
    db_file = Path(db.replace("sqlite:///", ""))
    db_file.parent.mkdir(parents=True, exist_ok=True)  # (the lock, beside it, has made it already)
    np.random.seed(cfg.seed)  # pyabc samples from numpy's global state (see the module docstring)
    sampler = make_sampler(workers, scheduler)
    try:
        return _run(cfg, pyabc.ABCSMC(Simulator(cfg), make_prior(cfg), make_distance(cfg),
                                      population_size=cfg.population_size,
                                      eps=pyabc.QuantileEpsilon(alpha=cfg.epsilon_quantile),
                                      sampler=sampler), db, db_file, progress)
    finally:
        if hasattr(sampler, "shutdown") and scheduler:
            sampler.shutdown()  # the dask client's connection to the scheduler (the cluster stays up)


def _run(cfg: Config, abc, db: str, db_file: Path, progress: bool):
    """Start or resume the run recorded for this configuration in the database, then go on."""
    runs_file = _runs_file(db)
    runs = json.loads(runs_file.read_text()) if runs_file.exists() and db_file.exists() else {}
    digest = cfg.digest()
    done = 0
    if digest in runs:
        abc.load(_db_url(db), abc_id=runs[digest])
        done = abc.history.max_t + 1
        if progress:
            print(f"resuming run {runs[digest]} of {db}: {done} generation(s) done")
    else:
        h = abc.new(_db_url(db), observed(cfg))
        runs[digest] = h.id
        runs_file.write_text(json.dumps(runs, indent=1))
    left = cfg.max_generations - done
    if done:
        last_eps = abc.history.get_all_populations()["epsilon"].iloc[-1]
        if last_eps <= cfg.min_epsilon:
            left = 0
    if left > 0:
        abc.run(minimum_epsilon=cfg.min_epsilon, max_nr_populations=left,
                min_acceptance_rate=cfg.min_acceptance_rate)
    return abc.history


def posterior(history, t: int | None = None):
    """(DataFrame of parameters, normalised weights) of generation t (default: the last)."""
    df, w = history.get_distribution(m=0, t=history.max_t if t is None else t)
    return df.reset_index(drop=True), np.asarray(w, float) / np.sum(w)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return float(np.interp(q, cw, x))


def summary(df, w) -> dict[str, dict[str, float]]:
    """Weighted mean, sd, median and 90 % interval of each parameter."""
    out = {}
    for c in df.columns:
        x = df[c].to_numpy(float)
        mean = float(np.sum(w * x))
        out[c] = {"mean": mean, "sd": math.sqrt(max(float(np.sum(w * (x - mean) ** 2)), 0.0)),
                  "median": weighted_quantile(x, w, 0.5), "q05": weighted_quantile(x, w, 0.05),
                  "q95": weighted_quantile(x, w, 0.95)}
    return out


def recovery(summ: dict[str, dict[str, float]], truth: dict[str, float], shift_sd: float = 0.0) -> dict[str, bool]:
    """Is each true value (moved by `shift_sd` posterior sds) inside its 90 % credible interval?"""
    out = {}
    for k, v in truth.items():
        s = summ[k]
        x = v + shift_sd * s["sd"]
        out[k] = bool(s["q05"] <= x <= s["q95"])
    return out


def prior_width(cfg: Config) -> dict[str, float]:
    """Prior sd of each parameter (uniform: width / sqrt 12), to judge how far the data narrowed it."""
    out = {}
    for p in cfg.priors:
        if p.kind == "uniform":
            out[p.name] = (p.high - p.low) / math.sqrt(12)
        else:
            a, b = math.log(p.low), math.log(p.high)
            m1 = (p.high - p.low) / (b - a)
            m2 = (p.high ** 2 - p.low ** 2) / (2 * (b - a))
            out[p.name] = math.sqrt(max(m2 - m1 ** 2, 0.0))
    return out


def params_summary_json(summ: dict[str, Any]) -> str:
    return json.dumps(summ, indent=1, sort_keys=True)
