"""Two source trees, run for run: the engine change's effect on a noisy machine.

    .venv/bin/python benchmarks/paired.py --other /path/to/tree                   # study points and the default street
    .venv/bin/python benchmarks/paired.py --other TREE --study 16 --street 0      # only the Sobol' study's points
    .venv/bin/python benchmarks/paired.py --other TREE --households 100000 --weeks 10 --street 4

Each tree gets one persistent single-threaded process (its kernels loaded once). The same run
(a point of `results/sensitivity/sensitivity_sobol/sample.parquet` through the study's own
model function, or a street of `--households` for `--weeks` weeks with seed k) is made in both,
the two alternating in a random order, twice each; a run's figure is its CPU time (the better
of the two), and each pair gives a ratio. A street is built anew for each of its runs (as a batch
of seeds does), while the study's points keep their street (`model.world_store`), as the study
does. On a machine whose speed wanders by tens of per cent from minute to minute (a shared host),
whole-process rounds minutes apart (`study_block.py`) measure the machine as much as the change;
a pair is taken within a second, so the median of the pairs' ratios is the change's effect.
Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time
mode = sys.argv[1]
if mode == "study":
    import pandas as pd
    from experiments.sensitivity.models import community
    from experiments.sensitivity.study import load
    study = load(sys.argv[2])
    X = pd.read_parquet(sys.argv[3])
    fixed = dict(study.model_args)
    community({**fixed, "steps": 20}, 0)  # load the compiled kernels (a one-time cost)
else:
    from model import CommunityModel
    try:  # a street of another seed is built anew in a batch: so is each run's here (no street kept)
        from model.world_store import clear as forget_streets
    except ImportError:  # (a tree from before `model.world_store`)
        forget_streets = lambda: None  # noqa: E731
    n, weeks, scenario = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] or None
    CommunityModel(rng=0, n_households=min(n, 1000), scenario=scenario, collect=False).step()
try:  # every kernel the disk cache holds, loaded now, not at its first call inside a timed run
    from model.jit import load_cached_kernels
    load_cached_kernels()
except ImportError:  # (a tree from before `model.jit.load_cached_kernels`)
    pass
print("ready", flush=True)
for line in sys.stdin:
    k = int(line)
    if mode != "study":
        forget_streets()
    t = time.process_time()
    if mode == "study":
        community({**fixed, **{f: float(X.loc[k, f]) for f in study.names}}, 0)
    else:
        m = CommunityModel(rng=k, n_households=n, scenario=scenario, collect=False)
        for _ in range(weeks):
            m.step()
        m.release()
    print(json.dumps(time.process_time() - t), flush=True)
"""


class Tree:
    """A source tree's persistent process, answering one run at a time."""

    def __init__(self, path: Path, args: list[str]):
        self.path = path
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd="/",
                                     env={"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1",
                                          "NUMBA_NUM_THREADS": "1"})
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{path}: the benchmark process did not start")

    def run(self, k: int) -> float:
        self.proc.stdin.write(f"{k}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def paired(this: Path, other: Path, args: list[str], runs: list[int], label: str, seed: int = 0) -> None:
    """Each run in both trees, alternately; print the totals and the pairs' ratios (this / other)."""
    a, b = Tree(other, args), Tree(this, args)
    order = random.Random(seed)
    ratios, total_a, total_b = [], 0.0, 0.0
    try:
        for k in runs:
            a.run(k), b.run(k)  # the run's first time in each process (its kernels' types, caches)
            times = {a: [], b: []}
            for _ in range(2):
                for tree in ((a, b) if order.random() < 0.5 else (b, a)):
                    times[tree].append(tree.run(k))
            ta, tb = min(times[a]), min(times[b])
            total_a, total_b = total_a + ta, total_b + tb
            ratios.append(tb / ta)
    finally:
        a.close(), b.close()
    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
    print(f"{label}: {len(runs)} runs; CPU s a run: other {total_a / len(runs):.4f}, this {total_b / len(runs):.4f}; "
          f"this / other: {total_b / total_a:.3f} in all, median of the pairs {statistics.median(ratios):.3f} "
          f"(quartiles {q1:.3f}-{q3:.3f})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--other", required=True, help="the source tree to compare this one with (e.g. a git worktree)")
    ap.add_argument("--study", type=int, default=16, help="points of the Sobol' study's sample (0: none)")
    ap.add_argument("--street", type=int, default=8, help="seeds of a street (0: none)")
    ap.add_argument("--households", type=int, default=3000)
    ap.add_argument("--weeks", type=int, default=520)
    ap.add_argument("--scenario", default="", help="a shipped scenario for the street (default: the baseline)")
    a = ap.parse_args()
    this, other = ROOT, Path(a.other).resolve()
    print(f"this: {this}\nother: {other}")
    if a.study:
        sample = ROOT / "results" / "sensitivity" / "sensitivity_sobol" / "sample.parquet"
        import pandas as pd

        n = len(pd.read_parquet(sample))
        points = list(range(0, n, max(1, n // a.study)))[: a.study]
        paired(this, other, ["study", str(ROOT / "experiments" / "sensitivity_sobol.toml"), str(sample)], points,
               "Sobol' study points (3,000 households, 520 weeks, combined)")
    if a.street:
        paired(this, other, ["street", str(a.households), str(a.weeks), a.scenario], list(range(a.street)),
               f"street of {a.households:,} households, {a.weeks} weeks, {a.scenario or 'baseline'}")


if __name__ == "__main__":
    main()
