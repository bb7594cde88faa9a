"""Running a scenario and reading its result: statistics as pandas DataFrames (years as the
index), per-path samples as NumPy arrays, and the result JSON of the command line."""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from . import _args, _core
from ._progress import ProgressCallback, progress_callback
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
) -> Result:
    """Run a scenario and return its :class:`Result`.

    Options left as None take the scenario's ``simulation`` values. ``threads`` (None or 0:
    every core) changes the speed, never the result: the same seed gives the same bits.
    ``keep_samples`` names metrics whose per-path values to keep for :meth:`Result.samples`
    (memory grows with paths). ``progress``: None shows a tqdm bar for long runs when tqdm
    is installed, False shows nothing, True always shows the bar, and a callable is called
    as ``progress(done, total)`` after each wave of paths (raising in it stops the run).
    Ctrl-C (KeyboardInterrupt) stops a run within a wave of paths.

    >>> result = run("scenarios/default.json", paths=20_000, seed=3, keep_samples=["npv_usd"])
    >>> result.samples("npv_usd").shape
    (20000,)
    """
    scenario = as_scenario(scenario)
    if isinstance(keep_samples, str):
        keep_samples = [keep_samples]
    with progress_callback(progress) as callback:
        core = _core.run(
            scenario._core,
            paths=_args.paths(paths),
            seed=_args.seed(seed),
            sampler=sampler,
            antithetic=antithetic,
            threads=0 if threads is None else threads,
            keep_samples=list(keep_samples),
            progress=callback,
        )
    return Result(core, [scenario._source] if scenario._source else [])


class Result:
    """The statistics of a run: every scalar, every series in every year, every claim.

    Statistics are those of the result JSON (``infersim.statistic_names``): mean, sd, se,
    min, max, p1 ... p99, prob_positive and defined_fraction.

    >>> result = run("scenarios/default.json", paths=20_000, seed=3)
    >>> result.series("revenue_usd")["p50"].loc[2030] > 0
    True
    """

    __slots__ = ("_core", "_inputs")

    def __init__(self, core: _core.Result, inputs: Iterable[str] = ()) -> None:
        self._core = core
        self._inputs = list(inputs)  # files read by the run, which save() never replaces

    # -- run settings -----------------------------------------------------------------

    @property
    def scenario(self) -> str:
        """Name of the scenario that was run."""
        return self._core.scenario

    @property
    def paths(self) -> int:
        return self._core.paths

    @property
    def seed(self) -> int:
        return self._core.seed

    @property
    def sampler(self) -> str:
        return self._core.sampler

    @property
    def antithetic(self) -> bool:
        return self._core.antithetic

    @property
    def years(self) -> list[int]:
        return self._core.years

    @property
    def replicates(self) -> int:
        """Independent randomizations behind ``se`` (1 for the random sampler)."""
        return self._core.replicates

    @property
    def quantile_method(self) -> str:
        """``"exact"`` (every path sorted) or ``"binned"`` (see quantile_rank_error)."""
        return self._core.quantile_method

    @property
    def quantile_rank_error(self) -> float:
        """Bound on the rank error of every reported percentile (0 when exact), as a share of
        the metric's defined values: the estimate for p lies between the exact percentiles
        at p - bound and p + bound."""
        return self._core.quantile_rank_error

    @property
    def elapsed_s(self) -> float:
        return self._core.elapsed_s

    @property
    def engine_version(self) -> str:
        return self._core.engine_version

    @property
    def kept_samples(self) -> list[str]:
        """Metrics whose per-path values :meth:`samples` can return."""
        return self._core.kept_samples

    # -- statistics -------------------------------------------------------------------

    def summary(self) -> pd.DataFrame:
        """One row per scalar metric (npv_usd, irr, ...), one column per statistic.

        >>> run("scenarios/default.json", paths=20_000, seed=3).summary().loc["npv_usd", "defined_fraction"]
        1.0
        """
        rows = np.stack([self._core.statistics(name) for name in _core.scalar_names])
        return pd.DataFrame(
            rows, index=pd.Index(_core.scalar_names, name="metric"), columns=list(_core.statistic_names)
        )

    def series(self, name: str) -> pd.DataFrame:
        """A yearly metric (e.g. ``"revenue_usd"``): one row per year, one column per statistic.

        >>> utilization = run("scenarios/default.json", paths=20_000, seed=3).series("utilization")
        >>> utilization.index.name, utilization.index[0], utilization.columns[0]
        ('year', 2026, 'mean')
        """
        if name in _core.scalar_names:
            raise _core.InputError(f'series: "{name}" is a scalar (one value a path); see summary()')
        if name not in _core.series_names:
            raise _core.InputError(f'series: unknown series "{name}"; expected one of {", ".join(_core.series_names)}')
        return pd.DataFrame(
            self._core.statistics(name),
            index=pd.Index(self.years, name="year"),
            columns=list(_core.statistic_names),
        )

    def claims(self) -> pd.DataFrame:
        """Each claim with its verdict, indexed by claim id.

        Columns: metric, year, op, value, rel_tol, probability (share of paths where it
        holds), median (the metric's p50) and value_percentile (where the claimed value sits
        in the distribution, 0-100).

        >>> list(run("scenarios/default.json", paths=20_000, seed=3).claims().index)
        ['arr-13b', 'npv-positive']
        """
        verdicts = self._core.claims
        return claims_frame(
            (v.claim for v in verdicts),
            {
                "probability": [v.probability for v in verdicts],
                "median": [v.median for v in verdicts],
                "value_percentile": [v.value_percentile for v in verdicts],
            },
        )

    def claim_chain(self) -> pd.DataFrame:
        """The scenario's claim chain step by step (empty when it has none), indexed by step.

        Columns: title, metric, claimed, median, p5, p95, probability (that the claim holds),
        verdict, and arithmetic (the checks made on the claim's own numbers, one string).
        ``attrs`` holds the chain's year and implied market.

        >>> chain = run("scenarios/meta_8pct_base.json").claim_chain()
        >>> chain.attrs["year"], round(chain.attrs["implied_market_usd"] / 1e9, 1)
        (2027, 162.5)
        """
        chain = self.to_dict().get("claim_chain")
        columns = ["title", "metric", "claimed", "median", "p5", "p95", "probability", "verdict", "arithmetic"]
        if not chain:
            return pd.DataFrame(columns=columns)
        rows = [{**step, "arithmetic": "; ".join(step["arithmetic"])} for step in chain["steps"]]
        frame = pd.DataFrame(rows, columns=columns, index=pd.RangeIndex(1, len(rows) + 1, name="step"))
        frame.attrs.update(year=chain["year"], implied_market_usd=chain["implied_market_usd"])
        return frame

    def catalog(self) -> pd.DataFrame:
        """The reference figures (data/) this run's scenario took values from, indexed by the
        scenario path they filled: ref, value, unit, as_of, confidence, sources (titles and
        addresses, one string) or the note of an unsourced estimate.

        >>> cat = run("scenarios/meta_8pct_base.json").catalog()
        >>> cat.loc["player.baseline_ebit_usd", "ref"]
        'companies.meta.fy2024.operating_income_usd'
        """
        columns = ["ref", "value", "unit", "as_of", "confidence", "unsourced", "sources"]
        rows = []
        for use in self.to_dict().get("catalog", []):
            sources = "; ".join(f"{s.get('title', '')} <{s.get('url', '')}>" for s in use.get("sources", []))
            rows.append({"path": use["path"], "ref": use["ref"], "value": use["value"], "unit": use["unit"],
                         "as_of": use["as_of"], "confidence": use["confidence"],
                         "unsourced": bool(use.get("unsourced", False)),
                         "sources": sources if sources else use.get("note", "")})
        return pd.DataFrame(rows, columns=["path", *columns]).set_index("path")

    def samples(self, metric: str) -> np.ndarray:
        """The kept per-path values of a metric, as a read-only float64 array without a copy.

        Shape ``(paths,)`` for a scalar and ``(paths, years)`` for a series. ValueError if
        the run did not keep it (pass ``keep_samples=[metric]`` to :func:`run`).

        >>> r = run("scenarios/default.json", paths=20_000, seed=3, keep_samples=["fcf_usd"])
        >>> r.samples("fcf_usd").shape
        (20000, 10)
        """
        return self._core.samples(metric)

    # -- the result JSON --------------------------------------------------------------

    def to_json(self) -> str:
        """The result JSON, exactly the content ``infersim run --out`` writes.

        >>> import json
        >>> json.loads(run("scenarios/default.json", paths=2_000).to_json())["paths"]
        2000
        """
        return self._core.to_json()

    def to_dict(self) -> dict[str, Any]:
        """The result JSON as a dict (undefined numbers are None).

        >>> run("scenarios/default.json", paths=2_000).to_dict()["scalars"]["npv_usd"]["p50"] < 0
        True
        """
        return self._core.to_dict()

    def save(self, path: Union[str, os.PathLike[str]]) -> None:
        """Write the result JSON to `path` atomically: the file is complete or untouched.

        As the command line's ``--out``: a symlink is followed (the link stays), a device or
        FIFO is written in place, ``"-"`` is stdout, an existing file keeps its mode, and the
        scenario file or a catalog file is never replaced (ValueError).

        >>> run("scenarios/default.json", paths=2_000).save("default.result.json")  # doctest: +SKIP
        """
        self._core.save(path, self._inputs)

    # -- display ----------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Result({self.scenario!r}, {self.paths} paths, seed {self.seed}, {self.sampler}"
            f"{' antithetic' if self.antithetic else ''}, years {self.years[0]}-{self.years[-1]})"
        )

    def _repr_html_(self) -> str:
        summary = self.summary()
        rows = [
            ("NPV", summary.loc["npv_usd"], _money),
            ("IRR", summary.loc["irr"], _percent),
            ("payback year", summary.loc["payback_year"], _year),
        ]
        cells = "".join(
            f"<tr><th style='text-align:left'>{label}</th>"
            + "".join(f"<td>{fmt(s[p])}</td>" for p in ("p5", "p50", "p95"))
            + f"<td>{_percent(s['defined_fraction'])}</td></tr>"
            for label, s, fmt in rows
        )
        claims = "".join(
            f"<li><code>{html.escape(str(cid))}</code>: P(holds) {_percent(c['probability'])}</li>"
            for cid, c in self.claims().iterrows()
        )
        return (
            f"<div><b>{html.escape(self.scenario)}</b>: {self.paths:,} paths, seed {self.seed}, "
            f"{html.escape(self.sampler)}{' (antithetic)' if self.antithetic else ''}, "
            f"{self.years[0]}&ndash;{self.years[-1]}"
            "<table><tr><th></th><th>p5</th><th>p50</th><th>p95</th><th>defined</th></tr>"
            f"{cells}</table>"
            + (f"claims<ul>{claims}</ul>" if claims else "")
            + "</div>"
        )


def _money(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{sign}${abs(x) / scale:,.1f}{suffix}"
    return f"{sign}${abs(x):,.0f}"


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "n/a"


def _year(x: float) -> str:
    return f"{x:.0f}" if math.isfinite(x) else "n/a"
