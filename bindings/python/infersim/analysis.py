"""Questions asked of many runs: stresses and comparisons on common random numbers, goal
seeking and sweeps (the engine's analysis.hpp; ``infersim stress``, ``compare``, ``solve``
and ``sweep`` on the command line).

Every run of one call uses the same seed, so path i of every run draws the same random
numbers: differences between runs are the inputs' effect, not noise.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from . import _args, _core
from ._progress import ProgressCallback, progress_callback
from ._display import by_column, formatted, statistics_of
from .metrics import format_percent, format_value
from ._document import JsonDocument
from .result import Result, parse_json, read_text
from .scenario import Scenario, ScenarioLike, as_scenario

__all__ = ["Comparison", "SolveResult", "compare", "solve", "stress", "sweep"]


def stress(
    scenario: ScenarioLike,
    names: Union[str, Iterable[str], None] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    progress: Union[bool, ProgressCallback, None] = None,
) -> Comparison:
    """Run a scenario's stresses (all, or those named) beside it on the same paths.

    Options are those of :func:`infersim.run`. The result holds every run and the
    statistics of each stress's path-by-path difference from the base; its JSON is what
    ``infersim stress --out`` writes.

    >>> c = stress("scenarios/default.json", ["capex-overrun"], paths=5_000, seed=1)
    >>> list(c.variants)
    ['capex-overrun']
    >>> float(c.difference("capex-overrun")["prob_negative"])  # an overrun costs money on every path
    1.0
    """
    scenario = as_scenario(scenario)
    names = [] if names is None else [names] if isinstance(names, str) else list(names)
    with progress_callback(progress) as callback:
        core = _core.stress(
            scenario._core, names, **_run_options(paths, seed, sampler, antithetic, threads), progress=callback
        )
    return Comparison(core)


def compare(
    base: ScenarioLike,
    others: Union[Iterable[ScenarioLike], Mapping[str, ScenarioLike]],
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    progress: Union[bool, ProgressCallback, None] = None,
) -> Comparison:
    """Run other scenarios beside a base on the same paths.

    ``others`` is a list of scenarios (named by their ``name``) or a dict name -> scenario
    (``"base"`` names the base in :meth:`Comparison.table`, so no variant may take it);
    each variant's run is labelled with that name (its ``Result.scenario``).
    They need the base's inputs (the same clusters, in the same order) so that path i of
    each draws the same random numbers; a what-if made with
    :meth:`Scenario.with_overrides` always qualifies.

    >>> sc = Scenario.from_json("scenarios/default.json")
    >>> cheap = sc.with_overrides({"player.price_ratio": 0.6})
    >>> c = compare(sc, {"cheaper": cheap}, paths=5_000, seed=1)
    >>> bool(c.difference("cheaper")["mean"] < 0), c.variants["cheaper"].scenario
    (True, 'cheaper')
    """
    base = as_scenario(base, "base")
    if isinstance(others, Mapping):
        variants = [(str(name), as_scenario(sc, f"others[{name!r}]")) for name, sc in others.items()]
    elif isinstance(others, (Scenario, str, os.PathLike)):
        raise TypeError("others: expected a list of scenarios or a dict name -> scenario, got a single scenario")
    else:
        variants = [(sc.name, sc) for sc in (as_scenario(o, f"others[{i}]") for i, o in enumerate(others))]
    if any(name == _BASE for name, _ in variants):
        raise _core.InputError(f'compare: "{_BASE}" names the base; give the variant another name')
    with progress_callback(progress) as callback:
        core = _core.compare(
            base._core,
            [(name, sc._core) for name, sc in variants],
            **_run_options(paths, seed, sampler, antithetic, threads),
            progress=callback,
        )
    return Comparison(core)


# The label of the base in Comparison.table().
_BASE = "base"


class Comparison(JsonDocument):
    """A base run and its variants on common random numbers, with the statistics of each
    variant's path-by-path difference from the base (variant minus base).

    Difference statistics are those of ``infersim.difference_statistic_names``: the
    result's statistics and ``prob_negative`` (the share of paths where the variant is lower).
    Their ``se`` is the standard error of the mean difference, far smaller than that of
    two independent runs when the runs move together path by path.

    Like a :class:`Result`, a Comparison is its JSON: it pickles as that, and :meth:`load`
    reads one back from ``infersim stress --out`` or ``compare --out``.

    >>> c = stress("scenarios/default.json", paths=5_000, seed=1)
    >>> c.table().index.tolist()
    ['base', 'capex-overrun', 'price-war', 'utilization-slump']
    """

    __slots__ = ("_core", "_text", "_doc", "_base", "_variants")

    def __init__(self, core: _core.Comparison) -> None:
        self._core: Optional[_core.Comparison] = core
        self._text: Optional[str] = None  # the comparison JSON, made when first needed
        self._doc: Optional[dict[str, Any]] = None  # ... and parsed
        self._base = Result(core.base)
        self._variants = {v.name: Result(v.result) for v in core.variants}

    @classmethod
    def load(cls, path: Union[str, os.PathLike[str]]) -> Comparison:
        """A Comparison read back from a comparison JSON file (``infersim stress --out``,
        ``compare --out``, :meth:`save`), with the same runs, differences and tables.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "stress.json")
        >>> c = stress("scenarios/default.json", ["price-war"], paths=2_000, seed=1)
        >>> c.save(path)
        >>> Comparison.load(path).table().equals(c.table())
        True
        """
        return cls._from_json(read_text(path, "comparison"), os.fspath(path))

    @classmethod
    def _from_json(cls, text: str, where: str) -> Comparison:
        doc = parse_json(text, where, "a comparison")
        if not isinstance(doc, dict) or not isinstance(doc.get("base"), dict) or not isinstance(
            doc.get("variants"), list
        ):
            raise _core.InputError(f'{where}: not a comparison JSON: expected an object with "base" and "variants"')
        self = cls.__new__(cls)
        self._core, self._text, self._doc = None, text, doc
        self._base = Result._from_doc(doc["base"], f"{where}: base")
        self._variants = {}
        for i, v in enumerate(doc["variants"]):
            at = f"{where}: variants[{i}]"
            if not isinstance(v, dict) or not isinstance(v.get("name"), str):
                raise _core.InputError(f'{at}: expected an object with a "name"')
            difference = v.get("difference")
            if not isinstance(difference, dict) or not all(
                isinstance(difference.get(k), dict) for k in ("scalars", "series")
            ):
                raise _core.InputError(f'{at}.difference: expected an object with "scalars" and "series"')
            self._variants[v["name"]] = Result._from_doc(v.get("result"), f"{at}.result")
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_comparison, (self.to_json(),))

    def _document(self) -> dict[str, Any]:
        if self._doc is None:
            self._doc = json.loads(self.to_json())
        return self._doc

    def _difference_doc(self, name: str) -> dict[str, Any]:
        """The ``difference`` object of variant `name` in the comparison JSON."""
        if name not in self._variants:
            raise _core.InputError(f'variant: unknown variant "{name}"; expected one of {", ".join(self._variants)}')
        return next(v["difference"] for v in self._document()["variants"] if v["name"] == name)

    @property
    def base(self) -> Result:
        """The base scenario's run."""
        return self._base

    @property
    def variants(self) -> dict[str, Result]:
        """Each variant's run, by name, in the order they were given."""
        return dict(self._variants)

    def difference(self, name: str, metric: str = "npv_usd") -> Union[pd.Series, pd.DataFrame]:
        """Statistics of the path-by-path difference of a metric, variant `name` minus base.

        A Series for a scalar metric; for a yearly metric a DataFrame, one row per year.

        >>> c = stress("scenarios/default.json", ["price-war"], paths=5_000, seed=1)
        >>> d = c.difference("price-war", "revenue_usd")
        >>> d.index.name, bool(d.loc[2030, "p50"] < 0)
        ('year', True)
        """
        columns, stats = _statistics(self._difference_doc(name), metric)
        if stats.ndim == 1:
            return pd.Series(stats, index=columns, name=f"{metric}: {name} - base")
        frame = pd.DataFrame(stats, index=pd.Index(self._base.years, name="year"), columns=columns)
        return formatted(frame, lambda _year, stat: lambda x: format_value(metric, x, statistic=f"diff_{stat}"))

    def table(self, metric: str = "npv_usd", year: Optional[int] = None) -> pd.DataFrame:
        """One row per run, the base first: the metric's p5, p50, p95 and P(> 0), then the
        difference from the base's mean, se, p5, p50, p95 and P(< 0) (NaN for the base).

        ``year`` picks the year of a yearly metric.

        >>> t = stress("scenarios/default.json", paths=5_000, seed=1).table()
        >>> t.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['p5', 'p50', 'p95', 'prob_positive',
         'diff_mean', 'diff_se', 'diff_p5', 'diff_p50', 'diff_p95', 'diff_prob_negative']
        >>> bool(t.loc["capex-overrun", "diff_mean"] < 0)
        True
        """
        is_series = metric in _core.series_names
        years = self._base.years
        if is_series and year not in years:
            raise _core.InputError(f'year: "{metric}" is a series; pass one of the years {years[0]}..{years[-1]}')
        if not is_series and year is not None:
            raise _core.InputError(f'year: "{metric}" is a scalar (one value a path); remove year')

        def pick(stats_doc: dict[str, Any]) -> dict[str, float]:
            columns, stats = _statistics(stats_doc, metric)
            return dict(zip(columns, stats[years.index(year)] if is_series else stats))

        doc = self._document()
        own = ["p5", "p50", "p95", "prob_positive"]
        diff = ["mean", "se", "p5", "p50", "p95", "prob_negative"]
        base = pick(doc["base"])
        rows = {_BASE: [base[s] for s in own] + [math.nan] * len(diff)}
        for v in doc["variants"]:
            stats, d = pick(v["result"]), pick(v["difference"])
            rows[v["name"]] = [stats[s] for s in own] + [d[s] for s in diff]
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=own + [f"diff_{s}" for s in diff])
        frame.index.name = "run"
        return formatted(frame, statistics_of(metric))

    # -- the comparison JSON ----------------------------------------------------------

    # -- display ----------------------------------------------------------------------

    def __repr__(self) -> str:
        base = self._base
        variants = ", ".join(map(repr, self._variants))
        return f"Comparison({base.scenario!r} and {variants}, {base.paths} paths, seed {base.seed})"

    def _repr_html_(self) -> str:
        base = self._base
        table = self.table()
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(name))}</th>"
            f"<td>{format_value('npv_usd', row['p50'])}</td><td>{format_percent(row['prob_positive'])}</td>"
            + (
                "<td></td><td></td>"
                if name == _BASE
                else f"<td>{format_value('npv_usd', row['diff_mean'])} ± "
                f"{format_value('npv_usd', 1.96 * row['diff_se'])}</td>"
                f"<td>{format_percent(row['diff_prob_negative'])}</td>"
            )
            + "</tr>"
            for name, row in table.iterrows()
        )
        return (
            f"<div><b>{html.escape(base.scenario)}</b> and {len(self._variants)} variant(s) on the same "
            f"{base.paths:,} paths, seed {base.seed}"
            "<table><tr><th></th><th>NPV p50</th><th>P(NPV &gt; 0)</th>"
            "<th>NPV change (mean ± 1.96 se)</th><th>P(lower)</th></tr>"
            f"{cells}</table></div>"
        )


def _restore_comparison(text: str) -> Comparison:
    """A pickled Comparison (Comparison.__reduce__)."""
    return Comparison._from_json(text, "pickled comparison")


def _statistics(stats: dict[str, Any], metric: str) -> tuple[list[str], np.ndarray]:
    """A metric's statistics in a ``{"scalars", "series"}`` object of the JSON: their names,
    and their values with shape (S,) for a scalar, (years, S) for a series (null as NaN)."""
    for kind in ("scalars", "series"):
        if metric in stats[kind]:
            values = stats[kind][metric]
            array = np.array([[math.nan if x is None else x for x in (v if isinstance(v, list) else [v])]
                              for v in values.values()], dtype=np.float64)
            return list(values), array[:, 0] if kind == "scalars" else array.T
    known = ", ".join([*_core.scalar_names, *_core.series_names])
    raise _core.InputError(f'metric: unknown metric "{metric}"; expected one of {known}')


@dataclass(frozen=True, repr=False)
class SolveResult(JsonDocument):
    """Where a goal seek ended: the input value `root` at which `statistic` is closest to
    `target` within the final `bracket`, and every run it took (`trace`)."""

    input: str
    statistic: str
    target: float
    root: float
    achieved: float  #: the statistic at the root
    bracket: tuple[float, float]
    trace: pd.DataFrame = field(compare=False)  #: one row per run in order: input value, statistic
    _core: _core.SolveResult = field(compare=False)

    @property
    def runs(self) -> int:
        return len(self.trace)

    def __repr__(self) -> str:
        return (
            f"SolveResult({self.input} = {self.root:.6g}: {self.statistic} = {self.achieved:.6g} "
            f"for the target {self.target:.6g}; bracket [{self.bracket[0]:.6g}, {self.bracket[1]:.6g}], "
            f"{self.runs} runs)"
        )


def solve(
    scenario: ScenarioLike,
    input: str,
    lo: float,
    hi: float,
    target: str = "npv_usd:p50",
    value: float = 0.0,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    x_tolerance: float = 0.0,
    max_runs: int = 40,
    progress: Union[bool, ProgressCallback, None] = None,
) -> SolveResult:
    """Goal seek: the value of `input` in [lo, hi] at which the statistic `target`
    (``METRIC[@YEAR]:STATISTIC``, e.g. ``npv_usd:p50`` or ``npv_usd:prob_positive``) equals
    `value`.

    Each evaluation is a full run with the same seed (TOMS 748 bracketing). ValueError when
    the target is not bracketed, naming the statistic's values at lo and hi. `x_tolerance`
    (0: a millionth of the range) stops the search; `max_runs` bounds it. ``progress``
    follows each run in turn (see :func:`infersim.run`).

    >>> s = solve("scenarios/default.json", "market.price_decline", 0.1, 0.9, "npv_usd:p50", 0, paths=5_000, seed=1)
    >>> 0.1 < s.root < 0.9, s.trace.columns.tolist()
    (True, ['market.price_decline', 'npv_usd:p50'])
    """
    scenario = as_scenario(scenario)
    with progress_callback(progress) as callback:
        core = _core.solve(
            scenario._core,
            input,
            lo,
            hi,
            target=target,
            value=value,
            **_run_options(paths, seed, sampler, antithetic, threads),
            x_tolerance=x_tolerance,
            max_runs=max_runs,
            progress=callback,
        )
    trace = pd.DataFrame(core.trace, columns=[core.input, core.statistic])
    trace.index = pd.RangeIndex(1, len(trace) + 1, name="run")
    return SolveResult(core.input, core.statistic, core.target, core.root, core.achieved, core.bracket, trace, core)


def sweep(
    scenario: ScenarioLike,
    grid: Mapping[str, Iterable[float]],
    statistics: Union[str, Iterable[str]] = ("npv_usd:p50", "npv_usd:prob_positive"),
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    progress: Union[bool, ProgressCallback, None] = None,
) -> pd.DataFrame:
    """A full run at every point of a grid of one input, or of the product of two, with the
    same seed: one row per point (the first input varies slowest), the input columns then
    one column per statistic (``METRIC[@YEAR]:STATISTIC``).

    A two-input sweep pivots into a heatmap with ``df.pivot(index=y, columns=x, values=stat)``
    (see :func:`infersim.plot.sweep_heatmap`).

    >>> df = sweep("scenarios/default.json", {"market.price_decline": [0.3, 0.5], "player.share_end": [0.05, 0.1]},
    ...            ["npv_usd:p50"], paths=2_000, seed=1)
    >>> df.shape, df.columns.tolist()
    ((4, 3), ['market.price_decline', 'player.share_end', 'npv_usd:p50'])
    """
    scenario = as_scenario(scenario)
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid: expected a dict input path -> values, got {type(grid).__name__}")
    statistics = [statistics] if isinstance(statistics, str) else list(statistics)
    points = [(str(name), [float(x) for x in np.atleast_1d(values)]) for name, values in grid.items()]
    with progress_callback(progress) as callback:
        core = _core.sweep(
            scenario._core,
            points,
            statistics,
            **_run_options(paths, seed, sampler, antithetic, threads),
            progress=callback,
        )
    frame = pd.DataFrame(core.points, columns=[*core.inputs, *core.statistics])
    statistics = set(core.statistics)
    return formatted(frame, by_column(lambda column: column if column in statistics else None))


def _run_options(
    paths: Optional[int],
    seed: Optional[int],
    sampler: Optional[str],
    antithetic: Optional[bool],
    threads: Optional[int],
) -> dict[str, Any]:
    """run()'s options as keyword arguments of the compiled functions."""
    return {"paths": _args.paths(paths), "seed": _args.seed(seed), "sampler": sampler, "antithetic": antithetic, "threads": threads or 0}
