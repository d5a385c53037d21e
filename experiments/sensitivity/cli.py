"""`govsim sensitivity STUDY.toml`: registered on the main command line by `add_parser(sub)`."""

from __future__ import annotations

import json

ESTIMATE_RUNS = 16  # runs `--estimate` times when given no number


def cmd_sensitivity(a) -> int:
    from .pipeline import analyse, run_study
    from .study import load

    if a.workers is not None and a.workers < 1:
        from model.parameters import ParameterError

        raise ParameterError("--workers", a.workers, "a whole number >= 1 (or leave it out: all cores)")
    if a.out is not None and not a.out.strip():  # an unset shell variable, not "the default folder"
        from model.parameters import ParameterError

        raise ParameterError("--out", a.out, "a folder path (or leave the flag out for the default)")
    langs = tuple(a.lang)
    if a.estimate is not None:
        import os

        from .estimate import estimate, report

        if a.estimate < 2:
            from model.parameters import ParameterError

            raise ParameterError("--estimate", a.estimate,
                                 f"a whole number of runs to time, >= 2 (default {ESTIMATE_RUNS})")
        cores = os.cpu_count() or 1
        workers = a.workers or cores
        print(report(estimate(load(a.file), a.estimate, workers)))
        if workers > cores and a.scheduler is None:
            print(f"  (this machine has {cores} cores: {workers} local workers would share them, and take longer)")
        return 0
    if a.analyse_only:
        from pathlib import Path

        from .pipeline import check_analysable

        study = load(a.file)
        out = Path(a.out) if a.out else Path("results") / "sensitivity" / study.name
        from experiments.lock import LOCK_NAME, folder_lock

        from .study import StudyError

        hint = f"run `govsim sensitivity {a.file}` without --analyse-only first"
        command = f"govsim sensitivity {a.file} --analyse-only"
        try:  # a folder without this study's runs: one line, and nothing made in it
            check_analysable(out, study, "--out", hint)
        except StudyError:
            if (out / LOCK_NAME).exists():  # a study started there may not have written a part yet: name it
                with folder_lock(out, command):
                    pass
            raise
        with folder_lock(out, command):  # not while a study writes there
            made = analyse(out, study, langs=langs, figures=not a.no_figures)
        print(json.dumps(made, indent=2, default=str))
        return 0
    s = run_study(a.file, out=a.out, workers=a.workers, scheduler=a.scheduler, progress=not a.quiet,
                  langs=langs, figures=not a.no_figures)
    print(f"{s['folder']}: {s['blocks_run']} blocks ({s['model_runs']} model runs) in {s['wall_seconds']} s "
          f"({s['runs_per_second']} runs/s), {s['blocks_done_before']} blocks done before")
    for sv in s["seed_variance"]:
        if not sv["points"]:  # no point ran at two seeds (no replications, no [noise] runs)
            print(f"  seed share of variance, {sv['output']}: not measured (no point ran at more than one seed; "
                  "add replications or a [noise] table)")
            continue
        print(f"  seed share of variance, {sv['output']}: single run {sv['seed_share_single_run']:.3g}, "
              f"averaged output {sv['seed_share_of_mean']:.3g}")
    print(f"wrote {s['indices']}" + ("" if a.no_figures else f" and the figures under {s['folder']}/figures"))
    return 0


def add_parser(sub) -> None:
    """Register the `sensitivity` subcommand on the govsim parser's subparsers."""
    s = sub.add_parser("sensitivity", help="Morris / Sobol' / FAST sensitivity study and PRIM scenario discovery")
    s.add_argument("file", help="a study .toml, e.g. experiments/sensitivity_morris.toml")
    s.add_argument("--out", default=None, help="results folder (default results/sensitivity/<study name>)")
    s.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    s.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address, e.g. tcp://127.0.0.1:8786")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--lang", nargs="+", default=["en", "zh"], choices=("en", "zh"), help="figure label language(s)")
    s.add_argument("--no-figures", action="store_true", help="indices only")
    s.add_argument("--analyse-only", action="store_true", help="redo indices and figures from finished runs")
    s.add_argument("--estimate", type=int, nargs="?", const=ESTIMATE_RUNS, default=None, metavar="K",
                   help=f"time K of the study's runs (default {ESTIMATE_RUNS}), spread over its sample, and "
                        "project its time on --workers cores (a cluster: its cores); writes nothing")
    s.set_defaults(func=cmd_sensitivity)
