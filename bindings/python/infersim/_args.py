"""Checks of the run options shared by every function that runs the engine: `paths` and
`seed` as the command line takes them (``2e5`` is a whole number, ``True`` is not)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
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


def target_se(value: object) -> list[str]:
    """The targets of a run to a target precision as the engine's specs
    (``METRIC[@YEAR]:mean=SE`` or ``...=PERCENT%``): one spec, a list of them, or a dict
    ``{statistic: se}`` whose values are numbers (absolute) or strings such as ``"1%"``.

    >>> target_se({"npv_usd": 1e8, "revenue_usd@2030:mean": "2%"})
    ['npv_usd=100000000.0', 'revenue_usd@2030:mean=2%']
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        specs = []
        for key, target in value.items():
            if isinstance(target, str):
                specs.append(f"{key}={target.strip()}")
            elif isinstance(target, numbers.Real) and not isinstance(target, bool):
                specs.append(f"{key}={float(target)!r}")
            else:
                raise ValueError(f"target_se: {key}: expected an se (a number) or a percentage of |mean| "
                                 f"(a string such as '1%'), got {target!r}")
        return _some(specs)
    if isinstance(value, Iterable):
        specs = list(value)
        if all(isinstance(v, str) for v in specs):
            return _some(specs)
    raise ValueError(f"target_se: expected 'METRIC:mean=SE', a list of them or a dict {{METRIC: SE}}, got {value!r}")


def cap(paths_value: object, max_paths: object) -> Optional[int]:
    """The paths of a run, or its cap with a target precision: `paths` or `max_paths`."""
    if max_paths is not None and paths_value is not None:
        raise ValueError("max_paths: give paths or max_paths (the cap of a target_se run), not both")
    return whole(max_paths, "max_paths", 1, 10**12) if max_paths is not None else paths(paths_value)


def precision_only(target_se: object, target_step: object, max_paths: object) -> None:
    """target_step and max_paths belong to a run to a target precision."""
    for name, value in (("target_step", target_step), ("max_paths", max_paths)):
        if target_se is None and value is not None:
            raise ValueError(f"{name}: only with target_se (got {value!r})")


def _some(specs: list[str]) -> list[str]:
    if not specs:
        raise ValueError("target_se: no target given")
    return specs
