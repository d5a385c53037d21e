"""The `govsim` command line (also `python -m govsim`): the front door above every package.

    govsim run [--scenario NAME_OR_FILE] [--seed N] [--steps N] [--households N] [--out DIR]
    govsim scenarios
    govsim params [--markdown] [--group G]
    govsim validate FILE            (a scenario .toml or a compounds .csv)
    govsim cycle [--out DIR]        (the vicious-cycle figure: two paths and hysteresis)
    govsim experiment FILE [--workers N] [--scheduler ADDR] [--out DIR]
    govsim demo [--port N] [--host H] [--lang zh|en]   (the classroom app in the browser)

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
from pathlib import Path

from model.errors import GovsimError, writing
from model.parameters import PARAMS, POLICY_GROUPS, ParameterError, markdown_table


def _num(text: str):
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


def cmd_run(a) -> int:
    from model.outcomes import HEADLINE, OUTCOMES
    from model.run import run

    if a.steps < 0:
        raise ParameterError("--steps", a.steps, "a whole number >= 0")
    params = _overrides(a.set)
    res = run(a.scenario, steps=a.steps, seed=a.seed, households=a.households, compounds=a.compounds, **params)
    out = Path(a.out) if a.out else Path("results") / "runs" / f"{res.summary['scenario']}-seed{a.seed}"
    with writing(out):
        res.save(out, figure=not a.no_figure)
    o = res.summary["outcomes"]
    print(f"scenario {res.summary['scenario']}, seed {a.seed}, {res.summary['parameters']['n_households']:,} households, "
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


def cmd_validate(a) -> int:
    path = Path(a.file)
    if path.suffix.lower() == ".csv":
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


def cmd_cycle(a) -> int:
    from experiments.vicious_cycle import make_figure

    path = make_figure(Path(a.out), households=a.households, seeds=a.seeds, lang=a.lang)
    print(f"wrote {path}")
    return 0


def cmd_experiment(a) -> int:
    from experiments.runner import run_experiment

    out, skipped, finished = run_experiment(a.file, out=a.out, workers=a.workers, scheduler=a.scheduler,
                                            progress=not a.quiet)
    print(f"{out}: {finished} runs finished, {skipped} already done before")
    return 0


def cmd_report(a) -> int:
    from experiments.report import make_report

    for lang in a.lang:
        for p in make_report(a.folder, lang=lang):
            print(f"wrote {p}")
    return 0


def demo_command(port: int, host: str) -> list[str]:
    """The Solara command that serves the classroom app (`classroom/app.py`, also `solara run app.py`)."""
    return [sys.executable, "-m", "solara", "run", "classroom.app", "--port", str(port), "--host", host,
            "--production", "--no-open", "--log-level", "warning", "--theme-loader", "plain"]


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
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
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
    proc = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent if os.name == "posix" else None)
    try:
        return proc.wait(timeout=stop_after)
    except (KeyboardInterrupt, _Stop, subprocess.TimeoutExpired):
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


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="govsim", description="Party-building-led community governance ABM (Heilongjiang).")
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
    v = sub.add_parser("validate", help="check a scenario .toml or a compounds .csv")
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
    rp.set_defaults(func=cmd_report)
    __import__("calibration.cli", fromlist=["add_parser"]).add_parser(sub)
    d = sub.add_parser("demo", help="the classroom app in the browser (Chinese or English), served on localhost")
    d.add_argument("--port", type=int, default=8765)
    d.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let the class's devices connect")
    d.add_argument("--lang", default="zh", choices=("zh", "en"), help="language the page opens in (default zh)")
    d.set_defaults(func=cmd_demo)
    c = sub.add_parser("cycle", help="figure: the vicious cycle's two paths and the subsidy hysteresis")
    c.add_argument("--out", default="results/vicious_cycle")
    c.add_argument("--households", type=int, default=4000)
    c.add_argument("--seeds", type=int, default=4)
    c.add_argument("--lang", default="en", choices=("en", "zh"))
    c.set_defaults(func=cmd_cycle)
    __import__("experiments.sensitivity.cli", fromlist=["add_parser"]).add_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
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
    except Exception:
        traceback.print_exc()
        print("govsim: internal error: this is a bug in govsim, not in your input; please report it with the "
              "traceback above", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
