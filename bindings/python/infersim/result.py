"""Running a scenario and reading its result: statistics as pandas DataFrames (years as the
index), per-path samples as NumPy arrays, and the result JSON of the command line."""

from __future__ import annotations

import difflib
import html
import json
import math
import os
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional, Union

import numpy as np
import pandas as pd

from . import _args, _core
from ._document import JsonDocument
from ._display import formatted, statistics_by_row, statistics_of, tidy_formatted
from ._progress import ProgressCallback, progress_callback
from .metrics import format_percent, format_value, metric_info, statistic_unit
from .scenario import Scenario, as_scenario, claims_frame

__all__ = ["Result", "run"]


def run(
    scenario: Union[Scenario, str, os.PathLike[str]],
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    sampler: Optional[str] = None,
    antithetic: Optional[bool] = None,
    threads: Optional[int] = None,
    keep_samples: Union[str, Iterable[str]] = (),
    progress: Union[bool, ProgressCallback, None] = None,
    quantiles: Iterable[float] = (),
    thresholds: Optional[Mapping[str, Union[float, Iterable[float]]]] = None,
    target_se: Union[str, Iterable[str], Mapping[str, Union[float, str]], None] = None,
    target_step: Optional[int] = None,
    max_paths: Optional[int] = None,
) -> Result:
    """Run a scenario and return its :class:`Result`.

    Options left as None take the scenario's ``simulation`` values. ``threads`` (None or 0:
    every core) changes the speed, never the result: the same seed gives the same bits.
    ``keep_samples`` names metrics whose per-path values to keep for :meth:`Result.samples`
    (memory grows with paths). ``progress``: None shows a tqdm bar for long runs when tqdm
    is installed, False shows nothing, True always shows the bar, and a callable is called
    as ``progress(done, total)`` after each wave of paths, on the calling thread (raising in
    it stops the run). The engine runs on a worker thread while the calling thread watches
    for signals, so Ctrl-C (KeyboardInterrupt) stops a run once the blocks in flight (4,096
    paths a thread) are done, without waiting for the end of a wave.

    ``quantiles`` adds levels beyond p1 ... p99 (``[0.025, 0.975]`` gives the statistics
    ``p2.5`` and ``p97.5`` of every metric) and ``thresholds`` asks P(metric > k)
    (``{"npv_usd": [0, 1e10]}``; see :meth:`Result.thresholds`): both computed in the engine
    with the same bounded memory, the quantiles' rank error within the stated bound.

    ``target_se`` runs to a target precision (docs/distributed.md): ``{"npv_usd": 1e8}``
    (the mean's se at most 1e8), ``{"npv_usd": "1%"}`` (at most 1% of |mean|), or the
    command line's ``"npv_usd:mean=1e8"``; paths are added ``target_step`` at a time (a
    multiple of 4096; default 65536) until every target is met, up to ``max_paths`` (or
    ``paths``, else the scenario's). :attr:`Result.target_se` tells how it ended.

    >>> result = run("scenarios/default.json", paths=20_000, seed=3, keep_samples=["npv_usd"])
    >>> result.samples("npv_usd").shape
    (20000,)
    >>> tails = run("scenarios/default.json", paths=20_000, quantiles=[0.025, 0.975],
    ...             thresholds={"npv_usd": [0, 1e10]})
    >>> "p97.5" in tails.summary().columns, len(tails.thresholds())
    (True, 2)
    """
    scenario = as_scenario(scenario)
    if isinstance(keep_samples, str):
        keep_samples = [keep_samples]
    _args.precision_only(target_se, target_step, max_paths)
    with progress_callback(progress) as callback:
        core = _core.run(
            scenario._core,
            paths=_args.cap(paths, max_paths) if target_se is not None else _args.paths(paths),
            seed=_args.seed(seed),
            sampler=sampler,
            antithetic=antithetic,
            threads=0 if threads is None else threads,
            keep_samples=list(keep_samples),
            quantiles=[float(q) for q in quantiles],
            thresholds=_threshold_list(thresholds),
            progress=callback,
            target_se=_args.target_se(target_se),
            target_step=_args.whole(target_step, "target_step", 1, 2**63),
        )
    return Result(core, [scenario._source] if scenario._source else [])


def _threshold_list(thresholds: Optional[Mapping[str, Union[float, Iterable[float]]]]) -> list:
    if thresholds is None:
        return []
    if not isinstance(thresholds, Mapping):
        raise _core.InputError(f"thresholds: expected a dict {{metric: [values]}}, got {thresholds!r}")
    out = []
    for metric, values in thresholds.items():
        values = [values] if isinstance(values, (int, float)) else list(values)
        out.append((str(metric), [float(v) for v in values]))
    return out


class NonFiniteWarning(RuntimeWarning):
    """A run had outputs that were not finite on some paths (see :attr:`Result.non_finite`)."""


def warn_non_finite(core: _core.Result) -> None:
    """One warning naming every output that was not finite on some paths, with how many
    (the CLI summary's lines)."""
    lines = core.non_finite_warnings
    if lines:
        warnings.warn("non-finite outputs: " + "; ".join(lines), NonFiniteWarning, stacklevel=4)


class Result(JsonDocument):
    """The statistics of a run: every scalar, every series in every year, every claim.

    Statistics are those of the result JSON (``infersim.statistic_names``): mean, sd, se,
    min, max, p1 ... p99, prob_positive and defined_fraction. A Result is its result JSON
    (plus any kept samples): it pickles as that, and :meth:`load` reads one back from a
    file written by ``infersim run --out`` or :meth:`save`.

    >>> result = run("scenarios/default.json", paths=20_000, seed=3)
    >>> result.series("revenue_usd")["p50"].loc[2030] > 0
    True
    >>> import pickle
    >>> pickle.loads(pickle.dumps(result)).summary().equals(result.summary())
    True
    """

    __slots__ = ("_core", "_text", "_doc", "_kept", "_inputs")

    def __init__(self, core: _core.Result, inputs: Iterable[str] = ()) -> None:
        self._core: Optional[_core.Result] = core
        self._inputs = list(inputs)  # files read by the run, which save() never replaces
        self._text: Optional[str] = None  # the result JSON, made when first needed
        self._doc: Optional[dict[str, Any]] = None  # ... and parsed
        self._kept: dict[str, np.ndarray] = {}  # samples of a Result without its engine result
        warn_non_finite(core)

    @classmethod
    def load(cls, path: Union[str, os.PathLike[str]]) -> Result:
        """A Result read back from a result JSON file (``infersim run --out``, :meth:`save`):
        the same summary, series, claims and :meth:`to_json` as the run that wrote it. Per-path
        samples are not in the file.

        ValueError naming the file when it is not a result JSON.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "default.result.json")
        >>> result = run("scenarios/default.json", paths=2_000, seed=3)
        >>> result.save(path)
        >>> Result.load(path).summary().equals(result.summary())
        True
        """
        return cls._from_json(read_text(path, "result"), os.fspath(path))

    @classmethod
    def _from_json(cls, text: str, where: str, kept: Optional[dict[str, np.ndarray]] = None) -> Result:
        return cls._from_doc(parse_json(text, where, "a result"), where, text, kept)

    @classmethod
    def _from_doc(
        cls, doc: Any, where: str, text: Optional[str] = None, kept: Optional[dict[str, np.ndarray]] = None
    ) -> Result:
        """A Result of a result JSON already parsed (`text`: its text, if it has one)."""
        check_result_json(doc, where)
        if text is None:
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        self = cls.__new__(cls)
        self._core, self._text, self._doc = None, text, doc
        self._kept, self._inputs = {}, []
        for name, values in (kept or {}).items():
            values = np.array(values, dtype=np.float64)  # our own copy, read-only like the engine's
            values.flags.writeable = False
            self._kept[name] = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        kept = {name: self.samples(name) for name in self.kept_samples}
        return (_restore, (self.to_json(), kept))

    def _document(self) -> dict[str, Any]:
        if self._doc is None:
            self._doc = json.loads(self.to_json())
        return self._doc

    # -- run settings -----------------------------------------------------------------

    @property
    def scenario(self) -> str:
        """Name of the scenario that was run."""
        return self._document()["scenario"]

    @property
    def paths(self) -> int:
        return self._document()["paths"]

    @property
    def seed(self) -> int:
        return self._document()["seed"]

    @property
    def sampler(self) -> str:
        return self._document()["sampler"]

    @property
    def antithetic(self) -> bool:
        return self._document()["antithetic"]

    @property
    def years(self) -> list[int]:
        return list(self._document()["years"])

    @property
    def replicates(self) -> int:
        """Independent randomizations behind ``se`` (1 for the random sampler)."""
        return self._document()["replicates"]

    @property
    def target_se(self) -> Optional[dict[str, Any]]:
        """How a run to a target precision ended (``run(target_se=...)``): ``met``,
        ``step_paths``, ``max_paths`` and per target its ``statistic``, ``target``,
        ``relative``, ``limit`` (the se wanted), ``se`` (reached) and ``met``; None for a
        run of a fixed number of paths."""
        return self._document().get("target_se")

    @property
    def quantile_method(self) -> str:
        """``"exact"`` (every path sorted) or ``"binned"`` (see quantile_rank_error)."""
        return self._document()["quantile_method"]

    @property
    def quantile_rank_error(self) -> float:
        """Bound on the rank error of every reported percentile (0 when exact), as a share of
        the metric's defined values: the estimate for p lies between the exact percentiles
        at p - bound and p + bound."""
        return self._document()["quantile_rank_error"]

    @property
    def elapsed_s(self) -> float:
        return self._document()["elapsed_s"]

    @property
    def non_finite(self) -> dict[str, int]:
        """Outputs that were not finite on some paths (infinite, or NaN where the metric is
        always defined), with how many: ``{"npv_usd": 10000, "revenue_usd@2028": 3}``. Those
        values are left out of the output's statistics; a run that has any also warns
        (:class:`NonFiniteWarning`). Empty when there are none; IRR, payback and MIRR being
        undefined on a path is shown by ``defined_fraction``, not here."""
        return dict(self._document().get("non_finite", {}))

    @property
    def engine_version(self) -> str:
        return self._document()["engine_version"]

    @property
    def kept_samples(self) -> list[str]:
        """Metrics whose per-path values :meth:`samples` can return."""
        return self._core.kept_samples if self._core is not None else list(self._kept)

    # -- statistics -------------------------------------------------------------------

    def summary(self) -> pd.DataFrame:
        """One row per scalar metric (npv_usd, irr, ...), one column per statistic.

        The numbers are plain floats; a notebook shows them in their units ($B, %).

        >>> run("scenarios/default.json", paths=20_000, seed=3).summary().loc["npv_usd", "defined_fraction"]
        1.0
        """
        scalars = self._document()["scalars"]
        frame = pd.DataFrame(
            [[_number(v) for v in stats.values()] for stats in scalars.values()],
            index=pd.Index(list(scalars), name="metric"),
            columns=list(next(iter(scalars.values()))),
            dtype=np.float64,
        )
        return formatted(frame, statistics_by_row())

    def clusters(self) -> pd.DataFrame:
        """Per-cluster outputs of the throughput roofline (model-v2 §A), one row per cluster
        with a ``throughput`` block and output, one column per statistic: the
        ``tokens_per_sec_per_accelerator`` it derives (input + output tokens), the ``batch``
        it chose and the ``seconds_per_output_token`` at that batch. Empty for a scenario
        whose clusters all give tokens/s per accelerator.

        >>> frame = run("scenarios/hyperion_roofline.json", paths=4096).clusters()
        >>> list(frame.index.get_level_values("cluster").unique()), list(frame.loc["Hyperion"].index)
        (['Hyperion'], ['tokens_per_sec_per_accelerator', 'batch', 'seconds_per_output_token'])
        """
        clusters = self._document().get("clusters", {})
        rows, index = [], []
        for cluster, outputs in clusters.items():
            for output, stats in outputs.items():
                index.append((cluster, output))
                rows.append({stat: _number(v) for stat, v in stats.items()})
        names = pd.MultiIndex.from_arrays([[c for c, _ in index], [o for _, o in index]], names=["cluster", "output"])
        return pd.DataFrame(rows, index=names, dtype=np.float64)

    @property
    def segment_names(self) -> list[str]:
        """The market's segments (model-v2 §B), in the scenario's order; empty without segments."""
        return list(self._document().get("segments", {}))

    def segments(self, statistic: str = "p50") -> pd.DataFrame:
        """Per-segment series of a scenario with ``market.segments`` (model-v2 §B), tidy: one
        row per (segment, year), one column per output (``revenue_usd``, ``served_tokens``,
        ``unserved_tokens``, ``price_usd_per_mtok``, ``share``, ``lcot_usd_per_mtok``), each
        the given statistic over the paths. Empty for a scenario without segments.

        >>> frame = run("scenarios/meta_three_tier.json", paths=4096).segments()
        >>> list(frame.index.get_level_values("segment").unique())
        ['frontier-closed', 'mid-semi-open', 'small-open']
        >>> frame.loc["small-open"].index[0], "revenue_usd" in frame.columns
        (2026, True)
        """
        if statistic not in _core.statistic_names:
            raise _core.InputError(f'segments: unknown statistic "{statistic}"; expected one of '
                                   f'{", ".join(_core.statistic_names)}')
        segments = self._document().get("segments", {})
        rows, index = [], []
        for segment, outputs in segments.items():
            for t, year in enumerate(self.years):
                index.append((segment, year))
                rows.append({output: _number(stats[statistic][t]) for output, stats in outputs.items()})
        names = pd.MultiIndex.from_tuples(index, names=["segment", "year"]) if index else \
            pd.MultiIndex.from_arrays([[], []], names=["segment", "year"])
        return pd.DataFrame(rows, index=names, dtype=np.float64)

    def series(self, name: str, segment: Optional[str] = None) -> pd.DataFrame:
        """A yearly metric (e.g. ``"revenue_usd"``): one row per year, one column per statistic.
        With ``segment``, that segment's own series (model-v2 §B: ``revenue_usd``,
        ``served_tokens``, ``unserved_tokens``, ``price_usd_per_mtok``, ``share``,
        ``lcot_usd_per_mtok``).

        >>> utilization = run("scenarios/default.json", paths=20_000, seed=3).series("utilization")
        >>> utilization.index.name, utilization.index[0], utilization.columns[0]
        ('year', 2026, 'mean')
        """
        if segment is not None:
            return self._segment_series(name, segment)
        if name in _core.scalar_names:
            raise _core.InputError(f'series: "{name}" is a scalar (one value a path); see summary()')
        if name not in _core.series_names:
            raise _core.InputError(f'series: unknown series "{name}"; expected one of {", ".join(_core.series_names)}')
        stats = self._document()["series"][name]
        frame = pd.DataFrame(
            {stat: [_number(v) for v in values] for stat, values in stats.items()},
            index=pd.Index(self.years, name="year"),
            dtype=np.float64,
        )
        return formatted(frame, statistics_of(name))

    def _segment_series(self, name: str, segment: str) -> pd.DataFrame:
        segments = self._document().get("segments", {})
        if not segments:
            raise _core.InputError(f'series: segment="{segment}": this result has no segments '
                                   "(its scenario has no market.segments)")
        if segment not in segments:
            near = difflib.get_close_matches(segment, list(segments), n=3, cutoff=0)
            raise _core.InputError(f'series: unknown segment "{segment}"; nearest: {", ".join(near)}')
        outputs = segments[segment]
        if name not in outputs:
            raise _core.InputError(f'series: "{name}" is not a per-segment series; expected one of '
                                   f'{", ".join(outputs)}')
        frame = pd.DataFrame(
            {stat: [_number(v) for v in values] for stat, values in outputs[name].items()},
            index=pd.Index(self.years, name="year"),
            dtype=np.float64,
        )
        # Formatted in the unit of the total it breaks down: a share is a fraction, an LCOT a price.
        unit_of = {"share": "utilization", "lcot_usd_per_mtok": "price_usd_per_mtok"}
        return formatted(frame, statistics_of(unit_of.get(name, name)))

    def claims(self) -> pd.DataFrame:
        """Each claim with its verdict, indexed by claim id.

        Columns: metric, year, op, value, rel_tol, probability (share of paths where it
        holds), median (the metric's p50) and value_percentile (where the claimed value sits
        in the distribution, 0-100).

        >>> list(run("scenarios/default.json", paths=20_000, seed=3).claims().index)
        ['arr-13b', 'npv-positive']
        """
        frame = claims_frame(self._document()["claims"], verdicts=True)

        def cell(cid: Any, column: Any) -> Optional[Callable[[float], str]]:
            if column in ("value", "median"):
                metric = frame.at[cid, "metric"]
                return lambda x: format_value(metric, x)
            if column in ("probability", "rel_tol"):
                return format_percent
            return None

        return formatted(frame, cell)

    def thresholds(self) -> pd.DataFrame:
        """P(metric > value) for each threshold the run asked for (``run(thresholds=...)``),
        over the paths where the metric is defined; a series gives one row a year.

        Columns: metric, year (None for a scalar), value, probability.

        >>> r = run("scenarios/default.json", paths=20_000, thresholds={"npv_usd": [0]})
        >>> bool(r.thresholds()["probability"].iloc[0] == r.summary().loc["npv_usd", "prob_positive"])
        True
        """
        rows = []
        years = self.years
        for t in self._document().get("thresholds", []):
            p = t["probability"]
            if isinstance(p, list):
                rows += [(t["metric"], y, t["value"], np.nan if v is None else v) for y, v in zip(years, p)]
            else:
                rows.append((t["metric"], None, t["value"], np.nan if p is None else p))
        return pd.DataFrame(rows, columns=["metric", "year", "value", "probability"])

    def claim_chain(self) -> pd.DataFrame:
        """The scenario's claim chain step by step (empty when it has none), indexed by step.

        Columns: title, metric, claimed, median, p5, p95, probability (that the claim holds),
        verdict, and arithmetic (the checks made on the claim's own numbers, one string).
        ``attrs`` holds the chain's year and implied market.

        >>> chain = run("scenarios/meta_8pct_base.json").claim_chain()
        >>> chain.attrs["year"], round(chain.attrs["implied_market_usd"] / 1e9, 1)
        (2027, 162.5)
        """
        chain = self._document().get("claim_chain")
        columns = ["title", "metric", "claimed", "median", "p5", "p95", "probability", "verdict", "arithmetic"]
        if not chain:
            return pd.DataFrame(columns=columns)
        rows = [{**step, "arithmetic": "; ".join(step["arithmetic"])} for step in chain["steps"]]
        frame = pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1, name="step"))
        frame.attrs.update(year=chain["year"], implied_market_usd=chain["implied_market_usd"])

        def cell(step: Any, column: Any) -> Optional[Callable[[float], str]]:
            if column in ("claimed", "median", "p5", "p95"):
                metric = str(frame.at[step, "metric"]).split(" ")[0]  # "revenue_usd 2027"
                return lambda x: format_value(metric, x)
            return format_percent if column == "probability" else None

        return formatted(frame, cell)

    def catalog(self) -> pd.DataFrame:
        """The reference figures (data/) this run's scenario took values from, indexed by the
        scenario path they filled: ref, value (the number used), scale and unit (of the catalog's
        figure: ``value = figure × scale``, so a TB/s figure used as bytes/s has scale 1e12),
        as_of, confidence, sources (titles and addresses, one string) or the note of an
        unsourced estimate.

        >>> cat = run("scenarios/meta_8pct_base.json").catalog()
        >>> cat.loc["player.baseline_ebit_usd", "ref"]
        'companies.meta.fy2024.operating_income_usd'
        """
        columns = ["ref", "value", "scale", "unit", "as_of", "confidence", "unsourced", "sources"]
        rows = []
        for use in self._document().get("catalog", []):
            sources = "; ".join(f"{s.get('title', '')} <{s.get('url', '')}>" for s in use.get("sources", []))
            rows.append({"path": use["path"], "ref": use["ref"], "value": use["value"],
                         "scale": float(use.get("scale", 1.0)), "unit": use["unit"],
                         "as_of": use["as_of"], "confidence": use["confidence"],
                         "unsourced": bool(use.get("unsourced", False)),
                         "sources": sources if sources else use.get("note", "")})
        return pd.DataFrame(rows, columns=["path", *columns]).set_index("path")

    def to_frame(self, statistics: Optional[Iterable[str]] = None) -> pd.DataFrame:
        """Every statistic of every metric as one tidy table, a row each: scenario, metric,
        year (``<NA>`` for a scalar), statistic, value and unit (see
        :func:`infersim.metrics.statistic_unit`). Scalars come first, then the series year
        by year. `statistics` keeps only those named.

        Tables of several results concatenate (``pd.concat``); :func:`infersim.run_many`
        makes one over many scenarios.

        >>> df = run("scenarios/default.json", paths=2_000, seed=3).to_frame(["p50", "prob_positive"])
        >>> df.columns.tolist()
        ['scenario', 'metric', 'year', 'statistic', 'value', 'unit']
        >>> df[(df["metric"] == "revenue_usd") & (df["year"] == 2028) & (df["statistic"] == "p50")]["unit"].item()
        'USD/yr'

        ``year`` is a nullable integer column (pandas ``Int64``); ``DataFrame.query`` on it
        needs ``engine="python"``.
        """
        doc = self._document()
        keep = None if statistics is None else list(statistics)
        if keep is not None:
            known = next(iter(doc["scalars"].values()))
            unknown = [s for s in keep if s not in known]
            if unknown:
                raise _core.InputError(
                    f'statistics: unknown statistic "{unknown[0]}"; expected some of {", ".join(known)}'
                )
        metric, year, statistic, value, unit = [], [], [], [], []

        def add(name: str, y: Optional[int], stats: dict[str, Any], index: Optional[int]) -> None:
            for stat in stats if keep is None else keep:
                metric.append(name)
                year.append(y)
                statistic.append(stat)
                value.append(_number(stats[stat] if index is None else stats[stat][index]))
                unit.append(statistic_unit(name, stat))

        for name, stats in doc["scalars"].items():
            add(name, None, stats, None)
        for name, stats in doc["series"].items():
            for t, y in enumerate(doc["years"]):
                add(name, y, stats, t)
        return tidy_formatted(pd.DataFrame({
            "scenario": doc["scenario"],
            "metric": metric,
            "year": pd.array(year, dtype="Int64"),
            "statistic": statistic,
            "value": np.array(value, dtype=np.float64),
            "unit": unit,
        }))

    def samples(self, metric: str) -> np.ndarray:
        """The kept per-path values of a metric, as a read-only float64 array without a copy.

        Shape ``(paths,)`` for a scalar and ``(paths, years)`` for a series. ValueError if
        the run did not keep it (pass ``keep_samples=[metric]`` to :func:`run`).

        >>> r = run("scenarios/default.json", paths=20_000, seed=3, keep_samples=["fcf_usd"])
        >>> r.samples("fcf_usd").shape
        (20000, 10)
        """
        if self._core is not None:
            return self._core.samples(metric)
        if metric not in self._kept:
            if metric not in _core.scalar_names and metric not in _core.series_names:
                raise _core.InputError(f'samples: unknown metric "{metric}"')
            raise _core.InputError(
                f'samples: "{metric}" was not kept; run with keep_samples=["{metric}"] '
                "(a result JSON file holds no samples)"
            )
        return self._kept[metric]

    # -- the result JSON --------------------------------------------------------------

    # -- display ----------------------------------------------------------------------

    def to_html(self, scenario: Optional[Scenario] = None) -> str:
        """A self-contained HTML report (one file, works offline): summary, charts, claims,
        the scenario's inputs (when given) and the catalog figures used, with sources.
        Keep ``npv_usd``'s samples for its histogram (else its percentiles are drawn).

        >>> page = run("scenarios/default.json", paths=2_000, keep_samples=["npv_usd"]).to_html()
        >>> "P(NPV &gt; 0)" in page
        True
        """
        from .report import report_html

        return report_html(self, scenario)

    def __repr__(self) -> str:
        years = self.years
        return (
            f"Result({self.scenario!r}, {self.paths} paths, seed {self.seed}, {self.sampler}"
            f"{' antithetic' if self.antithetic else ''}, years {years[0]}-{years[-1]})"
        )

    def _repr_html_(self) -> str:
        summary = self.summary()
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(metric_info(metric).short)}</th>"
            + "".join(f"<td>{format_value(metric, summary.loc[metric, p])}</td>" for p in ("p5", "p50", "p95"))
            + f"<td>{format_percent(summary.loc[metric, 'defined_fraction'])}</td></tr>"
            for metric in ("npv_usd", "irr", "payback_year")
        )
        claims = "".join(
            f"<li><code>{html.escape(str(cid))}</code> {html.escape(claim_text(c))}: "
            f"P(holds) {format_percent(c['probability'])}</li>"
            for cid, c in self.claims().iterrows()
        )
        years = self.years
        return (
            f"<div><b>{html.escape(self.scenario)}</b>: {self.paths:,} paths, seed {self.seed}, "
            f"{html.escape(self.sampler)}{' (antithetic)' if self.antithetic else ''}, "
            f"{years[0]}&ndash;{years[-1]}"
            "<table><tr><th></th><th>p5</th><th>p50</th><th>p95</th><th>defined</th></tr>"
            f"{cells}</table>"
            + (f"claims<ul>{claims}</ul>" if claims else "")
            + "</div>"
        )


_CLAIM_OPS = {"approx": "≈", ">=": "≥", "<=": "≤"}


def claim_text(claim: Mapping[str, Any]) -> str:
    """A claim in words and units: ``ARR 2028 ≈ $13.0B``, ``NPV ≥ $0``."""
    year = "" if pd.isna(claim["year"]) else f" {claim['year']}"
    op = _CLAIM_OPS.get(claim["op"], claim["op"])
    return f"{metric_info(claim['metric']).short}{year} {op} {format_value(claim['metric'], claim['value'])}"


def _restore(text: str, kept: dict[str, np.ndarray]) -> Result:
    """A pickled Result (Result.__reduce__)."""
    return Result._from_json(text, "pickled result", kept)


# The keys a result JSON must have to be read back, with their types.
_RESULT_KEYS = {"scenario": str, "paths": int, "seed": int, "sampler": str, "antithetic": bool, "years": list,
                "scalars": dict, "series": dict, "claims": list}


def parse_json(text: str, where: str, what: str) -> Any:
    """The JSON `text`; ValueError naming `where` and the line at fault if it is none."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _core.InputError(f"{where}: not {what} JSON: line {err.lineno}: {err.msg}") from None


def read_text(path: Union[str, os.PathLike[str]], what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as err:
        raise _core.InputError(f"{os.fspath(path)}: cannot read the {what} ({err.strerror})") from None


def check_result_json(doc: Any, where: str) -> None:
    """ValueError naming `where` and the first key at fault unless `doc` is a result JSON."""
    if isinstance(doc, dict) and "base" in doc and "variants" in doc:
        raise _core.InputError(
            f"{where}: a comparison JSON (infersim stress/compare --out), not a result; "
            'its runs are under "base" and "variants"'
        )
    if not isinstance(doc, dict):
        raise _core.InputError(f"{where}: not a result JSON: expected an object, got {type(doc).__name__}")
    for key, kind in _RESULT_KEYS.items():
        if key not in doc:
            raise _core.InputError(f'{where}: not a result JSON: no "{key}"')
        if not isinstance(doc[key], kind):
            raise _core.InputError(f'{where}: {key}: expected {kind.__name__}, got {type(doc[key]).__name__}')
    for name in _core.scalar_names:
        if not isinstance(doc["scalars"].get(name), dict):
            raise _core.InputError(f"{where}: scalars.{name}: missing")
    years = len(doc["years"])
    for name in _core.series_names:
        stats = doc["series"].get(name)
        if not isinstance(stats, dict):
            raise _core.InputError(f"{where}: series.{name}: missing")
        for stat, values in stats.items():
            if not isinstance(values, list) or len(values) != years:
                raise _core.InputError(f"{where}: series.{name}.{stat}: expected {years} values, one a year")


def write_atomically(path: str, text: str, inputs: Iterable[str] = ()) -> None:
    """Write `text` to `path` by the engine's rules for output files (as ``--out``): complete
    or untouched, links followed, devices written in place, never over one of `inputs`."""
    _core.save_text(path, text, list(inputs))


def _number(x: Any) -> float:
    """A JSON number, null (undefined) as NaN."""
    return math.nan if x is None else float(x)
