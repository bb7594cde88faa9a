"""infersim.plot: every function draws on the axes it is given and returns them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import infersim
import infersim.plot


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
    assert ax.get_ylabel() == "fcf_usd"
    plt.close(ax.figure)


@pytest.mark.parametrize("kind", ["hist", "cdf"])
def test_distribution_from_samples_marks_claims(result, ax, kind):
    assert infersim.plot.distribution(result, "npv_usd", kind=kind, ax=ax) is ax
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["npv-positive: >= 0"]


@pytest.mark.parametrize("kind", ["hist", "cdf"])
def test_distribution_from_percentiles(result, ax, kind):
    # revenue_usd was not kept: the plot uses the p1 ... p99 of 2028, and the approx
    # claim about that year is drawn as its tolerance band.
    assert "revenue_usd" not in result.kept_samples
    assert infersim.plot.distribution(result, "revenue_usd", kind=kind, year=2028, ax=ax) is ax
    assert ax.get_legend_handles_labels()[1] == ["arr-13b: ≈ 1.3e+10"]
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
