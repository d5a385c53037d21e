"""Session set-up shared by every test.

The engine's kernels are compiled by numba on first use and cached on disk beside their modules
(`model/jit.py`). On a fresh clone the first use compiles them all, which takes seconds; tests
that start a server or a batch in a child process wait for it with bounded patience. So the
session compiles them once, here, before any test runs: every child process then loads them
from the cache, as a user's second command does.
"""

from __future__ import annotations

from hypothesis import settings

# Hypothesis fails an example that takes longer than 200 ms by default: a test that would pass or
# fail by the machine's speed (a first call compiles a kernel). No test here times its examples.
settings.register_profile("govsim", deadline=None)
settings.load_profile("govsim")


def pytest_sessionstart(session) -> None:
    from model import CommunityModel

    m = CommunityModel(rng=0, scenario="combined", n_households=300, collect=True)
    for _ in range(60):  # long enough for every stage's kernels, the market's and tenders' included
        m.step()
    m.invariants()
    m.release()
