#!/usr/bin/python3
"""Fit the roofline's two efficiencies to measured throughput recorded in the catalog.

The roofline of model-v2 §A (``numpy_model.roofline``) turns a model, an accelerator and a
serving setup into tokens/s per accelerator, given a bandwidth efficiency η_b and a compute
efficiency η_c.  This script takes the measured results the catalog records (MLPerf Inference
Llama 2 70B offline and server runs on H100, H200, B200 and GB200, TensorRT-LLM's H200 table,
DeepSeek's production statistics), models each one, and fits (η_b, η_c) by least squares on
log(modelled / measured).  It prints the table of docs/throughput.md: measured vs modelled per
system, with the residual.

Two fits are reported: on the benchmark rows only (the defaults docs/throughput.md proposes),
and on every row including DeepSeek's production service, which the benchmark fit does not
explain.  Every assumption that is not in the catalog (replica size, batch cap, request
lengths, precision) sits in ROWS below, next to the row it belongs to.

Usage::

    /usr/bin/python3 bench/calibrate_throughput.py            # tables to stdout
    /usr/bin/python3 bench/calibrate_throughput.py --out t.md # and to a file
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy_model as nm  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"

# Bytes per parameter / per KV element and the catalog's FLOP/s figure for each precision.
PRECISION = {"bf16": (2.0, "bf16_dense_tflops"), "fp8": (1.0, "fp8_dense_tflops"), "fp4": (0.5, "fp4_dense_tflops")}

# MLPerf's Llama 2 70B requests (OpenOrca): the mean output length is what the result files
# give (tokens/s over samples/s: 293.1 in v4.0, 274.0 from v4.1 on). The mean input length is
# not in the catalog: ~300 tokens is our estimate (prompts are capped at 1,024).
MLPERF_INPUT = 300.0
MLPERF_OUTPUT_V40 = 293.1
MLPERF_OUTPUT_V41 = 274.0
MLPERF_TPOT_S = 0.2  # server scenario: p99 time per output token <= 200 ms
OFFLINE_BATCH_CAP = 2048  # assumed scheduler cap; at these sizes the KV cache binds first


@dataclass
class Row:
    """One measured result and the serving setup the roofline models it with."""
    system: str
    measured: str  # dotted catalog path of the measured figure
    per: float  # accelerators the measured figure is summed over
    model: str  # models.<name>
    accelerator: str  # accelerators.<name>
    precision: str  # weights (and compute) precision; the KV cache is FP8 unless kv says
    serving: dict
    quantity: str = "output"  # output: output tokens/s; decode: τ_dec; prefill: τ_pre
    kv: str = "fp8"
    benchmark: bool = True  # part of the benchmark fit
    note: str = ""
    overrides: dict = field(default_factory=dict)  # accelerator figures replaced for this row


def serving(n, i, o, max_batch=OFFLINE_BATCH_CAP, t_max=None):
    return {"accelerators_per_replica": n, "max_batch": max_batch, "input_tokens_per_request": i,
            "output_tokens_per_request": o, "max_seconds_per_output_token": t_max}


ROWS = [
    Row("8x H100, MLPerf v4.0 offline", "accelerators.h100.throughput.mlperf_v40_llama2_70b_offline_8gpu_tokens_per_s",
        8, "llama_2_70b", "h100", "fp8", serving(2, MLPERF_INPUT, MLPERF_OUTPUT_V40), note="TP2 assumed (70 GB of FP8 weights)"),
    Row("8x H100, MLPerf v4.1 offline", "accelerators.h100.throughput.mlperf_v41_llama2_70b_offline_8gpu_tokens_per_s",
        8, "llama_2_70b", "h100", "fp8", serving(2, MLPERF_INPUT, MLPERF_OUTPUT_V41), note="TP2 assumed"),
    Row("8x H200, MLPerf v4.0 offline (99.9%)", "accelerators.h200.throughput.mlperf_v40_llama2_70b_999_offline_8gpu_tokens_per_s",
        8, "llama_2_70b", "h200", "fp8", serving(1, MLPERF_INPUT, MLPERF_OUTPUT_V40)),
    Row("8x H200, MLPerf v4.0 server (99.9%)", "accelerators.h200.throughput.mlperf_v40_llama2_70b_999_server_8gpu_tokens_per_s",
        8, "llama_2_70b", "h200", "fp8", serving(1, MLPERF_INPUT, MLPERF_OUTPUT_V40, t_max=MLPERF_TPOT_S)),
    Row("1x H200, TensorRT-LLM 128/128, batch 512", "accelerators.h200.throughput.trtllm_launch_llama2_70b_fp8_128in_128out_bs512_tokens_per_s",
        1, "llama_2_70b", "h200", "fp8", serving(1, 128, 128, max_batch=512)),
    Row("1x H200, TensorRT-LLM 2048/128, batch 32", "accelerators.h200.throughput.trtllm_launch_llama2_70b_fp8_2048in_128out_bs32_tokens_per_s",
        1, "llama_2_70b", "h200", "fp8", serving(1, 2048, 128, max_batch=32)),
    Row("1x B200, MLPerf v4.1 offline", "accelerators.b200.throughput.mlperf_v41_llama2_70b_offline_1gpu_tokens_per_s",
        1, "llama_2_70b", "b200", "fp4", serving(1, MLPERF_INPUT, MLPERF_OUTPUT_V41), note="FP4 weights, 180 GB",
        overrides={"hbm_gb": 180}),
    Row("1x B200, MLPerf v4.1 server (99.9%)", "accelerators.b200.throughput.mlperf_v41_llama2_70b_999_server_1gpu_tokens_per_s",
        1, "llama_2_70b", "b200", "fp4", serving(1, MLPERF_INPUT, MLPERF_OUTPUT_V41, t_max=MLPERF_TPOT_S),
        note="FP4 assumed at 99.9% too", overrides={"hbm_gb": 180}),
    Row("8x B200, MLPerf v5.1 offline", "accelerators.b200.throughput.mlperf_v51_llama2_70b_offline_8gpu_tokens_per_s",
        8, "llama_2_70b", "b200", "fp4", serving(1, MLPERF_INPUT, MLPERF_OUTPUT_V41), note="FP4 assumed; secondary source",
        overrides={"hbm_gb": 180}),
    Row("GB200 NVL72, Azure (unverified) offline", "accelerators.gb200.throughput.azure_unverified_llama2_70b_offline_rack_tokens_per_s",
        72, "llama_2_70b", "gb200", "fp4", serving(1, MLPERF_INPUT, MLPERF_OUTPUT_V41), note="FP4 assumed"),
    # DeepSeek's service: decode on 144 H800s (H100 silicon with a cut-down NVLink), FP8 weights,
    # the MLA cache at BF16, mean context 4,989 = i + o/2 with i/o = 608/168, 20-22 tok/s per user.
    Row("DeepSeek V3/R1 decode, 144x H800", "companies.deepseek.inference_feb2025.decode_output_tokens_per_s_per_node",
        8, "deepseek_v3", "h100", "fp8", serving(144, 4383, 1210, max_batch=1e6, t_max=1 / 21), quantity="decode",
        kv="bf16", benchmark=False, note="production, 24 h average"),
    Row("DeepSeek V3/R1 prefill, H800 (cache misses)", "companies.deepseek.inference_feb2025.prefill_input_tokens_per_s_per_node",
        8 / (1 - 0.563), "deepseek_v3", "h100", "fp8", serving(32, 4383, 1210), quantity="prefill", kv="bf16",
        benchmark=False, note="production; 43.7% of inputs computed"),
]


def load_catalog() -> dict:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in DATA.glob("*.json")}


def figure(catalog: dict, dotted: str) -> float:
    node = catalog[dotted.split(".", 1)[0]]
    for part in dotted.split("."):
        node = node[part]
    return float(node["value"])


def roofline_inputs(catalog: dict, row: Row):
    beta, flops_key = PRECISION[row.precision]
    m = catalog["models"]["models"][row.model]
    model = {"params_total": m["params_total"]["value"], "params_active": m["params_active"]["value"],
             "experts": m["experts"]["value"], "experts_active": m["experts_active"]["value"],
             "bytes_per_param": beta,
             "kv_bytes_per_token": m["kv_bytes_per_token_bf16"]["value"] * PRECISION[row.kv][0] / 2}
    a = catalog["accelerators"]["accelerators"][row.accelerator]
    spec = {k: a[k]["value"] for k in ("hbm_gb", "hbm_bandwidth_tb_s", flops_key)}
    spec.update(row.overrides)
    accelerator = {"peak_flops": spec[flops_key] * 1e12, "hbm_bandwidth_bytes_per_s": spec["hbm_bandwidth_tb_s"] * 1e12,
                   "hbm_bytes": spec["hbm_gb"] * 1e9}
    return model, accelerator


def modelled(catalog: dict, row: Row, eta_b: float, eta_c: float) -> tuple[float, dict]:
    """The roofline's counterpart of the measured figure, per accelerator, and the full result."""
    model, accelerator = roofline_inputs(catalog, row)
    s = dict(row.serving, bandwidth_efficiency=eta_b, compute_efficiency=eta_c)
    r = nm.roofline(model, accelerator, s)
    i, o = s["input_tokens_per_request"], s["output_tokens_per_request"]
    value = {"output": r["tokens_per_sec_per_accelerator"] * o / (i + o),  # MLPerf counts output tokens
             "decode": r["decode_tokens_per_sec"], "prefill": r["prefill_tokens_per_sec"]}[row.quantity]
    return value, r


def fit(catalog: dict, rows: list[Row]) -> tuple[float, float, float]:
    """(η_b, η_c, RMS of log residuals) minimising Σ log(modelled / measured)²."""
    measured = np.array([figure(catalog, r.measured) / r.per for r in rows])

    def residuals(x):
        return np.array([math.log(modelled(catalog, r, x[0], x[1])[0]) for r in rows]) - np.log(measured)

    best = None
    for start in ((0.5, 0.5), (0.8, 0.3), (0.3, 0.8)):  # a few starts: the objective has kinks
        res = optimize.least_squares(residuals, start, bounds=([0.02, 0.02], [1.0, 1.0]), diff_step=1e-3)
        if best is None or res.cost < best.cost:
            best = res
    rms = math.sqrt(np.mean(residuals(best.x) ** 2))
    return float(best.x[0]), float(best.x[1]), rms


def profile(catalog: dict, rows: list[Row], etas_b) -> str:
    """RMS log residual of the best η_c at each fixed η_b: how well the rows pin η_b down."""
    measured = np.log([figure(catalog, r.measured) / r.per for r in rows])
    lines = ["| η_b | best η_c | RMS log residual |", "|---:|---:|---:|"]
    for eta_b in etas_b:
        def sse(eta_c):
            return float(np.sum((np.log([modelled(catalog, r, eta_b, eta_c)[0] for r in rows]) - measured) ** 2))
        res = optimize.minimize_scalar(sse, bounds=(0.02, 1.0), method="bounded", options={"xatol": 1e-4})
        lines.append(f"| {eta_b:.2f} | {res.x:.3f} | {math.sqrt(res.fun / len(rows)):.3f} |")
    return "\n".join(lines)


def table(catalog: dict, eta_b: float, eta_c: float) -> str:
    lines = ["| system | measured per GPU | modelled per GPU | residual | b* | bound | note |",
             "|---|---:|---:|---:|---:|---|---|"]
    for row in ROWS:
        measured = figure(catalog, row.measured) / row.per
        value, r = modelled(catalog, row, eta_b, eta_c)
        model, accelerator = roofline_inputs(catalog, row)
        n = row.serving["accelerators_per_replica"]
        compute = 2 * model["params_active"] * r["batch"] / (n * accelerator["peak_flops"] * eta_c)
        bound = "compute" if compute >= r["seconds_per_output_token"] * (1 - 1e-12) else "bandwidth"
        if row.quantity == "prefill":
            bound = "compute (prefill)"
        cap = "KV" if r["batch"] == r["b_mem"] else ("T_max" if r["batch"] < row.serving["max_batch"] else "max_batch")
        what = {"output": "output tok/s", "decode": "decode output tok/s", "prefill": "prefill tok/s"}[row.quantity]
        note = "; ".join(x for x in (what, row.note, "" if row.benchmark else "not in the benchmark fit") if x)
        batch = "—" if row.quantity == "prefill" else f"{r['batch']:.0f} ({cap})"
        lines.append(f"| {row.system} | {measured:,.0f} | {value:,.0f} | {value / measured - 1:+.0%} | "
                     f"{batch} | {bound} | {note} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="also write the tables (markdown) to this file")
    args = parser.parse_args(argv)
    catalog = load_catalog()
    out = []
    bench_rows = [r for r in ROWS if r.benchmark]
    for title, rows in (("benchmark rows", bench_rows), ("all rows, DeepSeek production included", ROWS)):
        eta_b, eta_c, rms = fit(catalog, rows)
        out.append(f"### Fit on {title}: η_b = {eta_b:.3f}, η_c = {eta_c:.3f}; "
                   f"RMS log residual {rms:.3f} (about {math.expm1(rms):.0%}) over {len(rows)} rows\n")
        out.append(table(catalog, eta_b, eta_c) + "\n")
    out.append("### How well the benchmark rows pin η_b down (η_c refitted at each η_b)\n")
    out.append(profile(catalog, bench_rows, (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)) + "\n")
    text = "\n".join(out)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
