"""How the engine compiles its per-household rules (issue 17): one decorator, one policy.

`kernel` is numba's `njit` with
- `cache=True`: compiled code is kept on disk beside the module (`__pycache__`), so a batch
  worker or a test process pays compilation once per machine, not once per process; the cache
  is stamped with the whole engine's sources (`engine_source_stamp`), not only the kernel's file;
- `error_model="numpy"`: a division by zero gives inf/nan as the numpy expression it replaces
  did, instead of raising;
- no `fastmath` and no `parallel`: the kernels must give the numpy version's floats bit for bit
  (`tools/fingerprint.py` checks every shipped scenario), so sums keep their order and nothing
  is reassociated; a run is single-threaded so that batch workers own one core each.

Kernels sit beside the rule they compute (the ODD's section names find them), take arrays and
scalars only, and leave random draws to the named streams (`model/streams.py`), which hand them
whole arrays or the counter-based `model.streams.splitmix_uniform`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from numba import njit
from numba.core import caching

ENGINE_DIRS = tuple(Path(__file__).resolve().parents[1] / d for d in ("model", "agents"))


def engine_source_stamp(dirs=ENGINE_DIRS) -> str:
    """A stamp of every source file of the engine (name, size, modification time).

    numba's cache checks only the stamp of a kernel's own file, so a kernel that calls a kernel of
    another file (`np_sum`, `splitmix_uniform`, ...) would keep running the old code after that
    file changed. Every engine kernel is stamped with the whole engine instead: any edit to
    `model/` or `agents/` recompiles them all, once.
    """
    h = hashlib.sha1()
    for d in dirs:
        for f in sorted(Path(d).glob("*.py")):
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


class _EngineStamped:
    """Mixin for numba's cache locators: engine files carry the whole engine's stamp."""

    stamp: str | None = None

    def get_source_stamp(self):
        if _EngineStamped.stamp is None:
            _EngineStamped.stamp = engine_source_stamp()
        return _EngineStamped.stamp

    @classmethod
    def from_function(cls, py_func, py_file):
        here = Path(py_file).resolve().parent
        if here not in ENGINE_DIRS:
            return None  # not ours: numba's own locators decide
        return super().from_function(py_func, py_file)


class EngineUserProvidedLocator(_EngineStamped, caching.UserProvidedCacheLocator):
    """In `NUMBA_CACHE_DIR`, when the user names one (numba's own first choice)."""

    @classmethod
    def from_function(cls, py_func, py_file):
        from numba.core import config

        return super().from_function(py_func, py_file) if config.CACHE_DIR else None


class EngineInTreeLocator(_EngineStamped, caching.InTreeCacheLocator):
    """Beside the module, in `__pycache__` (numba's default place)."""


class EngineUserWideLocator(_EngineStamped, caching.UserWideCacheLocator):
    """In the user's cache folder, when the source tree is read-only."""


if EngineInTreeLocator not in caching.CacheImpl._locator_classes:
    caching.CacheImpl._locator_classes[:0] = [EngineUserProvidedLocator, EngineInTreeLocator, EngineUserWideLocator]

_KERNELS: list = []  # every engine kernel of the modules imported so far, as decorated (`load_cached_kernels`)


def _registered(compile_policy):
    """A decorator compiling by `compile_policy` that also keeps the kernel in `_KERNELS`."""
    def decorate(fn):
        dispatcher = compile_policy(fn)
        _KERNELS.append(dispatcher)
        return dispatcher
    return decorate


kernel = _registered(njit(cache=True, error_model="numpy", nogil=True))
# a small helper called per element from inside kernels, inlined there: an array handed to a compiled
# call costs reference counting that, per element, outweighs the helper's work
inline_kernel = _registered(njit(cache=True, error_model="numpy", inline="always"))


def load_cached_kernels() -> int:
    """Load now, from numba's disk cache, every compiled version of the imported engine kernels that
    the cache holds for the engine's present sources; returns how many were loaded.

    Why: numba loads a kernel's compiled code at its first call, 4-6 ms a kernel on a slow machine.
    A kernel first called in the middle of a run (the first tender that brings a new provider, a
    scenario's first policy week) would make that run look slower than the next: a benchmark calls
    this first, so that one-time costs are measured apart (issue 17), and a batch worker may, so
    that its runs' times are alike. A run gives the same floats either way.

    Reads the cache's index through numba's own (unexported) cache objects; where a numba version
    lacks them, nothing is loaded and kernels load at their first call, as without this. An empty
    cache (a fresh machine) loads nothing: kernels are then compiled at their first call."""
    loaded = 0
    for dispatcher in _KERNELS:
        try:
            cache = dispatcher._cache
            codegen = dispatcher.targetctx.codegen()
            keys = list(cache._cache_file._load_index())
        except (AttributeError, OSError, EOFError, TypeError, ValueError):
            continue  # another numba's insides, or an unreadable index: the kernel loads at its first call
        before = len(dispatcher.overloads)
        for key in keys:
            signature = key[0]
            if cache._index_key(signature, codegen) == key:  # this machine's code for these sources
                dispatcher.compile(signature)
        loaded += len(dispatcher.overloads) - before
    return loaded


PAIRWISE_BLOCK = 128  # numpy's block for pairwise summation (PW_BLOCKSIZE)


@kernel
def _block_sum(a, lo, n):
    """numpy's sum of a block of at most PAIRWISE_BLOCK elements (eight lanes, then the rest)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@kernel
def _pairwise(a, lo, n):
    """numpy's pairwise summation of a[lo:lo + n] (numpy/_core/src/umath/loops_utils.h.src): halve
    (to a multiple of 8) until a block fits, sum blocks, add halves back up. Written with an
    explicit stack because numba cannot cache a recursive function."""
    if n <= PAIRWISE_BLOCK:
        return _block_sum(a, lo, n)
    depth = 64
    los = np.empty(depth, np.int64)
    ns = np.empty(depth, np.int64)
    vals = np.empty(depth)
    state = np.zeros(depth, np.int64)  # 0: not split yet, 1: left half summed
    top = 0
    los[0], ns[0] = lo, n
    result = 0.0
    while top >= 0:
        m = ns[top]
        if m <= PAIRWISE_BLOCK or state[top] == 2:
            v = _block_sum(a, los[top], m) if state[top] != 2 else vals[top]
            top -= 1
            if top < 0:
                result = v
                break
            if state[top] == 0:  # the left half is done: keep it, do the right half
                vals[top] = v
                state[top] = 1
                n2 = ns[top] // 2
                n2 -= n2 % 8
                top += 1
                los[top], ns[top], state[top] = los[top - 1] + n2, ns[top - 1] - n2, 0
            else:  # both halves done
                vals[top] = vals[top] + v
                state[top] = 2
            continue
        n2 = m // 2
        n2 -= n2 % 8
        top += 1
        los[top], ns[top], state[top] = los[top - 1], n2, 0
    return result


@kernel
def np_sum(a):
    """`float(a.sum())` of a contiguous 1-D float64 array, bit for bit (numpy's pairwise
    summation). Kernels that replace a numpy expression ending in `.sum()` use it so that the
    totals they book stay the same floats."""
    return _pairwise(a, 0, len(a))
