"""Speed of the vectorised model against the per-agent Mesa reference, side by side in one run.

    .venv/bin/python benchmarks/speed.py           # full: reference at 1,000 and 10,000 households,
                                                   # vectorised up to 1,000,000 (a few minutes)
    .venv/bin/python benchmarks/speed.py --quick   # smaller

Each measurement runs in a fresh single-threaded subprocess (set-up excluded from the step
time, peak memory = the process's ru_maxrss). Also measured, the figures the engine's goals
are stated in (issue 17):
- the default run as a user makes it in-process: 3,000 households, 520 weeks, set-up included
  (imports measured apart);
- the batch machinery's share: the same default-size runs through the batch runner (one worker,
  Parquet on disk) against the model alone.
Writes results/benchmarks/speed.csv, default_run.json and speed.png (log-log). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, resource, sys, time
engine, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if engine == "vectorised":
    from model import CommunityModel as M
elif engine == "reference":
    from benchmarks.reference import ReferenceModel as M
else:  # a trivial Mesa agent that only updates a number: Mesa's own floor
    import mesa
    class Counter(mesa.Agent):
        def __init__(self, model):
            super().__init__(model)
            self.x = 0.0
        def step(self):
            self.x += 1.0
    class M(mesa.Model):
        def __init__(self, rng, n_households):
            super().__init__(rng=rng)
            for _ in range(n_households):
                Counter(self)
        def step(self):
            self.agents.shuffle_do("step")
t0 = time.perf_counter()
m = M(rng=1, n_households=n)
setup = time.perf_counter() - t0
m.step()  # warm-up
t0 = time.perf_counter()
for _ in range(steps):
    m.step()
run = time.perf_counter() - t0
print(json.dumps({"engine": engine, "households": n, "steps": steps, "setup_s": setup, "run_s": run,
                  "ns_per_resident_step": run / (n * steps) * 1e9,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
DEFAULT_RUN = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from model import CommunityModel
imports = time.perf_counter() - t0
best = None
for seed in range(int(sys.argv[1])):
    t0 = time.perf_counter()
    m = CommunityModel(rng=seed, collect=False)   # the default street: 3,000 households
    setup = time.perf_counter() - t0
    for _ in range(520):
        m.step()
    total = time.perf_counter() - t0
    if best is None or total < best["total_s"]:
        best = {"setup_s": setup, "total_s": total, "households": m.world.n}
    m.release()
best.update(imports_s=imports, ns_per_resident_step=best["total_s"] / (best["households"] * 520) * 1e9,
            peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(best))
"""
BATCH = r"""
import json, shutil, sys, tempfile, time
from pathlib import Path
from experiments.runner import Store, execute, run_one
n = int(sys.argv[1])
specs = [{"run_id": f"b/{i}", "scenario": "baseline", "replication": i, "seed": i, "steps": 520, "every": 13,
          "params": {}, "outcomes": ["trap_share", "resolution_rate", "satisfaction_mean"]} for i in range(n)]
run_one({**specs[0], "steps": 1})  # imports
t0 = time.perf_counter()
for s in specs:
    run_one(s)
alone = time.perf_counter() - t0
d = Path(tempfile.mkdtemp())
t0 = time.perf_counter()
execute(specs, Store(d), workers=1, progress=False)
batch = time.perf_counter() - t0
shutil.rmtree(d)
print(json.dumps({"runs": n, "model_alone_s_per_run": alone / n, "batch_s_per_run": batch / n,
                  "overhead_pct": (batch / alone - 1) * 100}))
"""
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
           PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def measure(engine: str, n: int, steps: int, repeats: int = 1) -> dict:
    best = None
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, engine, str(n), str(steps)], env=ENV, cwd=ROOT,
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or r["run_s"] < best["run_s"]:
            best = r
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    plan = [("trivial_mesa", 1_000, 100), ("trivial_mesa", 10_000, 20),
            ("reference", 1_000, 26), ("reference", 10_000, 6),
            ("vectorised", 1_000, 520), ("vectorised", 10_000, 260), ("vectorised", 100_000, 52)]
    if not a.quick:
        plan.append(("vectorised", 1_000_000, 10))
    rows = []
    print(f"{'engine':<13}{'households':>11}{'steps':>7}{'set-up s':>10}{'run s':>8}{'ns/resident-step':>18}{'peak MiB':>10}")
    for engine, n, steps in plan:
        r = measure(engine, n, steps, repeats=1 if n >= 100_000 else 2)
        rows.append(r)
        print(f"{engine:<13}{n:>11,}{steps:>7}{r['setup_s']:>10.2f}{r['run_s']:>8.2f}{r['ns_per_resident_step']:>18.0f}{r['peak_mib']:>10.0f}")
    per = {(r["engine"], r["households"]): r["ns_per_resident_step"] for r in rows}
    for n in (1_000, 10_000):
        print(f"ratio reference / vectorised at {n:,} households: {per[('reference', n)] / per[('vectorised', n)]:.0f}x "
              f"(trivial Mesa agent: {per[('trivial_mesa', n)]:.0f} ns per agent-step)")
    vec = sorted((r for r in rows if r["engine"] == "vectorised"), key=lambda r: r["households"])
    print("vectorised cost per resident-step relative to 10,000 households: " +
          ", ".join(f"{r['households']:,}: x{r['ns_per_resident_step'] / per[('vectorised', 10_000)]:.2f}" for r in vec))
    run = json.loads(subprocess.run([sys.executable, "-c", DEFAULT_RUN, "3"], env=ENV, cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout.strip().splitlines()[-1])
    print(f"default run in-process (3,000 households, 520 weeks), best of 3 seeds: {run['total_s']:.3f} s set-up "
          f"included ({run['setup_s']:.3f} s set-up; {run['ns_per_resident_step']:.0f} ns per resident-step; "
          f"goal 0.12 s); imports {run['imports_s']:.2f} s apart")
    batch = json.loads(subprocess.run([sys.executable, "-c", BATCH, "4" if a.quick else "10"], env=ENV, cwd=ROOT,
                                      capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    print(f"batch machinery at the default size ({batch['runs']} runs, one worker, Parquet on disk): "
          f"{batch['batch_s_per_run']:.3f} s a run against {batch['model_alone_s_per_run']:.3f} s for the model alone "
          f"({batch['overhead_pct']:+.1f} %; goal under +10 %)")
    out = ROOT / "results" / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    (out / "default_run.json").write_text(json.dumps({"default_run": run, "batch": batch}, indent=2) + "\n")
    import csv

    with open(out / "speed.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for engine, style in (("reference", "s-"), ("vectorised", "o-"), ("trivial_mesa", "^--")):
        rs = sorted((r for r in rows if r["engine"] == engine), key=lambda r: r["households"])
        labels = {"reference": "per-agent Mesa reference", "vectorised": "vectorised model",
                  "trivial_mesa": "trivial Mesa agent (x += 1)"}
        ax.loglog([r["households"] for r in rs], [r["run_s"] / r["steps"] for r in rs], style, label=labels[engine])
    ax.set_xlabel("households")
    ax.set_ylabel("seconds per simulated week")
    ax.set_title("Cost of one week against size (log-log)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.savefig(out / "speed.png", dpi=110)
    print(f"wrote {out / 'speed.csv'} and {out / 'speed.png'}")


if __name__ == "__main__":
    main()
