"""stress(), compare(), solve() and sweep(): equality with the command line, common random
numbers, a goal seek with a root known in closed form, bad input, and interruption."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import threading
import time

import numpy as np
import pandas as pd
import pytest

import infersim
from conftest import ticks_while
from conftest import DEFAULT_SCENARIO, FAST_PATHS, REPO_ROOT

ELAPSED_LINE = re.compile(r'^\s*"elapsed_s":[^\n]*\n', re.MULTILINE)


def without_elapsed(text: str, results: int) -> str:
    """JSON text without the (timing-dependent) elapsed_s line of each of its `results` runs."""
    stripped, n = ELAPSED_LINE.subn("", text)
    assert n == results, f"expected {results} elapsed_s lines, found {n}"
    return stripped


def run_cli(cli_path, *args) -> None:
    proc = subprocess.run([str(cli_path), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def comparison(scenario):
    return infersim.stress(scenario, paths=FAST_PATHS, seed=3, progress=False)


@pytest.fixture(scope="module")
def deterministic(scenario):
    """The default scenario with every uncertain input fixed to its median."""
    fixed = scenario.with_overrides(scenario.inputs(uncertain=True)["median"].to_dict())
    assert fixed.inputs(uncertain=True).empty
    return fixed


# -- the same results as the command line ---------------------------------------------


@pytest.mark.parametrize("only", [[], ["price-war", "capex-overrun"]], ids=["all", "two"])
def test_stress_json_equals_cli(cli_path, tmp_path, scenario, only):
    out = tmp_path / "stress.json"
    run_cli(cli_path, "stress", DEFAULT_SCENARIO, "--paths", FAST_PATHS, "--seed", 3, "--out", out,
            *(["--only", *only] if only else []))
    c = infersim.stress(scenario, only or None, paths=FAST_PATHS, seed=3, progress=False)
    assert list(c.variants) == (only or scenario.stresses)
    results = 1 + len(c.variants)
    assert without_elapsed(c.to_json(), results) == without_elapsed(out.read_text(encoding="utf-8"), results)


def test_compare_json_equals_cli(cli_path, tmp_path, scenario):
    cheaper = scenario.with_overrides({"player.price_ratio": 0.6})
    other = tmp_path / "cheaper.json"
    other.write_text(json.dumps(cheaper.to_dict()), encoding="utf-8")
    out = tmp_path / "compare.json"
    run_cli(cli_path, "compare", DEFAULT_SCENARIO, "--with", other, "--paths", FAST_PATHS, "--seed", 3, "--out", out)
    c = infersim.compare(scenario, [cheaper], paths=FAST_PATHS, seed=3, progress=False)
    assert list(c.variants) == ["default"]  # a list names each variant by its scenario's name, as the CLI does
    assert without_elapsed(c.to_json(), 2) == without_elapsed(out.read_text(encoding="utf-8"), 2)


def test_solve_json_equals_cli(cli_path, tmp_path, scenario):
    out = tmp_path / "solve.json"
    run_cli(cli_path, "solve", DEFAULT_SCENARIO, "--input", "market.price_decline", "--range", 0.1, 0.9,
            "--target", "npv_usd:p50=0", "--paths", FAST_PATHS, "--seed", 3, "--out", out)
    s = infersim.solve(scenario, "market.price_decline", 0.1, 0.9, "npv_usd:p50", 0.0, paths=FAST_PATHS, seed=3)
    assert s.to_json() == out.read_text(encoding="utf-8")
    expected = json.loads(out.read_text(encoding="utf-8"))
    assert (s.root, s.achieved, list(s.bracket), s.runs) == (
        expected["root"], expected["achieved"], expected["bracket"], expected["runs"])


def test_sweep_equals_cli(cli_path, tmp_path, scenario):
    out = tmp_path / "sweep.json"
    run_cli(cli_path, "sweep", DEFAULT_SCENARIO, "--input", "market.price_decline=0.2,0.5",
            "--input", "player.share_end=0.04:0.12:3", "--metric", "npv_usd:p50", "--metric", "revenue_usd@2028:mean",
            "--paths", FAST_PATHS, "--seed", 3, "--out", out)
    df = infersim.sweep(scenario, {"market.price_decline": [0.2, 0.5], "player.share_end": np.linspace(0.04, 0.12, 3)},
                        ["npv_usd:p50", "revenue_usd@2028:mean"], paths=FAST_PATHS, seed=3)
    expected = pd.DataFrame(json.loads(out.read_text(encoding="utf-8"))["points"])
    pd.testing.assert_frame_equal(df, expected, check_exact=True)


# -- comparisons ----------------------------------------------------------------------


def test_compare_with_an_identical_scenario_gives_zero_differences(scenario):
    c = infersim.compare(scenario, {"same": scenario}, paths=FAST_PATHS, seed=5, progress=False)
    zero_stats = [s for s in infersim.difference_statistic_names if s != "defined_fraction"]
    for metric in (*infersim.scalar_names, *infersim.series_names):
        d = c.difference("same", metric)
        values = d[zero_stats].to_numpy(dtype=float)
        defined = np.isfinite(values)  # irr and payback_year are undefined on some paths
        assert defined.any(), metric
        assert (values[defined] == 0).all(), f"{metric}: nonzero differences\n{d[zero_stats]}"
    assert c.to_dict()["variants"][0]["result"]["scalars"] == c.to_dict()["base"]["scalars"]


def test_compare_names_each_variant_after_itself(scenario):
    cheaper = scenario.with_overrides({"player.price_ratio": 0.6})
    assert cheaper.name == "default"  # a what-if keeps its base's name: the variant's name is the dict key
    c = infersim.compare(scenario, {"cheaper": cheaper}, paths=1000, progress=False)
    assert list(c.variants) == ["cheaper"]
    assert c.variants["cheaper"].scenario == "cheaper" and c.base.scenario == "default"
    assert c.to_dict()["variants"][0]["result"]["scenario"] == "cheaper"
    listed = infersim.compare(scenario, [scenario.with_stress("price-war")], paths=1000, progress=False)
    assert list(listed.variants) == ["default+price-war"] == [listed.variants["default+price-war"].scenario]


def test_paired_se_is_ten_times_smaller_than_for_independent_runs(scenario):
    # The capex overrun scales costs and leaves every other input's draw unchanged, so the
    # stressed and base NPVs move together path by path and their difference varies little.
    paths = 20_000
    paired = infersim.stress(scenario, ["capex-overrun"], paths=paths, seed=11, progress=False)
    se_paired = paired.difference("capex-overrun")["se"]
    base = infersim.run(scenario, paths=paths, seed=12, progress=False).summary().loc["npv_usd", "se"]
    stressed = infersim.run(scenario.with_stress("capex-overrun"), paths=paths, seed=13, progress=False)
    se_independent = math.hypot(base, stressed.summary().loc["npv_usd", "se"])
    assert 10 * se_paired <= se_independent, f"paired se {se_paired:.4g}, independent runs {se_independent:.4g}"


def test_table_agrees_with_the_results(comparison):
    table = comparison.table()
    assert table.index.tolist() == ["base", *comparison.variants]
    runs = {"base": comparison.base, **comparison.variants}
    for name, result in runs.items():
        npv = result.summary().loc["npv_usd"]
        own = ["p5", "p50", "p95", "prob_positive"]
        assert table.loc[name, own].tolist() == npv[own].tolist()
    assert table.loc["base"].filter(like="diff_").isna().all()
    base_mean = comparison.base.summary().loc["npv_usd", "mean"]
    for name, result in comparison.variants.items():
        d = comparison.difference(name)
        assert table.loc[name, "diff_se"] == d["se"] and table.loc[name, "diff_prob_negative"] == d["prob_negative"]
        # The mean of the differences is the difference of the means, up to rounding.
        expected = result.summary().loc["npv_usd", "mean"] - base_mean
        assert abs(d["mean"] - expected) <= 1e-9 * abs(base_mean), (name, d["mean"], expected)


def test_series_difference_and_table(comparison):
    d = comparison.difference("price-war", "revenue_usd")
    assert d.index.name == "year" and d.index.tolist() == comparison.base.years
    assert d.columns.tolist() == list(infersim.difference_statistic_names)
    assert d.loc[2026, "mean"] == 0  # prices start equal; the war shows from the second year
    assert (d.loc[2027:, "p50"] < 0).all()
    table = comparison.table("revenue_usd", year=2030)
    assert table.loc["price-war", "diff_mean"] == d.loc[2030, "mean"]


def test_comparison_display(comparison):
    assert repr(comparison).startswith("Comparison('default' and 'capex-overrun'")
    html = comparison._repr_html_()
    assert html.count("<tr>") == 1 + 1 + len(comparison.variants)
    assert "price-war" in html and "P(NPV &gt; 0)" in html


def test_stress_threads_do_not_change_the_result(scenario):
    one = infersim.stress(scenario, paths=9000, seed=2, threads=1, progress=False)
    two = infersim.stress(scenario, paths=9000, seed=2, threads=2, progress=False)
    assert without_elapsed(one.to_json(), 4) == without_elapsed(two.to_json(), 4)


def test_save_writes_the_json(comparison, tmp_path):
    comparison.save(tmp_path / "c.json")
    assert (tmp_path / "c.json").read_text(encoding="utf-8") == comparison.to_json()
    assert comparison.to_dict() == json.loads(comparison.to_json())


# -- goal seeking and sweeps ------------------------------------------------------------


@pytest.mark.parametrize(
    "year, price, expected",
    [(2027, 1.1, 0.45), (2028, 0.72, 0.4), (2029, 0.25, 0.5)],
)
def test_solve_finds_a_root_known_in_closed_form(deterministic, year, price, expected):
    # model.md §2: the market price is p_t = p_0 (1 - d)^t with p_0 = $2/Mtok in 2026, so
    # p_t = price when d = 1 - (price / 2)^(1/t). With every input fixed, each run is exact.
    t = year - 2026
    assert expected == pytest.approx(1 - (price / 2) ** (1 / t), abs=1e-15)
    target = f"price_usd_per_mtok@{year}:p50"
    s = infersim.solve(deterministic, "market.price_decline", 0.0, 0.9, target, price, paths=64)
    tolerance = 1e-6 * 0.9  # the default x_tolerance: a millionth of the range
    assert abs(s.root - expected) <= tolerance, f"calculated {s.root!r}, expected {expected}, tolerance {tolerance}"
    assert s.achieved == pytest.approx(price, rel=1e-5)
    assert s.bracket[0] <= s.root <= s.bracket[1]
    assert s.trace.index.name == "run" and s.runs == len(s.trace) >= 2
    assert s.trace.iloc[:2, 0].tolist() == [0.0, 0.9]  # both ends first


def test_solve_repr(deterministic):
    s = infersim.solve(deterministic, "market.price_decline", 0.0, 0.9, "price_usd_per_mtok@2027:p50", 1.1, paths=64)
    assert repr(s).startswith("SolveResult(market.price_decline = 0.45: price_usd_per_mtok@2027:p50 = 1.1")


def test_solve_not_bracketed_names_the_values_at_the_ends(deterministic):
    with pytest.raises(ValueError, match=r"^solve: the target price_usd_per_mtok@2027:p50 = 5 is not bracketed by "
                                         r"market.price_decline in \[0, 0.9\]: .* is 2 at 0 and 0.2"):
        infersim.solve(deterministic, "market.price_decline", 0.0, 0.9, "price_usd_per_mtok@2027:p50", 5.0, paths=64)


def test_sweep_of_one_input(scenario):
    values = [0.2, 0.35, 0.5]
    df = infersim.sweep(scenario, {"market.price_decline": values}, "npv_usd:prob_positive", paths=FAST_PATHS, seed=3)
    assert df.shape == (3, 2) and df.columns.tolist() == ["market.price_decline", "npv_usd:prob_positive"]
    assert df["market.price_decline"].tolist() == values
    assert df["npv_usd:prob_positive"].is_monotonic_decreasing  # common random numbers: no noise in the order
    # Each point is a full run of the scenario with the input fixed, with the same seed.
    direct = infersim.run(scenario.with_overrides({"market.price_decline": 0.35}), paths=FAST_PATHS, seed=3)
    assert df.loc[1, "npv_usd:prob_positive"] == direct.summary().loc["npv_usd", "prob_positive"]


def test_sweep_of_two_inputs_pivots_into_a_grid(scenario):
    grid = {"market.price_decline": [0.2, 0.4, 0.6], "player.share_end": [0.04, 0.08]}
    df = infersim.sweep(scenario, grid, ["npv_usd:p50", "npv_usd:prob_positive"], paths=2000, seed=1)
    assert df.shape == (6, 4)
    assert df.columns.tolist() == ["market.price_decline", "player.share_end", "npv_usd:p50", "npv_usd:prob_positive"]
    assert df["market.price_decline"].tolist() == [0.2, 0.2, 0.4, 0.4, 0.6, 0.6]  # the first input slowest
    pivot = df.pivot(index="player.share_end", columns="market.price_decline", values="npv_usd:p50")
    assert pivot.shape == (2, 3)
    assert (pivot.loc[0.08] > pivot.loc[0.04]).all()  # a larger share is worth more at every price decline


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda sc: infersim.stress(sc, "no-such-stress", paths=100), r"no-such-stress"),
        (lambda sc: infersim.stress(sc, paths=0), r"^paths: must be >= 1, got 0$"),
        (lambda sc: infersim.stress(sc, seed=-1), r"^seed: must be >= 0, got -1$"),
        (lambda sc: infersim.stress(sc, sampler="halton"), r"^sampler: "),
        (lambda sc: infersim.compare(sc, [sc, sc], paths=100), r'^compare: two variants are named "default"'),
        (lambda sc: infersim.compare(sc, {"base": sc}, paths=100), r'^compare: "base" names the base'),
        (lambda sc: infersim.compare(sc, [], paths=100), r"^compare: give at least one scenario"),
        (
            lambda sc: infersim.compare(sc, [REPO_ROOT / "scenarios" / "v1" / "meta_prometheus_hyperion.json"], paths=100),
            r"cannot be compared path by path with default",
        ),
        (lambda sc: infersim.solve(sc, "market.no_such_input", 0, 1, paths=100), r"market.no_such_input"),
        (lambda sc: infersim.solve(sc, "market.price_decline", 0.5, 0.1), r"^solve: the range must have lo < hi"),
        (lambda sc: infersim.solve(sc, "player.wacc", 0, 1, "npv_usd:p51"), r'^target: unknown statistic "p51"'),
        (lambda sc: infersim.solve(sc, "player.wacc", 0, 1, "revenue_usd:p50"), r'^target: "revenue_usd" is a series'),
        (lambda sc: infersim.solve(sc, "market.price_decline", 0.1, math.inf), r"^hi: expected a finite number"),
        (lambda sc: infersim.solve(sc, "market.price_decline", 0.1, 0.5, max_runs=2), r"^max_runs: must be >= 3"),
        (lambda sc: infersim.sweep(sc, {}, paths=100), r"^sweep: give one or two inputs, got 0$"),
        (lambda sc: infersim.sweep(sc, {"market.price_decline": [0.1], "player.share_end": [0.1],
                                        "player.wacc": [0.1]}, paths=100), r"^sweep: give one or two inputs, got 3$"),
        (lambda sc: infersim.sweep(sc, {"market.price_decline": []}, paths=100), r"no values"),
        (lambda sc: infersim.sweep(sc, {"market.price_decline": [math.nan]}, paths=100), r"expected finite values"),
        (lambda sc: infersim.sweep(sc, {"market.price_decline": [0.1]}, [], paths=100), r"at least one statistic"),
        (lambda sc: infersim.sweep(sc, {"market.price_decline": [0.1]}, "npv:p50", paths=100),
         r'^statistics: unknown metric "npv"'),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_bad_input_raises_value_error(scenario, call, message):
    with pytest.raises(ValueError, match=message):
        call(scenario)


def test_comparison_rejects_unknown_names(comparison):
    with pytest.raises(ValueError, match=r'^variant: unknown variant "nope"; expected one of capex-overrun, price-war'):
        comparison.difference("nope")
    with pytest.raises(ValueError, match=r'^metric: unknown metric "npv"'):
        comparison.difference("price-war", "npv")
    with pytest.raises(ValueError, match=r"^year: \"revenue_usd\" is a series"):
        comparison.table("revenue_usd")


def test_wrong_types_raise_type_error(scenario):
    with pytest.raises(TypeError, match=r"^others: expected a list of scenarios"):
        infersim.compare(scenario, scenario)
    with pytest.raises(TypeError, match=r"^grid: expected a dict"):
        infersim.sweep(scenario, [("market.price_decline", [0.1])])
    with pytest.raises(TypeError, match=r"^scenario: expected a Scenario or a path"):
        infersim.stress(42)


# -- the GIL and interruption -----------------------------------------------------------


def test_other_threads_run_while_a_stress_runs(scenario):
    ticks = ticks_while(lambda: infersim.stress(scenario, paths=20_000, threads=1, progress=False))
    assert ticks >= 20, f"{ticks} ticks"


@pytest.mark.parametrize(
    "call",
    [
        lambda sc: infersim.stress(sc, paths=20_000_000, progress=False),
        lambda sc: infersim.sweep(sc, {"market.price_decline": [0.1, 0.2, 0.3]}, paths=20_000_000, progress=False),
        lambda sc: infersim.solve(sc, "market.price_decline", 0.1, 0.9, paths=20_000_000, progress=False),
    ],
    ids=["stress", "sweep", "solve"],
)
def test_sigint_stops_a_long_analysis(scenario, call):
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call(scenario)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5


def test_an_error_in_the_progress_callback_stops_a_solve(scenario):
    calls = []

    def progress(done, total):
        calls.append(done)
        raise RuntimeError(f"stop at {done}")

    with pytest.raises(RuntimeError, match=r"^stop at \d+$"):
        infersim.solve(scenario, "market.price_decline", 0.1, 0.9, paths=20_000_000, progress=progress)
    assert len(calls) == 1
