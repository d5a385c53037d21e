"""The Sobol' study's cost per run, engine against engine, side by side in one run.

    .venv/bin/python benchmarks/study_block.py [--points 24] [--rounds 3] [--other PATH ...]
    .venv/bin/python benchmarks/study_block.py --profile [--points 24]   # where a run's time goes (cProfile)

Runs the same points of `experiments/sensitivity_sobol.toml`'s sample (every k-th row of
`results/sensitivity/sensitivity_sobol/sample.parquet`, so the whole parameter space is visited,
tender-heavy corners included) through the study's own model function, in a fresh process per
source tree, alternating the trees round by round; reports CPU seconds per run (process time:
what a worker pays, and little moved by other load) for each tree and their ratio; the best
round counts (the first compiles a new tree's kernels into its cache). `--other` adds a tree (e.g. a `git worktree`
of an earlier commit) to compare with this one. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time
import pandas as pd
from experiments.sensitivity.models import community
from experiments.sensitivity.study import load
study = load(sys.argv[1])
X = pd.read_parquet(sys.argv[2])
rows = json.loads(sys.argv[3])
fixed = dict(study.model_args)
community({**fixed, "steps": 20}, 0)  # load the compiled kernels (a one-time cost, measured apart)
try:  # every kernel the disk cache holds, loaded now, not at its first call inside a timed run
    from model.jit import load_cached_kernels
    load_cached_kernels()
except ImportError:  # (a tree from before `model.jit.load_cached_kernels`)
    pass
cpu = 0.0
prof = None
if len(sys.argv) > 4:
    import cProfile
    prof = cProfile.Profile()
for i in rows:
    point = {n: float(X.loc[i, n]) for n in study.names}
    t0 = time.process_time()
    if prof is not None:
        prof.enable()
    community({**fixed, **point}, 0)
    if prof is not None:
        prof.disable()
    cpu += time.process_time() - t0
if prof is not None:
    import pstats
    st = pstats.Stats(prof, stream=sys.stderr)
    st.sort_stats("cumulative").print_stats(30)
    st.sort_stats("tottime").print_stats(25)
print(json.dumps({"runs": len(rows), "cpu_per_run": cpu / len(rows)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--other", nargs="*", default=[], help="other source trees to time beside this one")
    ap.add_argument("--profile", action="store_true", help="profile this tree's runs instead (cProfile, top entries)")
    a = ap.parse_args()
    sample = ROOT / "results" / "sensitivity" / "sensitivity_sobol" / "sample.parquet"
    import pandas as pd

    n = len(pd.read_parquet(sample))
    rows = list(range(0, n, max(1, n // a.points)))[: a.points]
    if a.profile:
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "experiments" / "sensitivity_sobol.toml"),
                              str(sample), json.dumps(rows), "profile"], cwd="/", capture_output=True, text=True,
                             check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        print(out.stderr)
        print(f"under the profiler: {json.loads(out.stdout.strip().splitlines()[-1])['cpu_per_run']:.3f} CPU s a run")
        return
    trees = [ROOT, *map(Path, a.other)]
    best: dict[Path, float] = {}
    for r in range(a.rounds):
        for tree in trees:
            out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "experiments" / "sensitivity_sobol.toml"),
                                  str(sample), json.dumps(rows)], cwd="/", capture_output=True, text=True, check=True,
                                 env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1",
                                      "NUMBA_NUM_THREADS": "1"})
            cpu = json.loads(out.stdout.strip().splitlines()[-1])["cpu_per_run"]
            best[tree] = min(best.get(tree, float("inf")), cpu)
            print(f"round {r + 1}: {tree}  {cpu:.3f} CPU s a run ({len(rows)} points)", flush=True)
    for tree in trees:
        print(f"best of {a.rounds}: {tree}  {best[tree]:.3f} CPU s a run"
              + (f"  ({best[tree] / best[ROOT]:.2f} x this tree)" if tree != ROOT else ""))


if __name__ == "__main__":
    main()
