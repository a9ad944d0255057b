"""Independent, reproducible random streams: one per purpose and per chunk.

Each part of the generator draws from its own stream, keyed by (seed, purpose, chunk or
account), so adding a draw in one part never shifts another, and a chunk can be regenerated
on its own (the follow graph is drawn twice: once to count degrees, once to write).
"""

from __future__ import annotations

import hashlib
import random

import numpy as np

# Purposes. Values are part of the output's identity: changing one changes every scenario.
PLAN = 1
IDENTITY = 2
FOLLOWS = 3
NETWORK = 4
CROWD = 5
REPORTS = 6
CORPUS = 7
# Writers' habits and what returners keep of them (style.py): added last, its own stream, so the
# streams above draw exactly what they drew before it existed.
STYLE = 8


def numpy_rng(seed: int, purpose: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, purpose, *keys])


def python_rng(seed: int, purpose: int, *keys: int) -> random.Random:
    return random.Random(derive(seed, purpose, *keys))


def derive(seed: int, purpose: int, *keys: int) -> int:
    """A 64-bit integer seed for (seed, purpose, keys), stable across Python versions."""
    return int.from_bytes(digest(seed, purpose, *keys, size=8), "little")


def digest(seed: int, purpose: int, *keys: int, size: int) -> bytes:
    """`size` pseudo-random bytes for (seed, purpose, keys): random access, no state."""
    return hashlib.blake2b(
        ",".join(str(k) for k in (seed, purpose, *keys)).encode(), digest_size=size
    ).digest()
