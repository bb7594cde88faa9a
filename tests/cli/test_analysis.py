"""`infersim solve` and `infersim sweep` end to end, and their bad inputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNCERTAIN = ROOT / "scenarios" / "v1" / "meta_8pct_uncertain.json"


def test_solve_finds_the_share_at_which_the_median_npv_is_zero(run_infersim, tmp_path):
    out = tmp_path / "solve.json"
    r = run_infersim("solve", UNCERTAIN, "--input", "player.share_end", "--range", "0.02", "0.2",
                     "--target", "npv_usd:p50=0", "--paths", "4096", "--out", out)
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert 0.02 < result["root"] < 0.2
    assert abs(result["achieved"]) < 1e-3 * abs(result["trace"][0]["value"])
    assert "player.share_end =" in r.stdout
    # The root checks out in a direct run at that share: the median NPV is ~0 there.
    data = json.loads(UNCERTAIN.read_text())
    data["player"]["share_end"] = result["root"]
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(data))
    check = tmp_path / "check.json"
    assert run_infersim("run", fixed, "--paths", "4096", "--quiet", "--out", check).returncode == 0
    assert json.loads(check.read_text())["scalars"]["npv_usd"]["p50"] == pytest.approx(result["achieved"], abs=1e3)


def test_sweep_two_inputs(run_infersim, tmp_path):
    out = tmp_path / "sweep.json"
    r = run_infersim("sweep", UNCERTAIN, "--input", "market.price_decline=0.3:0.7:3", "--input",
                     "player.share_end=0.05,0.1", "--metric", "npv_usd:prob_positive", "--metric",
                     "revenue_usd@2027:p50", "--paths", "2048", "--out", out)
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert result["inputs"] == ["market.price_decline", "player.share_end"]
    assert len(result["points"]) == 6
    p = result["points"]
    assert [x["market.price_decline"] for x in p] == pytest.approx([0.3, 0.3, 0.5, 0.5, 0.7, 0.7])
    # Faster price declines lower P(NPV > 0) at a given share (common random numbers).
    assert p[0]["npv_usd:prob_positive"] >= p[2]["npv_usd:prob_positive"] >= p[4]["npv_usd:prob_positive"]
    assert "npv_usd:prob_positive" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["solve", "--input", "player.share_end", "--range", "0.02", "0.03", "--target", "npv_usd:p50=0"],
     "is not bracketed by player.share_end in [0.02, 0.03]"),
    (["solve", "--input", "player.share_ed", "--range", "0.02", "0.2", "--target", "npv_usd:p50=0"],
     'unknown input "player.share_ed"; nearest valid names: player.share_end'),
    (["solve", "--input", "player.share_end", "--range", "0.2", "0.02", "--target", "npv_usd:p50=0"],
     "solve: the range must have lo < hi, got [0.2, 0.02]"),
    (["solve", "--input", "player.share_end", "--range", "0.02", "0.2", "--target", "npv_usd:p50"],
     "--target: expected METRIC[@YEAR]:STATISTIC=VALUE"),
    (["solve", "--input", "player.share_end", "--range", "0.02", "0.2", "--target", "npv:p50=0"],
     '--target: unknown metric "npv"'),
    (["solve", "--input", "player.share_end", "--range", "0.02", "0.2", "--target", "npv_usd:p50=zero"],
     '--target: expected a number, got "zero"'),
    (["sweep", "--input", "market.price_decline=0.3:0.7", "--metric", "npv_usd:p50"],
     '--input market.price_decline: expected a number, got "0.3:0.7"'),
    (["sweep", "--input", "market.price_decline=0.3,1.5", "--metric", "npv_usd:p50"],
     "sweep.market.price_decline: must be < 1, got 1.5"),
    (["sweep", "--input", "market.price_decline=0.3", "--metric", "revenue_usd:p50"],
     '--metric: "revenue_usd" is a series; name a year'),
])
def test_bad_analysis_inputs(args, message, run_infersim, tmp_path):
    out = tmp_path / "out.json"
    r = run_infersim(args[0], UNCERTAIN, *args[1:], "--paths", "1024", "--out", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
