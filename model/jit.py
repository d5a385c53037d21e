"""How the engine compiles its per-household rules (issue 17): one decorator, one policy.

`kernel` is numba's `njit` with
- `cache=True`: compiled code is kept on disk beside the module (`__pycache__`), so a batch
  worker or a test process pays compilation once per machine, not once per process;
- `error_model="numpy"`: a division by zero gives inf/nan as the numpy expression it replaces
  did, instead of raising;
- no `fastmath` and no `parallel`: the kernels must give the numpy version's floats bit for bit
  (`tools/fingerprint.py` checks every shipped scenario), so sums keep their order and nothing
  is reassociated; a run is single-threaded so that batch workers own one core each.

Kernels sit beside the rule they compute (the ODD's section names find them), take arrays and
scalars only, and leave random draws to the named streams (`model/streams.py`), which hand them
whole arrays or the counter-based `splitmix_uniform` below.
"""

from __future__ import annotations

import numpy as np
from numba import njit

kernel = njit(cache=True, error_model="numpy", nogil=True)

# SplitMix64 finaliser constants (Steele, Lea & Flood 2014), as in `Streams.hashed`
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 2.0**-53


@kernel
def splitmix_uniform(offset, i):
    """The counter-based uniform of element `i` for a stream-and-step `offset` (`Streams.offset`):
    the same float as `Streams.hashed`, computed inside a kernel."""
    z = np.uint64(i) * _GOLDEN + offset
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z ^= z >> _S31
    return np.float64(z >> _S11) * _UNIT


@kernel
def splitmix_uniforms(offset, idx):
    out = np.empty(len(idx))
    for j in range(len(idx)):
        out[j] = splitmix_uniform(offset, idx[j])
    return out
