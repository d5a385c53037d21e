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
whole arrays or the counter-based `model.streams.splitmix_uniform`.
"""

from __future__ import annotations

from numba import njit

kernel = njit(cache=True, error_model="numpy", nogil=True)
