"""Plots of a :class:`~infersim.Result`, of a :class:`~infersim.Comparison` and of analyses
(tornado, Sobol indices, sweeps) with matplotlib. Each function draws on `ax` (a new figure
when None) and returns it, so plots compose and can be restyled.

Axes speak in the metric's units (:mod:`infersim.metrics`): money as ``$5B``, shares and
rates as ``40%``, years as ``2031``, with the metric's label ("Revenue (ARR) per year")
rather than its name.

>>> import infersim, infersim.plot
>>> r = infersim.run("scenarios/default.json", paths=20_000, keep_samples=["npv_usd"])
>>> ax = infersim.plot.fan_chart(r, "revenue_usd")
>>> ax.get_ylabel()
'Revenue (ARR) per year'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Mapping, Optional, Union

import numpy as np
import pandas as pd

from . import _core
from .analysis import Comparison
from .metrics import format_percent, format_value, metric_info, scale_for, split_name, statistic_unit
from .result import Result, claim_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

__all__ = [
    "claim_chain", "comparison", "distribution", "fan_chart", "format_axis", "gpu_rental_prices",
    "revenue_per_accelerator_hour", "segment_revenue", "sobol", "sweep_heatmap", "tornado", "unit_economics",
]

_PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99]

#: A run, or runs on common random numbers to draw side by side.
Runs = Union[Result, Comparison]


def _axes(ax: Optional[Axes]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


# -- units on axes ------------------------------------------------------------------------


def _decimals(values: np.ndarray) -> int:
    """The fewest decimals (at most 3) that write every tick value exactly."""
    values = values[np.isfinite(values)]
    for d in range(4):
        if np.allclose(np.round(values, d), values, rtol=0, atol=1e-9 * max(1.0, np.abs(values).max(initial=0))):
            return d
    return 3


def _unit_formatter(name: str, statistic: Optional[str] = None):
    """A tick formatter for the values of metric `name` (or of one of its statistics): one
    scale for the whole axis (``$0B, $5B, $10B``), as few decimals as the ticks need."""
    from matplotlib.ticker import Formatter

    info = metric_info(name)
    unit = statistic_unit(name, statistic)

    class UnitFormatter(Formatter):
        def set_locs(self, locs) -> None:
            self.locs = np.asarray(locs, dtype=float)

        def __call__(self, x: float, pos: Optional[int] = None) -> str:
            locs = getattr(self, "locs", None)
            locs = np.asarray([x] if locs is None or len(locs) == 0 else locs, dtype=float)
            if unit in ("fraction", "fraction/yr", "ratio"):
                return f"{100 * x:.{_decimals(100 * locs)}f}%"
            if unit == "years" or info.kind == "year":
                return f"{x:.{_decimals(locs)}f}"
            scale, suffix = scale_for(np.abs(locs).max(initial=0))
            digits = _decimals(locs / scale)
            sign = "-" if x < 0 and round(abs(x) / scale, digits) != 0 else ""
            currency = "$" if info.kind in ("money", "price") else ""
            return f"{sign}{currency}{abs(x) / scale:,.{digits}f}{suffix}"

    return UnitFormatter()


def format_axis(axis: Axis, metric: str, statistic: Optional[str] = None) -> Axis:
    """Write the ticks of a matplotlib axis in the units of a metric (or of one of its
    statistics, see :func:`infersim.metrics.statistic_unit`): ``$5B``, ``40%``, ``2031``.
    For charts drawn by hand; the plots here do it themselves. Returns `axis`.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2026, 2027], [4e9, 12e9])
    >>> _ = format_axis(ax.yaxis, "revenue_usd")
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels()][1:3]  # not 4000000000.0, 5000000000.0
    ['$4B', '$5B']
    """
    axis.set_major_formatter(_unit_formatter(metric, statistic))
    if statistic_unit(metric, statistic) == "year":
        _year_axis(axis)
    return axis


def _year_axis(axis: Axis) -> None:
    """Ticks at whole years only."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _label(name: str, year: Optional[int] = None) -> str:
    """A metric's axis label: ``Revenue (ARR) per year``, ``Net present value``, with the
    year when one is picked (``Revenue (ARR) in 2028``)."""
    info = metric_info(name)
    if year is not None:
        return f"{info.label} in {year}"
    return f"{info.label} per year" if info.unit.endswith("/yr") and info.kind != "ratio" else info.label


def _statistic_label(name: str) -> str:
    """``P(NPV > 0)``, ``median NPV``, ``ARR 2028 p95`` for ``metric[@year]:statistic``."""
    metric, year, statistic = split_name(name)
    what = metric_info(metric).short + ("" if year is None else f" {year}")
    if statistic == "prob_positive":
        return f"P({what} > 0)"
    if statistic == "prob_negative":
        return f"P({what} < 0)"
    if statistic == "p50":
        return f"median {what}"
    if statistic in ("mean", "sd", "se", "min", "max"):
        return f"{statistic} {what}"
    return f"{what} {statistic}" if statistic else what


def _runs(runs: Runs) -> list[tuple[str, Result]]:
    """(label, run) of each run to draw: a Result alone, or a comparison's base and variants."""
    if isinstance(runs, Result):
        return [(runs.scenario, runs)]
    if isinstance(runs, Comparison):
        return [("base", runs.base), *runs.variants.items()]
    raise TypeError(f"expected a Result or a Comparison, got {type(runs).__name__}")


def _title(runs: Runs, what: str) -> str:
    if isinstance(runs, Comparison):
        return f"{runs.base.scenario}: {what}, base and {len(runs.variants)} variant(s)"
    return f"{runs.scenario}: {what}"


# -- a run, or runs side by side ------------------------------------------------------------


def fan_chart(runs: Runs, series: str, ax: Optional[Axes] = None, color: Optional[str] = None) -> Axes:
    """The median of a yearly metric with its p25-p75 and p5-p95 bands.

    Given a :class:`~infersim.Comparison`, the base and each variant are drawn over each
    other: each its median and p5-p95 band in its own colour (`color` is then ignored),
    named in the legend.

    >>> import infersim
    >>> ax = fan_chart(infersim.run("scenarios/default.json", paths=2_000), "fcf_usd")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('year', 'Free cash flow per year')
    >>> c = infersim.stress("scenarios/default.json", ["price-war"], paths=2_000)
    >>> [t.get_text() for t in fan_chart(c, "revenue_usd").get_legend().get_texts()]
    ['base', 'price-war']
    """
    ax = _axes(ax)
    label = metric_info(series).label
    overlay = isinstance(runs, Comparison)
    for name, result in _runs(runs):
        stats = result.series(series)
        years = stats.index.to_numpy()
        if overlay:  # one legend entry a run: its median line; its band in the same colour
            (line,) = ax.plot(years, stats["p50"], label=name, zorder=3)
            ax.fill_between(years, stats["p5"], stats["p95"], color=line.get_color(), alpha=0.12, linewidth=0)
            continue
        (line,) = ax.plot(years, stats["p50"], color=color, label="median", zorder=3)
        c = line.get_color()
        ax.fill_between(years, stats["p5"], stats["p95"], color=c, alpha=0.15, linewidth=0, label="p5–p95")
        ax.fill_between(years, stats["p25"], stats["p75"], color=c, alpha=0.35, linewidth=0, label="p25–p75")
    ax.set_xlabel("year")
    ax.set_ylabel(_label(series))
    _year_axis(ax.xaxis)
    format_axis(ax.yaxis, series)
    ax.set_title(_title(runs, label) + (" (median and p5–p95)" if overlay else ""))
    ax.legend(loc="best", fontsize="small" if overlay else None)
    return ax


# -- unit economics (model-v2 §C) ------------------------------------------------------------


def unit_economics(result: Result, ax: Optional[Axes] = None) -> Axes:
    """The market price per million tokens beside the player's cost of serving one
    (``lcot_player_usd_per_mtok``: depreciation, power, opex and lease per token served),
    each as its median with a p5-p95 band, on a log scale. Where the cost line is above the
    price line, the player sells tokens below what they cost it (before SG&A and model
    costs); the player charges ``price_ratio`` times the market price.

    >>> import infersim
    >>> ax = unit_economics(infersim.run("scenarios/default.json", paths=2_000))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['market price (median)', "player's cost (median)"]
    """
    ax = _axes(ax)
    for name, label in (("price_usd_per_mtok", "market price"), ("lcot_player_usd_per_mtok", "player's cost")):
        stats = result.series(name)
        years = stats.index.to_numpy()
        (line,) = ax.plot(years, stats["p50"], label=f"{label} (median)", zorder=3)
        ax.fill_between(years, stats["p5"], stats["p95"], color=line.get_color(), alpha=0.15, linewidth=0)
    ax.set_yscale("log")
    ax.set_xlabel("year")
    ax.set_ylabel("USD per million tokens")
    _year_axis(ax.xaxis)
    ax.set_title(_title(result, "price vs the player's cost per million tokens (p5–p95 bands)"))
    ax.legend(loc="best")
    return ax


def gpu_rental_prices(data_dir: Union[str, Path] = "data") -> dict[str, float]:
    """GPU rental prices per hour from the reference catalog: every figure under `data_dir`
    whose key ends in ``rental_usd_per_gpu_hr``, by its dotted path (``accelerators.h100.
    cloud_rental_usd_per_gpu_hr``). Empty when the directory is not there.

    >>> prices = gpu_rental_prices("data")
    >>> prices["accelerators.h100.cloud_rental_usd_per_gpu_hr"]
    3.0
    """
    found: dict[str, float] = {}

    def walk(node: object, path: str) -> None:
        if not isinstance(node, dict):
            return
        if "value" in node:
            if path.endswith("rental_usd_per_gpu_hr") and isinstance(node["value"], (int, float)):
                found[path] = float(node["value"])
            return
        for key, child in node.items():
            walk(child, f"{path}.{key}" if path else key)

    directory = Path(data_dir)
    for file in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        walk(json.loads(file.read_text()), "")
    return found


def revenue_per_accelerator_hour(
    result: Result,
    ax: Optional[Axes] = None,
    rentals: Optional[Mapping[str, float]] = None,
    data_dir: Union[str, Path] = "data",
) -> Axes:
    """What one accelerator of the inference business earns an hour (median, p5-p95) against
    what renting a GPU costs: `rentals` ({label: USD per GPU-hour}), by default every rental
    price in the catalog (:func:`gpu_rental_prices`), drawn as horizontal lines. Earning less
    than the rent means the capacity would be worth more let out than selling tokens.

    >>> import infersim
    >>> r = infersim.run("scenarios/default.json", paths=2_000)
    >>> ax = revenue_per_accelerator_hour(r, rentals={"H100 rental": 3.0})
    >>> ax.get_ylabel()
    'USD per accelerator-hour'
    """
    ax = _axes(ax)
    stats = result.series("revenue_per_accelerator_hour_usd")
    years = stats.index.to_numpy()
    (line,) = ax.plot(years, stats["p50"], label="revenue per accelerator-hour (median)", zorder=3)
    ax.fill_between(years, stats["p5"], stats["p95"], color=line.get_color(), alpha=0.15, linewidth=0, label="p5–p95")
    if rentals is None:
        # accelerators.h100.aws_p5_rental_usd_per_gpu_hr -> "h100 aws p5"
        rentals = {" ".join([*path.split(".")[1:-1], path.split(".")[-1].removesuffix("rental_usd_per_gpu_hr")])
                   .replace("_", " ").strip(): price for path, price in gpu_rental_prices(data_dir).items()}
    for i, (label, price) in enumerate(rentals.items()):
        ax.axhline(price, color=f"C{(i + 1) % 10}", linestyle="--", linewidth=1, label=f"{label} ${price:.2f}/h")
    ax.set_xlabel("year")
    ax.set_ylabel("USD per accelerator-hour")
    _year_axis(ax.xaxis)
    ax.set_title(_title(result, "revenue per accelerator-hour vs GPU rental prices"))
    ax.legend(loc="best", fontsize="small")
    return ax


def segment_revenue(result: Result, ax: Optional[Axes] = None, statistic: str = "mean") -> Axes:
    """Revenue stacked by market segment (model-v2 §B), one band a segment, each year's
    `statistic` over the paths. The mean, the default, adds up: the stack's top is the mean
    total revenue (medians do not add up).

    >>> import infersim
    >>> ax = segment_revenue(infersim.run("scenarios/meta_three_tier.json", paths=2_000))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['frontier-closed', 'mid-semi-open', 'small-open']
    """
    names = result.segment_names
    if not names:
        raise _core.InputError(f"segment_revenue: {result.scenario} has no market segments (market.segments)")
    ax = _axes(ax)
    years = np.asarray(result.years)
    revenue = [result.series("revenue_usd", segment=name)[statistic].to_numpy() for name in names]
    ax.stackplot(years, revenue, labels=names, alpha=0.85)
    ax.set_xlabel("year")
    ax.set_ylabel(_label("revenue_usd"))
    _year_axis(ax.xaxis)
    format_axis(ax.yaxis, "revenue_usd")
    ax.set_title(f"{result.scenario}: revenue by segment ({statistic})")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def distribution(
    runs: Runs,
    metric: str,
    kind: Literal["hist", "cdf"] = "hist",
    claims: bool = True,
    year: Optional[int] = None,
    ax: Optional[Axes] = None,
    bins: int = 60,
) -> Axes:
    """The distribution of a scalar metric (or of a series in `year`) as a density or a CDF.

    Uses the per-path samples when the run kept them (``keep_samples=[metric]``), else the
    percentiles p1 ... p99: the density is then flat between consecutive percentiles. A
    density's height has no unit worth reading, so its axis is labelled "density" without
    ticks. With ``claims=True`` the claims about this metric are marked at their values
    (approx claims as their tolerance band).

    Given a :class:`~infersim.Comparison`, the base and each variant are drawn over each
    other as outlines (or CDF lines), with the base's claims.

    >>> import infersim
    >>> r = infersim.run("scenarios/default.json", paths=2_000, keep_samples=["npv_usd"])
    >>> distribution(r, "npv_usd", kind="cdf").get_ylabel()
    'P(value ≤ x)'
    """
    if kind not in ("hist", "cdf"):
        raise ValueError(f'kind: expected "hist" or "cdf", got {kind!r}')
    metric_info(metric)  # ValueError naming the metrics if unknown
    runs_to_draw = _runs(runs)
    first = runs_to_draw[0][1]
    is_series = metric in _core.series_names
    if is_series:
        if year not in first.years:
            raise ValueError(f"year: {metric} is a series; pass one of the years {first.years[0]}..{first.years[-1]}")
    elif year is not None:
        raise ValueError(f'year: "{metric}" is a scalar (one value a path); remove year')
    ax = _axes(ax)
    overlay = isinstance(runs, Comparison)

    for name, result in runs_to_draw:
        label = name if overlay else None
        if metric in result.kept_samples:
            values = result.samples(metric)
            values = values[:, result.years.index(year)] if is_series else values
            values = np.sort(values[~np.isnan(values)])
            if kind == "hist":
                ax.hist(values, bins=bins, density=True, alpha=0.7, histtype="step" if overlay else "bar", label=label)
            else:
                ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post", label=label)
        else:
            stats = result.series(metric).loc[year] if is_series else result.summary().loc[metric]
            xs = np.array([stats[f"p{p}"] for p in _PERCENTILES])
            ps = np.array(_PERCENTILES) / 100
            if kind == "hist":
                with np.errstate(divide="ignore", invalid="ignore"):
                    density = np.diff(ps) / np.diff(xs)
                ax.stairs(np.where(np.isfinite(density), density, 0), xs, fill=not overlay,
                          alpha=0.9 if overlay else 0.7, linewidth=1.5, label=label)
            else:
                ax.plot(xs, ps, marker="o", label=label)

    if claims:
        for cid, c in first.claims().iterrows():
            if c["metric"] != metric or (is_series and c["year"] != year):
                continue
            text = f"{cid}: {claim_text(c)}"
            if c["op"] == "approx":
                lo, hi = sorted((c["value"] * (1 - c["rel_tol"]), c["value"] * (1 + c["rel_tol"])))
                ax.axvspan(lo, hi, color="tab:red", alpha=0.15, label=text)
            else:
                ax.axvline(c["value"], color="tab:red", linestyle="--", label=text)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")

    ax.set_xlabel(_label(metric, year if is_series else None))
    format_axis(ax.xaxis, metric)
    if kind == "hist":
        ax.set_ylabel("density")
        ax.set_yticks([])
    else:
        ax.set_ylabel("P(value ≤ x)")
        format_axis(ax.yaxis, metric, "prob_positive")  # a share of paths
    what = metric_info(metric).label + (f" in {year}" if is_series else "")
    ax.set_title(_title(runs, what))
    return ax


def claim_chain(result: Result, ax: Optional[Axes] = None) -> Axes:
    """Each claim's probability of holding, one bar per claim in scenario order, labelled
    with the claim in words (``ARR 2028 ≈ $13.0B``).

    >>> import infersim
    >>> ax = claim_chain(infersim.run("scenarios/default.json", paths=2_000))
    >>> len(ax.patches), ax.get_yticklabels()[0].get_text()  # one bar per claim
    (2, 'arr-13b\\nARR 2028 ≈ $13.0B')
    """
    ax = _axes(ax)
    claims = result.claims()
    labels = [f"{cid}\n{claim_text(c)}" for cid, c in claims.iterrows()]
    y = np.arange(len(claims))
    ax.barh(y, claims["probability"], color="tab:blue", alpha=0.7)
    for yi, p in zip(y, claims["probability"]):
        ax.text(min(p, 0.85) + 0.01, yi, format_percent(p), va="center")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()  # first claim on top
    ax.set_xlim(0, 1)
    format_axis(ax.xaxis, "npv_usd", "prob_positive")
    ax.set_xlabel("P(claim holds)")
    ax.set_title(f"{result.scenario}: claims")
    return ax


def comparison(
    runs: Comparison, metric: str = "npv_usd", year: Optional[int] = None, ax: Optional[Axes] = None
) -> Axes:
    """What each variant changes, path by path: a bar at the mean change of `metric`
    (variant minus base, on the same paths) with whiskers from its p5 to its p95, the
    largest loss on top. ``year`` picks the year of a yearly metric.

    >>> import infersim
    >>> c = infersim.stress("scenarios/default.json", paths=2_000, seed=1)
    >>> ax = comparison(c)
    >>> [t.get_text() for t in ax.get_yticklabels()][0], ax.get_xlabel()
    ('price-war', 'Change in Net present value (bar: mean; whiskers: p5–p95 across paths)')
    """
    if not isinstance(runs, Comparison):
        raise TypeError(f"expected a Comparison (infersim.stress or infersim.compare), got {type(runs).__name__}")
    table = runs.table(metric, year).drop(index="base")
    table = table.sort_values("diff_mean", kind="stable")
    ax = _axes(ax)
    y = np.arange(len(table))
    mean = table["diff_mean"].to_numpy()
    whiskers = np.vstack([mean - table["diff_p5"].to_numpy(), table["diff_p95"].to_numpy() - mean])
    colors = ["tab:red" if m < 0 else "tab:green" for m in mean]
    ax.barh(y, mean, xerr=np.clip(whiskers, 0, None), color=colors, alpha=0.7, capsize=4)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, list(table.index))
    ax.invert_yaxis()  # largest loss on top
    format_axis(ax.xaxis, metric, "diff_mean")
    what = metric_info(metric).label + ("" if year is None else f" in {year}")
    ax.set_xlabel(f"Change in {what} (bar: mean; whiskers: p5–p95 across paths)")
    ax.set_title(f"{runs.base.scenario}: what each variant changes, path by path")
    return ax


# -- analyses ---------------------------------------------------------------------------------


def tornado(frame: pd.DataFrame, ax: Optional[Axes] = None, base: Optional[float] = None) -> Axes:
    """A tornado chart: for each input, a bar from the base to the metric at the input's low
    value and one to its value at the high value, the largest swing on top.

    `frame` is what :func:`infersim.tornado` returns (columns ``low``, ``high``, ``swing``,
    indexed by input); `base` defaults to ``frame.attrs["base"]``.

    >>> import infersim
    >>> ax = tornado(infersim.tornado("scenarios/default.json", "npv_usd"))
    >>> ax.get_yticklabels()[0].get_text()  # the largest swing, on top
    'market.price_decline'
    """
    if base is None:
        if "base" not in frame.attrs:
            raise ValueError("base: the frame has no attrs['base']; pass the metric's base value")
        base = frame.attrs["base"]
    for column in ("low", "high", "swing"):
        if column not in frame.columns:
            raise ValueError(f"frame: expected the columns low, high and swing of infersim.tornado(); no {column!r}")
    ax = _axes(ax)
    bars = frame.sort_values("swing", ascending=False, na_position="last", kind="stable")
    if frame.attrs.get("method") == "montecarlo":
        low_label, high_label = "input in its bottom decile", "input in its top decile"
    else:
        low_label, high_label = "input at p10", "input at p90"
    y = np.arange(len(bars))
    ax.barh(y, bars["low"] - base, left=base, color="tab:blue", alpha=0.75, label=low_label)
    ax.barh(y, bars["high"] - base, left=base, color="tab:orange", alpha=0.75, label=high_label)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, list(bars.index))
    ax.invert_yaxis()  # largest swing on top
    metric = frame.attrs.get("metric")
    if metric is None:
        ax.set_xlabel(f"metric (base {base:.4g})")
        ax.set_title("tornado")
    else:
        name, year, _ = split_name(metric)
        ax.set_xlabel(f"{_label(name, year)} (line: the base, {format_value(name, base)})")
        format_axis(ax.xaxis, name)
        scenario = frame.attrs.get("scenario")
        what = f"tornado of {metric_info(name).label}" + ("" if year is None else f" in {year}")
        ax.set_title(f"{scenario}: {what}" if scenario else what)
    ax.legend(loc="best", fontsize="small")
    return ax


def sobol(frame: pd.DataFrame, ax: Optional[Axes] = None, top: Optional[int] = 10) -> Axes:
    """Sobol indices as bars, the `top` inputs by total index (None: all): for each input its
    first-order index and its total index, with their bootstrap intervals as whiskers when
    the frame has them.

    `frame` is what :func:`infersim.sobol` returns.

    >>> import infersim
    >>> ax = sobol(infersim.sobol("scenarios/default.json", "npv_usd", base_rows=256, bootstrap=20))
    >>> ax.get_yticklabels()[0].get_text(), ax.get_xlabel()
    ('market.price_decline', 'share of the variance of Net present value (whiskers: 95% bootstrap intervals)')
    """
    for column in ("first_order", "total"):
        if column not in frame.columns:
            raise ValueError(f"frame: expected the columns first_order and total of infersim.sobol(); no {column!r}")
    shown = frame.sort_values("total", ascending=False, kind="stable")
    shown = shown if top is None else shown.head(top)
    ax = _axes(ax)
    y = np.arange(len(shown))
    for offset, column, color in ((-0.2, "first_order", "tab:blue"), (0.2, "total", "tab:orange")):
        lo, hi = f"{column}_lo", f"{column}_hi"
        err = None
        if lo in shown.columns and hi in shown.columns and shown[[lo, hi]].notna().all().all():
            err = np.clip(np.vstack([shown[column] - shown[lo], shown[hi] - shown[column]]), 0, None)
        ax.barh(y + offset, shown[column], height=0.4, xerr=err, color=color, alpha=0.8, capsize=2,
                label=column.replace("_", " "))
    ax.set_yticks(y, list(shown.index))
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    format_axis(ax.xaxis, "npv_usd", "prob_positive")  # a share of the variance
    metric = frame.attrs.get("metric")
    what = "the metric" if metric is None else _label(*split_name(metric)[:2])
    confidence = frame.attrs.get("confidence")
    bootstrap = confidence and frame.attrs.get("bootstrap")
    intervals = f" (whiskers: {confidence:.0%} bootstrap intervals)" if bootstrap else ""
    ax.set_xlabel(f"share of the variance of {what}{intervals}")
    ax.set_title(f"Sobol indices of {what}")
    ax.legend(loc="best", fontsize="small")
    return ax


def sweep_heatmap(
    frame: pd.DataFrame, x: str, y: str, statistic: str, ax: Optional[Axes] = None, annotate: bool = True
) -> Axes:
    """A statistic over a two-input sweep as a heatmap: one cell per grid point, `x`
    across and `y` up, with a colour bar in the statistic's units (and the values in the
    cells when `annotate` and the grid has at most 12 x 12 points). Cells are equally sized
    whatever the spacing of the grid values.

    `frame` is what :func:`infersim.sweep` returns for two inputs.

    >>> import infersim
    >>> df = infersim.sweep("scenarios/default.json", {"market.price_decline": [0.2, 0.4, 0.6],
    ...                     "player.share_end": [0.04, 0.08]}, ["npv_usd:prob_positive"], paths=2_000)
    >>> ax = sweep_heatmap(df, "market.price_decline", "player.share_end", "npv_usd:prob_positive")
    >>> ax.get_xlabel(), ax.get_title()
    ('market.price_decline', 'P(NPV > 0)')
    """
    for column in (x, y, statistic):
        if column not in frame.columns:
            raise ValueError(f"{column!r} is not a column of the sweep; its columns are {list(frame.columns)}")
    grid = frame.pivot(index=y, columns=x, values=statistic).sort_index().sort_index(axis=1)
    ax = _axes(ax)
    image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    label = _statistic_label(statistic)
    colorbar = ax.figure.colorbar(image, ax=ax, label=label)
    format_axis(colorbar.ax.yaxis, statistic)
    ax.set_xticks(np.arange(grid.shape[1]), [f"{v:.4g}" for v in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), [f"{v:.4g}" for v in grid.index])
    if annotate and grid.shape[0] <= 12 and grid.shape[1] <= 12:
        values = grid.to_numpy()
        middle = np.nanmean(values) if np.isfinite(values).any() else 0.0
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, format_value(statistic, v), ha="center", va="center", fontsize="small",
                    color="black" if v > middle else "white")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(label)
    return ax

