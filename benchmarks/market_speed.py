"""Cost per resident-step before and after the property market of issue 15, side by side.

    python benchmarks/market_speed.py --before DIR   # DIR: a checkout of the code to compare with

Each measurement runs the default street for `--steps` weeks in a fresh single-threaded
subprocess (set-up excluded), alternating the two versions, and keeps the fastest of
`--repeats` (the least disturbed by other work on the machine). Prints a table; asserts nothing.
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
import json, sys, time
from model import CommunityModel
n, steps = int(sys.argv[1]), int(sys.argv[2])
m = CommunityModel(rng=1, n_households=n, collect=False)
m.step()
t0 = time.perf_counter()
for _ in range(steps):
    m.step()
print(json.dumps({"ns_per_resident_step": (time.perf_counter() - t0) / (n * steps) * 1e9}))
"""


def measure(code: Path, n: int, steps: int) -> float:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(code))
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(steps)], env=env, cwd=code,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["ns_per_resident_step"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, type=Path)
    ap.add_argument("--sizes", default="3000,30000")
    ap.add_argument("--steps", type=int, default=260)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    print(f"{'households':>10} {'before ns':>10} {'after ns':>10} {'change':>8}")
    for n in map(int, a.sizes.split(",")):
        before, after = [], []
        for _ in range(a.repeats):
            before.append(measure(a.before, n, a.steps))
            after.append(measure(ROOT, n, a.steps))
        b, f = min(before), min(after)
        print(f"{n:>10} {b:>10.0f} {f:>10.0f} {f / b - 1:>+8.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
