"""The compiled kernels' building blocks give numpy's floats bit for bit (issue 17).

Speed work must not move any result: `tools/fingerprint.py` checks whole runs; these check the
pieces that make that possible on any input, including the awkward ones.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from model.jit import np_sum
from model.streams import Streams, splitmix_uniform

floats = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 700), elements=floats))
def test_np_sum_is_numpys_pairwise_sum(a):
    assert np_sum(a) == float(a.sum()) or (np.isnan(np_sum(a)) and np.isnan(a.sum()))


def test_np_sum_over_block_boundaries_and_large_arrays():
    rng = np.random.default_rng(3)
    for n in (7, 8, 9, 127, 128, 129, 255, 256, 257, 8191, 8192, 8193, 100_003):
        a = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 6, size=n)  # wide magnitudes: order matters
        assert np_sum(a) == float(a.sum()), n


def test_order_matters_for_these_inputs():
    """The check above could not fail if any order gave the same float: show that it does not."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=1000) * 10.0 ** rng.uniform(-6, 6, size=1000)
    assert sum(a.tolist()) != float(a.sum())


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 10_000), st.lists(st.integers(0, 2**40), min_size=1, max_size=50))
def test_counter_based_uniform_in_a_kernel_is_the_streams_own(seed, step, idx):
    s = Streams(seed)
    idx = np.array(idx, np.int64)
    inside = np.array([splitmix_uniform(s.offset("problems.handle", step), i) for i in idx])
    np.testing.assert_array_equal(inside, s.hashed("problems.handle", step, idx))
    assert np.all((inside >= 0) & (inside < 1))
