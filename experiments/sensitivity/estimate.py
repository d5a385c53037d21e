"""`govsim sensitivity STUDY.toml --estimate [K]`: how long would the study take here? Asked before
committing a laptop's afternoon or a cluster's allocation to tens of thousands of runs.

Times `K` of the study's own runs, spread evenly over all of them (its sample's points, main and
seed-noise reruns, in order), in this process through the study's model function, after one
untimed run (imports, kernels loaded or compiled: a worker's one-time cost). A study's runs differ
in cost by where they fall in the parameter space (a street whose residents will not pay
re-tenders its compounds nearly every week), so the runs are spread over the whole sample, not
taken from its start; the mean carries a rough 95 % interval (twice its standard error).

The projection is CPU seconds a run times the runs, over the workers: what the cores would take if
kept busy, which is what the batch runner does (its machinery measured about 1 % of the CPU at
the study's size, `results/sensitivity/*/timing.json`). Writes nothing and takes no lock.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import sampling
from .study import Study, resolve_model

def timed_runs(study: Study, k: int) -> tuple[int, int, list[dict]]:
    """(all runs, seed-noise reruns among them, `k` runs spread evenly over them as (params, seed))."""
    X, _ = sampling.draw(study)
    runs = [(spec, values, seed) for spec in sampling.specs(study, X) for values in spec["values"]
            for seed in spec["seeds"]]  # in the runner's order; parameters made only for the runs timed
    noise = sum(spec["kind"] == "noise" for spec, _, _ in runs)
    picks = np.unique(np.linspace(0, len(runs) - 1, min(k, len(runs))).round().astype(int))
    return len(runs), noise, [{"params": sampling.point_params(spec, values), "seed": seed}
                              for spec, values, seed in (runs[i] for i in picks)]


def estimate(study: Study, k: int, workers: int = 1) -> dict:
    """Time `k` of the study's runs here and project the whole study's time on `workers` cores."""
    total, noise, picked = timed_runs(study, k)
    f = resolve_model(study.model)
    f(picked[0]["params"], picked[0]["seed"])  # untimed: the one-time costs a worker pays once
    cpu = []
    for run in picked:
        t0 = time.process_time()
        f(run["params"], run["seed"])
        cpu.append(time.process_time() - t0)
    mean = float(np.mean(cpu))
    half = 2.0 * float(np.std(cpu, ddof=1)) / math.sqrt(len(cpu)) if len(cpu) > 1 else float("nan")
    per_core = total / workers
    return {"study": study.name, "runs": total, "runs_main": total - noise, "runs_noise": noise,
            "runs_timed": len(cpu), "cpu_seconds_per_run": mean, "cpu_seconds_per_run_interval": [mean - half, mean + half],
            "cpu_seconds_per_run_range": [min(cpu), max(cpu)], "workers": workers,
            "wall_seconds_projected": mean * per_core,
            "wall_seconds_projected_interval": [(mean - half) * per_core, (mean + half) * per_core]}


def report(e: dict) -> str:
    """The estimate in a few lines, in English and Chinese."""
    lo, hi = (v / 60 for v in e["wall_seconds_projected_interval"])
    cpu_lo, cpu_hi = e["cpu_seconds_per_run_range"]
    return "\n".join([
        f"{e['study']}: {e['runs']:,} runs ({e['runs_main']:,} of the sample, {e['runs_noise']:,} seed-noise reruns); "
        f"{e['runs_timed']} timed here: {e['cpu_seconds_per_run']:.3g} CPU s a run on average "
        f"(each {cpu_lo:.3g}-{cpu_hi:.3g})",
        f"  on {e['workers']} worker(s) kept busy: about {e['wall_seconds_projected'] / 60:.1f} min for the runs "
        f"({lo:.1f}-{hi:.1f}), analysis and the batch machinery apart; nothing was written",
        f"  {e['study']}:共 {e['runs']:,} 次运行(抽样 {e['runs_main']:,} 次,种子噪声复跑 {e['runs_noise']:,} 次);"
        f"在本机计时 {e['runs_timed']} 次,平均每次 {e['cpu_seconds_per_run']:.3g} CPU 秒;"
        f"{e['workers']} 个工作进程约需 {e['wall_seconds_projected'] / 60:.1f} 分钟({lo:.1f}–{hi:.1f}),不含分析和批量运行机制本身;未写入任何文件",
    ])
