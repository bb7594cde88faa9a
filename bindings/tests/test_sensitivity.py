"""tornado(), spearman() and sobol(): the command line's numbers in the engine's order,
thread-count independence, bad input and interruption."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import threading
import time

import pandas as pd
import pytest

import infersim
from conftest import DEFAULT_SCENARIO, FAST_PATHS


def cli_json(cli_path, tmp_path, *args) -> dict:
    out = tmp_path / "out.json"
    command = [str(cli_path), *map(str, args), "--out", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def assert_frame_is_json(frame: pd.DataFrame, doc: dict, columns: list[str]) -> None:
    """`frame` holds the JSON's inputs, in its order, with [lo, hi] intervals split; its attrs the rest."""
    assert frame.index.name == "input"
    assert frame.index.tolist() == [entry["input"] for entry in doc["inputs"]]
    assert frame.columns.tolist() == columns
    for entry in doc["inputs"]:
        row = frame.loc[entry["input"]]
        for key, value in entry.items():
            if key == "input":
                continue
            if key.endswith("_interval"):
                name = key.removesuffix("_interval")
                assert [row[f"{name}_lo"], row[f"{name}_hi"]] == value, (entry["input"], key)
            else:
                assert row[key] == value, (entry["input"], key)
    assert frame.attrs == {k: v for k, v in doc.items() if k != "inputs"}


TORNADO_COLUMNS = ["low_input", "high_input", "low", "high", "swing"]


def test_deterministic_tornado_equals_cli(cli_path, tmp_path, scenario):
    doc = cli_json(cli_path, tmp_path, "tornado", DEFAULT_SCENARIO, "--metric", "npv_usd")
    frame = infersim.tornado(scenario, "npv_usd")
    assert_frame_is_json(frame, doc, TORNADO_COLUMNS)
    assert frame["swing"].is_monotonic_decreasing  # largest swing first
    assert len(frame) == len(scenario.inputs(uncertain=True))
    assert frame.attrs["warnings"]  # the default scenario has correlations, which this tornado ignores


def test_montecarlo_tornado_equals_cli(cli_path, tmp_path, scenario):
    doc = cli_json(cli_path, tmp_path, "tornado", DEFAULT_SCENARIO, "--metric", "revenue_usd@2028",
                   "--method", "montecarlo", "--paths", FAST_PATHS, "--seed", 3)
    frame = infersim.tornado(scenario, "revenue_usd@2028", method="montecarlo", paths=FAST_PATHS, seed=3)
    assert_frame_is_json(frame, doc, [*TORNADO_COLUMNS, "low_paths", "high_paths"])


def test_montecarlo_tornado_draws_the_paths_of_run(scenario):
    # Path p of the sample is path p of run() with the same options, so the base (the
    # metric's mean over all paths) is the run's mean, up to the order of summation.
    frame = infersim.tornado(scenario, "npv_usd", method="montecarlo", paths=FAST_PATHS, seed=3)
    mean = infersim.run(scenario, paths=FAST_PATHS, seed=3, progress=False).summary().loc["npv_usd", "mean"]
    assert frame.attrs["base"] == pytest.approx(mean, rel=1e-12)
    assert frame.attrs["sample"]["paths"] == FAST_PATHS


def test_spearman_equals_cli(cli_path, tmp_path, scenario):
    doc = cli_json(cli_path, tmp_path, "spearman", DEFAULT_SCENARIO, "--metric", "npv_usd", "--paths", FAST_PATHS,
                   "--seed", 3)
    frame = infersim.spearman(scenario, "npv_usd", paths=FAST_PATHS, seed=3)
    assert_frame_is_json(frame, doc, ["rank_correlation", "contribution_to_variance"])
    assert frame["rank_correlation"].abs().is_monotonic_decreasing
    assert frame["contribution_to_variance"].sum() == pytest.approx(1, abs=1e-12)


def test_sobol_equals_cli(cli_path, tmp_path, scenario):
    doc = cli_json(cli_path, tmp_path, "sobol", DEFAULT_SCENARIO, "--metric", "npv_usd", "--paths", 1024,
                   "--seed", 7, "--bootstrap", 50)
    frame = infersim.sobol(scenario, "npv_usd", base_rows=1024, seed=7, bootstrap=50)
    assert_frame_is_json(
        frame, doc, ["first_order", "first_order_lo", "first_order_hi", "total", "total_lo", "total_hi"]
    )
    assert frame["total"].is_monotonic_decreasing  # largest total first


def test_sobol_without_bootstrap_has_no_intervals(scenario):
    frame = infersim.sobol(scenario, "npv_usd", base_rows=512, seed=7, bootstrap=0)
    assert frame[["first_order_lo", "first_order_hi", "total_lo", "total_hi"]].isna().all().all()
    assert frame["total"].notna().all()


def test_sobol_defaults_are_the_cli_defaults(scenario):
    frame = infersim.sobol(scenario, "npv_usd", bootstrap=0)
    assert (frame.attrs["base_rows"], frame.attrs["seed"]) == (8192, scenario.simulation["seed"])


@pytest.mark.parametrize(
    "analysis",
    [
        lambda sc, threads: infersim.sobol(sc, "npv_usd", base_rows=2000, seed=3, bootstrap=20, threads=threads),
        lambda sc, threads: infersim.spearman(sc, "irr", paths=9000, seed=3, threads=threads),
        lambda sc, threads: infersim.tornado(sc, "fcf_usd@2030", method="montecarlo", paths=9000, threads=threads),
    ],
    ids=["sobol", "spearman", "tornado"],
)
def test_one_thread_equals_two(scenario, analysis):
    one, two = analysis(scenario, 1), analysis(scenario, 2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert one.attrs == two.attrs


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda sc: infersim.tornado(sc, "npv_usd", paths=1000), r'^paths: not used by method="deterministic"'),
        (lambda sc: infersim.tornado(sc, "npv_usd", seed=1), r'^seed: not used by method="deterministic"'),
        (lambda sc: infersim.tornado(sc, "npv_usd", method="oat"), r'^method: expected "deterministic" or "monte'),
        (lambda sc: infersim.tornado(sc, "npv_usd:p50"), r"^metric: expected a metric of one path"),
        (lambda sc: infersim.spearman(sc, "revenue_usd", paths=100), r'^metric: "revenue_usd" is a series'),
        (lambda sc: infersim.spearman(sc, "npv_usd", paths=1), r"^paths: a sensitivity analysis needs at least 2"),
        (lambda sc: infersim.spearman(sc, "npv_usd", paths=100, threads=-1), r"^threads: must be >= 0"),
        (lambda sc: infersim.sobol(sc, "npv_usd", base_rows=1), r"^base_rows: sobol needs at least 2 base rows"),
        (lambda sc: infersim.sobol(sc, "npv_usd", bootstrap=-1), r"^bootstrap: must be >= 0"),
        (lambda sc: infersim.sobol(sc, "npv_usd", base_rows=64, confidence=1.5), r"^sobol: confidence must be in"),
        (lambda sc: infersim.sobol(sc, "irr", base_rows=256), r"^sobol: .*undefined on"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_bad_input_raises_value_error(scenario, call, message):
    with pytest.raises(ValueError, match=message):
        call(scenario)


def test_sigint_stops_a_long_sobol(scenario):
    # 100,000 bootstrap resamples of 65,536 rows take minutes; the engine reports no
    # progress here, so the binding watches for Ctrl-C while it runs on a worker thread.
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            infersim.sobol(scenario, "npv_usd", base_rows=65_536, bootstrap=100_000)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5
    # and the next analysis works
    assert math.isfinite(infersim.sobol(scenario, "npv_usd", base_rows=64, bootstrap=0).attrs["mean"])
