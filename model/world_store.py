"""Streets kept for the next model of the same structure: a batch worker builds each street once.

A sensitivity study runs thousands of models at one seed whose streets differ in one or two
structural parameters (the Sobol' study's `households_per_compound` gives 27 streets over 22,528
runs); building the street (compounds, households, grids, the network) was two thirds of a
model's set-up. `model.world.build_world` is a function of the seed, of the parameters it reads
and of the draws it makes from its own named streams, each its own generator that nothing else
in a run touches. So the street a model built is kept, and handed to the next model with the
same seed and the same value of every parameter the build read, together with the states in
which the build left its streams: that model's street, streams and every later draw are the ones
a fresh build gives (`tests/test_world_store.py` holds runs from a kept street to fresh ones,
bit for bit). Models share a kept street, so nothing may write into a `World`'s arrays: the test
runs every shipped scenario and a classroom session on one and checks its arrays are untouched.

Only generated streets are kept (a compounds file or table is the caller's), up to `_HOUSEHOLDS`
households in all, the least recently used given up first; `clear` empties the store.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

from .streams import Streams
from .world import World, build_world

_HOUSEHOLDS = 200_000  # households of all kept streets together (about 70 MB): a worker's memory, not the model's
_store: OrderedDict[int, tuple[int, dict[str, Any], dict[str, dict], World]] = OrderedDict()
_lock = threading.Lock()  # (a dask worker may run models in threads)
_made = 0


class _Reading(dict):
    """The parameters, remembering every one that is read (and its value) while a street is built."""

    def __init__(self, p: dict):
        super().__init__(p)
        self.read: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        value = dict.__getitem__(self, key)
        self.read[key] = value
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = dict.get(self, key, default)
        self.read[key] = value
        return value


def _same(a: Any, b: Any) -> bool:
    """The same value of the same type (nan is nan: a parameter set to nan builds the same street)."""
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def world_for(p: dict, streams: Streams, compounds: Any = None) -> World:
    """`build_world(p, streams, compounds)`, from the store when a street of the same seed and
    structure was built before (the streams are then left as the build would leave them)."""
    if compounds is not None or not streams.untouched():
        return build_world(p, streams, compounds)
    with _lock:
        for key, (seed, read, states, world) in _store.items():
            if seed == streams.seed and all(k in p and _same(p[k], v) for k, v in read.items()):
                _store.move_to_end(key)
                streams.restore(states)
                return world
    reading = _Reading(p)
    world = build_world(reading, streams)
    states = streams.generator_states()
    if states is not None and world.n <= _HOUSEHOLDS:
        _keep(streams.seed, reading.read, states, world)
    return world


def _keep(seed: int, read: dict[str, Any], states: dict[str, dict], world: World) -> None:
    global _made
    with _lock:
        _made += 1
        _store[_made] = (seed, read, states, world)
        while sum(entry[3].n for entry in _store.values()) > _HOUSEHOLDS:
            _store.popitem(last=False)


def clear() -> None:
    """Give up every kept street (a caller that wants its memory back)."""
    with _lock:
        _store.clear()


def kept() -> int:
    """How many streets are kept."""
    return len(_store)
