"""What each metric is: its unit, a readable label and its kind, and how to write a value of it.

One table for every metric of a path (``docs/model.md`` §9): the plots, the DataFrame
displays and the tidy tables (:meth:`infersim.Result.to_frame`) read it, so that a revenue
is written ``$13.0B``, a utilization ``85.0%`` and a payback year ``2031`` everywhere.

>>> metric_info("npv_usd")
MetricInfo(unit='USD', label='Net present value', kind='money', short='NPV')
>>> format_value("revenue_usd", 13.04e9), format_value("utilization", 0.85), format_value("payback_year", 2031.0)
('$13.0B', '85.0%', '2031')

Names may carry a year and a statistic as elsewhere in infersim (``metric@year:statistic``);
probabilities and shares of paths are fractions whatever the metric:

>>> format_value("npv_usd:prob_positive", 0.404), format_value("payback_year", 1.26, statistic="sd")
('40.4%', '1.3 years')

Kinds: ``money`` (USD amounts), ``price`` (USD per unit), ``fraction`` (a share, 0 to 1),
``ratio`` (a quotient written as a percentage, not bounded by 1), ``count`` (tokens) and
``year`` (a calendar year). Large numbers take the suffixes k, M, B, T and Q (thousand,
million, billion, trillion, quadrillion).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Optional

from . import _core

__all__ = [
    "METRICS", "MetricInfo", "format_percent", "format_value", "metric_info", "scale_for", "split_name", "statistic_unit",
]

Kind = Literal["money", "price", "fraction", "ratio", "count", "year", "number"]


@dataclass(frozen=True)
class MetricInfo:
    """A metric's unit (``"USD"``, ``"USD/yr"``, ``"fraction"``, ...), its readable label,
    its kind (how to write its values) and a short label for tight places (``"NPV"``)."""

    unit: str
    label: str
    kind: Kind
    short: str = ""

    def __post_init__(self) -> None:
        if not self.short:
            object.__setattr__(self, "short", self.label)


#: Every metric by name: the series (one value a year) in the engine's order, then the
#: scalars (one value a path). The rows are the engine's own table (``metric_table`` in
#: engine/src/model/metrics.cpp, also the result JSON's ``metrics`` block); units as in
#: docs/model.md §9.
METRICS: Mapping[str, MetricInfo] = MappingProxyType({
    name: MetricInfo(row["unit"], row["label"], row["kind"], row["short"])
    for name in (*_core.series_names, *_core.scalar_names)
    for row in (_core.metric_table[name],)
})

def split_name(name: str) -> tuple[str, Optional[int], Optional[str]]:
    """``"metric[@year][:statistic]"`` as (metric, year or None, statistic or None).

    >>> split_name("revenue_usd@2028:p50")
    ('revenue_usd', 2028, 'p50')
    """
    metric, _, statistic = name.partition(":")
    metric, at, year = metric.partition("@")
    if at and not year.lstrip("-").isdigit():
        raise ValueError(f'metric: "{name}": expected a whole year after "@"')
    return metric, int(year) if at else None, statistic or None


def metric_info(name: str) -> MetricInfo:
    """The unit, label and kind of a metric (``"npv_usd"``; a year or a statistic after
    the name, as in ``"revenue_usd@2028:p50"``, is allowed and ignored).

    ValueError for an unknown metric, naming the known ones.

    >>> metric_info("revenue_usd@2028").label
    'Revenue (ARR)'
    """
    metric = split_name(name)[0]
    # A segment's series (model-v2 §B), "revenue_usd.small-open": in the unit of the total it
    # breaks down (a share is a fraction, an LCOT a price).
    if "." in metric:
        series = metric.split(".", 1)[0]
        metric = {"share": "utilization", "lcot_usd_per_mtok": "price_usd_per_mtok"}.get(series, series)
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f'metric: unknown metric "{metric}"; expected one of {", ".join(METRICS)}') from None


def statistic_unit(name: str, statistic: Optional[str] = None) -> str:
    """The unit of a statistic of a metric: the metric's own unit, ``"fraction"`` for a
    share of paths (``prob_positive``, ``prob_negative``, ``defined_fraction``) and
    ``"years"`` for the spread (``sd``, ``se``) or a difference (``diff_*``) of a year.

    >>> statistic_unit("npv_usd", "p50"), statistic_unit("npv_usd", "prob_positive")
    ('USD', 'fraction')
    >>> statistic_unit("payback_year", "sd")
    'years'
    """
    metric, _, named = split_name(name)
    info = metric_info(metric)
    statistic = statistic or named
    return info.unit if statistic is None else _core.statistic_unit(metric, statistic)


def format_value(name: str, x: Optional[float], statistic: Optional[str] = None, digits: int = 1) -> str:
    """A value of a metric (or of one of its statistics) as text in its unit:
    ``$13.0B``, ``-$9.3B``, ``85.0%``, ``2031``, ``$0.42/Mtok``, ``3.2Q tokens``.

    `statistic` (or ``name``'s ``:statistic``) says which statistic `x` is, when that
    changes its unit (see :func:`statistic_unit`). Undefined values (None, NaN) are
    ``"n/a"``. `digits` is the number of decimals after scaling.

    >>> format_value("npv_usd", -9.3158e9), format_value("irr", 0.1204), format_value("capex_usd", 2.4e7)
    ('-$9.3B', '12.0%', '$24.0M')
    >>> format_value("payback_year", 1.26, statistic="sd"), format_value("price_usd_per_mtok", 0.4219)
    ('1.3 years', '$0.42/Mtok')
    """
    info = metric_info(name)
    unit = statistic_unit(name, statistic)
    if x is None or not math.isfinite(x):
        return "n/a"
    if unit in ("fraction", "fraction/yr", "ratio"):
        return format_percent(x, digits)
    if unit == "years":
        return f"{x:.{digits}f} years"
    if info.kind == "year":
        return f"{x:.0f}"
    if info.kind in ("money", "price"):
        text = _scaled(abs(x), digits, keep_small=0 if info.kind == "money" else 2)
        sign = "-" if x < 0 and text != "0" else ""
        per = f"/{info.unit.partition('/')[2]}" if info.kind == "price" else ""
        return f"{sign}${text}{per}"
    if info.kind == "count":
        noun = info.unit.partition("/")[0]
        return f"{_scaled(x, digits, keep_small=0)} {noun}"
    return f"{x:,.{digits}f}"


def format_percent(x: Optional[float], digits: int = 1) -> str:
    """A fraction as a percentage (``0.404`` is ``40.4%``); None and NaN are ``"n/a"``.

    >>> format_percent(0.404), format_percent(None)
    ('40.4%', 'n/a')
    """
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.{digits}f}%"


_SCALES = ((1e15, "Q"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _scaled(x: float, digits: int, keep_small: int) -> str:
    """`x` with the largest suffix under which it is at least 1 once rounded (999.96M is
    1.0B); below a thousand, with `keep_small` decimals."""
    for scale, suffix in _SCALES:
        if round(abs(x) / scale, digits) >= 1:
            return f"{x / scale:,.{digits}f}{suffix}"
    return f"{x:,.{keep_small}f}" if round(x, keep_small) != 0 else "0"


def scale_for(values_max: float) -> tuple[float, str]:
    """The (scale, suffix) :func:`format_value` uses for numbers up to `values_max`: the one
    an axis of such numbers shares (``(1e9, "B")`` for 13e9)."""
    for scale, suffix in _SCALES:
        if abs(values_max) >= scale:
            return scale, suffix
    return 1.0, ""
