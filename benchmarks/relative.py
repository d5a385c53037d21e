"""The engine's speed in a machine's own units: govsim against Starsim, round by round, in one run.

    .venv/bin/python benchmarks/relative.py [--rounds 5]

Issue 17 states its goals in seconds on the machine it was filed on (a default run in 0.12 s;
60 ns per resident-step at 10,000 and 100,000 households), and on that machine, in the same
run, Starsim 3.7 cost 195 ns per agent-step at 10,000 agents, Covasim 3.1 166 at 100,000, and a
trivial Mesa agent (x += 1, `benchmarks/speed.py`'s) 299 at 10,000.
The machines here differ from session to session (a shared host: the same run has cost 2.5 times
as much from one session to the next, and wanders by tens of per cent within minutes), so a
figure in seconds says as much about the machine as about the engine. Starsim, timed beside
govsim, is a yardstick of the machine: numpy and numba with Python between, as govsim is. The
trivial Mesa agent is another, of the interpreter alone (the Python between govsim's kernels).

Each round times, in a random order, each in a fresh single-threaded process (as
`benchmarks/speed.py` does): govsim's default run (3,000 households, 520 weeks, set-up included,
the best of 2 seeds), govsim at 10,000 households (104 weeks) and 100,000 (26 weeks) per
resident-step, set-up apart, the Sobol' study's points (issue 19: CPU seconds a run, the points
`benchmarks/study_block.py` takes, through the study's own model function), Starsim at 10,000
agents, Covasim at 100,000 and the trivial Mesa agent at 10,000 per agent-step. A round's ratios
divide govsim's figures by Starsim's (and by Covasim's, and Mesa's) from the same round; the
median over rounds, times the yardstick's figure on the issue's machine, is what govsim would cost
there if both scaled alike (a projection, not a measurement: say so when quoting it). Covasim here
is 4.0, not the issue's 3.1, so its column is a second opinion only; the Mesa column is a third,
of the interpreter's speed.

The study's goal (issue 19: 22,784 runs in 30 minutes on two workers) is a budget of 0.158 CPU
seconds a run with the two cores kept busy (the study's own record: 0.3 ms a run of machinery,
and the cores busy all but about 1 % of the time); it was filed on the same machine as issue 17
(the study's runs there cost 0.198 s with Starsim at 190 ns).

Writes `results/benchmarks/relative.json`; prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.speed import DEFAULT_RUN, child_json, measure  # noqa: E402
from benchmarks.study_block import CHILD as STUDY_CHILD  # noqa: E402

# issue 17, "What was measured (this 2-core machine, one run)" and its goals
ISSUE_STARSIM_10K_NS = 195.0  # Starsim 3.7, ns per agent-step at 10,000 agents
ISSUE_COVASIM_100K_NS = 166.0  # Covasim 3.1, ns per agent-step at 100,000 agents
ISSUE_MESA_10K_NS = 299.0  # a trivial Mesa 3.3 agent (x += 1), ns per agent-step at 10,000 agents
# each yardstick's figure on the issue's machine, and the key its projections are written under
YARDSTICKS = {"starsim_10k": (ISSUE_STARSIM_10K_NS, "projected_issue_machine"),
              "covasim_100k": (ISSUE_COVASIM_100K_NS, "projected_by_covasim"),
              "mesa_10k": (ISSUE_MESA_10K_NS, "projected_by_mesa")}
STUDY_RUNS, STUDY_WORKERS, STUDY_GOAL_S = 22_784, 2, 1_800.0  # issue 19
GOALS = {"default_run_s": 0.12, "ns_10k": 60.0, "ns_100k": 60.0,
         "study_run_s": STUDY_GOAL_S * STUDY_WORKERS / STUDY_RUNS}
UNITS = {"default_run_s": "s", "ns_10k": "ns", "ns_100k": "ns", "study_run_s": "s"}
TITLES = {"default_run_s": "default run, set-up included (3,000 households, 520 weeks)",
          "ns_10k": "ns per resident-step at 10,000 households",
          "ns_100k": "ns per resident-step at 100,000 households",
          "study_run_s": "Sobol' study, CPU s a run (3,000 households, 520 weeks)"}
STUDY_POINTS = 16


def study_run_s() -> float:
    """CPU seconds a run at `STUDY_POINTS` of the shipped study's points (`benchmarks/study_block.py`)."""
    import subprocess

    import pandas as pd

    sample = ROOT / "results" / "sensitivity" / "sensitivity_sobol" / "sample.parquet"
    n = len(pd.read_parquet(sample))
    rows = list(range(0, n, max(1, n // STUDY_POINTS)))[:STUDY_POINTS]
    out = subprocess.run([sys.executable, "-c", STUDY_CHILD, str(ROOT / "experiments" / "sensitivity_sobol.toml"),
                          str(sample), json.dumps(rows)], cwd="/", capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1",
                              "NUMBA_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])["cpu_per_run"]


def one_round(others: str) -> dict:
    """One of each measurement, in a random order (so a slow minute of the host falls on any)."""
    jobs = {
        "default_run_s": lambda: child_json(DEFAULT_RUN, "2")["total_s"],
        "ns_10k": lambda: measure("vectorised", 10_000, 104)["ns_per_resident_step"],
        "ns_100k": lambda: measure("vectorised", 100_000, 26)["ns_per_resident_step"],
        "starsim_10k": lambda: measure("starsim", 10_000, 100, python=others)["ns_per_resident_step"],
        "covasim_100k": lambda: measure("covasim", 100_000, 30, python=others)["ns_per_resident_step"],
        "mesa_10k": lambda: measure("trivial_mesa", 10_000, 20)["ns_per_resident_step"],
        "study_run_s": study_run_s,
    }
    order = list(jobs)
    random.shuffle(order)
    return {name: jobs[name]() for name in order}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--others", default=str(ROOT / ".venv-bench" / "bin" / "python"),
                    help="a Python with starsim and covasim installed (`benchmarks/others.py`)")
    a = ap.parse_args()
    if not Path(a.others).exists():
        sys.exit(f"--others: {a.others} does not exist; it must be a Python with starsim and covasim "
                 f"(python3 -m venv .venv-bench && .venv-bench/bin/pip install starsim covasim)")
    rounds = []
    for k in range(a.rounds):
        r = one_round(a.others)
        rounds.append(r)
        print(f"round {k + 1}: " + ", ".join(f"{name} {value:.3g}" for name, value in r.items()), flush=True)
    report = {"rounds": rounds, "yardsticks": {"starsim_10k_issue_ns": ISSUE_STARSIM_10K_NS,
                                               "covasim_100k_issue_ns": ISSUE_COVASIM_100K_NS,
                                               "mesa_10k_issue_ns": ISSUE_MESA_10K_NS}, "figures": {}}
    print(f"\n{'figure':<58}{'this machine':>14}{'-> issue machine (spread)':>30}{'(by Covasim)':>14}"
          f"{'(by Mesa)':>12}{'goal':>9}")
    for name, goal in GOALS.items():
        here = statistics.median(r[name] for r in rounds)
        figure = report["figures"][name] = {"this_machine": here}
        for stick, (issue_ns, key) in YARDSTICKS.items():
            per = [r[name] / r[stick] for r in rounds]
            figure[f"per_{stick.split('_')[0]}_ns"] = per
            figure[key] = statistics.median(per) * issue_ns
        per_starsim = figure["per_starsim_ns"]
        figure.update(goal=goal, spread_projected=[min(per_starsim) * ISSUE_STARSIM_10K_NS,
                                                   max(per_starsim) * ISSUE_STARSIM_10K_NS])
        there, there_cv, there_mesa = (figure[key] for _, key in YARDSTICKS.values())
        unit = UNITS[name]
        lo, hi = figure["spread_projected"]
        print(f"{TITLES[name]:<58}{here:>11.3g} {unit:<2}{there:>12.3g} {unit:<2} ({lo:.3g}-{hi:.3g}){there_cv:>11.3g} "
              f"{unit:<2}{there_mesa:>9.3g} {unit:<2}{goal:>7.3g} {unit}")
    print(f"\nStarsim 10,000: {statistics.median(r['starsim_10k'] for r in rounds):.0f} ns per agent-step here "
          f"against {ISSUE_STARSIM_10K_NS:.0f} on the issue's machine; Covasim 100,000: "
          f"{statistics.median(r['covasim_100k'] for r in rounds):.0f} against {ISSUE_COVASIM_100K_NS:.0f} "
          f"(another version); a trivial Mesa agent at 10,000: {statistics.median(r['mesa_10k'] for r in rounds):.0f} "
          f"against {ISSUE_MESA_10K_NS:.0f}. The projections are medians over {a.rounds} rounds of govsim / the "
          f"yardstick in the same round, times the yardstick's cost there; not measurements on that machine.")
    out = ROOT / "results" / "benchmarks" / "relative.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
