"""Named random streams (common random numbers).

Each stochastic process draws from its own generator, derived from the run's seed and a
stable key (CRC32 of the process name, never Python's salted `hash`). Every process draws a
full array each step whatever the state, so one household's changed path moves no other
household's draws, and a policy at dose zero leaves every draw where it was.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from .jit import inline_kernel, kernel

_STEP_MIX = 0xD1B54A32D192ED03  # SplitMix64's second constant: spreads the step over the key

# SplitMix64 finaliser constants (Steele, Lea & Flood 2014), the counter-based stream below
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


_U32 = np.uint64(0xFFFFFFFF)
_S8, _S40 = np.uint64(8), np.uint64(40)
_F32_UNIT = np.float32(1.0 / 16777216.0)


# ---------------------------------------------------------------- numpy's PCG64, stepped in a kernel
# numpy's default bit generator is PCG64 (O'Neill 2014, XSL-RR output): a 128-bit linear congruential
# state, state <- state x MULTIPLIER + increment (mod 2**128), each step's output a 64-bit
# xor-and-rotate of the new state (numpy/random/src/pcg64/pcg64.h). Stepped here, a stream's
# float32 uniforms are made where they are drawn, four steps side by side (`pcg64_float32`).
_MASK128 = (1 << 128) - 1
PCG64_MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341  # PCG_DEFAULT_MULTIPLIER_128
_MUL_HI, _MUL_LO = np.uint64(PCG64_MULTIPLIER >> 64), np.uint64(PCG64_MULTIPLIER & 0xFFFFFFFFFFFFFFFF)
_S58, _S64, _ROT = np.uint64(58), np.uint64(64), np.uint64(63)
CHAINS = 4  # steps advanced side by side: one step waits on the one before, four chains do not


@intrinsic
def _mul_64x64(typingctx, a, b):
    """The 128-bit product of two uint64, as its (high, low) halves: one machine multiply."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i128, i64 = ir.IntType(128), ir.IntType(64)
        product = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        low = builder.trunc(product, i64)
        high = builder.trunc(builder.lshr(product, ir.Constant(i128, 64)), i64)
        return context.make_tuple(builder, signature.return_type, [high, low])

    return sig, codegen


@inline_kernel
def _lcg_step(s_hi, s_lo, m_hi, m_lo, c_hi, c_lo):
    """state x m + c (mod 2**128), on 64-bit halves."""
    hi, lo = _mul_64x64(s_lo, m_lo)
    hi = hi + s_hi * m_lo + s_lo * m_hi
    low = lo + c_lo
    return hi + c_hi + (np.uint64(1) if low < lo else np.uint64(0)), low


@inline_kernel
def _xsl_rr(s_hi, s_lo):
    """PCG64's output of a state: the halves xor-ed, rotated right by the top six bits."""
    x = s_hi ^ s_lo
    r = s_hi >> _S58
    return (x >> r) | (x << ((_S64 - r) & _ROT))


@inline_kernel
def _store_pair(out, k, r):
    """numpy's two float32 uniforms of output r: low 32 bits first, each `(bits >> 8) x 2**-24`."""
    out[2 * k] = np.float32(np.int64((r & _U32) >> _S8)) * _F32_UNIT
    out[2 * k + 1] = np.float32(np.int64(r >> _S40)) * _F32_UNIT


@kernel
def pcg64_float32(state, jump, pairs):
    """`2 x pairs` float32 uniforms of a PCG64 stream, numpy's own (`Generator.random(2 x pairs, dtype=float32)`):
    `state` is (state high, low, increment high, low) as uint64 and is advanced in place; `jump`
    (`pcg64_jump`) steps a state `CHAINS` steps at once, so four chains (steps k, k+1, k+2, k+3)
    advance side by side."""
    s_hi, s_lo, c_hi, c_lo = state[0], state[1], state[2], state[3]
    out = np.empty(2 * pairs, np.float32)
    k = 0
    if pairs >= 2 * CHAINS:
        a_hi, a_lo = _lcg_step(s_hi, s_lo, _MUL_HI, _MUL_LO, c_hi, c_lo)
        b_hi, b_lo = _lcg_step(a_hi, a_lo, _MUL_HI, _MUL_LO, c_hi, c_lo)
        d_hi, d_lo = _lcg_step(b_hi, b_lo, _MUL_HI, _MUL_LO, c_hi, c_lo)
        e_hi, e_lo = _lcg_step(d_hi, d_lo, _MUL_HI, _MUL_LO, c_hi, c_lo)
        j_hi, j_lo, jc_hi, jc_lo = jump[0], jump[1], jump[2], jump[3]
        while True:
            _store_pair(out, k, _xsl_rr(a_hi, a_lo))
            _store_pair(out, k + 1, _xsl_rr(b_hi, b_lo))
            _store_pair(out, k + 2, _xsl_rr(d_hi, d_lo))
            _store_pair(out, k + 3, _xsl_rr(e_hi, e_lo))
            k += CHAINS
            if k + CHAINS > pairs:
                s_hi, s_lo = e_hi, e_lo
                break
            a_hi, a_lo = _lcg_step(a_hi, a_lo, j_hi, j_lo, jc_hi, jc_lo)
            b_hi, b_lo = _lcg_step(b_hi, b_lo, j_hi, j_lo, jc_hi, jc_lo)
            d_hi, d_lo = _lcg_step(d_hi, d_lo, j_hi, j_lo, jc_hi, jc_lo)
            e_hi, e_lo = _lcg_step(e_hi, e_lo, j_hi, j_lo, jc_hi, jc_lo)
    while k < pairs:
        s_hi, s_lo = _lcg_step(s_hi, s_lo, _MUL_HI, _MUL_LO, c_hi, c_lo)
        _store_pair(out, k, _xsl_rr(s_hi, s_lo))
        k += 1
    state[0], state[1] = s_hi, s_lo
    return out


def _halves(x: int) -> tuple[int, int]:
    return x >> 64, x & 0xFFFFFFFFFFFFFFFF


def pcg64_state(gen: np.random.Generator) -> np.ndarray:
    """A numpy PCG64 generator's state and increment as `pcg64_float32` steps them."""
    st = gen.bit_generator.state["state"]
    return np.array([*_halves(st["state"]), *_halves(st["inc"])], np.uint64)


def pcg64_jump(state: np.ndarray) -> np.ndarray:
    """The multiplier and increment of `CHAINS` steps at once: m**4 and c x (m**3 + m**2 + m + 1)."""
    m, c = PCG64_MULTIPLIER, (int(state[2]) << 64) | int(state[3])
    return np.array([*_halves(pow(m, CHAINS, 1 << 128)),
                     *_halves(c * sum(m**i for i in range(CHAINS)) & _MASK128)], np.uint64)


def stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}
        self._keys: dict[str, np.uint64] = {}
        self._numpy_floats: set[str] = set()  # streams whose float32 uniforms must come from numpy itself
        self._stepped: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # streams stepped here: (state, jump)

    def __getitem__(self, name: str) -> np.random.Generator:
        """The named stream's generator, for a caller to draw from as it likes."""
        self._numpy_floats.add(name)  # (its draws may leave a half of an output kept: see `uniform`)
        return self._generator(name)

    def _generator(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            gen = self._gens[name] = np.random.Generator(np.random.PCG64(ss))
        stepped = self._stepped.pop(name, None)
        if stepped is not None:  # stepped here until now: numpy's generator takes the state back
            s_hi, s_lo, c_hi, c_lo = stepped[0].tolist()
            gen.bit_generator.state = {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0,
                                       "state": {"state": (s_hi << 64) | s_lo, "inc": (c_hi << 64) | c_lo}}
        return gen

    def untouched(self) -> bool:
        """Nothing drawn yet from any stream (a model's streams before its street is built)."""
        return not self._gens and not self._stepped and not self._keys

    def generator_states(self) -> dict[str, dict] | None:
        """The state of every generator handed out so far (`streams[name]`), or None when a stream
        was drawn another way (`uniform`, `offset`): with `restore`, a street kept for the next model
        (`model.world_store`) leaves the streams as building it did."""
        if self._stepped or self._keys or set(self._gens) != self._numpy_floats:
            return None
        return {name: gen.bit_generator.state for name, gen in self._gens.items()}

    def restore(self, states: dict[str, dict]) -> None:
        """Hand out the named generators in the given states (`generator_states`)."""
        for name, state in states.items():
            self[name].bit_generator.state = state

    def uniform(self, name: str, size) -> np.ndarray:
        """One float32 uniform per element: the unit of common random numbers here.

        numpy makes a float32 from each 32-bit half of the generator's 64-bit outputs and keeps an
        unused half for its next float32. While every count is even and no half is kept, the same
        floats come faster from the generator stepped in a kernel (`pcg64_float32`, which keeps the
        stream's state). A stream drawn an odd count, or handed to a caller (`streams[name]`),
        draws through numpy from then on (numpy's generator takes the state back)."""
        n = size if isinstance(size, int) else math.prod(size)
        if n % 2 or name in self._numpy_floats:
            self._numpy_floats.add(name)
            return self._generator(name).random(size, dtype=np.float32)
        stepped = self._stepped.get(name)
        if stepped is None:  # first draw: the kernel takes numpy's (unused) generator's state
            state = pcg64_state(self._generator(name))
            stepped = self._stepped[name] = (state, pcg64_jump(state))
        out = pcg64_float32(stepped[0], stepped[1], n // 2)
        return out if isinstance(size, int) else out.reshape(size)

    def hashed(self, name: str, step: int, idx: np.ndarray) -> np.ndarray:
        """Counter-based uniforms in [0, 1): one per index, a function of (seed, name, step, index) only.

        For processes that touch few, changing elements (open problems): the draw of element i
        at a step is the same whatever else happens, and costs nothing for elements not asked.
        """
        return splitmix_uniforms(self.offset(name, step), np.asarray(idx, np.int64))

    def offset(self, name: str, step: int) -> np.uint64:
        """The counter-based stream's key for (`name`, `step`): kernels draw element i's uniform
        as `splitmix_uniform(offset, i)`."""
        key = self._keys.get(name)
        if key is None:
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            key = self._keys[name] = int(ss.generate_state(1, np.uint64)[0])
        return np.uint64((int(step) * _STEP_MIX + key) & 0xFFFFFFFFFFFFFFFF)

    def nx_seed(self, name: str) -> int:
        """An integer seed for networkx, drawn from the named stream."""
        return int(self[name].integers(0, 2**31 - 1))
