"""`infersim stress` and `infersim compare`: variants on the same paths."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILDOUT = ROOT / "scenarios" / "v1" / "meta_prometheus_hyperion.json"
DEFAULT = ROOT / "scenarios" / "default.json"


def test_stress_runs_every_stress_and_reports_differences(run_infersim, tmp_path):
    out = tmp_path / "stress.json"
    r = run_infersim("stress", BUILDOUT, "--paths", "4096", "--out", out)
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    names = [v["name"] for v in result["variants"]]
    assert names == sorted(json.loads(BUILDOUT.read_text())["stresses"])
    for v in result["variants"]:
        d = v["difference"]["scalars"]["npv_usd"]
        assert set(d) >= {"mean", "se", "p5", "p50", "p95", "prob_negative"}
        base_mean = result["base"]["scalars"]["npv_usd"]["mean"]
        assert abs(d["mean"] - (v["result"]["scalars"]["npv_usd"]["mean"] - base_mean)) <= 1e-6 * abs(base_mean)
        assert v["name"] in r.stdout
    # price-war lowers NPV on (nearly) every path
    war = next(v for v in result["variants"] if v["name"] == "price-war")
    assert war["difference"]["scalars"]["npv_usd"]["prob_negative"] > 0.95


def test_stress_only_and_bad_names(run_infersim, tmp_path):
    r = run_infersim("stress", BUILDOUT, "--only", "price-war", "--paths", "1024")
    assert r.returncode == 0, r.stderr
    assert "price-war" in r.stdout and "capex-overrun" not in r.stdout
    out = tmp_path / "o.json"
    r = run_infersim("stress", BUILDOUT, "--only", "price-wars", "--paths", "1024", "--out", out)
    assert r.returncode == 2
    assert 'stress "price-wars" is not defined' in r.stderr
    assert not out.exists()


def test_compare_two_scenarios_with_the_same_inputs(run_infersim, tmp_path):
    data = json.loads(DEFAULT.read_text())
    data["name"] = "default-cheaper-power"
    for c in data["clusters"]:
        c["power_price_usd_per_mwh"] = 40
    other = tmp_path / "cheaper.json"
    other.write_text(json.dumps(data))
    out = tmp_path / "cmp.json"
    r = run_infersim("compare", DEFAULT, "--with", other, "--paths", "4096", "--out", out)
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert result["variants"][0]["name"] == "default-cheaper-power"
    assert result["variants"][0]["difference"]["scalars"]["npv_usd"]["mean"] > 0  # cheaper power, more value


def test_compare_rejects_scenarios_with_other_inputs(run_infersim, tmp_path):
    data = json.loads(DEFAULT.read_text())
    data["clusters"] = data["clusters"][:1]
    data["correlations"] = [data["correlations"][0]]
    data["stresses"] = {}
    other = tmp_path / "one.json"
    other.write_text(json.dumps(data))
    r = run_infersim("compare", DEFAULT, "--with", other, "--paths", "1024")
    assert r.returncode == 2
    assert "cannot be compared path by path" in r.stderr
