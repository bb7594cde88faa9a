"""`infersim tornado`, `spearman` and `sobol` end to end, and their bad inputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNCERTAIN = ROOT / "scenarios" / "v1" / "meta_8pct_uncertain.json"
FIXED = ROOT / "scenarios" / "v1" / "meta_8pct_base.json"


def uncertain_inputs() -> int:
    """Number of inputs written as distributions in the uncertain scenario."""
    data = json.loads(UNCERTAIN.read_text())
    groups = [data["market"], data["player"], *data["clusters"]]
    return sum(isinstance(v, dict) and "dist" in v for g in groups for v in g.values())


def run_json(run_infersim, tmp_path, *args):
    out = tmp_path / "out.json"
    r = run_infersim(*args, "--out", out)
    assert r.returncode == 0, r.stderr
    return r, json.loads(out.read_text())


def test_tornado_deterministic(run_infersim, tmp_path):
    r, j = run_json(run_infersim, tmp_path, "tornado", UNCERTAIN, "--metric", "npv_usd")
    assert j["method"] == "deterministic"
    assert j["metric"] == "npv_usd"
    assert "sample" not in j
    bars = j["inputs"]
    assert len(bars) == uncertain_inputs()
    assert set(bars[0]) == {"input", "low_input", "high_input", "low", "high", "swing"}
    swings = [b["swing"] for b in bars]
    assert swings == sorted(swings, reverse=True)
    for b in bars:
        assert b["swing"] == pytest.approx(abs(b["high"] - b["low"]))
        assert b["low_input"] <= b["high_input"]
    # Faster price declines lower the NPV; the base lies between the two ends of that bar.
    decline = next(b for b in bars if b["input"] == "market.price_decline")
    assert decline["high"] < j["base"] < decline["low"]
    assert "with every input at its median" in r.stdout
    assert bars[0]["input"] in r.stdout
    assert j["warnings"] and "ignores correlations" in j["warnings"][0]
    assert "warning: the scenario correlates 8 pairs" in r.stdout


def test_tornado_montecarlo(run_infersim, tmp_path):
    r, j = run_json(run_infersim, tmp_path, "tornado", UNCERTAIN, "--metric", "revenue_usd@2028",
                    "--method", "montecarlo", "--paths", "2000", "--seed", "5")
    assert j["method"] == "montecarlo"
    assert j["metric"] == "revenue_usd@2028"
    assert j["sample"] == {"paths": 2000, "defined_paths": 2000, "seed": 5, "sampler": "random",
                           "antithetic": False}
    bars = j["inputs"]
    assert len(bars) == uncertain_inputs()
    swings = [b["swing"] for b in bars]
    assert swings == sorted(swings, reverse=True)
    for b in bars:
        # Each decile holds about a tenth of the paths (more when values tie at its edge).
        assert b["low_paths"] >= 200 and b["high_paths"] >= 200
        assert b["swing"] == pytest.approx(abs(b["high"] - b["low"]))
    # Revenue grows with the market: top-decile spend gives more revenue than bottom-decile.
    spend = next(b for b in bars if b["input"] == "market.spend0_usd")
    assert spend["high"] > spend["low"]
    assert "bottom or top decile" in r.stdout


def test_spearman(run_infersim, tmp_path):
    r, j = run_json(run_infersim, tmp_path, "spearman", UNCERTAIN, "--metric", "npv_usd", "--paths", "2000")
    assert j["metric"] == "npv_usd"
    assert j["sample"]["paths"] == 2000
    rows = j["inputs"]
    assert len(rows) == uncertain_inputs()
    assert set(rows[0]) == {"input", "rank_correlation", "contribution_to_variance"}
    rho = [abs(x["rank_correlation"]) for x in rows]
    assert rho == sorted(rho, reverse=True)
    assert all(-1 <= x["rank_correlation"] <= 1 for x in rows)
    assert sum(x["contribution_to_variance"] for x in rows) == pytest.approx(1.0)
    for x in rows:
        assert x["contribution_to_variance"] == pytest.approx(x["rank_correlation"] ** 2 / sum(v * v for v in rho))
    assert rows[0]["input"] == "market.price_decline" and rows[0]["rank_correlation"] < 0
    assert "Crystal Ball" in r.stdout
    # The same seed gives the same numbers; a thread count changes nothing.
    _, again = run_json(run_infersim, tmp_path, "spearman", UNCERTAIN, "--metric", "npv_usd", "--paths", "2000",
                        "--threads", "1")
    assert again == j


def test_sobol(run_infersim, tmp_path):
    r, j = run_json(run_infersim, tmp_path, "sobol", UNCERTAIN, "--metric", "npv_usd", "--paths", "256",
                    "--bootstrap", "50", "--seed", "3")
    d = uncertain_inputs()
    assert j["base_rows"] == 256
    assert j["evaluations"] == 256 * (d + 2)
    assert j["bootstrap"] == 50 and j["seed"] == 3 and j["confidence"] == 0.95
    rows = j["inputs"]
    assert len(rows) == d
    assert set(rows[0]) == {"input", "first_order", "first_order_interval", "total", "total_interval"}
    totals = [x["total"] for x in rows]
    assert totals == sorted(totals, reverse=True)
    for x in rows:
        lo, hi = x["total_interval"]
        assert lo <= hi
        assert x["total"] >= 0  # a mean of squares
    # The correlations are removed for Sobol indices, and the result says so.
    assert len(j["warnings"]) == 1 and "Sobol indices assume independent inputs" in j["warnings"][0]
    assert "warning: the scenario correlates 8 pairs of uncertain inputs" in r.stdout
    assert "95% intervals from 50 bootstrap resamples" in r.stdout


def test_sobol_without_bootstrap_has_no_intervals(run_infersim, tmp_path):
    _, j = run_json(run_infersim, tmp_path, "sobol", UNCERTAIN, "--metric", "ebit_usd@2030", "--paths", "64",
                    "--bootstrap", "0")
    assert all(x["total_interval"] == [None, None] for x in j["inputs"])


@pytest.mark.parametrize("args, message", [
    (["tornado", "--metric", "npv"], 'unknown metric "npv"; did you mean "npv_usd"?'),
    (["spearman", "--metric", "npv_ud", "--paths", "100"], 'unknown metric "npv_ud"; did you mean "npv_usd"?'),
    (["sobol", "--metric", "revenue_usd"], '--metric: "revenue_usd" is a series; name a year, e.g. revenue_usd@2026'),
    (["tornado", "--metric", "npv_usd:p50"], "not a statistic; remove \":p50\""),
    (["spearman", "--metric", "revenue_usd@2050", "--paths", "100"], "year 2050 is outside the horizon 2026..2035"),
    (["tornado", "--metric", "npv_usd", "--method", "montecarlo", "--paths", "1"],
     "paths: a sensitivity analysis needs at least 2 paths, got 1"),
    (["spearman", "--metric", "npv_usd", "--paths", "1"], "needs at least 2 paths, got 1"),
    (["sobol", "--metric", "npv_usd", "--paths", "1"], "--paths: sobol needs at least 2 base rows, got 1"),
    (["tornado", "--metric", "npv_usd", "--paths", "100"], "--paths: not used by --method deterministic"),
    (["tornado", "--metric", "npv_usd", "--method", "mc"], "--method: mc not in {deterministic,montecarlo}"),
    (["sobol", "--metric", "npv_usd", "--sampler", "lhs"], "--sampler: sobol draws its own design"),
    (["sobol", "--metric", "irr", "--paths", "64"], "sobol: irr is undefined on"),
    (["sobol", "--metric", "npv_usd", "--bootstrap", "many"], '--bootstrap: expected a whole number, got "many"'),
])
def test_bad_sensitivity_inputs(args, message, run_infersim, tmp_path):
    out = tmp_path / "out.json"
    r = run_infersim(args[0], UNCERTAIN, *args[1:], "--out", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["tornado", "spearman", "sobol"])
def test_a_scenario_without_uncertain_inputs(command, run_infersim, tmp_path):
    out = tmp_path / "out.json"
    r = run_infersim(command, FIXED, "--metric", "npv_usd", "--out", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert 'scenario "meta-8pct-base" has no uncertain inputs (every input is a plain number)' in r.stderr
    assert list(tmp_path.iterdir()) == []
