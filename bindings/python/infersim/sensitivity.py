"""Which uncertain inputs move a metric, and how much (docs/analysis.md, "Sensitivity"):
tornado diagrams, Spearman rank correlations with their contribution to variance, and
Sobol indices with bootstrap intervals.

Each function returns a DataFrame indexed by input, most important first as the engine
sorts it, with the numbers of the command line's ``--out`` JSON; the rest of that JSON
(scenario, metric, base value, sample, ``warnings`` about correlations, ...) is in
``frame.attrs``.

The metric is a metric of one path: a scalar such as ``"npv_usd"`` or a series in one
year such as ``"revenue_usd@2028"`` (a statistic such as ``npv_usd:p50`` is for
:func:`infersim.sweep` and :func:`infersim.solve`).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Literal, Optional

import pandas as pd

from . import _args, _core
from ._display import formatted
from .metrics import format_percent, format_value
from .scenario import ScenarioLike, as_scenario

__all__ = ["sobol", "spearman", "tornado"]


def tornado(
    scenario: ScenarioLike,
    metric: str = "npv_usd",
    method: Literal["deterministic", "montecarlo"] = "deterministic",
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
) -> pd.DataFrame:
    """The metric when each uncertain input is low and when it is high, largest swing first.

    ``method="deterministic"`` (one input at a time): each input at its p10 and p90 with
    every other input at its median; ``attrs["base"]`` is the metric with all at their
    medians. No sampling, so `paths`, `seed` and `sampler` are not taken. Correlations are
    ignored by construction.

    ``method="montecarlo"``: from a sample drawn as :func:`infersim.run` draws it (the
    options are run()'s), the metric's mean over the paths where the input is in its
    bottom and in its top decile; ``attrs["base"]`` is its mean over all paths, and the
    columns ``low_paths`` and ``high_paths`` count the paths in each decile.

    Columns: ``low_input`` and ``high_input`` (the input's low and high values), ``low``,
    ``high`` (the metric there) and ``swing`` (``|high - low|``). Plot it with
    :func:`infersim.plot.tornado`.

    >>> t = tornado("scenarios/default.json", "npv_usd")
    >>> t.index[0], t.columns.tolist()
    ('market.price_decline', ['low_input', 'high_input', 'low', 'high', 'swing'])
    >>> bool(t.loc["market.price_decline", "high"] < t.attrs["base"])  # faster price decline, lower NPV
    True
    """
    scenario = as_scenario(scenario)
    doc = _core.tornado(
        scenario._core, metric, method=method, paths=_args.paths(paths), seed=_args.seed(seed), sampler=sampler,
        antithetic=antithetic, threads=threads or 0,
    )
    frame = _frame(doc)

    def cell(_input: Any, column: Any) -> Optional[Callable[[float], str]]:
        if column in ("low", "high"):
            return lambda x: format_value(doc["metric"], x)
        if column == "swing":  # a difference: a number of years for a payback year
            return lambda x: format_value(doc["metric"], x, statistic="diff_mean")
        return None

    return formatted(frame, cell)


def spearman(
    scenario: ScenarioLike,
    metric: str = "npv_usd",
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
) -> pd.DataFrame:
    """Each uncertain input's Spearman rank correlation with the metric, largest ``|rho|``
    first, over a sample drawn as :func:`infersim.run` draws it (run()'s options).

    Columns: ``rank_correlation`` and ``contribution_to_variance``, the squared rank
    correlation as a share of their sum (as @RISK and Crystal Ball report it: a ranking
    aid, not a decomposition of the variance). An input's correlation includes the effect
    of the inputs correlated with it (``attrs["warnings"]`` says when there are any).

    >>> s = spearman("scenarios/default.json", "npv_usd", paths=5_000, seed=1)
    >>> s.index[0], round(float(s["contribution_to_variance"].sum()), 12)
    ('market.price_decline', 1.0)
    """
    scenario = as_scenario(scenario)
    doc = _core.spearman(
        scenario._core, metric, paths=_args.paths(paths), seed=_args.seed(seed), sampler=sampler, antithetic=antithetic, threads=threads or 0
    )
    return formatted(_frame(doc), _shares_of_variance({"contribution_to_variance"}))


def sobol(
    scenario: ScenarioLike,
    metric: str = "npv_usd",
    base_rows: int = 8192,
    seed: Optional[int] = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    threads: Optional[int] = None,
) -> pd.DataFrame:
    """First-order and total Sobol indices of each uncertain input, largest total first.

    Saltelli's design with ``base_rows`` rows: ``base_rows * (inputs + 2)`` evaluations of
    the model, inputs drawn independently from their own distributions (correlations are
    removed, with a warning in ``attrs["warnings"]``). `seed` (default: the scenario's)
    keys the design and the bootstrap, so the result is the same on any number of threads.

    Columns: ``first_order`` with its ``confidence`` interval ``first_order_lo`` ..
    ``first_order_hi`` from `bootstrap` resamples (NaN when ``bootstrap=0``), and the
    same for ``total``. ``attrs`` holds the metric's ``mean`` and ``variance`` and the
    design's size.

    >>> s = sobol("scenarios/default.json", "npv_usd", base_rows=1024, seed=1)
    >>> s.index[0], bool(s.loc["market.price_decline", "first_order_lo"] > 0.5)  # over half the variance
    ('market.price_decline', True)
    """
    scenario = as_scenario(scenario)
    doc = _core.sobol(
        scenario._core, metric, base_rows=base_rows, seed=_args.seed(seed), bootstrap=bootstrap, confidence=confidence,
        threads=threads or 0,
    )
    frame = _frame(doc)
    return formatted(frame, _shares_of_variance({c for c in frame.columns if c.startswith(("first_order", "total"))}))


def _shares_of_variance(columns: set[str]) -> Callable[[Any, Any], Optional[Callable[[float], str]]]:
    """Cells of `columns` displayed as percentages (shares of a variance)."""
    return lambda _input, column: format_percent if column in columns else None


def _frame(doc: dict[str, Any]) -> pd.DataFrame:
    """The result JSON's ``inputs`` as a DataFrame indexed by input, each interval
    ``<name>_interval: [lo, hi]`` split into ``<name>_lo`` and ``<name>_hi``; the rest of
    the JSON goes to its attrs."""
    rows = []
    for entry in doc["inputs"]:
        row = {}
        for key, value in entry.items():
            if key.endswith("_interval"):
                name = key.removesuffix("_interval")
                row[f"{name}_lo"], row[f"{name}_hi"] = (_number(v) for v in value or (None, None))
            else:
                row[key] = _number(value)
        rows.append(row)
    frame = pd.DataFrame.from_records(rows).set_index("input")
    frame.attrs.update({key: value for key, value in doc.items() if key != "inputs"})
    return frame


def _number(value: Any) -> Any:
    """JSON's null (an undefined number) as NaN."""
    return math.nan if value is None else value
