"""Market segments (model-v2 §B) from Python: per-segment series, the tidy segments() frame,
the stacked-revenue plot, and ValueError naming the JSON path for bad segments."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import infersim
import infersim.plot
from conftest import FAST_PATHS, REPO_ROOT

THREE_TIER = REPO_ROOT / "scenarios" / "meta_three_tier.json"
NAMES = ["frontier-closed", "mid-semi-open", "small-open"]


@pytest.fixture(scope="module")
def result():
    return infersim.run(str(THREE_TIER), paths=FAST_PATHS, seed=7)


def test_series_of_a_segment(result):
    assert result.segment_names == NAMES
    revenue = result.series("revenue_usd", segment="small-open")
    assert revenue.index.name == "year" and list(revenue.index) == result.years
    total = sum(result.series("revenue_usd", segment=n)["mean"] for n in NAMES)
    np.testing.assert_allclose(total, result.series("revenue_usd")["mean"], rtol=1e-9)
    lcot = result.series("lcot_usd_per_mtok", segment="frontier-closed")
    price = result.series("price_usd_per_mtok", segment="frontier-closed")
    assert (price["min"] > lcot["min"]).all()  # a markup >= its floor > 0


def test_segments_frame_is_tidy(result):
    frame = result.segments()
    assert frame.index.names == ["segment", "year"]
    assert list(frame.index.get_level_values("segment").unique()) == NAMES
    assert list(frame.columns) == ["revenue_usd", "served_tokens", "unserved_tokens", "price_usd_per_mtok", "share",
                                   "lcot_usd_per_mtok"]
    assert len(frame) == 3 * len(result.years)
    assert frame.loc[("small-open", result.years[0]), "revenue_usd"] == \
        result.series("revenue_usd", segment="small-open").loc[result.years[0], "p50"]
    means = result.segments("mean")
    assert means["revenue_usd"].groupby("year").sum().to_numpy() == pytest.approx(
        result.series("revenue_usd")["mean"].to_numpy(), rel=1e-9)


def test_segment_errors(result):
    with pytest.raises(ValueError, match=r'unknown segment "small-opn"; nearest: small-open'):
        result.series("revenue_usd", segment="small-opn")
    with pytest.raises(ValueError, match=r'"npv_usd" is not a per-segment series'):
        result.series("npv_usd", segment="small-open")
    v1 = infersim.run(str(REPO_ROOT / "scenarios" / "default.json"), paths=1000)
    assert v1.segment_names == [] and v1.segments().empty
    with pytest.raises(ValueError, match="has no segments"):
        v1.series("revenue_usd", segment="all")


def test_stacked_revenue_plot(result):
    fig, ax = plt.subplots()
    assert infersim.plot.segment_revenue(result, ax=ax) is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    plt.close(fig)
    v1 = infersim.run(str(REPO_ROOT / "scenarios" / "default.json"), paths=1000)
    with pytest.raises(ValueError, match="no market segments"):
        infersim.plot.segment_revenue(v1)


def test_bad_segment_is_a_value_error_naming_the_path(tmp_path):
    doc = json.loads(THREE_TIER.read_text())
    doc["market"]["segments"][0]["price"]["markup_floor"] = 9.0
    with pytest.raises(ValueError, match=r"market\.segments\[0\]\.price\.markup_floor: must be <= markup0"):
        infersim.Scenario.from_dict(doc)


def test_a_segments_series_in_a_tornado():
    frame = infersim.tornado(str(THREE_TIER), metric="revenue_usd.small-open@2028")
    assert "market.segments.small-open.share_end" in frame.index
    assert infersim.metrics.metric_info("share.small-open@2028").unit == infersim.metrics.metric_info("utilization").unit


def test_a_segments_series_in_thresholds_and_samples():
    """SERIES.SEGMENT names a whole per-segment series in thresholds and keep_samples, and
    the two agree path for path."""
    r = infersim.run(str(THREE_TIER), paths=FAST_PATHS, seed=7, keep_samples=["revenue_usd.small-open"],
                     thresholds={"revenue_usd.small-open": [1e9]})
    samples = r.samples("revenue_usd.small-open")
    assert samples.shape == (FAST_PATHS, len(r.years))
    frame = r.thresholds()
    assert list(frame["metric"].unique()) == ["revenue_usd.small-open"]
    np.testing.assert_array_equal(frame["probability"].to_numpy(), (samples > 1e9).mean(axis=0))
    # The kept values are the series the statistics describe.
    assert samples[:, 0].mean() == pytest.approx(r.series("revenue_usd", segment="small-open")["mean"].iloc[0],
                                                 rel=1e-12)
    with pytest.raises(ValueError, match=r'keep_samples: unknown segment "small-opn"; nearest: small-open'):
        infersim.run(str(THREE_TIER), paths=100, keep_samples=["revenue_usd.small-opn"])
    with pytest.raises(ValueError, match=r'thresholds: "ebit_usd" is not a per-segment series'):
        infersim.run(str(THREE_TIER), paths=100, thresholds={"ebit_usd.small-open": [0]})
    with pytest.raises(ValueError, match=r"thresholds: expected a metric by name, every year of a series"):
        infersim.run(str(THREE_TIER), paths=100, thresholds={"revenue_usd.small-open@2030": [0]})
