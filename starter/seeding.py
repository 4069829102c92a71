"""One call to make a notebook's randomness reproducible."""

from __future__ import annotations

import random

import numpy as np

__all__ = ["seed_everything"]


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's ``random`` and numpy's global generator; return a fresh Generator.

    Code that uses ``np.random.randn`` & co. (CS231n style) becomes reproducible;
    new code should prefer the returned ``np.random.Generator``, seeded with the
    same value. ``Solver`` objects created without ``seed=`` draw their seed from
    numpy's global generator, so this call makes them reproducible too.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be between 0 and 2**32 - 1 (numpy's limit), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    return np.random.default_rng(seed)
