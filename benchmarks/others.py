"""Starsim and Covasim timed the way `benchmarks/speed.py` times govsim (a child process per size).

Run by speed.py under another interpreter that has them (they pin their own numpy and numba):

    python3 -m venv .venv-bench && .venv-bench/bin/pip install starsim covasim
    .venv/bin/python benchmarks/speed.py            # finds .venv-bench by itself

    .venv-bench/bin/python benchmarks/others.py starsim 10000 100   # one measurement, as JSON

Starsim: an SIR disease on a random network (its own standard example), daily steps. Covasim:
its default COVID sim. Per agent-step, after a warm-up run (numba compilation), set-up apart.
Imports nothing of govsim.
"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
engine, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if engine == "starsim":
    import starsim as ss
    make = lambda: ss.Sim(n_agents=n, diseases="sir", networks="random", start=0, stop=steps, dt=1, verbose=0, rand_seed=1)
else:
    import covasim as cv
    make = lambda: cv.Sim(pop_size=n, n_days=steps, verbose=0, rand_seed=1)
make().run()  # warm-up: numba compilation and caches
t0 = time.perf_counter(); sim = make(); sim.init() if engine == "starsim" else sim.initialize(); setup = time.perf_counter() - t0
t0 = time.perf_counter(); sim.run(); run = time.perf_counter() - t0
npts = steps + 1
print(json.dumps({"engine": engine, "households": n, "steps": npts, "setup_s": setup, "run_s": run,
                  "ns_per_resident_step": run / (n * npts) * 1e9}))
