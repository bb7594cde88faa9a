"""A cluster's throughput block (model-v2 §A) end to end: its leaves are inputs of every
analysis, its outputs are in the result JSON and the summary, and its catalog figures are cited."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOFLINE = ROOT / "scenarios" / "hyperion_roofline.json"
TP = "clusters.Hyperion.throughput"


def test_result_has_the_clusters_outputs_and_cites_the_catalog(run_infersim, tmp_path):
    out = tmp_path / "r.json"
    r = run_infersim("run", ROOFLINE, "--paths", "4096", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "throughput (tokens = input + output)" in r.stdout and "tokens/s per accelerator" in r.stdout
    result = json.loads(out.read_text())
    hyperion = result["clusters"]["Hyperion"]
    assert list(hyperion) == ["tokens_per_sec_per_accelerator", "batch", "seconds_per_output_token"]
    tau = hyperion["tokens_per_sec_per_accelerator"]
    assert 0 < tau["p5"] < tau["p50"] < tau["p95"]  # the efficiencies are uncertain
    assert hyperion["seconds_per_output_token"]["max"] <= 0.02  # the latency target holds on every path
    cited = {u["path"]: u["ref"] for u in result["catalog"]}
    assert cited["clusters[0].throughput.model.params_total"] == "models.deepseek_v3.params_total"
    assert cited["clusters[0].throughput.accelerator.peak_flops"] == "accelerators.gb200.fp8_dense_tflops"


def test_a_tighter_latency_target_costs_throughput(run_infersim, tmp_path):
    out = tmp_path / "s.json"
    r = run_infersim("stress", ROOFLINE, "--paths", "4096", "--out", out)
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    base = doc["base"]["clusters"]["Hyperion"]
    variants = {v["name"]: v for v in doc["variants"]}
    tight = variants["tight-latency"]["result"]["clusters"]["Hyperion"]
    assert tight["seconds_per_output_token"]["max"] <= 0.01
    assert tight["batch"]["p50"] < base["batch"]["p50"]
    assert tight["tokens_per_sec_per_accelerator"]["p50"] < base["tokens_per_sec_per_accelerator"]["p50"]


def test_throughput_leaves_are_tornado_and_sweep_inputs(run_infersim, tmp_path):
    out = tmp_path / "t.json"
    r = run_infersim("tornado", ROOFLINE, "--metric", "npv_usd", "--out", out)
    assert r.returncode == 0, r.stderr
    rows = {row["input"]: row for row in json.loads(out.read_text())["inputs"]}
    eff = rows[f"{TP}.serving.compute_efficiency"]
    assert eff["low"] < eff["high"]  # more efficient serving, more capacity, more NPV
    out = tmp_path / "w.json"
    r = run_infersim("sweep", ROOFLINE, "--input", f"{TP}.serving.max_seconds_per_output_token=0.01,0.02",
                     "--metric", "npv_usd:p50", "--paths", "2048", "--out", out)
    assert r.returncode == 0, r.stderr
    points = json.loads(out.read_text())["points"]
    assert points[0]["npv_usd:p50"] < points[1]["npv_usd:p50"]
