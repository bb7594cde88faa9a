"""The corporate-finance layer (model-v2 §C) from Python: its inputs, its outputs, its
errors (ValueError naming the JSON path) and its plots."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

import infersim
import infersim.plot
import infersim.schema
from conftest import FAST_PATHS, REPO_ROOT

NEW_SERIES = ("ebitda_usd", "lease_cost_usd", "fixed_costs_usd", "tax_usd", "lcot_player_usd_per_mtok",
              "revenue_per_accelerator_hour_usd")


def finance_dict(d: dict) -> dict:
    """The default scenario with every §C block: a leased Hyperion, a 2-year build for
    Prometheus, software carry-over, model costs, group relief and an exit multiple."""
    d["player"]["fixed_costs_usd"] = {"dist": "uniform", "min": 1e9, "max": 3e9}
    d["player"]["fixed_cost_growth"] = 0.1
    d["player"]["tax_losses"] = "group_relief"
    d["player"]["terminal"] = {"method": "exit_multiple", "multiple": 12}
    d["clusters"][0]["build_years"] = 2
    d["clusters"][0]["software_carryover"] = 0.5
    d["clusters"][1]["ownership"] = {"lease": {"rate": 0.09, "term_years": 20}}
    return d


@pytest.fixture(scope="module")
def finance_result(_default_dict):
    import copy

    sc = infersim.Scenario.from_dict(finance_dict(copy.deepcopy(_default_dict)))
    return infersim.run(sc, paths=FAST_PATHS, seed=3, keep_samples=["tax_usd", "ebit_usd"], progress=False)


def test_the_new_metrics_are_named_with_units():
    for name in (*NEW_SERIES, "mirr", "terminal_value_usd"):
        assert name in infersim.metrics.METRICS, name
        assert infersim.metrics.metric_info(name).unit
    assert list(infersim.schema.METRICS) == [*infersim._core.series_names, *infersim._core.scalar_names]


def test_new_outputs_of_a_v1_scenario(result):
    for name in NEW_SERIES:
        assert len(result.series(name)) == 10, name
    assert result.series("lease_cost_usd")["max"].eq(0).all()
    assert result.series("fixed_costs_usd")["max"].eq(0).all()
    tv = result.scalar("terminal_value_usd") if hasattr(result, "scalar") else None
    doc = result.to_dict()
    assert doc["scalars"]["terminal_value_usd"]["max"] == 0  # method none
    assert 0 < doc["scalars"]["mirr"]["defined_fraction"] <= 1
    del tv


def test_finance_blocks_run_and_group_relief_pays_tax_back(finance_result):
    doc = finance_result.to_dict()
    lease = finance_result.series("lease_cost_usd")
    # Hyperion (online 2028) pays its lease from 2028 on; nothing before.
    assert (lease.loc[2026:2027, "max"] == 0).all()
    assert (lease.loc[2028:, "p50"] > 0).all()
    fixed = finance_result.series("fixed_costs_usd")
    assert fixed.loc[2027, "p50"] == pytest.approx(fixed.loc[2026, "p50"] * 1.1, rel=1e-9)
    # Group relief: tax = rate * EBIT on every path, losses included.
    tax, ebit = finance_result.samples("tax_usd"), finance_result.samples("ebit_usd")
    np.testing.assert_allclose(tax, 0.15 * ebit, rtol=1e-12, atol=1e-3)
    assert (tax < 0).any()
    assert doc["scalars"]["terminal_value_usd"]["p50"] == pytest.approx(
        12 * doc["series"]["ebitda_usd"]["p50"][-1], rel=0.05)


@pytest.mark.parametrize("mutation, message", [
    (lambda d: d["clusters"][1].__setitem__("ownership", {"lease": {"rate": 0.09, "term_years": -1}}),
     r"^clusters\[1\]\.ownership\.lease\.term_years: must be > 0, got -1$"),
    (lambda d: d["player"].__setitem__("terminal", {"method": "exit_multiple", "multiple": -3}),
     r"^player\.terminal\.multiple: must be > 0, got -3$"),
    (lambda d: d["clusters"][0].__setitem__("software_carryover", -0.5),
     r"^clusters\[0\]\.software_carryover: must be in \[0, 1\], got -0\.5$"),
    (lambda d: d["player"].__setitem__("tax_losses", "carry_back"),
     r'^player\.tax_losses: unknown rule "carry_back"; expected one of "none", "group_relief", "carry_forward"$'),
    (lambda d: d["player"].__setitem__("terminal", {"method": "npv"}),
     r'^player\.terminal\.method: unknown method "npv"; expected one of "none", "gordon", "book_value", '
     r'"exit_multiple"$'),
])
def test_bad_finance_input_is_a_value_error_naming_the_path(default_dict, mutation, message):
    mutation(default_dict)
    with pytest.raises(ValueError, match=message):
        infersim.Scenario.from_dict(default_dict)


def test_unit_economics_plot(finance_result):
    fig, ax = plt.subplots()
    assert infersim.plot.unit_economics(finance_result, ax=ax) is ax
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["market price (median)", "player's cost (median)"]
    # The cost line is the median of the player's cost per Mtok, NaN-free once capacity is online.
    cost = ax.get_lines()[1].get_ydata()
    assert np.allclose(cost, finance_result.series("lcot_player_usd_per_mtok")["p50"].to_numpy(), equal_nan=True)
    plt.close(fig)


def test_revenue_per_accelerator_hour_against_catalog_rentals(finance_result):
    prices = infersim.plot.gpu_rental_prices(REPO_ROOT / "data")
    assert prices["accelerators.h100.cloud_rental_usd_per_gpu_hr"] == 3.0
    assert all(0 < p < 20 for p in prices.values())
    fig, ax = plt.subplots()
    infersim.plot.revenue_per_accelerator_hour(finance_result, ax=ax, data_dir=REPO_ROOT / "data")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "h100 cloud $3.00/h" in labels
    # One dashed line a rental price, beside the median line.
    assert len([ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]) == len(prices)
    assert infersim.plot.gpu_rental_prices(REPO_ROOT / "no-such-dir") == {}
    plt.close(fig)
    assert math.isfinite(finance_result.series("revenue_per_accelerator_hour_usd").loc[2030, "p50"])
