"""Checks of the run options shared by every function that runs the engine: `paths` and
`seed` as the command line takes them (``2e5`` is a whole number, ``True`` is not)."""

from __future__ import annotations

import numbers
from typing import Optional

_SEED_MAX = 2**64 - 1


def whole(value: object, name: str, lo: int, hi: int) -> Optional[int]:
    """`value` as an int in [lo, hi]: ints (NumPy's too) and integer-valued floats; None
    passes through; bools, fractions, NaN and other types are ValueError.

    >>> whole(2e5, "paths", 1, 10**12)
    200000
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        x = float(value)
        if not x.is_integer():
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        number = int(x)
    if number < lo:
        raise ValueError(f"{name}: must be >= {lo}, got {value!r}")
    if number > hi:
        raise ValueError(f"{name}: must be <= {hi}, got {value!r}")
    return number


def paths(value: object) -> Optional[int]:
    return whole(value, "paths", 1, 10**12)


def seed(value: object) -> Optional[int]:
    return whole(value, "seed", 0, _SEED_MAX)
