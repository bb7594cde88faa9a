"""infersim.plot: every function draws on the axes it is given and returns them."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import infersim
import infersim.plot
from conftest import FAST_PATHS

MONEY_TICK = re.compile(r"^(−|-)?\$\d+(\.\d+)?[kMBTQ]?$")  # $5B, -$2.5B, $0
PERCENT_TICK = re.compile(r"^(−|-)?\d+(\.\d+)?%$")


def tick_labels(axis) -> list[str]:
    """The tick labels of an axis as drawn (labels are only set when the figure is drawn)."""
    axis.axes.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


def assert_ticks(axis, pattern, at_least=3) -> list[str]:
    labels = tick_labels(axis)
    assert len(labels) >= at_least, labels
    assert all(pattern.match(t) for t in labels), labels
    assert not any("e+" in t or "e-" in t or "1e" in t for t in labels), labels
    return labels


@pytest.fixture(scope="module")
def stressed(scenario):
    return infersim.stress(scenario, ["price-war", "capex-overrun"], paths=FAST_PATHS, seed=3, progress=False)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_fan_chart(result, ax):
    assert infersim.plot.fan_chart(result, "revenue_usd", ax=ax) is ax
    (median,) = ax.get_lines()
    np.testing.assert_array_equal(median.get_xdata(), result.years)
    np.testing.assert_array_equal(median.get_ydata(), result.series("revenue_usd")["p50"])
    assert len(ax.collections) == 2  # the p5-p95 and p25-p75 bands


def test_fan_chart_makes_its_own_axes(result):
    ax = infersim.plot.fan_chart(result, "fcf_usd")
    assert ax.get_ylabel() == "Free cash flow per year"
    plt.close(ax.figure)


@pytest.mark.parametrize("kind", ["hist", "cdf"])
def test_distribution_from_samples_marks_claims(result, ax, kind):
    assert infersim.plot.distribution(result, "npv_usd", kind=kind, ax=ax) is ax
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["npv-positive: NPV ≥ $0"]


@pytest.mark.parametrize("kind", ["hist", "cdf"])
def test_distribution_from_percentiles(result, ax, kind):
    # revenue_usd was not kept: the plot uses the p1 ... p99 of 2028, and the approx
    # claim about that year is drawn as its tolerance band.
    assert "revenue_usd" not in result.kept_samples
    assert infersim.plot.distribution(result, "revenue_usd", kind=kind, year=2028, ax=ax) is ax
    assert ax.get_legend_handles_labels()[1] == ["arr-13b: ARR 2028 ≈ $13.0B"]
    if kind == "cdf":
        (line,) = ax.get_lines()
        assert line.get_xdata()[4] == result.series("revenue_usd").loc[2028, "p50"]


def test_distribution_rejects_bad_arguments(result, ax):
    with pytest.raises(ValueError, match="kind"):
        infersim.plot.distribution(result, "npv_usd", kind="violin", ax=ax)
    with pytest.raises(ValueError, match="year"):
        infersim.plot.distribution(result, "revenue_usd", ax=ax)


def test_claim_chain(result, ax):
    assert infersim.plot.claim_chain(result, ax=ax) is ax
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == list(result.claims()["probability"])


def test_tornado(scenario, ax):
    frame = infersim.tornado(scenario, "npv_usd")
    assert infersim.plot.tornado(frame, ax=ax) is ax
    d = len(frame)
    low, high = ax.patches[:d], ax.patches[d:]
    base = frame.attrs["base"]
    # Each bar runs from the base to the metric at the input's p10 (p90), largest swing on top.
    assert [bar.get_x() for bar in low] == [base] * d
    assert [base + bar.get_width() for bar in low] == pytest.approx(frame["low"].tolist(), rel=1e-12)
    assert [base + bar.get_width() for bar in high] == pytest.approx(frame["high"].tolist(), rel=1e-12)
    assert [t.get_text() for t in ax.get_yticklabels()] == frame.index.tolist()
    assert ax.yaxis_inverted()


def test_tornado_sorts_by_swing_and_takes_a_base(ax):
    frame = pd.DataFrame({"low": [1.0, -3.0], "high": [2.0, 4.0], "swing": [1.0, 7.0]}, index=["small", "large"])
    infersim.plot.tornado(frame, ax=ax, base=1.5)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["large", "small"]
    with pytest.raises(ValueError, match="base"):
        infersim.plot.tornado(frame)


def test_sweep_heatmap(scenario, ax):
    grid = {"market.price_decline": [0.2, 0.4, 0.6], "player.share_end": [0.04, 0.08]}
    df = infersim.sweep(scenario, grid, ["npv_usd:prob_positive"], paths=2000, seed=1)
    x, y, stat = "market.price_decline", "player.share_end", "npv_usd:prob_positive"
    assert infersim.plot.sweep_heatmap(df, x, y, stat, ax=ax) is ax
    (image,) = ax.get_images()
    cells = image.get_array()
    assert cells.shape == (2, 3)  # rows: y, columns: x
    assert cells[1, 0] == df.set_index([x, y]).loc[(0.2, 0.08), stat]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "0.4", "0.6"]
    assert len(ax.texts) == 6  # every cell annotated
    with pytest.raises(ValueError, match="'npv_usd:p50' is not a column"):
        infersim.plot.sweep_heatmap(df, x, y, "npv_usd:p50", ax=ax)


# -- units on the axes ---------------------------------------------------------------------


def test_fan_chart_axes_speak_in_units(result, ax):
    infersim.plot.fan_chart(result, "revenue_usd", ax=ax)
    labels = assert_ticks(ax.yaxis, MONEY_TICK)
    assert any(t.endswith("B") for t in labels)  # revenues of billions, on one scale
    assert len({t[-1] for t in labels if t not in ("$0", "-$0")}) == 1, labels
    assert_ticks(ax.xaxis, re.compile(r"^20\d\d$"))  # whole years: no 2027.5, no offset
    assert ax.get_title() == "default: Revenue (ARR)" and ax.get_ylabel() == "Revenue (ARR) per year"


def test_utilization_is_in_percent(result, ax):
    infersim.plot.fan_chart(result, "utilization", ax=ax)
    assert_ticks(ax.yaxis, PERCENT_TICK)
    assert ax.get_ylabel() == "Utilization"


def test_density_has_no_raw_ticks_and_money_on_x(result, ax):
    infersim.plot.distribution(result, "npv_usd", ax=ax)
    assert tick_labels(ax.yaxis) == [] and ax.get_ylabel() == "density"
    assert_ticks(ax.xaxis, MONEY_TICK)
    assert ax.get_xlabel() == "Net present value"


def test_cdf_is_in_percent(result, ax):
    infersim.plot.distribution(result, "revenue_usd", kind="cdf", year=2028, ax=ax)
    assert_ticks(ax.yaxis, PERCENT_TICK)
    assert_ticks(ax.xaxis, MONEY_TICK)
    assert ax.get_xlabel() == "Revenue (ARR) in 2028"


def test_claim_chain_labels_are_claims_in_words(result, ax):
    infersim.plot.claim_chain(result, ax=ax)
    assert tick_labels(ax.yaxis) == ["arr-13b\nARR 2028 ≈ $13.0B", "npv-positive\nNPV ≥ $0"]
    assert_ticks(ax.xaxis, PERCENT_TICK)


def test_tornado_axis_in_units(scenario, ax):
    infersim.plot.tornado(infersim.tornado(scenario, "npv_usd"), ax=ax)
    assert_ticks(ax.xaxis, MONEY_TICK)
    assert ax.get_xlabel().startswith("Net present value (line: the base, -$")


def test_sweep_heatmap_colour_bar_in_percent(scenario, ax):
    grid = {"market.price_decline": [0.2, 0.4, 0.6], "player.share_end": [0.04, 0.08]}
    df = infersim.sweep(scenario, grid, ["npv_usd:prob_positive", "npv_usd:p50"], paths=2000, seed=1, progress=False)
    infersim.plot.sweep_heatmap(df, "market.price_decline", "player.share_end", "npv_usd:prob_positive", ax=ax)
    colorbar = ax.figure.axes[-1]
    assert_ticks(colorbar.yaxis, PERCENT_TICK)
    assert ax.get_title() == "P(NPV > 0)"
    assert all(PERCENT_TICK.match(t.get_text()) for t in ax.texts)
    fig, other = plt.subplots()
    infersim.plot.sweep_heatmap(df, "market.price_decline", "player.share_end", "npv_usd:p50", ax=other)
    assert_ticks(fig.axes[-1].yaxis, MONEY_TICK)
    assert other.get_title() == "median NPV"
    plt.close(fig)


# -- comparisons: overlays and the change of each variant ------------------------------------


def test_fan_chart_of_a_comparison_overlays_the_runs(stressed, ax):
    assert infersim.plot.fan_chart(stressed, "revenue_usd", ax=ax) is ax
    lines = ax.get_lines()
    runs = {"base": stressed.base, **stressed.variants}
    assert [line.get_label() for line in lines] == list(runs)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(runs)
    for line, run in zip(lines, runs.values()):
        np.testing.assert_array_equal(line.get_ydata(), run.series("revenue_usd")["p50"])
    assert len(ax.collections) == len(runs)  # one p5-p95 band each
    assert len({line.get_color() for line in lines}) == len(runs)
    assert_ticks(ax.yaxis, MONEY_TICK)
    assert ax.get_title() == "default: Revenue (ARR), base and 2 variant(s) (median and p5–p95)"


@pytest.mark.parametrize("kind", ["hist", "cdf"])
def test_distribution_of_a_comparison_overlays_the_runs(stressed, ax, kind):
    infersim.plot.distribution(stressed, "npv_usd", kind=kind, ax=ax)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["base", "price-war", "capex-overrun", "npv-positive: NPV ≥ $0"]
    if kind == "cdf":
        for line, run in zip(ax.get_lines(), [stressed.base, *stressed.variants.values()]):
            assert line.get_xdata()[4] == run.summary().loc["npv_usd", "p50"]
    assert_ticks(ax.xaxis, MONEY_TICK)


def test_comparison_bars_are_the_mean_changes(stressed, ax):
    assert infersim.plot.comparison(stressed, ax=ax) is ax
    table = stressed.table().drop(index="base").sort_values("diff_mean")
    assert tick_labels(ax.yaxis) == list(table.index)  # largest loss on top
    assert [bar.get_width() for bar in ax.patches] == list(table["diff_mean"])
    assert_ticks(ax.xaxis, MONEY_TICK)
    fig, other = plt.subplots()
    infersim.plot.comparison(stressed, "utilization", year=2030, ax=other)
    assert_ticks(other.xaxis, PERCENT_TICK, at_least=2)
    plt.close(fig)
    with pytest.raises(TypeError, match="expected a Comparison"):
        infersim.plot.comparison(stressed.base, ax=ax)


def test_sobol_bars_and_intervals(scenario, ax):
    frame = infersim.sobol(scenario, "npv_usd", base_rows=256, bootstrap=20, seed=1)
    assert infersim.plot.sobol(frame, ax=ax, top=5) is ax
    top = frame.sort_values("total", ascending=False).head(5)
    first, total = ax.patches[:5], ax.patches[5:]
    assert [bar.get_width() for bar in first] == list(top["first_order"])
    assert [bar.get_width() for bar in total] == list(top["total"])
    assert tick_labels(ax.yaxis) == list(top.index)
    assert_ticks(ax.xaxis, PERCENT_TICK)
    assert ax.get_xlabel() == "share of the variance of Net present value (whiskers: 95% bootstrap intervals)"


def test_a_year_axis_has_whole_years(scenario, ax):
    result = infersim.run(scenario.with_overrides({"market.price_decline": 0.2}), paths=2000, seed=1, progress=False)
    assert result.summary().loc["payback_year", "defined_fraction"] > 0.5
    infersim.plot.distribution(result, "payback_year", kind="cdf", ax=ax)
    assert_ticks(ax.xaxis, re.compile(r"^20\d\d$"), at_least=2)
    assert ax.get_xlabel() == "Payback year"
