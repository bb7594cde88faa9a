"""Every scenario shipped in scenarios/ validates, runs, and (with a claim chain) checks its
claims; the seed's chain is pinned to its arithmetic."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json")) + sorted((ROOT / "scenarios" / "v1").glob("*.json"))


def test_the_scenarios_are_there():
    names = {str(p.relative_to(ROOT / "scenarios")) for p in SCENARIOS}
    seeds = {"meta_8pct_base.json", "meta_8pct_uncertain.json", "meta_prometheus_hyperion.json", "openai_stargate.json"}
    assert {"default.json"} | seeds | {f"v1/{name}" for name in seeds} <= names


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
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
    r = run_infersim("claims", ROOT / "scenarios" / "v1" / "meta_8pct_base.json", "--out", out)
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


def test_the_v2_finance_variant_against_its_base(run_infersim, tmp_path):
    """meta_8pct_v2_finance is v1/meta_8pct_base with the corporate-finance layer (docs/model.md
    §7a): same revenue, EBIT lower by the model costs, Hyperion leased (lease from 2028, no
    facility capex for it), Prometheus's facility spent in 2026, and an exit-multiple value."""
    results = {}
    for name in ("v1/meta_8pct_base", "meta_8pct_v2_finance"):
        out = tmp_path / f"{name.replace('/', '_')}.json"
        r = run_infersim("run", ROOT / "scenarios" / f"{name}.json", "--paths", "1000", "--quiet", "--out", out)
        assert r.returncode == 0, r.stderr
        results[name] = json.loads(out.read_text())
    base, fin = results["v1/meta_8pct_base"], results["meta_8pct_v2_finance"]
    p50 = lambda r, s: r["series"][s]["p50"]  # noqa: E731 (every path is the same: deterministic inputs)
    # Demand-bound until 2029: the same revenue; then capacity binds, and the refreshed vintages
    # that keep half the software gains (software_carryover 0.5) serve more.
    assert p50(fin, "revenue_usd")[:4] == pytest.approx(p50(base, "revenue_usd")[:4], rel=1e-12)
    assert all(f >= b for f, b in zip(p50(fin, "revenue_usd"), p50(base, "revenue_usd")))
    assert p50(fin, "fixed_costs_usd")[0] == pytest.approx(5e9)
    assert p50(fin, "fixed_costs_usd")[1] == pytest.approx(5e9 * 1.15)
    assert p50(fin, "lease_cost_usd")[:2] == [0, 0] and all(x > 0 for x in p50(fin, "lease_cost_usd")[2:])
    assert sum(p50(fin, "capex_usd")) < sum(p50(base, "capex_usd"))  # Hyperion's facility is not bought
    assert p50(fin, "ebit_usd")[1] < p50(base, "ebit_usd")[1] - 5e9  # model costs and the lease
    assert fin["scalars"]["terminal_value_usd"]["p50"] == pytest.approx(12 * p50(fin, "ebitda_usd")[-1], rel=1e-9)
    assert base["scalars"]["terminal_value_usd"]["p50"] == 0
    assert any(x < 0 for x in p50(fin, "tax_usd"))  # group relief: a loss year earns tax back


def test_the_readme_verdict_is_a_fresh_run(run_infersim, tmp_path):
    """README's "The seed's claim, put to the test" quotes `infersim claims` on the v2 base
    verbatim, and its table's v2 figures are those of fresh runs of the two v2 scenarios."""
    readme = (ROOT / "README.md").read_text()
    command = "$ build/engine/infersim claims scenarios/meta_8pct_base.json\n"
    quoted = readme[readme.index(command) + len(command):]
    quoted = quoted[:quoted.index("```")].rstrip("\n").splitlines()
    r = run_infersim("claims", ROOT / "scenarios" / "meta_8pct_base.json")
    assert r.returncode == 0, r.stderr
    fresh = [line.rstrip() for line in r.stdout.splitlines()]
    assert quoted == fresh[:len(quoted)]
    assert len(quoted) > 15 and "4. " in "\n".join(quoted)

    out = tmp_path / "u.json"
    u = run_infersim("claims", ROOT / "scenarios" / "meta_8pct_uncertain.json", "--out", out)
    assert u.returncode == 0, u.stderr
    result = json.loads(out.read_text())
    npv = [c for c in result["claims"] if c["id"] == "npv-positive"][0]
    row = [line for line in readme.splitlines() if line.startswith("| P(NPV > 0) |")][0]
    assert row.rstrip(" |").endswith(f"{100 * npv['probability']:.1f}%"), row
    median = result["scalars"]["npv_usd"]["p50"]
    row = [line for line in readme.splitlines() if line.startswith("| NPV at WACC |")][0]
    assert row.rstrip(" |").endswith(f"+${median / 1e9:.1f}B"), (row, median)


def test_the_v2_seed_scenarios_against_v1(run_infersim, tmp_path):
    """The recalibrated seed scenarios keep v1's market and claims but change the verdict's
    ingredients: throughput from the roofline, a cost-plus price, model costs, a lease."""
    v2 = json.loads((ROOT / "scenarios" / "meta_8pct_base.json").read_text())
    v1 = json.loads((ROOT / "scenarios" / "v1" / "meta_8pct_base.json").read_text())
    assert v2["market"]["spend0_usd"] == v1["market"]["spend0_usd"] and v2["claims"] == v1["claims"]
    assert all("throughput" in c and "tokens_per_sec_per_accelerator" not in c for c in v2["clusters"])
    out = tmp_path / "b.json"
    r = run_infersim("run", ROOT / "scenarios" / "meta_8pct_base.json", "--paths", "1", "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    p50 = lambda s: res["series"][s]["p50"]  # noqa: E731
    assert p50("revenue_usd")[1] == pytest.approx(13e9, rel=0.01)  # the claim year, demand-bound
    assert p50("price_usd_per_mtok")[0] == pytest.approx(2.0, rel=1e-3)  # markup0 calibrated to the $2 blend
    assert p50("fixed_costs_usd")[1] == pytest.approx(5e9 * 1.15)
    assert p50("lease_cost_usd")[1] == 0 and p50("lease_cost_usd")[2] > 0  # Hyperion leased from 2028
    assert 0 < p50("ebit_usd")[1] < 5e9  # the seed's $5B does not survive the model costs
    for name in ("meta_8pct_uncertain", "meta_prometheus_hyperion", "openai_stargate"):
        data = json.loads((ROOT / "scenarios" / f"{name}.json").read_text())
        assert data["market"]["price"]["mode"] == "cost_plus", name
        assert all("throughput" in c for c in data["clusters"]), name
        assert data["player"]["terminal"]["method"] == "exit_multiple", name


def test_a_scaled_catalog_figure_keeps_its_own_unit(run_infersim):
    """A figure converted on the way in (TB/s -> bytes/s) is listed with the catalog's value and
    unit beside the scale, not with the catalog's unit after the converted value ("8e+12 TB/s")."""
    r = run_infersim("claims", ROOT / "scenarios" / "meta_8pct_base.json", "--paths", "1")
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.strip().startswith("clusters[0].throughput.accelerator.hbm_bandwidth")][0]
    assert "= 8e+12  ← accelerators.gb200.hbm_bandwidth_tb_s × 1e+12 (8 TB/s, " in line, line
    line = [l for l in r.stdout.splitlines() if l.strip().startswith("clusters[0].power_gw")][0]
    assert "= 1 GW  ← clusters.prometheus.power_gw (" in line, line
