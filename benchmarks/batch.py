"""Cost of the batch machinery and the gain from a second worker. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/batch.py [--runs 1000]

1. the model alone: `run_one` called in a loop, nothing written;
2. the same runs through `execute` with one worker (progress bar, Parquet batches on disk);
3. the same with two worker processes.
Runs are small (about 50 ms each) so that overhead, if any, shows.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from experiments.runner import Store, execute, run_one


def specs(n: int) -> list[dict]:
    return [{"run_id": f"b/{i}", "scenario": "baseline", "replication": i, "seed": i, "steps": 60, "every": 4,
             "params": {"n_households": 300}, "outcomes": ["trap_share", "resolution_rate", "satisfaction_mean"]}
            for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    a = ap.parse_args()
    todo = specs(a.runs)
    run_one(todo[0])  # warm-up imports
    t0 = time.perf_counter()
    for s in todo:
        run_one(s)
    alone = time.perf_counter() - t0
    print(f"{a.runs} runs, model alone: {alone:.1f} s ({alone / a.runs * 1000:.0f} ms a run)")
    times = {}
    for workers in (1, 2):
        d = Path(tempfile.mkdtemp())
        t0 = time.perf_counter()
        execute(todo, Store(d), workers=workers, progress=True)
        times[workers] = time.perf_counter() - t0
        parts = len(list((d / "runs").glob("part-*.parquet")))
        shutil.rmtree(d)
        print(f"  through the batch runner, {workers} worker(s): {times[workers]:.1f} s ({parts} Parquet parts)")
    print(f"overhead of the machinery with one worker: {(times[1] / alone - 1) * 100:+.1f} % (target at most +10 %)")
    print(f"throughput of 2 workers over 1: {times[1] / times[2]:.2f}x (target at least 1.7x)")


if __name__ == "__main__":
    main()
