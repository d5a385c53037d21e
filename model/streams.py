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

from .jit import kernel

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


@kernel
def float32_pairs(raw):
    """numpy's float32 uniforms from a PCG64 generator's raw 64-bit outputs: each output gives two,
    its low 32 bits first, each `(bits >> 8) x 2**-24` (numpy's `next_float`), so the floats are
    exactly those of `Generator.random(2 * len(raw), dtype=float32)`."""
    out = np.empty(2 * len(raw), np.float32)
    for k in range(len(raw)):
        r = raw[k]
        out[2 * k] = np.float32((r & _U32) >> _S8) * _F32_UNIT
        out[2 * k + 1] = np.float32(r >> _S40) * _F32_UNIT
    return out


def stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}
        self._keys: dict[str, np.uint64] = {}
        self._numpy_floats: set[str] = set()  # streams whose float32 uniforms must come from numpy itself

    def __getitem__(self, name: str) -> np.random.Generator:
        """The named stream's generator, for a caller to draw from as it likes."""
        self._numpy_floats.add(name)  # (its draws may leave a half of an output kept: see `uniform`)
        return self._generator(name)

    def _generator(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            gen = self._gens[name] = np.random.Generator(np.random.PCG64(ss))
        return gen

    def uniform(self, name: str, size) -> np.ndarray:
        """One float32 uniform per element: the unit of common random numbers here.

        numpy makes a float32 from each 32-bit half of the generator's 64-bit outputs and keeps an
        unused half for its next float32. With an even count and no half kept, the same floats come
        twice as fast from the raw outputs split in a kernel (`float32_pairs`; the generator ends
        in the same state, bar the stale kept half numpy never reads). A stream drawn an odd count,
        or handed to a caller (`streams[name]`), always draws through numpy."""
        gen = self._generator(name)
        n = size if isinstance(size, int) else math.prod(size)
        if n % 2 or name in self._numpy_floats:
            self._numpy_floats.add(name)
            return gen.random(size, dtype=np.float32)
        return float32_pairs(gen.bit_generator.random_raw(n // 2)).reshape(size)

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
