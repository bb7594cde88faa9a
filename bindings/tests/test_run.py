"""run() and Result: equality with the command line, DataFrames and arrays, thread-count
independence, bad options, progress and interruption."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import infersim
from conftest import DEFAULT_SCENARIO, FAST_PATHS, ticks_while

ELAPSED_LINE = re.compile(r'^\s*"elapsed_s":[^\n]*\n', re.MULTILINE)


def without_elapsed(text: str) -> str:
    """The result JSON text without its (timing-dependent) elapsed_s line."""
    stripped, n = ELAPSED_LINE.subn("", text)
    assert n == 1, "expected exactly one elapsed_s line in the result"
    return stripped


# -- the same result as the command line ---------------------------------------------


@pytest.mark.parametrize("stress", [None, "price-war"])
def test_result_json_equals_cli(cli_path, tmp_path, scenario, stress):
    out = tmp_path / "cli.result.json"
    args = [cli_path, "run", DEFAULT_SCENARIO, "--paths", str(FAST_PATHS), "--seed", "3", "--out", out, "-q"]
    if stress:
        args += ["--stress", stress]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    sc = scenario.with_stress(stress) if stress else scenario
    result = infersim.run(sc, paths=FAST_PATHS, seed=3, progress=False)
    assert without_elapsed(result.to_json()) == without_elapsed(out.read_text(encoding="utf-8"))


def test_to_dict_and_save_agree_with_to_json(result, tmp_path):
    text = result.to_json()
    assert result.to_dict() == json.loads(text)
    target = tmp_path / "r.json"
    result.save(target)
    assert target.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temporary left behind


def test_save_to_a_missing_directory_fails_early(result, tmp_path):
    with pytest.raises(ValueError, match=r"cannot write output: directory .*missing does not exist"):
        result.save(tmp_path / "missing" / "r.json")
    assert list(tmp_path.iterdir()) == []


# -- DataFrames and arrays -----------------------------------------------------------


def test_summary_frame(result):
    summary = result.summary()
    assert list(summary.index) == list(infersim.scalar_names)
    assert list(summary.columns) == list(infersim.statistic_names)
    scalars = result.to_dict()["scalars"]
    for metric in infersim.scalar_names:
        for stat in infersim.statistic_names:
            expected = scalars[metric][stat]
            got = summary.loc[metric, stat]
            assert (np.isnan(got) if expected is None else got == expected), (metric, stat, got, expected)


def test_series_frame_has_years_as_index(result):
    frame = result.series("revenue_usd")
    assert frame.index.name == "year"
    assert list(frame.index) == result.years == list(range(2026, 2036))
    assert list(frame.columns) == list(infersim.statistic_names)
    expected = result.to_dict()["series"]["revenue_usd"]
    for stat in infersim.statistic_names:
        assert list(frame[stat]) == expected[stat], stat


def test_claims_frame(result):
    claims = result.claims()
    expected = {c["id"]: c for c in result.to_dict()["claims"]}
    assert list(claims.index) == list(expected)
    for cid, row in claims.iterrows():
        for key in ("probability", "median", "value_percentile", "value"):
            assert row[key] == expected[cid][key], (cid, key)
    assert 0 < claims.loc["npv-positive", "probability"] < 1


def test_samples_are_float64_views_of_the_right_shape(result):
    npv = result.samples("npv_usd")
    fcf = result.samples("fcf_usd")
    assert npv.shape == (FAST_PATHS,) and npv.dtype == np.float64
    assert fcf.shape == (FAST_PATHS, 10) and fcf.dtype == np.float64
    assert not npv.flags.writeable  # a view of the result's own memory
    assert np.shares_memory(npv, result.samples("npv_usd"))
    assert sorted(result.kept_samples) == ["fcf_usd", "npv_usd"]


def test_samples_agree_with_the_statistics(result):
    # Below the pilot size the engine's percentiles are exact type-7 quantiles, NumPy's
    # default: equal up to rounding. This also pins the (paths, years) layout.
    assert result.quantile_method == "exact"
    npv = result.samples("npv_usd")
    summary = result.summary()
    for p in (1, 50, 99):
        assert np.percentile(npv, p) == pytest.approx(summary.loc["npv_usd", f"p{p}"], rel=1e-12)
    assert npv.mean() == pytest.approx(summary.loc["npv_usd", "mean"], rel=1e-9)
    fcf = result.samples("fcf_usd")
    np.testing.assert_allclose(np.percentile(fcf, 50, axis=0), result.series("fcf_usd")["p50"], rtol=1e-12)


def test_samples_that_were_not_kept(result):
    with pytest.raises(ValueError, match=r'^samples: "irr" was not kept; run with keep_samples=\["irr"\]$'):
        result.samples("irr")


def test_unknown_series_name(result):
    with pytest.raises(ValueError, match=r'^series: unknown series "revenue"; expected one of '):
        result.series("revenue")
    with pytest.raises(ValueError, match=r'^series: "npv_usd" is a scalar'):
        result.series("npv_usd")


def test_html_repr(result):
    html = result._repr_html_()
    assert "default" in html and "5,000 paths" in html and "npv-positive" in html
    assert re.search(r"NPV</th><td>-\$[0-9.]+B</td>", html)  # p5 of NPV is a loss of billions
    assert repr(result) == "Result('default', 5000 paths, seed 3, random, years 2026-2035)"


# -- bad options: ValueError naming the option ----------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        ({"paths": 0}, r"^paths: must be >= 1, got 0$"),
        ({"paths": -5}, r"^paths: must be >= 1, got -5$"),
        ({"seed": -1}, r"^seed: must be >= 0, got -1$"),
        ({"paths": 1001, "antithetic": True}, r"^paths: must be even with antithetic pairs, got 1001$"),
        ({"sampler": "halton"}, r'^sampler: unknown sampler "halton"; expected one of random, lhs, sobol$'),
        ({"keep_samples": ["npv"]}, r'^keep_samples: unknown metric "npv"; did you mean "npv_usd"\?$'),
        ({"threads": -1}, r"^threads: must be >= 0, got -1$"),
    ],
)
def test_bad_options_raise_value_error(scenario, options, message):
    with pytest.raises(ValueError, match=message):
        infersim.run(scenario, **{"paths": 1000, **options}, progress=False)


# -- threads change the speed, never the result ---------------------------------------


@pytest.mark.parametrize("sampler, antithetic", [("random", False), ("sobol", True)])
def test_one_thread_equals_two(scenario, sampler, antithetic):
    # 70,000 paths: more than one wave of blocks and past the pilot, so the binned
    # quantiles and the block merge order are both exercised.
    options = dict(paths=70_000, seed=11, sampler=sampler, antithetic=antithetic, keep_samples=["irr"], progress=False)
    one = infersim.run(scenario, threads=1, **options)
    two = infersim.run(scenario, threads=2, **options)
    assert one.quantile_method == "binned" and one.quantile_rank_error < 0.01
    assert without_elapsed(one.to_json()) == without_elapsed(two.to_json())
    np.testing.assert_array_equal(one.samples("irr"), two.samples("irr"))  # NaN == NaN here


# -- the GIL, progress and interruption -----------------------------------------------


def test_other_threads_run_while_the_engine_runs(scenario):
    # One core is left for the ticking thread.
    ticks = ticks_while(lambda: infersim.run(scenario, paths=50_000, threads=1, progress=False))
    assert ticks >= 20, f"{ticks} ticks"


def test_progress_callback_sees_every_wave(scenario):
    calls, threads = [], set()

    def progress(done, total):
        calls.append((done, total))
        threads.add(threading.get_ident())

    infersim.run(scenario, paths=100_000, seed=1, progress=progress)
    # The engine runs on a worker thread; the reports reach the callback on the caller's.
    assert threads == {threading.get_ident()}
    assert len(calls) >= 3
    assert all(total == 100_000 for _, total in calls)
    done = [d for d, _ in calls]
    assert done == sorted(set(done)) and done[-1] == 100_000


def test_an_error_in_the_progress_callback_stops_the_run(scenario):
    def progress(done, total):
        raise RuntimeError(f"stop at {done}")

    with pytest.raises(RuntimeError, match=r"^stop at \d+$"):
        infersim.run(scenario, paths=20_000_000, progress=progress)


def test_keyboard_interrupt_from_the_callback(scenario):
    calls = []

    def progress(done, total):
        calls.append(done)
        raise KeyboardInterrupt

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        infersim.run(scenario, paths=20_000_000, progress=progress)
    assert calls and len(calls) == 1
    assert time.monotonic() - start < 10


def test_sigint_stops_a_long_run(scenario):
    # 20 million paths take minutes; Ctrl-C must stop them at the blocks in flight, without
    # waiting for the end of a wave (a wave of 16 blocks takes seconds under ASan).
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            infersim.run(scenario, paths=20_000_000, progress=False)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5
    # and the next run works
    assert infersim.run(scenario, paths=1000, progress=False).paths == 1000


def test_run_accepts_a_path_and_a_single_metric_name():
    result = infersim.run(str(DEFAULT_SCENARIO), paths=2000, keep_samples="irr", progress=False)
    assert result.kept_samples == ["irr"] and result.seed == 42  # the scenario's own seed


def test_claim_chain_and_catalog_frames():
    result = infersim.run(infersim.Scenario.from_json(str(DEFAULT_SCENARIO.parent / "v1" / "meta_8pct_base.json")))
    chain = result.claim_chain()
    assert list(chain.index) == [1, 2, 3, 4]
    assert chain.attrs["year"] == 2027
    assert "= 7.2%, not 11%" in chain.loc[3, "arithmetic"]
    assert chain.loc[1, "median"] == pytest.approx(13e9, rel=0.01)
    catalog = result.catalog()
    assert catalog.loc["player.baseline_ebit_usd", "value"] == 69.38e9
    assert catalog.loc["player.baseline_ebit_usd", "sources"].startswith("Meta Reports")
    assert catalog.loc["player.baseline_ebit_usd", "scale"] == 1.0
    # A scaled figure: the value used, its scale, and the catalog figure's own unit.
    v2 = infersim.run(str(DEFAULT_SCENARIO.parent / "meta_8pct_base.json"), paths=1).catalog()
    row = v2.loc["clusters[0].throughput.accelerator.hbm_bandwidth_bytes_per_s"]
    assert (row["value"], row["scale"], row["unit"]) == (8e12, 1e12, "TB/s")
    # A scenario without a chain or catalog figures gives empty frames with the columns.
    plain = infersim.run(infersim.Scenario.from_json(str(DEFAULT_SCENARIO)), paths=FAST_PATHS)
    assert plain.claim_chain().empty and "verdict" in plain.claim_chain().columns
    assert plain.catalog().empty and "ref" in plain.catalog().columns


def test_quantiles_and_thresholds_asked_for(tmp_path):
    r = infersim.run("scenarios/default.json", paths=50_000, seed=2, quantiles=[0.025, 0.975],
                     thresholds={"npv_usd": [0, 1e10], "revenue_usd": 5e9}, keep_samples=["npv_usd"])
    summary = r.summary()
    assert {"p2.5", "p97.5"} <= set(summary.columns)
    npv = r.samples("npv_usd")
    assert summary.loc["npv_usd", "p2.5"] < summary.loc["npv_usd", "p5"] < summary.loc["npv_usd", "p97.5"]
    t = r.thresholds()
    assert list(t["metric"]).count("revenue_usd") == len(r.years)
    assert t["probability"].iloc[1] == (npv > 1e10).mean()
    # The tail statistics come back from the saved result JSON.
    r.save(tmp_path / "r.json")
    again = infersim.Result.load(tmp_path / "r.json")
    assert again.thresholds().equals(t)
    assert again.summary().loc["npv_usd", "p97.5"] == summary.loc["npv_usd", "p97.5"]
    with pytest.raises(ValueError, match=r"^quantiles: each level must be in \(0, 1\), got 0$"):
        infersim.run("scenarios/default.json", paths=100, quantiles=[0])
    with pytest.raises(ValueError, match=r'^thresholds: unknown metric "npv"; did you mean "npv_usd"\?$'):
        infersim.run("scenarios/default.json", paths=100, thresholds={"npv": [0]})


# -- throughput clusters (model-v2 §A) -----------------------------------------------


def test_clusters_frame_of_a_roofline_scenario(result):
    from conftest import REPO_ROOT

    roofline = infersim.run(str(REPO_ROOT / "scenarios" / "hyperion_roofline.json"), paths=4096, seed=1,
                            progress=False)
    frame = roofline.clusters()
    assert list(frame.index.names) == ["cluster", "output"]
    assert list(frame.loc["Hyperion"].index) == ["tokens_per_sec_per_accelerator", "batch",
                                                 "seconds_per_output_token"]
    doc = json.loads(roofline.to_json())["clusters"]["Hyperion"]
    assert frame.loc[("Hyperion", "batch"), "p50"] == doc["batch"]["p50"]
    tau = frame.loc[("Hyperion", "tokens_per_sec_per_accelerator")]
    assert 0 < tau["p5"] <= tau["p50"] <= tau["p95"]
    # A v1 scenario has no throughput clusters: an empty frame and no "clusters" key.
    assert result.clusters().empty
    assert "clusters" not in json.loads(result.to_json())
