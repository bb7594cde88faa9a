"""infersim.metrics: one entry per metric, values written in their units, and DataFrames
that display in those units while holding the plain numbers."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest

import infersim
from infersim.metrics import METRICS, format_percent, format_value, metric_info, split_name, statistic_unit


def test_every_metric_of_the_engine_has_one_entry():
    assert list(METRICS) == [*infersim.series_names, *infersim.scalar_names]
    kinds = {"money", "price", "fraction", "ratio", "count", "year"}
    for name, info in METRICS.items():
        assert info.kind in kinds and info.unit and info.label and info.short, name
        assert "_" not in info.label, name  # a label, not a name
    assert metric_info("npv_usd") == infersim.MetricInfo("USD", "Net present value", "money", "NPV")
    assert metric_info("revenue_usd@2028:p50").label == "Revenue (ARR)"


def test_the_metric_table_is_the_engines(result):
    from infersim import _core, schema

    table = _core.metric_table
    for name, info in METRICS.items():
        row = table[name]
        assert (info.unit, info.label, info.kind, info.short) == (row["unit"], row["label"], row["kind"], row["short"])
        assert schema.METRICS[name].unit == row["unit"] and schema.METRICS[name].label == row["label"]
    # The result JSON carries the same table (without the per-cluster and per-segment rows,
    # absent here).
    doc = result.to_dict()["metrics"]
    assert {k: v for k, v in table.items() if v["shape"] not in ("cluster", "segment")} == doc
    assert [n for n, v in doc.items() if v["shape"] == "scalar"] == list(infersim.scalar_names)
    assert statistic_unit("payback_year", "sd") == _core.statistic_unit("payback_year", "sd") == "years"


@pytest.mark.parametrize(
    "name, x, expected",
    [
        ("revenue_usd", 13.04e9, "$13.0B"),
        ("npv_usd", -9.315815e9, "-$9.3B"),
        ("npv_usd", 999.96e6, "$1.0B"),  # rounds up into the next suffix
        ("capex_usd", 24e6, "$24.0M"),
        ("npv_usd", 512.3, "$512"),
        ("npv_usd", -0.2, "$0"),  # no "-$0"
        ("total_capex_usd", 1.5e12, "$1.5T"),
        ("utilization", 0.85, "85.0%"),
        ("irr", -0.031, "-3.1%"),
        ("ebit_ratio", 1.29, "129.0%"),  # a ratio is not bounded by 1
        ("payback_year", 2031.0, "2031"),
        ("price_usd_per_mtok", 0.4219, "$0.42/Mtok"),
        ("served_tokens", 3.2e15, "3.2Q tokens"),
        ("npv_usd", math.nan, "n/a"),
        ("irr", None, "n/a"),
    ],
)
def test_format_value(name, x, expected):
    assert format_value(name, x) == expected


def test_statistics_change_the_unit_only_where_they_should():
    assert statistic_unit("npv_usd") == "USD" and statistic_unit("revenue_usd", "p50") == "USD/yr"
    for stat in ("prob_positive", "prob_negative", "defined_fraction", "diff_prob_negative"):
        assert statistic_unit("revenue_usd", stat) == "fraction"
    assert statistic_unit("payback_year", "p50") == "year"
    assert statistic_unit("payback_year", "sd") == statistic_unit("payback_year", "diff_mean") == "years"
    assert statistic_unit("npv_usd", "sd") == statistic_unit("npv_usd", "diff_mean") == "USD"
    assert format_value("npv_usd:prob_positive", 0.4044) == "40.4%"
    assert format_value("npv_usd", 0.4044, statistic="prob_positive") == "40.4%"
    assert format_value("payback_year", 1.26, statistic="se") == "1.3 years"
    assert format_value("revenue_usd@2028:p95", 2.5e10) == "$25.0B"
    assert format_value("utilization", 0.8512, digits=2) == "85.12%" and format_percent(0.5, 0) == "50%"


def test_names_and_unknown_metrics():
    assert split_name("npv_usd") == ("npv_usd", None, None)
    assert split_name("revenue_usd@2028:p50") == ("revenue_usd", 2028, "p50")
    with pytest.raises(ValueError, match=r'^metric: unknown metric "revenue"; expected one of market_spend_usd, '):
        metric_info("revenue")
    with pytest.raises(ValueError, match=r'^metric: "revenue_usd@next": expected a whole year after "@"$'):
        split_name("revenue_usd@next")


# -- DataFrames that display in units ------------------------------------------------------


def test_summary_displays_in_units_and_holds_plain_numbers(result):
    summary = result.summary()
    scalars = result.to_dict()["scalars"]
    assert isinstance(summary, pd.DataFrame) and (summary.dtypes == np.float64).all()
    assert summary.loc["npv_usd", "p50"] == scalars["npv_usd"]["p50"]  # the number, unrounded
    html = summary._repr_html_()
    npv = summary.loc["npv_usd"]
    for cell in (format_value("npv_usd", npv["p50"]), format_percent(npv["prob_positive"]),
                 format_value("payback_year", summary.loc["payback_year", "p50"])):
        assert f">{cell}</td>" in html, cell
    assert "e+09" not in html and "e+10" not in html
    # A selection of its cells displays the same way ...
    p50 = format_value("npv_usd", npv["p50"])
    for selection in (summary.loc[["npv_usd", "irr"], ["p5", "p50"]], summary[["p50"]], summary.head(1),
                      summary.iloc[:1, 9:10], summary.drop(columns="mean"), summary[summary["p50"] < 0]):
        assert f">{p50}</td>" in selection._repr_html_()
        assert selection.loc["npv_usd", "p50"] == npv["p50"]
    # ... but a frame computed from it is a plain DataFrame: its numbers may be in other units.
    for derived in (summary / 1e9, summary.apply(lambda column: column * 2), -summary, summary.rank()):
        assert type(derived) is pd.DataFrame and "$" not in derived._repr_html_()
    # It pickles as the DataFrame it holds.
    copy = pickle.loads(pickle.dumps(summary))
    assert type(copy) is pd.DataFrame
    pd.testing.assert_frame_equal(copy, pd.DataFrame(summary))


def test_series_claims_and_tables_display_in_units(result, scenario):
    revenue = result.series("revenue_usd")
    html = revenue._repr_html_()
    assert f">{format_value('revenue_usd', revenue.loc[2030, 'p50'])}</td>" in html
    assert f">{format_percent(revenue.loc[2030, 'prob_positive'])}</td>" in html
    claims_html = result.claims()._repr_html_()
    assert ">$13.0B</td>" in claims_html  # arr-13b's claimed value
    c = infersim.stress(scenario, ["price-war"], paths=2000, seed=1, progress=False)
    table = c.table()
    assert f">{format_value('npv_usd', table.loc['price-war', 'diff_mean'])}</td>" in table._repr_html_()
    sweep = infersim.sweep(scenario, {"player.share_end": [0.05, 0.1]}, ["npv_usd:prob_positive"], paths=2000,
                           progress=False)
    sweep_html = sweep._repr_html_()
    assert f">{format_percent(sweep.loc[0, 'npv_usd:prob_positive'])}</td>" in sweep_html
    assert ">0.05</td>" in sweep_html  # the input column is left as pandas writes it


def test_a_long_frame_is_displayed_as_pandas_would(result):
    with pd.option_context("display.max_rows", 3):
        assert result.summary()._repr_html_() == pd.DataFrame(result.summary())._repr_html_()


def test_claim_chain_displays_each_step_in_its_metric_unit():
    from conftest import REPO_ROOT

    chain = infersim.run(REPO_ROOT / "scenarios" / "v1" / "meta_8pct_base.json", paths=100, progress=False).claim_chain()
    html = chain._repr_html_()
    assert "<style" in html  # the Styler's display, not pandas' fallback
    for cell in (">$13.0B</td>", ">$5.0B</td>", ">11.0%</td>", ">$0</td>"):  # ARR, EBIT, EBIT ratio, NPV claimed
        assert cell in html, cell


def test_sensitivity_frames_display_in_units(scenario):
    tornado = infersim.tornado(scenario, "npv_usd")
    top = tornado.index[0]
    assert f">{format_value('npv_usd', tornado.loc[top, 'low'])}</td>" in tornado.head(3)._repr_html_()
    spearman = infersim.spearman(scenario, "npv_usd", paths=2000)
    assert f">{format_percent(spearman.iloc[0]['contribution_to_variance'])}</td>" in spearman._repr_html_()
    sobol = infersim.sobol(scenario, "npv_usd", base_rows=256, bootstrap=10, seed=1)
    assert f">{format_percent(sobol.iloc[0]['total'])}</td>" in sobol._repr_html_()
