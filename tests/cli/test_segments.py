"""Market segments with cost-plus prices (model-v2 §B) end to end: per-segment outputs in the
result JSON and the summary, new leaves as inputs of every analysis, and bad input (exit 2,
the JSON path named, no output file written)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THREE_TIER = ROOT / "scenarios" / "meta_three_tier.json"
SEG = "market.segments"
OUTPUTS = ["revenue_usd", "served_tokens", "unserved_tokens", "price_usd_per_mtok", "share", "lcot_usd_per_mtok"]


def test_result_and_summary_have_the_segments(run_infersim, tmp_path):
    out = tmp_path / "r.json"
    r = run_infersim("run", THREE_TIER, "--paths", "4096", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "segments (p50)" in r.stdout and "small-open" in r.stdout
    result = json.loads(out.read_text())
    assert list(result["segments"]) == ["frontier-closed", "mid-semi-open", "small-open"]
    years = len(result["years"])
    for name, outputs in result["segments"].items():
        assert list(outputs) == OUTPUTS
        for output in OUTPUTS:
            assert len(outputs[output]["p50"]) == years
        # Cost-plus: the price sits above the LCOT by the markup, every year.
        assert all(p > c for p, c in zip(outputs["price_usd_per_mtok"]["min"], outputs["lcot_usd_per_mtok"]["min"]))
    # The totals are the segments' sums (means add up).
    for t in range(years):
        total = sum(s["revenue_usd"]["mean"][t] for s in result["segments"].values())
        assert total == pytest.approx(result["series"]["revenue_usd"]["mean"][t], rel=1e-9)
    cited = {u["path"]: u["ref"] for u in result["catalog"]}
    assert cited[f"{SEG}[2].compute_weight"] == "market.tiers.small_open_compute_weight"
    assert cited[f"{SEG}[0].spend0_usd.median"] == "market.anchors.bottom_up_2026_usd"


def test_v1_results_have_no_segments_block(run_infersim, tmp_path):
    out = tmp_path / "r.json"
    r = run_infersim("run", ROOT / "scenarios" / "default.json", "--paths", "1024", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "segments" not in json.loads(out.read_text())
    assert "segments (p50)" not in r.stdout


def test_the_open_weight_price_war_cuts_open_tier_prices(run_infersim, tmp_path):
    out = tmp_path / "s.json"
    r = run_infersim("stress", THREE_TIER, "--paths", "2048", "--out", out)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    base = doc["base"]["segments"]["small-open"]["price_usd_per_mtok"]["p50"]
    variants = {v["name"]: v for v in doc["variants"]}
    war = variants["open-weight-price-war"]["result"]["segments"]["small-open"]["price_usd_per_mtok"]["p50"]
    assert all(w < b for w, b in zip(war, base))
    closes = variants["frontier-closes"]["result"]["segments"]
    assert closes["frontier-closed"]["share"]["p50"][-1] == pytest.approx(0.06 / (0.06 + 0.9 * (1 - 0.06)))


def test_segment_leaves_are_tornado_and_sweep_inputs(run_infersim, tmp_path):
    out = tmp_path / "t.json"
    r = run_infersim("tornado", THREE_TIER, "--metric", "npv_usd", "--out", out)
    assert r.returncode == 0, r.stderr
    ranked = json.loads(out.read_text())["inputs"]
    rows = {row["input"]: row for row in ranked}
    # Cost-plus prices: the (uncertain) price declines only set elasticity's reference path, so
    # none is among the inputs that move NPV most (in meta_8pct_uncertain it leads, by far).
    declines = [i for i, row in enumerate(ranked) if row["input"].endswith(".price_decline")]
    assert len(declines) == 3 and min(declines) >= 10, [r["input"] for r in ranked[:10]]
    assert f"{SEG}.small-open.price.markup0" in rows
    assert f"{SEG}.frontier-closed.price.reference.hardware_gain" in rows
    out = tmp_path / "w.json"
    r = run_infersim("sweep", THREE_TIER, "--input", f"{SEG}.small-open.share_end=0.05,0.2",
                     "--metric", "npv_usd:p50", "--paths", "2048", "--out", out)
    assert r.returncode == 0, r.stderr
    points = json.loads(out.read_text())["points"]
    assert points[0]["npv_usd:p50"] != points[1]["npv_usd:p50"]


def _three_tier() -> dict:
    return json.loads(THREE_TIER.read_text())


def _bad(mutate):
    doc = _three_tier()
    mutate(doc)
    return doc


BAD = {
    "v1 market keys beside segments": (
        lambda d: d["market"].update({"spend0_usd": 1e9}),
        "market.spend0_usd: with market.segments, each segment has its own market keys"),
    "player share beside segments": (
        lambda d: d["player"].update({"share_end": 0.1}),
        "player.share_end: with market.segments, the player's share and price ratio are set per segment"),
    "duplicate segment names": (
        lambda d: d["market"]["segments"][1].update({"name": "frontier-closed"}),
        f'{SEG}[1].name: duplicate segment name "frontier-closed"'),
    "markup floor above markup0": (
        lambda d: d["market"]["segments"][0]["price"].update({"markup0": 0.5, "markup_floor": 0.6}),
        f"{SEG}[0].price.markup_floor: must be <= markup0 on every path"),
    "negative markup floor": (
        lambda d: d["market"]["segments"][0]["price"].update({"markup_floor": -0.1}),
        f"{SEG}[0].price.markup_floor: must be >= 0, got -0.1"),
    "negative elasticity": (
        lambda d: d["market"]["segments"][2].update({"price_elasticity": -1}),
        f"{SEG}[2].price_elasticity: must be >= 0, got -1"),
    "zero compute weight": (
        lambda d: d["market"]["segments"][2].update({"compute_weight": 0}),
        f"{SEG}[2].compute_weight: must be > 0, got 0"),
    "unknown segment in an input path": (
        lambda d: d["stresses"].update({"typo": {f"{SEG}.small-opn.share_end": 0.1}}),
        f'stresses.typo.{SEG}.small-opn.share_end: unknown input "{SEG}.small-opn.share_end"; '
        f"nearest valid names: {SEG}.small-open.share_end"),
    "unknown price mode": (
        lambda d: d["market"]["segments"][1]["price"].update({"mode": "auction"}),
        f'{SEG}[1].price.mode: unknown price mode "auction"'),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_segments_are_input_errors(case, run_infersim, tmp_path):
    mutate, message = BAD[case]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_bad(mutate)))
    out = tmp_path / "out.json"
    r = run_infersim("run", bad, "--paths", "100", "--out", out)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert not out.exists()


def test_a_segments_series_is_an_analysis_metric(run_infersim, tmp_path):
    """SERIES.SEGMENT@YEAR names a segment's series in the analyses (tornado, solve, sweep)."""
    out = tmp_path / "t.json"
    # 2026: at the medians the small tier is still demand-bound (later the clusters serve it
    # only what the frontier and mid tiers leave, whatever its share).
    r = run_infersim("tornado", THREE_TIER, "--metric", "revenue_usd.small-open@2026", "--out", out)
    assert r.returncode == 0, r.stderr
    rows = {row["input"]: row for row in json.loads(out.read_text())["inputs"]}
    share = rows[f"{SEG}.small-open.share_end"]
    assert share["low"] < share["high"]  # more share, more of the tier's revenue
    assert f"{SEG}.frontier-closed.share_end" in rows
    r = run_infersim("sweep", THREE_TIER, "--input", f"{SEG}.small-open.share_end=0.05,0.2",
                     "--metric", "revenue_usd.small-open@2028:p50", "--paths", "2048", "--out", out)
    assert r.returncode == 0, r.stderr
    points = json.loads(out.read_text())["points"]
    assert points[0]["revenue_usd.small-open@2028:p50"] < points[1]["revenue_usd.small-open@2028:p50"]
    for metric, message in [("revenue_usd.small-opn@2028", 'unknown segment "small-opn"; nearest: small-open'),
                            ("npv_usd.small-open@2028", '"npv_usd" is not a per-segment series'),
                            ("share.small-open", '"share.small-open" is a series; name a year, e.g. share.small-open@2026')]:
        r = run_infersim("tornado", THREE_TIER, "--metric", metric)
        assert r.returncode == 2 and message in r.stderr, r.stderr


def test_a_segments_series_in_thresholds(run_infersim, tmp_path):
    """--threshold SERIES.SEGMENT=k: P(the segment's series > k) for every year, in the
    result JSON and the summary; a P above a lower bar is never below that at a higher one."""
    out = tmp_path / "r.json"
    r = run_infersim("run", THREE_TIER, "--paths", "4096", "--threshold", "revenue_usd.small-open=1e9,3e9",
                     "--out", out)
    assert r.returncode == 0, r.stderr
    assert "P(revenue_usd.small-open > 1e+09)" in r.stdout
    rows = json.loads(out.read_text())["thresholds"]
    assert [row["metric"] for row in rows] == ["revenue_usd.small-open"] * 2
    low, high = rows[0]["probability"], rows[1]["probability"]
    assert len(low) == 10 and all(0 < h <= lo < 1 for lo, h in zip(low, high))
    r = run_infersim("run", THREE_TIER, "--paths", "100", "--threshold", "revenue_usd.small-opn=1e9", "--out", out)
    assert r.returncode == 2 and 'thresholds: unknown segment "small-opn"; nearest: small-open' in r.stderr


def test_a_claim_on_a_segments_series(run_infersim, tmp_path):
    """A claim's metric may be a segment's series: its probability is the threshold's."""
    doc = json.loads(THREE_TIER.read_text())
    doc["claims"] = [{"id": "small-1b", "metric": "revenue_usd.small-open", "year": 2030, "op": ">=", "value": 1e9}]
    scenario = tmp_path / "claim.json"
    scenario.write_text(json.dumps(doc))
    out = tmp_path / "r.json"
    r = run_infersim("run", scenario, "--paths", "4096", "--threshold", "revenue_usd.small-open=1e9", "--out", out)
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    claim = result["claims"][0]
    assert claim["metric"] == "revenue_usd.small-open" and claim["year"] == 2030
    assert claim["probability"] == result["thresholds"][0]["probability"][2030 - 2026]
    assert claim["median"] == result["segments"]["small-open"]["revenue_usd"]["p50"][2030 - 2026]
    doc["claims"][0]["metric"] = "revenue_usd.small-opn"
    scenario.write_text(json.dumps(doc))
    r = run_infersim("validate", scenario)
    assert r.returncode == 2 and 'claims[0].metric: unknown segment "small-opn"; nearest: small-open' in r.stderr
