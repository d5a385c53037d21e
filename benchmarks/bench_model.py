"""Speed and memory of the community model. Prints figures; asserts nothing.

    python benchmarks/bench_model.py            # the issue's figures (takes ~1-2 minutes)
    python benchmarks/bench_model.py --quick    # smaller sizes

Each measurement runs in a fresh single-threaded subprocess, so set-up (world, network) is
included, imports are not, and peak memory (ru_maxrss) is the whole process's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
t0 = time.perf_counter()
from model import CommunityModel
t_import = time.perf_counter() - t0
n, steps, scenario = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
m = CommunityModel(rng=1, scenario=scenario, n_households=n)
t_setup = time.perf_counter() - t0
t0 = time.perf_counter()
for _ in range(steps):
    m.step()
t_run = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
print(json.dumps({"n": m.world.n, "steps": steps, "setup": t_setup, "run": t_run, "import": t_import, "rss_mib": rss}))
"""

ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def measure(n: int, steps: int, scenario: str = "baseline") -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(steps), scenario], env=ENV,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    print("Community model benchmark (one core; set-up included, imports excluded)\n")
    r = measure(10_000, 520)
    total = r["setup"] + r["run"]
    ns = r["run"] / (r["n"] * r["steps"]) * 1e9
    print(f"10,000 households x 520 weeks (10 years), baseline: set-up {r['setup']:.2f} s + run {r['run']:.2f} s "
          f"= {total:.2f} s (target <= 2 s: {'met' if total <= 2 else 'NOT met'})")
    print(f"  time per resident-step: {ns:.0f} ns (team aim ~100 ns)")
    r = measure(10_000, 520, "combined")
    print(f"  same with every policy on (combined): {r['setup'] + r['run']:.2f} s, "
          f"{r['run'] / (r['n'] * r['steps']) * 1e9:.0f} ns per resident-step\n")
    sizes = (2_500, 10_000, 25_000) if a.quick else (2_500, 10_000, 25_000, 50_000, 100_000)
    steps = 104
    print(f"Scaling ({steps} weeks each): households, set-up s, run s, ns per resident-step, peak RSS MiB")
    base = None
    for n in sizes:
        r = measure(n, steps)
        ns = r["run"] / (r["n"] * steps) * 1e9
        base = base or ns
        print(f"  {n:>8,}  {r['setup']:7.2f}  {r['run']:7.2f}  {ns:7.0f} (x{ns / base:4.2f} of the smallest)  {r['rss_mib']:7.0f}")
    if not a.quick:
        print(f"\nPeak memory at 100,000 households, set-up included: {r['rss_mib']:.0f} MiB (target < 1024 MiB: "
              f"{'met' if r['rss_mib'] < 1024 else 'NOT met'})")


if __name__ == "__main__":
    main()
