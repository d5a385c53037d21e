"""The `govsim` command line (also `python -m govsim`): the front door above every package.

    govsim run [--scenario NAME_OR_FILE] [--seed N] [--steps N] [--households N] [--out DIR]
    govsim scenarios
    govsim params [--markdown] [--group G]
    govsim validate FILE            (a scenario, experiment, study, calibration or targets .toml, or a compounds .csv)
    govsim cycle [--out DIR]        (the vicious-cycle figure: two paths and hysteresis)
    govsim experiment FILE [--workers N] [--scheduler ADDR] [--out DIR]
    govsim demo [--port N] [--host H] [--lang zh|en]   (the classroom app in the browser)
    govsim class [--port N] [--host H] [--lang zh|en] [--resume FILE] [--save FILE]
                                    (the participatory classroom: students play roles from their phones)

Bad input (any `model.errors.GovsimError`: a parameter, a file, a flag, an output folder that
cannot be written, a full disk) exits with status 2 and a one-line message naming the field;
nothing is written. Any other exception is a bug: it keeps its traceback, and one line says so.
This package sits on top: `model/` and `agents/` import nothing from it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from model.errors import GovsimError, writing
from model.parameters import PARAMS, POLICY_GROUPS, ParameterError, markdown_table


class _Parser(argparse.ArgumentParser):
    """argparse, with its complaints (an unknown flag, `--seed abc`) as the one line every other bad
    input gets, instead of the usage block; `--help` still shows the usage."""

    def error(self, message: str):
        self.exit(2, f"govsim: error: {message} (see `{self.prog} --help`)\n")


def _num(text: str):
    """A --set value as the number it spells; Python's digit separators (`1_0`) are not a number a
    user means, so such a value stays text and the table's check names it."""
    if "_" in text:
        return text
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ParameterError("--set", pair, "NAME=VALUE")
        k, v = pair.split("=", 1)
        out[k.strip()] = _num(v.strip())
    return out


MAX_STEPS = 100_000  # the same bound as the parameter table's policy windows
MAX_SEED = 2**62


def _warn(lines: list[str]) -> None:
    """Plausibility warnings, once per command, on the command line only (never per batch run)."""
    for line in dict.fromkeys(lines):
        print(f"govsim: warning: {line}", file=sys.stderr)


def _out(value: str | None, flag: str = "--out") -> None:
    """An empty --out is a slip (an unset shell variable), not a request for the default folder."""
    if value is not None and not value.strip():
        raise ParameterError(flag, value, "a folder path (or leave the flag out for the default)")


@contextmanager
def _given_as(flag: str) -> Iterator[None]:
    """An output place refused inside (a file in the way, no permission) names the flag that gave it."""
    from model.errors import OutputError

    try:
        yield
    except OutputError as exc:
        exc.flag = flag  # the model does not know which flag gave the path; the command line does
        raise


def _workers(n: int | None) -> None:
    if n is not None and n < 1:
        raise ParameterError("--workers", n, "a whole number >= 1 (or leave it out: all cores)")


def cmd_run(a) -> int:
    from model.errors import check_writable
    from model.outcomes import HEADLINE, OUTCOMES
    from model.parameters import plausibility_warnings, validate
    from model.run import check_run_folder, run
    from model.scenarios import load_scenario

    if not 0 <= a.steps <= MAX_STEPS:
        raise ParameterError("--steps", a.steps, f"a whole number in [0, {MAX_STEPS:,}]")
    if not 0 <= a.seed <= MAX_SEED:
        raise ParameterError("--seed", a.seed, f"a whole number in [0, 2**62]")
    _out(a.out)
    if not a.scenario.strip():
        raise ParameterError("--scenario", a.scenario, "a shipped scenario name (govsim scenarios) or a .toml file")
    params = _overrides(a.set)
    if a.households is not None and "n_households" in params:
        raise ParameterError("--households", a.households, "either --households or --set n_households, not both")
    if a.households is not None:
        params["n_households"] = a.households
    if a.compounds is not None and "n_households" in params:
        raise ParameterError("--households" if a.households is not None else "n_households", params["n_households"],
                             "no household count with --compounds (the file gives the households)")
    if a.compounds is not None:
        from model.world import FILE_GIVES

        given = [k for k in FILE_GIVES if k in params]
        if given:
            raise ParameterError(given[0], params[given[0]], "not with --compounds (the file gives the street's "
                                 "communities and compounds; this parameter only shapes a generated street)")
    sc = load_scenario(a.scenario)  # checked (and its name known) before any simulation
    try:
        validate({**sc.params, **params})
    except ParameterError as exc:
        if exc.field == "n_households" and a.households is not None:
            raise ParameterError("--households", a.households, exc.allowed) from None
        raise
    out = Path(a.out) if a.out else Path("results") / "runs" / f"{sc.name}-seed{a.seed}"
    with _given_as("--out"):
        check_run_folder(out)  # the output place is checked before the simulation, not after
        check_writable(out.parent)
    mine = sc.params if sc.path and not sc.path.startswith("experiments/scenarios/") else {}  # the user's own file
    _warn(plausibility_warnings({**mine, **params}))
    res = run(sc, steps=a.steps, seed=a.seed, compounds=a.compounds, **params)
    if a.compounds is not None:  # which file made the street, so the run can be made again from its summary
        res.summary["street"]["compounds_file"] = str(a.compounds)
    with writing(out):
        res.save(out, figure=not a.no_figure)
    o = res.summary["outcomes"]
    households = int(res.compounds["households"].sum())  # the compounds file's count when one is given
    print(f"scenario {res.summary['scenario']}, seed {a.seed}, {households:,} households, "
          f"{a.steps} weeks ({a.steps / 52:.1f} years)")
    width = max(len(k) for k in HEADLINE)
    for k in HEADLINE:
        v = o[k]
        text = f"{v:,.0f}" if k in ("public_spending",) else (f"{v:,}" if isinstance(v, int) else f"{v:.3f}")
        print(f"  {k:<{width}}  {text:>14}   {OUTCOMES[k][0]}")
    print(f"wrote {out}/timeseries.csv, compounds.csv, events.csv, summary.json" + ("" if a.no_figure else ", overview.png"))
    return 0


def cmd_scenarios(a) -> int:
    from model.scenarios import describe_all

    rows = describe_all()
    w = max(len(r[0]) for r in rows)
    for name, desc, zh in rows:
        print(f"{name:<{w}}  {zh if a.zh else desc}")
    return 0


def cmd_params(a) -> int:
    if a.markdown:
        if a.group is not None:
            raise ParameterError("--group", a.group, "no --group with --markdown (the Markdown table is the whole "
                                 "table, docs/parameters.md); leave one of them out")
        print(markdown_table(), end="")
        return 0
    rows = [p for p in PARAMS if a.group is None or p.group == a.group]
    if not rows:
        raise ParameterError("--group", a.group, "one of " + ", ".join(dict.fromkeys(p.group for p in PARAMS)))
    print(f"{'name':<40} {'default':>10}  {'valid':<20} {'plausible':<20} unit / meaning")
    group = None
    for p in rows:
        if p.group != group:
            group = p.group
            print(f"[{group}]" + (" (policy)" if group in POLICY_GROUPS else ""))
        valid = f"[{p.valid[0]:g}, {p.valid[1]:g}]"
        plaus = f"[{p.plausible[0]:g}, {p.plausible[1]:g}]"
        print(f"  {p.name:<38} {p.default:>10g}  {valid:<20} {plaus:<20} {p.unit}: {p.meaning}")
    return 0


def _toml_kind(path: Path) -> str:
    """Which of the project's TOML files this is, from its keys."""
    from model.tomlfile import read_toml

    data, _ = read_toml(path, field="file", where=str(path))
    keys = set(data)
    if "target" in keys or "simulation" in keys:
        return "targets"
    if "priors" in keys or "targets" in keys or "targets_file" in keys:
        return "calibration"
    if "method" in keys or "factors" in keys:
        return "study"
    if "scenarios" in keys or "replications" in keys:
        return "experiment"
    return "scenario"


def cmd_validate(a) -> int:
    path = Path(a.file)
    kind = "csv" if path.suffix.lower() == ".csv" else _toml_kind(path)
    if kind == "experiment":
        from experiments.experiment import load

        exp = load(path)
        print(f"{path}: OK, experiment '{exp.name}': {len(exp.scenarios)} scenarios x {exp.replications} "
              f"replications = {len(exp.scenarios) * exp.replications} runs of {exp.steps} weeks, "
              f"{exp.households:,} households")
        return 0
    if kind == "study":
        from experiments.sensitivity.study import load as load_study

        st = load_study(path)
        print(f"{path}: OK, study '{st.name}': {st.method}, {len(st.names)} factors, outputs "
              + ", ".join(st.outputs))
        return 0
    if kind == "targets":
        from calibration.targets import load_targets

        ts = load_targets(path)
        print(f"{path}: OK, calibration targets: {len(ts.targets)} figures, {len(ts.simulations)} simulations")
        return 0
    if kind == "calibration":
        from calibration.targets import load_config

        cfg = load_config(path)
        print(f"{path}: OK, calibration '{cfg.name}' of {len(cfg.priors)} parameters against "
              + ", ".join(cfg.targets))
        return 0
    if kind == "csv":
        from model.parameters import defaults
        from model.world import read_compounds

        df = read_compounds(path, defaults())
        print(f"{path}: OK, {len(df)} compounds, {int(df['households'].sum()):,} households, "
              f"{df['community'].nunique()} communities")
    else:
        from model.scenarios import read

        sc = read(path)
        print(f"{path}: OK, scenario '{sc.name}' with {len(sc.params)} overrides")
        for k, v in sc.params.items():
            print(f"  {k} = {v}")
    return 0


MAX_CYCLE_SEEDS = 100  # replications of the figure's two paths: each costs a few full runs on this machine


def cmd_cycle(a) -> int:
    from experiments.vicious_cycle import make_figure
    from model.errors import check_writable
    from model.parameters import validate

    _out(a.out)
    if not 1 <= a.seeds <= MAX_CYCLE_SEEDS:
        raise ParameterError("--seeds", a.seeds, f"a whole number in [1, {MAX_CYCLE_SEEDS}]")
    try:
        validate({"n_households": a.households})
    except ParameterError as exc:
        raise ParameterError("--households", a.households, exc.allowed) from None
    with _given_as("--out"):
        check_writable(a.out)  # a file in the way or a read-only place is one line, before the runs

    path = make_figure(Path(a.out), households=a.households, seeds=a.seeds, lang=a.lang)
    print(f"wrote {path}")
    return 0


def cmd_experiment(a) -> int:
    from experiments.experiment import load
    from experiments.runner import run_experiment
    from model.parameters import plausibility_warnings

    _workers(a.workers)
    _out(a.out)
    exp = load(a.file)  # checked, and the values the user gave warned about once, before the batch
    given = {**exp.params, "n_households": exp.households}
    for sc in exp.scenarios:
        if sc.path and not sc.path.startswith("experiments/scenarios/"):  # the user's own scenario files
            given.update(sc.params)
    _warn(plausibility_warnings(given))

    out, skipped, finished = run_experiment(a.file, out=a.out, workers=a.workers, scheduler=a.scheduler,
                                            progress=not a.quiet)
    print(f"{out}: {finished} runs finished, {skipped} already done before")
    return 0


def cmd_report(a) -> int:
    from experiments.report import make_report

    for i, lang in enumerate(a.lang):
        for p in make_report(a.folder, lang=lang, allow_partial=a.allow_partial, say=print if i == 0 else None):
            print(f"wrote {p}")
    return 0


def demo_command(port: int, host: str) -> list[str]:
    """The Solara command that serves the classroom app (`classroom/app.py`, also `solara run app.py`),
    through `classroom.serve`: shipped assets only, nothing fetched from the internet."""
    return [sys.executable, "-m", "classroom.serve", "run", "classroom.app", "--port", str(port), "--host", host,
            "--production", "--no-open", "--log-level", "warning", "--theme-loader", "plain", "--no-check-version"]


def demo_env(lang: str) -> dict:
    import os

    env = dict(os.environ)
    env["GOVSIM_LANG"] = lang
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no calls home from a classroom PC
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send the server SIGTERM if govsim itself dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the signal handlers below still stop the server on SIGTERM/SIGHUP/Ctrl-C


def _port_free(host: str, port: int) -> bool:
    """Whether `port` on `host` can be listened on; a `host` that is not this computer's is a bad
    --host (one line), not a busy port."""
    import errno
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError):
        raise ParameterError("--host", host, "an address of this computer (127.0.0.1, 0.0.0.0 for the whole "
                             "network, or one of its own names)") from None
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ParameterError("--host", host, "an address of this computer (127.0.0.1, 0.0.0.0 for the "
                                     "whole network); this one belongs to no interface here") from None
            return False
    return True


class _Stop(Exception):
    """Raised by the signal handlers so the server is stopped on the way out."""


def serve(command: list[str], env: dict, stop_after: float | None = None) -> int:
    """Run a server as a child that never outlives govsim: stopped on Ctrl-C, SIGTERM or SIGHUP,
    and (on Linux) killed by the kernel if govsim is killed outright."""
    import subprocess

    def stop(signum, frame):
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    # the server in its own session: a Ctrl-C at the terminal reaches govsim alone, which stops the
    # server with SIGTERM (a clean shutdown) instead of both tearing it down at once (tracebacks)
    posix = os.name == "posix"
    proc = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent if posix else None, start_new_session=posix)
    try:
        return proc.wait(timeout=stop_after)
    except (KeyboardInterrupt, _Stop, subprocess.TimeoutExpired):
        print("govsim: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cmd_demo(a) -> int:
    if not 0 < a.port < 65536:
        raise ParameterError("--port", a.port, "1-65535")
    if not _port_free(a.host, a.port):
        raise ParameterError("--port", a.port, f"a free port on {a.host} (this one is in use; try another --port)")
    print(f"govsim classroom demo: open http://{a.host}:{a.port} in a browser (Ctrl-C to stop)", flush=True)
    return serve(demo_command(a.port, a.host), demo_env(a.lang))


def classroom_address() -> str:
    """This computer's address on the classroom network (the interface a route out would use; nothing is sent)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # a private address: picks the LAN interface, sends no packet
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _check_save(save: Path, given: bool) -> None:
    """The class is saved after every round over `save`: refuse, before the server starts, a folder
    or a file that is not a govsim class save (it would be overwritten, or every save would fail)."""
    from classroom.live.street import ClassFileError, ClassStreet

    if save.is_dir():
        raise ParameterError("--save", str(save), "a file path for the class's save (this is a folder)")
    if given and save.exists():
        try:
            ClassStreet.read(save)
        except ClassFileError:
            raise ParameterError("--save", str(save), "a new file, or a govsim class save to continue with "
                                 "--resume (this file is something else and would be overwritten)") from None
        raise ParameterError("--save", str(save), "a new file (this class save exists: continue it with "
                             "--resume, or choose another name)")


def cmd_class(a) -> int:
    import secrets
    import time

    from classroom.live.street import ClassStreet
    from model.errors import check_writable

    if not 0 < a.port < 65536:
        raise ParameterError("--port", a.port, "1-65535")
    from classroom.presets import PRESETS
    from model.parameters import validate

    if a.preset not in PRESETS:
        raise ParameterError("--preset", a.preset, ", ".join(PRESETS))
    if not 0 <= a.seed <= MAX_SEED:
        raise ParameterError("--seed", a.seed, "a whole number in [0, 2**62]")
    try:
        validate({"n_households": a.households})
    except ParameterError as exc:
        raise ParameterError("--households", a.households, exc.allowed) from None
    if a.resume:
        ClassStreet.read(a.resume)  # a damaged or foreign file is one line, before any server starts
    save = Path(a.save or a.resume or f"govsim-class-{time.strftime('%Y%m%d-%H%M%S')}.json")
    _check_save(save, a.save is not None and a.save != a.resume)
    with _given_as("--resume" if a.save is None and a.resume else "--save"):
        check_writable(save.parent if str(save.parent) else Path("."))
    if not _port_free(a.host, a.port):
        raise ParameterError("--port", a.port, f"a free port on {a.host} (this one is in use; try another --port)")
    token, code = secrets.token_urlsafe(24), f"{secrets.randbelow(900000) + 100000}"
    shown = classroom_address() if a.host in ("0.0.0.0", "::") else a.host
    join_url = f"http://{shown}:{a.port}/join?code={code}"
    env = demo_env(a.lang)
    env.update(GOVSIM_CLASS_TEACHER=token, GOVSIM_CLASS_CODE=code, GOVSIM_CLASS_URL=join_url)
    local = "127.0.0.1" if a.host in ("0.0.0.0", "::") else a.host
    print(f"govsim class: teacher's screen (keep this link to yourself): http://{local}:{a.port}/teacher?t={token}",
          flush=True)
    print(f"govsim class: students join at {join_url} (join code {code}); saved after every round to {save}",
          flush=True)
    if a.host in ("127.0.0.1", "localhost", "::1"):
        print("govsim class: only this computer can join; start with --host 0.0.0.0 to let the class's phones in",
              flush=True)
    command = [sys.executable, "-m", "classroom.live.server", "--port", str(a.port), "--host", a.host, "--lang", a.lang,
               "--save", str(save), "--households", str(a.households), "--seed", str(a.seed), "--preset", a.preset]
    if a.resume:
        command += ["--resume", a.resume]
    return serve(command, env)


def parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="govsim", description="Party-building-led community governance ABM (Heilongjiang).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run one scenario and write its results")
    r.add_argument("--scenario", default="baseline", help="a shipped scenario name or a .toml file (default: baseline)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--steps", type=int, default=520, help="weeks to simulate (default 520 = 10 years)")
    r.add_argument("--households", type=int, default=None, help="households in a generated street")
    r.add_argument("--compounds", default=None, help="a compounds CSV describing your own street")
    r.add_argument("--out", default=None, help="output folder (default results/runs/<scenario>-seed<N>)")
    r.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    r.add_argument("--no-figure", action="store_true", help="skip overview.png")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("scenarios", help="list the shipped scenarios")
    s.add_argument("--zh", action="store_true", help="descriptions in Chinese")
    s.set_defaults(func=cmd_scenarios)
    p = sub.add_parser("params", help="print the parameter table")
    p.add_argument("--markdown", action="store_true", help="as Markdown (docs/parameters.md)")
    p.add_argument("--group", default=None)
    p.set_defaults(func=cmd_params)
    v = sub.add_parser("validate", help="check a scenario, experiment, study, calibration or targets .toml, or a compounds .csv")
    v.add_argument("file")
    v.set_defaults(func=cmd_validate)
    e = sub.add_parser("experiment", help="run every (scenario, replication) of an experiment file, resumably")
    e.add_argument("file")
    e.add_argument("--out", default=None, help="results folder (default results/<experiment name>)")
    e.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    e.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address, e.g. tcp://127.0.0.1:8786")
    e.add_argument("--quiet", action="store_true", help="no progress bar")
    e.set_defaults(func=cmd_experiment)
    rp = sub.add_parser("report", help="tables and figures of an experiment's results")
    rp.add_argument("folder")
    rp.add_argument("--lang", nargs="+", default=["en"], choices=("en", "zh"), help="label language(s)")
    rp.add_argument("--allow-partial", action="store_true",
                    help="report even when scenarios have different numbers of finished replications")
    rp.set_defaults(func=cmd_report)
    __import__("calibration.cli", fromlist=["add_parser"]).add_parser(sub)
    d = sub.add_parser("demo", help="the classroom app in the browser (Chinese or English), served on localhost")
    d.add_argument("--port", type=int, default=8765)
    d.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let the class's devices connect")
    d.add_argument("--lang", default="zh", choices=("zh", "en"), help="language the page opens in (default zh)")
    d.set_defaults(func=cmd_demo)
    k = sub.add_parser("class", help="the participatory classroom: one shared street, students play roles from phones")
    k.add_argument("--port", type=int, default=8766)
    k.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let the class's phones connect")
    k.add_argument("--lang", default="zh", choices=("zh", "en"), help="language the pages open in (default zh)")
    k.add_argument("--resume", default=None, metavar="FILE", help="continue a class from its save file")
    k.add_argument("--save", default=None, metavar="FILE",
                   help="save file (default: the --resume file, else govsim-class-<date>-<time>.json here)")
    k.add_argument("--seed", type=int, default=0)
    k.add_argument("--households", type=int, default=6000, help="households of the street (default 6,000: 24 compounds)")
    k.add_argument("--preset", default="baseline", help="policy preset the class starts with (default baseline)")
    k.set_defaults(func=cmd_class)
    c = sub.add_parser("cycle", help="figure: the vicious cycle's two paths and the subsidy hysteresis")
    c.add_argument("--out", default="results/vicious_cycle")
    c.add_argument("--households", type=int, default=4000)
    c.add_argument("--seeds", type=int, default=4)
    c.add_argument("--lang", default="en", choices=("en", "zh"))
    c.set_defaults(func=cmd_cycle)
    __import__("experiments.sensitivity.cli", fromlist=["add_parser"]).add_parser(sub)
    return ap


def _interrupted(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl-C in disguise: a KeyboardInterrupt raised while numba was calling back
    into Python reaches us as a SystemError ("... returned a result with an exception set") whose
    cause or context is the KeyboardInterrupt."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _named_paths(args) -> None:
    """An empty FILE or FOLDER argument (an unset shell variable) is refused: as a path it is '.',
    the current folder, which `report` would write into and every error would name as '.'."""
    for name in ("file", "folder"):
        value = getattr(args, name, None)
        if isinstance(value, str) and not value.strip():
            raise ParameterError(name.upper(), value, f"a path to the {name}")


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    args, extra = ap.parse_known_args(argv)
    if extra:  # name the subcommand whose flags these are not
        ap.exit(2, f"govsim: error: unrecognized arguments: {' '.join(extra)} (see `govsim {args.cmd} --help`)\n")
    try:
        _named_paths(args)
        return args.func(args)
    except GovsimError as exc:
        print(f"govsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("govsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`govsim params | head`): not an error; silence the final flush
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if _interrupted(exc):  # Ctrl-C that arrived inside compiled code, wrapped by it
            print("govsim: interrupted", file=sys.stderr)
            return 130
        traceback.print_exc()
        print("govsim: internal error: this is a bug in govsim, not in your input; please report it with the "
              "traceback above", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
