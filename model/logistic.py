"""The logistic chance, and draws decided against it exactly but mostly without its `exp`.

Households decide by a logistic chance each week (participation, and payment for those who
reconsider: `agents/residents.py`): `u < scale * logistic(x)` for a uniform draw `u`. The
logistic's `exp` costs such a decision more than all its other arithmetic, yet a decision needs
only which side of the chance the draw falls on. An approximation of `exp` that is never off by
more than `DRAW_MARGIN` of the chance tells that for all but about one draw in 10^8; only those
(and |x| >= `FAST_RANGE`, and nan) are decided by `logistic` itself, so every decision is the one
`u < scale * logistic(x)` gives, bit for bit.

The numbers here are the numerical method's (ln 2, the Taylor coefficients 1/k!, float64's exponent
bias, the approximation's range and error margin), not coefficients of the model.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel

LN2 = 0.6931471805599453
INV_LN2 = 1.4426950408889634
FAST_RANGE = 17.0  # |x| up to this: exp(-x) as 2^k e^r, |r| <= ln2 / 2, e^r by its Taylor polynomial
CLAMP = 30.0  # what the fast pass feeds its arithmetic outside the range (the value is not used there)
# the approximation's relative error is at most about 3e-10 (the degree-8 Taylor polynomial's
# remainder on |r| <= 0.347, 2e-10, and rounding); the margin is 30 times that
DRAW_MARGIN = 1e-8
EXPONENT_BIAS = 1023  # float64: 2^k has the bits (k + 1023) << 52
MANTISSA_BITS = 52


@kernel
def logistic(x):
    """scipy's `expit` as it computes it, 1 / (1 + exp(-x)): the same float for every x (both call
    the C library's exp; checked on millions of values out to +-800)."""
    return 1.0 / (1.0 + np.exp(-x))


@kernel
def draws_below_logistic(u, x, scale, out):
    """`out[i] = u[i] < scale * logistic(x[i])` for every i, bit for bit, at a quarter of the cost.

    First pass (no calls, no branches: the compiler runs it several lanes at a time): exp(-x) as
    2^k e^r, with 2^k built from its bits, and the approximate chance. Second pass: each decision
    by the approximation, counting those it cannot vouch for (the draw within `DRAW_MARGIN` of
    the chance, |x| >= `FAST_RANGE`, nan); a third pass, only if there are any, decides those
    exactly. Returns how many were decided exactly (tests check both ways)."""
    n = len(x)
    poly = np.empty(n)
    bits = np.empty(n, np.int64)
    for i in range(n):
        y = min(max(-x[i], -CLAMP), CLAMP)
        t = y * INV_LN2
        k = np.int64(t + 0.5) if t >= 0 else -np.int64(0.5 - t)  # the nearest whole number
        r = y - k * LN2
        poly[i] = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
            1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320))))))))
        bits[i] = (k + EXPONENT_BIAS) << MANTISSA_BITS  # 2^k as a float64's bits
    two_k = bits.view(np.float64)
    doubtful = 0
    for i in range(n):
        chance = scale / (1.0 + poly[i] * two_k[i])
        d = np.float64(u[i]) - chance
        out[i] = d < 0.0
        doubtful += 1 if ((abs(d) <= DRAW_MARGIN * chance) | (abs(x[i]) >= FAST_RANGE) | (x[i] != x[i])) else 0
    if doubtful:
        for i in range(n):
            chance = scale / (1.0 + poly[i] * two_k[i])
            d = np.float64(u[i]) - chance
            if (abs(d) <= DRAW_MARGIN * chance) | (abs(x[i]) >= FAST_RANGE) | (x[i] != x[i]):
                out[i] = u[i] < scale * logistic(x[i])
    return doubtful
