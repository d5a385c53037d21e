"""Named random streams (common random numbers).

Each stochastic process draws from its own generator, derived from the run's seed and a
stable key (CRC32 of the process name, never Python's salted `hash`). Every process draws a
full array each step whatever the state, so one household's changed path moves no other
household's draws, and a policy at dose zero leaves every draw where it was.
"""

from __future__ import annotations

import zlib

import numpy as np

from .jit import splitmix_uniforms

_STEP_MIX = 0xD1B54A32D192ED03  # SplitMix64's second constant: spreads the step over the key


def stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}
        self._keys: dict[str, np.uint64] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            gen = self._gens[name] = np.random.Generator(np.random.PCG64(ss))
        return gen

    def uniform(self, name: str, size) -> np.ndarray:
        """One float32 uniform per element: the unit of common random numbers here."""
        return self[name].random(size, dtype=np.float32)

    def hashed(self, name: str, step: int, idx: np.ndarray) -> np.ndarray:
        """Counter-based uniforms in [0, 1): one per index, a function of (seed, name, step, index) only.

        For processes that touch few, changing elements (open problems): the draw of element i
        at a step is the same whatever else happens, and costs nothing for elements not asked.
        """
        return splitmix_uniforms(self.offset(name, step), np.asarray(idx, np.int64))

    def offset(self, name: str, step: int) -> np.uint64:
        """The counter-based stream's key for (`name`, `step`): kernels draw element i's uniform
        as `model.jit.splitmix_uniform(offset, i)`."""
        key = self._keys.get(name)
        if key is None:
            ss = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            key = self._keys[name] = int(ss.generate_state(1, np.uint64)[0])
        return np.uint64((int(step) * _STEP_MIX + key) & 0xFFFFFFFFFFFFFFFF)

    def nx_seed(self, name: str) -> int:
        """An integer seed for networkx, drawn from the named stream."""
        return int(self[name].integers(0, 2**31 - 1))
