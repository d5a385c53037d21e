"""`govsim calibrate FILE`: ABC-SMC (resumable), then posterior, draws, scenario, figures, check.

Registered by `govsim/cli.py` through `add_parser(subparsers)`; bad targets or priors raise
ParameterError (via CalibrationError) before any simulation, which `govsim` turns into exit 2.
"""

from __future__ import annotations

from pathlib import Path


def cmd_calibrate(a) -> int:
    from model.parameters import ParameterError

    from .targets import load_config

    cfg = load_config(a.file)  # everything checked before any simulation
    if a.workers is not None and a.workers < 1:
        raise ParameterError("--workers", a.workers, "a whole number >= 1")
    if a.draws is not None and a.draws < 1:
        raise ParameterError("--draws", a.draws, "a whole number >= 1")
    for flag, value in (("--out", a.out), ("--db", a.db), ("--scenario-out", a.scenario_out)):
        if value is not None and not value.strip():  # empty: an unset shell variable, not "the default"
            raise ParameterError(flag, value, "a path (or leave the flag out for the file's own)")
    if a.scenario_out is not None and Path(a.scenario_out).is_dir():  # found only when written, at the very end
        raise ParameterError("--scenario-out", a.scenario_out, "a .toml file path for the calibrated scenario "
                             "(this is a folder)")
    out = Path(a.out or cfg.out)
    from .abc import check_database

    # the database is checked before the output folder is touched: a folder or a stray file given
    # as --db is the user's slip, not a reason to leave an empty results folder behind
    check_database(a.db or cfg.database, "--db" if a.db else "database", "" if a.db else str(a.file))
    command = f"govsim calibrate {a.file}"
    from experiments.runner import scheduler_client

    # as experiments do: a malformed address, or no scheduler there, is one line before anything is written
    with scheduler_client(a.scheduler) as client:
        return _calibrate(a, cfg, out, command, client)


def _calibrate(a, cfg, out: Path, command: str, client) -> int:
    """Run or resume the ABC, then the posterior's outputs, holding the output folder."""
    from experiments.lock import folder_lock

    from .abc import database_lock, run_abc

    # the database first (a second calibration into it is refused before it makes an --out folder),
    # then the folder: one calibration writes here (and resumes its database) at a time
    with database_lock(a.db or cfg.database, command), folder_lock(out, command):
        history = run_abc(cfg, workers=a.workers or 1, scheduler=client, database=a.db, progress=not a.quiet,
                          command=command, held=True)
        if a.abc_only:
            print(f"ABC done: {history.max_t + 1} generation(s) in {a.db or cfg.database}")
            return 0
        from .posterior import write_all

        for p in write_all(cfg, history, out, workers=a.workers or 1, n_draws=a.draws or 200,
                           scenario_path=a.scenario_out, progress=not a.quiet):
            print(f"wrote {p}")
    return 0


def add_parser(sub) -> None:
    c = sub.add_parser("calibrate", help="ABC-SMC calibration against the paper's and published figures (resumable)")
    c.add_argument("file", help="a calibration run file, e.g. calibration/fanrong.toml")
    c.add_argument("--workers", type=int, default=None, help="local worker processes (default 1: reproducible)")
    c.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address")
    c.add_argument("--db", default=None, help="pyabc SQLite database (default: the file's `database`)")
    c.add_argument("--out", default=None, help="output folder (default: the file's `out`)")
    c.add_argument("--draws", type=int, default=None, help="rows of parameter_draws.csv (default 200)")
    c.add_argument("--scenario-out", default=None,
                   help="where to write the median scenario (default: <out>/calibrated.toml; "
                        "use experiments/scenarios/calibrated.toml to ship it)")
    c.add_argument("--abc-only", action="store_true", help="run or resume the ABC and stop")
    c.add_argument("--quiet", action="store_true", help="no progress display")
    c.set_defaults(func=cmd_calibrate)
