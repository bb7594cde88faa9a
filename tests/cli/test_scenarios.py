"""Every scenario shipped in scenarios/ validates, runs, and (with a claim chain) checks its
claims; the seed's chain is pinned to its arithmetic."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json"))


def test_the_scenarios_are_there():
    names = {p.name for p in SCENARIOS}
    assert {"default.json", "meta_8pct_base.json", "meta_8pct_uncertain.json", "meta_prometheus_hyperion.json",
            "openai_stargate.json"} <= names


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_validates_and_runs(scenario, run_infersim, tmp_path):
    data = json.loads(scenario.read_text())
    assert data.get("description"), "every scenario says what it represents"
    v = run_infersim("validate", scenario)
    assert v.returncode == 0, v.stderr
    out = tmp_path / "r.json"
    r = run_infersim("run", scenario, "--paths", "4096", "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert result["paths"] == 4096
    assert len(result["years"]) == data["horizon_years"]
    # Every stress applies and runs.
    for stress in data.get("stresses", {}):
        s = run_infersim("run", scenario, "--paths", "1024", "--quiet", "--stress", stress)
        assert s.returncode == 0, f"{stress}: {s.stderr}"
    if "claim_chain" in data:
        c = run_infersim("claims", scenario, "--paths", "4096")
        assert c.returncode == 0, c.stderr
        assert "1. " in c.stdout and "4. " in c.stdout


def test_the_seed_chain_reproduced(run_infersim, tmp_path):
    """meta_8pct_base: 8% -> $13B ARR in 2027 (a $162.5B market); $5B is 7.2% of FY2024
    operating income ($69.38B), and the 11% matches FY2023 ($46.751B: 10.7%)."""
    out = tmp_path / "chain.json"
    r = run_infersim("claims", ROOT / "scenarios" / "meta_8pct_base.json", "--out", out)
    assert r.returncode == 0, r.stderr
    chain = json.loads(out.read_text())["claim_chain"]
    assert chain["year"] == 2027
    assert chain["implied_market_usd"] == pytest.approx(162.5e9)
    arr, profit, ebit, npv = chain["steps"]
    assert arr["median"] == pytest.approx(13e9, rel=0.01)
    assert arr["probability"] == 1.0
    assert "38.5% margin" in profit["arithmetic"][0]
    assert ebit["arithmetic"][0] == "$5.00B / $69.4B (Meta FY2024 operating income) = 7.2%, not 11%"
    assert ebit["arithmetic"][1] == "$5.00B / $46.8B (Meta FY2023 operating income) = 10.7%"
    assert "11% matches Meta FY2023 operating income instead" in ebit["verdict"]
    assert "7.2%" in r.stdout and "10.7%" in r.stdout
    # The result names the catalog figures behind the run, with sources.
    catalog = json.loads(out.read_text())["catalog"]
    baseline = [c for c in catalog if c["path"] == "player.baseline_ebit_usd"]
    assert baseline and baseline[0]["ref"] == "companies.meta.fy2024.operating_income_usd"
    assert baseline[0]["sources"][0]["url"].startswith("http")


def test_claims_needs_a_chain(run_infersim):
    r = run_infersim("claims", ROOT / "scenarios" / "default.json", "--paths", "100")
    assert r.returncode == 2
    assert 'has no "claim_chain"' in r.stderr


def test_bad_catalog_reference_is_an_input_error(run_infersim, tmp_path):
    data = json.loads((ROOT / "scenarios" / "default.json").read_text())
    data["player"]["baseline_ebit_usd"] = {"ref": "companies.meta.fy2024.operating_incme_usd"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    out = tmp_path / "out.json"
    r = run_infersim("run", bad, "--out", out)
    assert r.returncode == 2
    assert ('player.baseline_ebit_usd.ref: unknown catalog entry "companies.meta.fy2024.operating_incme_usd"; '
            "nearest: companies.meta.fy2024.operating_income_usd") in r.stderr
    assert not out.exists()
    data["player"]["baseline_ebit_usd"] = 69.38e9
    data["clusters"][0]["accelerator"] = "h1000"
    bad.write_text(json.dumps(data))
    r = run_infersim("validate", bad)
    assert r.returncode == 2
    assert 'clusters[0].accelerator: unknown accelerator "h1000"; known: h100' in r.stderr
    # A missing catalog directory is reported too.
    data["clusters"][0].pop("accelerator")
    data["player"]["baseline_ebit_usd"] = {"ref": "companies.meta.fy2024.operating_income_usd"}
    bad.write_text(json.dumps(data))
    r = run_infersim("validate", bad, "--data", tmp_path / "nowhere")
    assert r.returncode == 2
    assert "does not exist" in r.stderr
