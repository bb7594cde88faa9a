"""Tests of the NumPy twin of the engine (bench/numpy_model.py).

Run with Debian's interpreter:  /usr/bin/python3 -m pytest -q bench/test_numpy_model.py

Deterministic scenarios fix every input, so all paths are equal; their
expected values are worked out by hand from model.md in each test. Random
checks pin a seed and allow 4 standard errors (the standard error is stated
next to each check).
"""

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy_model as nm  # noqa: E402

SEC = 3.1536e7  # seconds in 365 days, model.md §4
REL = 1e-10  # deterministic cases: equal up to rounding


# ---------------------------------------------------------------------------
# Fixture builders: a simple cluster of 1e6 accelerators (1 GW, pue 1, 1000 W)
# serving 1 token/s each, with no costs unless a test sets them.
# ---------------------------------------------------------------------------

def make_cluster(**overrides):
    cluster = dict(
        name="A", power_gw=1.0, online_year=2030, ramp_years=1, pue=1.0,
        watts_per_accelerator=1000.0, tokens_per_sec_per_accelerator=1.0,
        hardware_gain=0.0, software_gain=0.0, availability=1.0, inference_alloc=1.0,
        facility_capex_usd_per_gw=0.0, facility_life_years=10.0,
        it_cost_usd_per_accelerator=0.0, it_cost_growth=0.0, it_life_years=10.0,
        power_price_usd_per_mwh=0.0, idle_power_fraction=0.0, opex_rate=0.0)
    cluster.update(overrides)
    return cluster


def make_scenario(horizon, market=None, player=None, clusters=None, **top):
    scenario = {
        "name": "test",
        "start_year": 2030,
        "horizon_years": horizon,
        "market": {"spend0_usd": 1e9, "spend_growth": 0.0, "price0_usd_per_mtok": 1.0,
                   "price_decline": 0.0},
        "player": {"name": "P", "share_end": 1.0, "price_ratio": 1.0, "max_utilization": 1.0,
                   "sga_rate": 0.0, "tax_rate": 0.0, "wacc": 0.1, "baseline_ebit_usd": 1e9},
        "clusters": clusters or [make_cluster()],
    }
    scenario["market"].update(market or {})
    scenario["player"].update(player or {})
    scenario.update(top)
    return scenario


def run_deterministic(scenario, paths=3):
    """Evaluate a scenario whose inputs are all fixed; return path 0 after checking all paths agree."""
    series, scalars = nm.evaluate(scenario, nm.sample_inputs(scenario, paths, seed=0))
    for name, x in series.items():
        assert x.shape == (paths, scenario["horizon_years"]), name
        np.testing.assert_array_equal(x, np.broadcast_to(x[0], x.shape), err_msg=name)
    for name, x in scalars.items():
        np.testing.assert_array_equal(x, np.full(paths, x[0]), err_msg=name)
    return {k: v[0] for k, v in series.items()}, {k: float(v[0]) for k, v in scalars.items()}


def assert_series(actual, expected, rel=REL):
    assert set(expected) <= set(actual)
    for name, values in expected.items():
        assert list(actual[name]) == pytest.approx(values, rel=rel, abs=1e-9), name


def expected_value(fcf, wacc, start_year):
    """NPV, IRR and payback of an FCF list, by the plain scalar formulas of model.md §7."""
    def npv(rate):
        return sum(f / (1 + rate) ** (t + 1) for t, f in enumerate(fcf))

    has_sign_change = any(f > 0 for f in fcf) and any(f < 0 for f in fcf)
    if has_sign_change and npv(-0.99) * npv(10.0) < 0:
        irr = optimize.brentq(npv, -0.99, 10.0, xtol=1e-14, rtol=1e-14)
    else:
        irr = math.nan
    cumulative, payback, was_negative = 0.0, math.nan, False
    for t, f in enumerate(fcf):
        cumulative += f
        if cumulative < 0:
            was_negative = True
        elif was_negative:
            payback = start_year + t
            break
    if not was_negative:
        payback = start_year
    return npv(wacc), irr, payback


# ---------------------------------------------------------------------------
# model.md §2, §3: market and share ramp (demand-bound, no costs)
# ---------------------------------------------------------------------------

def test_market_and_share_ramp():
    sc = make_scenario(
        horizon=4,
        market={"spend0_usd": 1e9, "spend_growth": 0.5, "growth_decay": 0.5,
                "price0_usd_per_mtok": 2.0, "price_decline": 0.5},
        player={"share_start": 0.1, "share_end": 0.3, "share_ramp_years": 2, "price_ratio": 0.8,
                "sga_rate": 0.1, "tax_rate": 0.2, "wacc": 0.1, "baseline_ebit_usd": 1e9},
        clusters=[make_cluster(tokens_per_sec_per_accelerator=1e6)])  # capacity 3.1536e19: never binds
    series, scalars = run_deterministic(sc)

    # growth 0.5, 0.25, 0.125 -> spend 1, 1.5, 1.875, 2.109375 (x1e9); price halves
    spend = [1e9, 1.5e9, 1.875e9, 2.109375e9]
    price = [2.0, 1.0, 0.5, 0.25]
    share = [0.1, 0.2, 0.3, 0.3]  # ramp over 2 years, then flat
    asked = [0.1e9 / 1.6 * 1e6, 0.3e9 / 0.8 * 1e6, 0.5625e9 / 0.4 * 1e6, 0.6328125e9 / 0.2 * 1e6]
    capacity = 1e6 * 1e6 * SEC
    revenue = [s * m for s, m in zip(share, spend)]  # S r p / 1e6 = s M when demand binds
    ebit = [0.9 * r for r in revenue]
    fcf = [0.8 * e for e in ebit]  # no capex, no depreciation
    assert_series(series, {
        "market_spend_usd": spend,
        "price_usd_per_mtok": price,
        "demand_tokens": [5e14, 1.5e15, 3.75e15, 8.4375e15],
        "capacity_tokens": [capacity] * 4,
        "served_tokens": asked,
        "unserved_tokens": [0.0] * 4,
        "utilization": [a / capacity for a in asked],
        "revenue_usd": revenue,
        "capex_usd": [0.0] * 4,
        "ebit_usd": ebit,
        "fcf_usd": fcf,
        "ebit_ratio": [e / 1e9 for e in ebit],
    })
    assert revenue == pytest.approx([1e8, 3e8, 5.625e8, 6.328125e8], rel=REL)
    assert scalars["npv_usd"] == pytest.approx(sum(f / 1.1 ** (t + 1) for t, f in enumerate(fcf)), rel=REL)
    assert math.isnan(scalars["irr"])  # FCF never negative: no sign change
    assert scalars["payback_year"] == 2030  # cumulative FCF never below 0
    assert scalars["cumulative_fcf_usd"] == pytest.approx(sum(fcf), rel=REL)


def test_share_without_ramp_and_default_share_start():
    base = make_scenario(horizon=3, market={"spend_growth": 0.2}, player={"share_end": 0.25},
                         clusters=[make_cluster(tokens_per_sec_per_accelerator=1e6)])  # demand binds
    no_ramp = copy.deepcopy(base)
    no_ramp["player"].update(share_start=0.05, share_ramp_years=0)  # share_end from the start
    default_start = copy.deepcopy(base)
    default_start["player"]["share_ramp_years"] = 3  # share_start defaults to share_end
    for sc in (no_ramp, default_start):
        series, _ = run_deterministic(sc)
        assert list(series["revenue_usd"]) == pytest.approx([0.25e9, 0.25 * 1.2e9, 0.25 * 1.44e9], rel=REL)


# ---------------------------------------------------------------------------
# model.md §5: a demand-bound year, then a capacity-bound one; alpha, availability, power
# ---------------------------------------------------------------------------

def test_demand_bound_then_capacity_bound():
    sc = make_scenario(
        horizon=2,
        market={"spend0_usd": 5e6, "spend_growth": 1.0, "price0_usd_per_mtok": 1.0},
        player={"max_utilization": 0.5},
        clusters=[make_cluster(inference_alloc=0.5, availability=0.9,
                               power_price_usd_per_mwh=10.0, idle_power_fraction=0.2)])
    series, scalars = run_deterministic(sc)

    capacity = 0.5 * 0.9 * SEC * 1e6 * 1.0  # 1.41912e13 tokens
    cap_served = 0.5 * capacity  # 7.0956e12
    asked = [5e12, 1e13]  # share 1, r 1, p 1: M / p * 1e6
    served = [5e12, cap_served]  # year 0 demand binds, year 1 capacity binds
    util = [5e12 / capacity, 0.5]
    power = [0.5 * 1.0 * 1000 * 8760 * 10.0 * (0.2 + 0.8 * u) for u in util]  # alpha P 1000 8760 price (...)
    revenue = [s / 1e6 for s in served]
    assert_series(series, {
        "capacity_tokens": [capacity, capacity],
        "served_tokens": served,
        "unserved_tokens": [a - s for a, s in zip(asked, served)],  # 0, then 1e13 - 7.0956e12
        "utilization": util,
        "revenue_usd": revenue,
        "power_cost_usd": power,
        "ebit_usd": [r - p for r, p in zip(revenue, power)],
    })
    assert series["served_tokens"][0] < 0.5 * series["capacity_tokens"][0]
    assert series["unserved_tokens"][1] == pytest.approx(2.9044e12, rel=1e-12)
    assert math.isnan(scalars["irr"])  # all FCF negative
    assert math.isnan(scalars["payback_year"])


# ---------------------------------------------------------------------------
# model.md §4, §6: it_life_years 2.5 over 6 years (replacement, fractional depreciation),
# and the value measures of §7 on that cash flow
# ---------------------------------------------------------------------------

def life_2p5_scenario(price, terminal=None):
    player = {"sga_rate": 0.1, "tax_rate": 0.25, "wacc": 0.08, "baseline_ebit_usd": 1e10}
    if terminal:
        player["terminal"] = terminal
    return make_scenario(
        horizon=6,
        market={"spend0_usd": 1e11, "price0_usd_per_mtok": price},  # asks 1e15 tokens: capacity binds
        player=player,
        clusters=[make_cluster(
            inference_alloc=0.5, hardware_gain=0.5, software_gain=0.1,
            facility_capex_usd_per_gw=1e10, facility_life_years=7.5,
            it_cost_usd_per_accelerator=1000.0, it_cost_growth=0.1, it_life_years=2.5,
            capex_overrun=0.1, opex_rate=0.01,
            power_price_usd_per_mwh=40.0, idle_power_fraction=0.25)])


def life_2p5_expected(price):
    """By hand: 1e6 accelerators installed in 2030, replaced in 2033 (ceil 2.5 = 3), alpha 0.5."""
    alpha = 0.5
    # vintage 2030 serves 1.1^age in 2030-32; vintage 2033 serves 1.5^3 1.1^age in 2033-35
    tau = [1.0, 1.1, 1.21, 3.375, 3.375 * 1.1, 3.375 * 1.21]
    capacity = [alpha * SEC * 1e6 * x for x in tau]
    revenue = [c * price / 1e6 for c in capacity]  # u_max 1 and capacity binds: S = C
    facility = alpha * 1e10 * 1.1  # 5.5e9 in 2030
    it = [alpha * 1e6 * 1000 * 1.1, alpha * 1e6 * 1000 * 1.1**3 * 1.1]  # 0.55e9 (2030), 0.73205e9 (2033)
    capex = [facility + it[0], 0, 0, it[1], 0, 0]
    # facility: 1/7.5 a year, the tail beyond 2035 is outside the horizon;
    # IT: 1/2.5, 1/2.5, 0.5/2.5 of each tranche
    dep = [facility / 7.5 + d for d in (0.4 * it[0], 0.4 * it[0], 0.2 * it[0],
                                         0.4 * it[1], 0.4 * it[1], 0.2 * it[1])]
    opex = [0.01 * (facility + it[0])] * 3 + [0.01 * (facility + it[0] + it[1])] * 3
    power = [alpha * 1.0 * 1000 * 8760 * 40.0 * (0.25 + 0.75 * 1.0)] * 6  # U = 1
    ebit = [r - d - p - o - 0.1 * r for r, d, p, o in zip(revenue, dep, power, opex)]
    fcf = [e - 0.25 * max(e, 0) + d - c for e, d, c in zip(ebit, dep, capex)]
    return {"capacity_tokens": capacity, "served_tokens": capacity, "utilization": [1.0] * 6,
            "unserved_tokens": [1e15 - c for c in capacity], "revenue_usd": revenue,
            "capex_usd": capex, "depreciation_usd": dep, "opex_usd": opex, "power_cost_usd": power,
            "ebit_usd": ebit, "fcf_usd": fcf, "ebit_ratio": [e / 1e10 for e in ebit]}


def test_it_life_2p5_replacement_and_fractional_depreciation():
    series, scalars = run_deterministic(life_2p5_scenario(price=100.0))
    expected = life_2p5_expected(price=100.0)
    assert_series(series, expected)
    assert expected["capex_usd"][3] == pytest.approx(0.73205e9, rel=1e-12)
    assert expected["depreciation_usd"][5] == pytest.approx(5.5e9 / 7.5 + 0.14641e9, rel=1e-12)
    assert scalars["total_capex_usd"] == pytest.approx(6.78205e9, rel=REL)


def test_irr_with_sign_change_and_payback():
    series, scalars = run_deterministic(life_2p5_scenario(price=100.0))
    fcf = life_2p5_expected(price=100.0)["fcf_usd"]
    assert fcf[0] < 0 < min(fcf[1:])
    npv, irr, payback = expected_value(fcf, wacc=0.08, start_year=2030)
    assert scalars["npv_usd"] == pytest.approx(npv, rel=REL)
    assert scalars["irr"] == pytest.approx(irr, rel=1e-9)
    assert scalars["payback_year"] == payback == 2033  # cumulative FCF turns positive in 2033
    assert sum(f / (1 + scalars["irr"]) ** (t + 1) for t, f in enumerate(fcf)) == pytest.approx(0, abs=1e-3)


def test_payback_never_reached_with_negative_irr():
    series, scalars = run_deterministic(life_2p5_scenario(price=30.0))
    fcf = life_2p5_expected(price=30.0)["fcf_usd"]
    assert_series(series, {"fcf_usd": fcf})
    assert sum(fcf) < 0 and fcf[0] < 0 < min(fcf[1:])
    npv, irr, payback = expected_value(fcf, wacc=0.08, start_year=2030)
    assert math.isnan(payback) and math.isnan(scalars["payback_year"])
    assert irr < 0
    assert scalars["irr"] == pytest.approx(irr, rel=1e-9)
    assert scalars["npv_usd"] == pytest.approx(npv, rel=REL)


def test_gordon_terminal_value():
    _, plain = run_deterministic(life_2p5_scenario(price=100.0))
    _, gordon = run_deterministic(life_2p5_scenario(price=100.0, terminal={"method": "gordon", "growth": 0.02}))
    fcf_last = life_2p5_expected(price=100.0)["fcf_usd"][-1]
    terminal = fcf_last * 1.02 / (0.08 - 0.02) / 1.08**6
    assert gordon["npv_usd"] == pytest.approx(plain["npv_usd"] + terminal, rel=REL)
    assert gordon["irr"] == plain["irr"]  # the terminal value enters the NPV only


# ---------------------------------------------------------------------------
# model.md §4: a cluster coming online after start_year, ramp_years 2
# ---------------------------------------------------------------------------

def test_late_cluster_with_two_year_ramp():
    sc = make_scenario(
        horizon=4,
        market={"spend0_usd": 1e6},  # asks 1e12 tokens a year
        clusters=[make_cluster(
            online_year=2031.4,  # rounds to 2031
            ramp_years=2, hardware_gain=0.5,
            facility_capex_usd_per_gw=2e9, facility_life_years=20.0,
            it_cost_usd_per_accelerator=1000.0, it_cost_growth=0.2, it_life_years=10.0,
            power_price_usd_per_mwh=50.0, idle_power_fraction=0.5)])
    series, scalars = run_deterministic(sc)

    # phi = 0, 1/2, 1, 1 -> 5e5 accelerators of 2031 (1 token/s), 5e5 of 2032 (1.5 tokens/s)
    capacity = [0.0, SEC * 5e5, SEC * (5e5 + 5e5 * 1.5), SEC * (5e5 + 5e5 * 1.5)]
    served = [0.0, 1e12, 1e12, 1e12]  # nothing to serve from in 2030
    util = [0.0] + [1e12 / c for c in capacity[1:]]
    facility = [0.0, 1e9, 1e9, 0.0]  # 2e9 per GW times the increase of phi
    it = [0.0, 5e5 * 1000, 5e5 * 1000 * 1.2, 0.0]  # cost grows 20% a year from 2031
    power = [0.0] + [1.0 * phi * 1000 * 8760 * 50.0 * (0.5 + 0.5 * u) for phi, u in zip((0.5, 1, 1), util[1:])]
    dep = [0.0, 1e9 / 20 + 5e8 / 10, 2e9 / 20 + 5e8 / 10 + 6e8 / 10, 2e9 / 20 + 5e8 / 10 + 6e8 / 10]
    revenue = [s / 1e6 for s in served]
    ebit = [r - d - p for r, d, p in zip(revenue, dep, power)]
    assert_series(series, {
        "capacity_tokens": capacity,
        "served_tokens": served,
        "unserved_tokens": [1e12, 0.0, 0.0, 0.0],
        "utilization": util,
        "capex_usd": [f + i for f, i in zip(facility, it)],
        "depreciation_usd": dep,
        "power_cost_usd": power,
        "ebit_usd": ebit,
        "fcf_usd": [e + d - f - i for e, d, f, i in zip(ebit, dep, facility, it)],
    })
    # FCF is 0 in 2030 and negative after: no sign change, cumulative FCF never recovers
    assert math.isnan(scalars["irr"]) and math.isnan(scalars["payback_year"])


# ---------------------------------------------------------------------------
# model.md §7 helpers on hand-made cash flows
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fcf, irr, payback", [
    ([-100, 60, 60], (60 + math.sqrt(27600)) / 200 - 1, 2032),  # 100x^2 - 60x - 60 = 0, x = 1 + r
    ([-100, 50, 40], (50 + math.sqrt(18500)) / 200 - 1, math.nan),  # negative IRR, never recovers
    ([5, 5, 5], math.nan, 2030),  # never negative
    ([0, -1, -1], math.nan, math.nan),  # no sign change
    ([10, -30, 25], None, 2032),  # dips below 0 in 2031, back in 2032
    ([10, -30, 5], None, math.nan),
])
def test_irr_and_payback_of_cash_flows(fcf, irr, payback):
    fcf_arr = np.array([fcf], dtype=float)
    got_irr = nm._irr(fcf_arr)[0]
    got_payback = nm._payback(fcf_arr, 2030)[0]
    if irr is None:
        irr = expected_value(fcf, 0.1, 2030)[1]
    if math.isnan(irr):
        assert math.isnan(got_irr)
    else:
        assert got_irr == pytest.approx(irr, rel=1e-12, abs=1e-14)
    assert (math.isnan(got_payback) and math.isnan(payback)) or got_payback == payback


# ---------------------------------------------------------------------------
# Random checks (model.md §8): pinned seeds, 4 standard errors
# ---------------------------------------------------------------------------

def test_price_mean_in_year_one_uniform_decline():
    sc = make_scenario(horizon=3, market={"price0_usd_per_mtok": 2.0,
                                          "price_decline": {"dist": "uniform", "min": 0.2, "max": 0.6}})
    result = nm.run(sc, paths=20_000, seed=12345)
    stats_1 = {k: v[1] for k, v in result["series"]["price_usd_per_mtok"].items()}
    exact_mean = 2.0 * (1 - 0.4)  # E[p_1] = p_0 (1 - E[d])
    exact_sd = 2.0 * 0.4 / math.sqrt(12)  # sd of p_0 d, d ~ U(0.2, 0.6)
    # se = sd / sqrt(n) ~ 0.0016
    assert stats_1["se"] == pytest.approx(stats_1["sd"] / math.sqrt(20_000))
    assert abs(stats_1["mean"] - exact_mean) <= 4 * stats_1["se"], (stats_1["mean"], exact_mean, stats_1["se"])
    assert stats_1["sd"] == pytest.approx(exact_sd, rel=0.03)
    assert 0.8 <= stats_1["min"] <= stats_1["p50"] <= stats_1["max"] <= 1.6


@pytest.mark.parametrize("spec, mean", [
    ({"dist": "uniform", "min": 1, "max": 3}, 2.0),
    ({"dist": "triangular", "min": 0, "mode": 1, "max": 5}, 2.0),
    ({"dist": "pert", "min": 0.1, "mode": 0.28, "max": 0.5}, (0.1 + 4 * 0.28 + 0.5) / 6),
    ({"dist": "normal", "mean": 3, "sd": 2, "min": 1, "max": 5}, 3.0),  # symmetric truncation
    ({"dist": "lognormal", "mu": 0.5, "sigma": 0.4}, math.exp(0.5 + 0.08)),
    ({"dist": "lognormal", "mean": 60, "sd": 10}, 60.0),
    ({"dist": "lognormal", "median": 100, "p90": 150}, 100 * math.exp((math.log(1.5) / 1.2815515655446004) ** 2 / 2)),
    ({"dist": "beta", "alpha": 2, "beta": 6, "min": 10, "max": 20}, 10 + 10 * 2 / 8),
    ({"dist": "discrete", "values": [3, 1, 2], "weights": [1, 2, 1]}, (3 + 2 + 2) / 4),
    ({"dist": "discrete", "values": [2027, 2028]}, 2027.5),
])
def test_distribution_means(spec, mean):
    x = nm.Distribution(spec, "x").ppf(np.random.default_rng(7).random(40_000))
    se = x.std(ddof=1) / math.sqrt(x.size)
    assert abs(x.mean() - mean) <= 4 * se, (x.mean(), mean, se)


def test_distribution_inverse_cdf_points():
    discrete = nm.Distribution({"dist": "discrete", "values": [3, 1, 2], "weights": [1, 2, 1]}, "x")
    # sorted values 1, 2, 3 with cumulative weights 0.5, 0.75, 1
    assert list(discrete.ppf(np.array([0.1, 0.5, 0.50001, 0.75, 0.9]))) == [1, 1, 2, 2, 3]
    lognormal = nm.Distribution({"dist": "lognormal", "median": 100, "p90": 150}, "x")
    assert list(lognormal.ppf(np.array([0.5, 0.9]))) == pytest.approx([100, 150], rel=1e-12)
    normal = nm.Distribution({"dist": "normal", "mean": 0, "sd": 1, "min": 0}, "x")
    assert normal.ppf(np.array([0.5]))[0] == pytest.approx(stats.norm.ppf(0.75))  # Phi(0) + 0.5 (1 - Phi(0))
    pert = nm.Distribution({"dist": "pert", "min": 0, "mode": 0.5, "max": 1}, "x")
    assert pert.ppf(np.array([0.5]))[0] == pytest.approx(0.5)  # symmetric Beta(3, 3)
    assert nm.Distribution(7, "x").ppf(np.array([0.3]))[0] == 7


def test_copula_rank_correlation_and_rounding():
    sc = make_scenario(horizon=2, market={
        "spend_growth": {"dist": "uniform", "min": 0.1, "max": 0.5},
        "price_decline": {"dist": "uniform", "min": 0.2, "max": 0.6}},
        clusters=[make_cluster(online_year={"dist": "uniform", "min": 2030, "max": 2033})],
        correlations=[{"a": "market.spend_growth", "b": "market.price_decline", "rho": 0.5}])
    x = nm.sample_inputs(sc, 20_000, seed=3)
    rank_rho = stats.spearmanr(x["market.spend_growth"], x["market.price_decline"])[0]
    # Gaussian copula: Spearman = 6/pi asin(rho/2) = 0.4826; its se is about 0.006 here
    assert rank_rho == pytest.approx(6 / math.pi * math.asin(0.25), abs=0.025)
    years, counts = np.unique(x["clusters.A.online_year"], return_counts=True)
    assert list(years) == [2030, 2031, 2032, 2033]  # rounded to the nearest integer
    assert counts[0] == pytest.approx(20_000 / 6, rel=0.1)  # [2030, 2030.5) is 1/6 of the range


def test_block_evaluation_matches_one_pass(monkeypatch):
    sc = nm.load_scenario(Path(__file__).parent / "fixtures" / "bench-2cluster.json")
    series, scalars = nm.evaluate(sc, nm.sample_inputs(sc, 50, seed=5))
    one_pass = nm.statistics(series, scalars, sc, seed=5)
    monkeypatch.setattr(nm, "BLOCK_PATHS", 7)
    blocked = nm.run(sc, paths=50, seed=5)
    for kind in ("scalars", "series"):
        for name, summary in one_pass[kind].items():
            for stat, value in summary.items():
                np.testing.assert_allclose(blocked[kind][name][stat], value, rtol=1e-12, err_msg=f"{name}.{stat}")


# ---------------------------------------------------------------------------
# Statistics and claims
# ---------------------------------------------------------------------------

def test_statistics_undefined_values_and_claims():
    sc = make_scenario(horizon=2, claims=[
        {"id": "irr", "metric": "irr", "op": ">=", "value": 0.15},
        {"id": "rev", "metric": "revenue_usd", "year": 2031, "op": "approx", "value": 10.0, "rel_tol": 0.1},
    ])
    series = {name: np.zeros((4, 2)) for name in nm.SERIES_NAMES}
    series["revenue_usd"] = np.array([[0, 8.0], [0, 9.5], [0, 10.5], [0, 12.0]])
    scalars = {name: np.array([-1.0, 1.0, 2.0, 3.0]) for name in nm.SCALAR_NAMES}
    scalars["irr"] = np.array([np.nan, 0.1, 0.2, 0.3])
    result = nm.statistics(series, scalars, sc, seed=9)

    assert result["paths"] == 4 and result["seed"] == 9 and result["years"] == [2030, 2031]
    irr = result["scalars"]["irr"]
    assert irr["defined_fraction"] == 0.75
    assert irr["mean"] == pytest.approx(0.2)
    assert irr["sd"] == pytest.approx(0.1)
    assert irr["se"] == pytest.approx(0.1 / math.sqrt(3))
    assert irr["p50"] == pytest.approx(0.2) and irr["p25"] == pytest.approx(0.15)
    assert irr["prob_positive"] == 1.0
    npv = result["scalars"]["npv_usd"]
    assert npv["prob_positive"] == 0.75 and npv["min"] == -1 and npv["max"] == 3
    assert result["series"]["revenue_usd"]["p50"] == [0.0, 10.0]
    assert set(result["series"]) == set(nm.SERIES_NAMES)
    assert set(result["series"]["utilization"]) >= {"mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95"}
    claim_irr, claim_rev = result["claims"]
    assert claim_irr == {"id": "irr", "probability": 0.5, "median": pytest.approx(0.2),
                         "value_percentile": pytest.approx(100 / 3)}  # the undefined IRR does not hold
    assert claim_rev == {"id": "rev", "probability": 0.5, "median": 10.0, "value_percentile": 50.0}


# ---------------------------------------------------------------------------
# Scenario errors name the JSON path
# ---------------------------------------------------------------------------

def test_unknown_key_is_an_error():
    sc = make_scenario(horizon=2)
    sc["clusters"][0]["powr_gw"] = 1.2
    with pytest.raises(nm.ScenarioError, match=r"^clusters\[0\]\.powr_gw: unknown key \(did you mean power_gw\?\)"):
        nm.load_scenario(sc)


def test_missing_key_is_an_error():
    sc = make_scenario(horizon=2)
    del sc["market"]["price_decline"]
    with pytest.raises(nm.ScenarioError, match=r"^market\.price_decline: missing required key"):
        nm.load_scenario(sc)


def test_bad_distribution_is_an_error():
    sc = make_scenario(horizon=2, market={"spend_growth": {"dist": "pert", "min": 0.3, "mode": 0.2, "max": 0.5}})
    with pytest.raises(nm.ScenarioError, match=r"^market\.spend_growth: pert needs min <= mode <= max"):
        nm.load_scenario(sc)


def test_out_of_range_input_is_an_error():
    sc = make_scenario(horizon=2, clusters=[make_cluster(pue=0.9)])
    with pytest.raises(nm.ScenarioError, match=r"^clusters\[0\]\.pue: must be >= 1, got 0\.9$"):
        nm.run(sc, paths=10)


def test_unknown_correlation_input_lists_nearest():
    sc = make_scenario(horizon=2, correlations=[{"a": "market.spend_grwth", "b": "market.price_decline", "rho": 0.3}])
    with pytest.raises(nm.ScenarioError, match=r"correlations\[0\]\.a: unknown input .*nearest: market\.spend_growth"):
        nm.load_scenario(sc)


def test_correlation_matrix_not_positive_definite_names_inputs():
    sc = make_scenario(horizon=2, correlations=[
        {"a": "market.spend_growth", "b": "market.price_decline", "rho": 0.9},
        {"a": "market.spend_growth", "b": "player.price_ratio", "rho": 0.9},
        {"a": "market.price_decline", "b": "player.price_ratio", "rho": -0.9},
    ])
    with pytest.raises(nm.ScenarioError, match=r"not positive definite.*market\.spend_growth.*market\.price_decline"
                                               r".*player\.price_ratio"):
        nm.load_scenario(sc)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def test_command_line(tmp_path):
    scenario = Path(__file__).parent / "fixtures" / "bench-2cluster.json"
    out = tmp_path / "result.json"
    subprocess.run(["/usr/bin/python3", str(Path(__file__).parent / "numpy_model.py"), str(scenario),
                    "--paths", "300", "--seed", "4", "--out", str(out)], check=True, capture_output=True)
    result = json.loads(out.read_text())
    assert result["paths"] == 300 and result["seed"] == 4 and result["scenario"] == "bench-2cluster"
    assert set(result["scalars"]) == set(nm.SCALAR_NAMES)
    assert len(result["series"]["revenue_usd"]["mean"]) == 10
    assert [c["id"] for c in result["claims"]] == ["arr-13b", "irr-beats-wacc"]


# ---------------------------------------------------------------------------
# The roofline of model-v2 §A: the worked examples of tests/engine/test_throughput.cpp,
# the arithmetic repeated here so that the two implementations meet the same numbers.
# ---------------------------------------------------------------------------

def _serving(max_batch, i, o, t_max=None):
    return dict(accelerators_per_replica=8, max_batch=max_batch, input_tokens_per_request=i,
                output_tokens_per_request=o, max_seconds_per_output_token=t_max,
                bandwidth_efficiency=0.7, compute_efficiency=0.4, hbm_usable_fraction=0.9)


DENSE_70B_FP8 = dict(params_total=70e9, params_active=70e9, bytes_per_param=1.0, kv_bytes_per_token=163840)
H100_FP8 = dict(peak_flops=1979e12, hbm_bandwidth_bytes_per_s=3.35e12, hbm_bytes=80e9)


def test_roofline_dense_no_target():
    r = nm.roofline(DENSE_70B_FP8, H100_FP8, _serving(256, 2000, 500))
    # b_mem = floor((576e9 - 70e9) / (163840 x 2250)) = 1372; no target: b* = 256.
    assert (r["b_mem"], r["batch"]) == (1372, 256)
    t = max((70e9 + 256 * 3.6864e8) / (8 * 3.35e12 * 0.7), 2 * 70e9 * 256 / (8 * 1979e12 * 0.4))
    dec, pre = 256 / (8 * t), 1979e12 * 0.4 / (2 * 70e9)
    assert r["seconds_per_output_token"] == pytest.approx(t, rel=1e-12)
    assert r["tokens_per_sec_per_accelerator"] == pytest.approx(2500 / (2000 / pre + 500 / dec), rel=1e-12)
    assert r["tokens_per_sec_per_accelerator"] == pytest.approx(5095.619139345349, rel=1e-12)


def test_roofline_moe_with_binding_target():
    m = dict(params_total=671e9, params_active=37e9, experts=256, experts_active=8, bytes_per_param=1.0,
             kv_bytes_per_token=70272)
    a = dict(peak_flops=4.5e15, hbm_bandwidth_bytes_per_s=8e12, hbm_bytes=192e9)
    r = nm.roofline(m, a, _serving(512, 2000, 500, 0.012))
    # P_x = 634e9 x 32/31; t(48) = 0.011965 <= 0.012 < t(49) = 0.012068 (see test_throughput.cpp).
    assert (r["b_mem"], r["batch"]) == (4499, 48)
    px = 634e9 * 32 / 31
    wb = 671e9 - px + px * (1 - (31 / 32) ** 48)
    t = max((wb + 48 * 70272 * 2250) / 44.8e12, 2 * 37e9 * 48 / (8 * 4.5e15 * 0.4))
    assert r["seconds_per_output_token"] == pytest.approx(t, rel=1e-12)
    assert r["seconds_per_output_token"] == pytest.approx(0.011964632204951118, rel=1e-12)
    dec, pre = 48 / (8 * t), 4.5e15 * 0.4 / 74e9
    assert r["tokens_per_sec_per_accelerator"] == pytest.approx(2500 / (2000 / pre + 500 / dec), rel=1e-12)


def test_roofline_memory_bound_batch():
    m = dict(params_total=70e9, params_active=70e9, bytes_per_param=2.0, kv_bytes_per_token=327680)
    a = dict(peak_flops=989e12, hbm_bandwidth_bytes_per_s=3.35e12, hbm_bytes=80e9)
    r = nm.roofline(m, a, _serving(512, 8000, 2000))
    # b_mem = floor(436e9 / 2.94912e9) = 147 < 512.
    assert (r["b_mem"], r["batch"]) == (147, 147)
    assert r["tokens_per_sec_per_accelerator"] == pytest.approx(1623.732813681774, rel=1e-12)


def test_roofline_model_that_does_not_fit():
    m = dict(params_total=671e9, params_active=37e9, experts=256, experts_active=8, bytes_per_param=1.0,
             kv_bytes_per_token=70272)
    a = dict(peak_flops=4.5e15, hbm_bandwidth_bytes_per_s=8e12, hbm_bytes=192e9)
    with pytest.raises(nm.ScenarioError, match="model does not fit: needs 671.158 GB .* 172.8 GB usable"):
        nm.roofline(m, a, dict(_serving(512, 2000, 500), accelerators_per_replica=1))
    with pytest.raises(nm.ScenarioError, match="experts_active: must be <= experts"):
        nm.roofline(dict(m, experts_active=300), a, _serving(512, 2000, 500))


def test_calibration_of_the_roofline_runs_and_fits_the_benchmarks():
    """bench/calibrate_throughput.py: every catalog row it names resolves, and the benchmark fit
    stays where docs/throughput.md reports it (η_c about 0.41, RMS log residual below 0.15)."""
    import calibrate_throughput as cal
    catalog = cal.load_catalog()
    rows = [r for r in cal.ROWS if r.benchmark]
    eta_b, eta_c, rms = cal.fit(catalog, rows)
    assert 0.35 < eta_c < 0.47, eta_c
    assert rms < 0.15, rms
    assert 0.02 <= eta_b <= 1.0
    text = cal.table(catalog, eta_b, eta_c)
    assert text.count("\n") == len(cal.ROWS) + 1
