"""Plots of a :class:`~infersim.Result` and of analyses (tornado, sweep) with matplotlib. Each
function draws on `ax` (a new figure when None) and returns it, so plots compose and can be
restyled.

>>> import infersim, infersim.plot
>>> r = infersim.run("scenarios/default.json", paths=20_000, keep_samples=["npv_usd"])
>>> ax = infersim.plot.fan_chart(r, "revenue_usd")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Optional

import numpy as np
import pandas as pd

from . import _core
from .result import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["claim_chain", "distribution", "fan_chart", "sweep_heatmap", "tornado"]

_PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99]


def _axes(ax: Optional[Axes]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def fan_chart(result: Result, series: str, ax: Optional[Axes] = None, color: Optional[str] = None) -> Axes:
    """The median of a yearly metric with its p25-p75 and p5-p95 bands.

    >>> import infersim
    >>> fan_chart(infersim.run("scenarios/default.json", paths=2_000), "fcf_usd").get_xlabel()
    'year'
    """
    ax = _axes(ax)
    stats = result.series(series)
    years = stats.index.to_numpy()
    (line,) = ax.plot(years, stats["p50"], color=color, label="median", zorder=3)
    color = line.get_color()
    ax.fill_between(years, stats["p5"], stats["p95"], color=color, alpha=0.15, linewidth=0, label="p5–p95")
    ax.fill_between(years, stats["p25"], stats["p75"], color=color, alpha=0.35, linewidth=0, label="p25–p75")
    ax.set_xlabel("year")
    ax.set_ylabel(series)
    ax.set_title(f"{result.scenario}: {series}")
    ax.legend(loc="best")
    return ax


def distribution(
    result: Result,
    metric: str,
    kind: Literal["hist", "cdf"] = "hist",
    claims: bool = True,
    year: Optional[int] = None,
    ax: Optional[Axes] = None,
    bins: int = 60,
) -> Axes:
    """The distribution of a scalar metric (or of a series in `year`) as a density or a CDF.

    Uses the per-path samples when the run kept them (``keep_samples=[metric]``), else the
    percentiles p1 ... p99: the density is then flat between consecutive percentiles. With
    ``claims=True`` the claims about this metric are marked at their values (approx claims
    as their tolerance band).

    >>> import infersim
    >>> r = infersim.run("scenarios/default.json", paths=2_000, keep_samples=["npv_usd"])
    >>> distribution(r, "npv_usd", kind="cdf").get_ylabel()
    'P(value ≤ x)'
    """
    if kind not in ("hist", "cdf"):
        raise ValueError(f'kind: expected "hist" or "cdf", got {kind!r}')
    is_series = metric in _core.series_names
    if is_series:
        if year not in result.years:
            raise ValueError(f"year: {metric} is a series; pass one of the years {result.years[0]}..{result.years[-1]}")
        t = result.years.index(year)
    elif year is not None:
        raise ValueError(f'year: "{metric}" is a scalar (one value a path); remove year')
    ax = _axes(ax)

    if metric in result.kept_samples:
        values = result.samples(metric)
        values = values[:, t] if is_series else values
        values = np.sort(values[~np.isnan(values)])
        if kind == "hist":
            ax.hist(values, bins=bins, density=True, alpha=0.7)
        else:
            ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post")
    else:
        stats = result.series(metric).loc[year] if is_series else result.summary().loc[metric]
        xs = np.array([stats[f"p{p}"] for p in _PERCENTILES])
        ps = np.array(_PERCENTILES) / 100
        if kind == "hist":
            with np.errstate(divide="ignore", invalid="ignore"):
                density = np.diff(ps) / np.diff(xs)
            ax.stairs(np.where(np.isfinite(density), density, 0), xs, fill=True, alpha=0.7)
        else:
            ax.plot(xs, ps, marker="o")

    if claims:
        for cid, c in result.claims().iterrows():
            if c["metric"] != metric or (is_series and c["year"] != year):
                continue
            if c["op"] == "approx":
                lo, hi = sorted((c["value"] * (1 - c["rel_tol"]), c["value"] * (1 + c["rel_tol"])))
                ax.axvspan(lo, hi, color="tab:red", alpha=0.15, label=f"{cid}: ≈ {c['value']:.4g}")
            else:
                ax.axvline(c["value"], color="tab:red", linestyle="--", label=f"{cid}: {c['op']} {c['value']:.4g}")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best")

    ax.set_xlabel(f"{metric} {year}" if is_series else metric)
    ax.set_ylabel("density" if kind == "hist" else "P(value ≤ x)")
    ax.set_title(f"{result.scenario}: {metric}" + (f" in {year}" if is_series else ""))
    return ax


def _claim_text(cid: str, c) -> str:
    year = "" if pd.isna(c["year"]) else f" {c['year']}"
    op = "≈" if c["op"] == "approx" else c["op"]
    return f"{cid}\n{c['metric']}{year} {op} {c['value']:.4g}"


def claim_chain(result: Result, ax: Optional[Axes] = None) -> Axes:
    """Each claim's probability of holding, one bar per claim in scenario order.

    >>> import infersim
    >>> len(claim_chain(infersim.run("scenarios/default.json", paths=2_000)).patches)  # one bar per claim
    2
    """
    ax = _axes(ax)
    claims = result.claims()
    labels = [_claim_text(cid, c) for cid, c in claims.iterrows()]
    y = np.arange(len(claims))
    ax.barh(y, claims["probability"], color="tab:blue", alpha=0.7)
    for yi, p in zip(y, claims["probability"]):
        ax.text(min(p, 0.85) + 0.01, yi, f"{100 * p:.1f}%", va="center")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()  # first claim on top
    ax.set_xlim(0, 1)
    ax.set_xlabel("P(claim holds)")
    ax.set_title(f"{result.scenario}: claims")
    return ax


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
    metric = frame.attrs.get("metric", "metric")
    ax.set_xlabel(f"{metric} (base {base:.4g})")
    scenario = frame.attrs.get("scenario")
    ax.set_title(f"{scenario}: tornado of {metric}" if scenario else f"tornado of {metric}")
    ax.legend(loc="best", fontsize="small")
    return ax


def sweep_heatmap(
    frame: pd.DataFrame, x: str, y: str, statistic: str, ax: Optional[Axes] = None, annotate: bool = True
) -> Axes:
    """A statistic over a two-input sweep as a heatmap: one cell per grid point, `x`
    across and `y` up, with a colour bar (and the values in the cells when `annotate` and
    the grid has at most 12 x 12 points). Cells are equally sized whatever the spacing
    of the grid values.

    `frame` is what :func:`infersim.sweep` returns for two inputs.

    >>> import infersim
    >>> df = infersim.sweep("scenarios/default.json", {"market.price_decline": [0.2, 0.4, 0.6],
    ...                     "player.share_end": [0.04, 0.08]}, ["npv_usd:prob_positive"], paths=2_000)
    >>> sweep_heatmap(df, "market.price_decline", "player.share_end", "npv_usd:prob_positive").get_xlabel()
    'market.price_decline'
    """
    for column in (x, y, statistic):
        if column not in frame.columns:
            raise ValueError(f"{column!r} is not a column of the sweep; its columns are {list(frame.columns)}")
    grid = frame.pivot(index=y, columns=x, values=statistic).sort_index().sort_index(axis=1)
    ax = _axes(ax)
    image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label=statistic)
    ax.set_xticks(np.arange(grid.shape[1]), [f"{v:.4g}" for v in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), [f"{v:.4g}" for v in grid.index])
    if annotate and grid.shape[0] <= 12 and grid.shape[1] <= 12:
        values = grid.to_numpy()
        middle = np.nanmean(values) if np.isfinite(values).any() else 0.0
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, _short(v), ha="center", va="center", fontsize="small",
                    color="black" if v > middle else "white")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(statistic)
    return ax


def _short(v: float) -> str:
    """A cell label: 3 significant digits, large amounts in B or M."""
    if not np.isfinite(v):
        return "n/a"
    for scale, suffix in ((1e9, "B"), (1e6, "M")):
        if abs(v) >= scale:
            return f"{v / scale:.3g}{suffix}"
    return f"{v:.3g}"
