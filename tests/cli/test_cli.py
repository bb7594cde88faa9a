"""End-to-end behaviour of `infersim run` and `infersim validate` on valid scenarios:
the result format, reproducibility across thread counts, option handling, exit codes and
interruption."""

from __future__ import annotations

import json
import shutil
import math
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import wait_for_handler

FAST_PATHS = "2000"
PREFIX = "infersim: error: "
REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS_DIR = REPO_ROOT / "scenarios"

SERIES = [
    "market_spend_usd", "price_usd_per_mtok", "demand_tokens", "capacity_tokens", "served_tokens",
    "unserved_tokens", "utilization", "revenue_usd", "capex_usd", "depreciation_usd",
    "power_cost_usd", "opex_usd", "ebit_usd", "fcf_usd", "ebit_ratio",
    # model-v2 §C
    "ebitda_usd", "lease_cost_usd", "fixed_costs_usd", "tax_usd", "lcot_player_usd_per_mtok",
    "revenue_per_accelerator_hour_usd",
]
SCALARS = ["npv_usd", "irr", "payback_year", "total_capex_usd", "cumulative_fcf_usd", "mirr", "terminal_value_usd"]
PERCENTILES = ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"]
STAT_KEYS = ["mean", "sd", "se", "min", "max", *PERCENTILES, "prob_positive", "defined_fraction"]
TOP_KEYS = ["scenario", "engine_version", "paths", "seed", "sampler", "antithetic", "years",
            "scalars", "series", "claims", "elapsed_s"]
STRESSES = ["capex-overrun", "price-war", "utilization-slump"]

ELAPSED_LINE = re.compile(r'^\s*"elapsed_s":[^\n]*\n', re.MULTILINE)


def without_elapsed(text: str) -> str:
    """The result JSON text with its (timing-dependent) elapsed_s line removed."""
    stripped, n = ELAPSED_LINE.subn("", text)
    assert n == 1, "expected exactly one elapsed_s line in the result"
    return stripped


def assert_ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


def assert_input_error(proc, *needles):
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stderr.startswith(PREFIX), proc.stderr
    for needle in needles:
        assert needle in proc.stderr, f"expected {needle!r} in stderr:\n{proc.stderr}"


def dir_names(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def project_version() -> str:
    text = (REPO_ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    m = re.search(r"project\(\s*infersim\s+VERSION\s+([0-9.]+)", text)
    assert m, "project(infersim VERSION x.y.z) not found in CMakeLists.txt"
    return m.group(1)


def uncertain_paths(doc: dict) -> list[str]:
    """Dotted names of the inputs given as a (non-fixed) distribution."""
    def uncertain(v):
        return isinstance(v, dict) and v.get("dist") not in (None, "fixed")

    out = [f"market.{k}" for k, v in doc["market"].items() if uncertain(v)]
    out += [f"player.{k}" for k, v in doc["player"].items() if k != "terminal" and uncertain(v)]
    for c in doc["clusters"]:
        out += [f"clusters.{c['name']}.{k}" for k, v in c.items() if uncertain(v)]
    return out


# --- the result format ----------------------------------------------------------------


@pytest.fixture(scope="module")
def default_result(tmp_path_factory, run_infersim, default_scenario_path):
    """One run of scenarios/default.json with 4096 paths: (process, result dict, path)."""
    out = tmp_path_factory.mktemp("default_result") / "result.json"
    proc = run_infersim("run", default_scenario_path, "--paths", 4096, "--out", out)
    assert_ok(proc)
    return proc, json.loads(out.read_text(encoding="utf-8")), out


def test_result_top_level(default_result, default_scenario):
    _, r, out = default_result
    for key in TOP_KEYS:
        assert key in r, f"result lacks {key!r}"
    assert r["scenario"] == default_scenario["name"]
    assert r["engine_version"] == project_version()
    assert r["paths"] == 4096
    assert r["seed"] == default_scenario["simulation"]["seed"]
    assert r["sampler"] == default_scenario["simulation"]["sampler"]
    assert r["antithetic"] is False
    start, horizon = default_scenario["start_year"], default_scenario["horizon_years"]
    assert r["years"] == list(range(start, start + horizon))
    assert isinstance(r["elapsed_s"], (int, float)) and r["elapsed_s"] >= 0
    assert r["quantile_method"] == "exact"
    assert out.read_text(encoding="utf-8").endswith("}\n")


def test_result_scalars(default_result):
    _, r, _ = default_result
    assert sorted(r["scalars"]) == sorted(SCALARS)
    for name in SCALARS:
        stats = r["scalars"][name]
        for key in STAT_KEYS:
            assert key in stats, f"scalars.{name} lacks {key!r}"
        assert 0 <= stats["defined_fraction"] <= 1
    # NPV, capex and cumulative FCF are defined on every path: all statistics are numbers.
    for name in ("npv_usd", "total_capex_usd", "cumulative_fcf_usd"):
        stats = r["scalars"][name]
        assert stats["defined_fraction"] == 1.0
        assert all(isinstance(stats[k], (int, float)) and math.isfinite(stats[k]) for k in STAT_KEYS), stats
        qs = [stats[p] for p in PERCENTILES]
        assert stats["min"] <= qs[0] and qs == sorted(qs) and qs[-1] <= stats["max"], stats
        assert stats["min"] <= stats["mean"] <= stats["max"]
        assert 0 < stats["se"] < stats["sd"]
    assert r["scalars"]["total_capex_usd"]["min"] > 0


def test_result_series(default_result, default_scenario):
    _, r, _ = default_result
    horizon = default_scenario["horizon_years"]
    assert sorted(r["series"]) == sorted(SERIES)
    for name in SERIES:
        stats = r["series"][name]
        for key in STAT_KEYS:
            assert key in stats, f"series.{name} lacks {key!r}"
            assert isinstance(stats[key], list) and len(stats[key]) == horizon, f"series.{name}.{key}"
    util = r["series"]["utilization"]
    assert all(0 <= x <= 1 for x in util["p50"] if x is not None)


def test_result_claims(default_result, default_scenario):
    _, r, _ = default_result
    assert [c["id"] for c in r["claims"]] == [c["id"] for c in default_scenario["claims"]]
    for c in r["claims"]:
        for key in ("probability", "median", "value_percentile"):
            assert key in c, f"claim {c['id']} lacks {key!r}"
        assert 0 <= c["probability"] <= 1
        assert 0 <= c["value_percentile"] <= 100
    npv = next(c for c in r["claims"] if c["id"] == "npv-positive")
    assert npv["median"] == r["scalars"]["npv_usd"]["p50"]
    assert npv["probability"] == pytest.approx(r["scalars"]["npv_usd"]["prob_positive"], abs=1e-3)


def test_summary_names_years_and_claims(default_result, default_scenario):
    proc, r, out = default_result
    assert proc.stderr == ""
    text = proc.stdout
    assert text.startswith(f"{default_scenario['name']}: 4,096 paths, seed 42, random")
    for year in r["years"]:
        assert re.search(rf"^\s+{year}\s", text, re.MULTILINE), f"year {year} missing from the summary"
    for claim in default_scenario["claims"]:
        assert f"{claim['id']}: {claim['metric']}" in text
    for label in ("NPV", "IRR", "payback year", "total capex", "cumulative FCF", "MIRR", "unit economics (p50)",
                  "cost/Mtok", "revenue/accel-h"):
        assert label in text
    assert f"result written to {out}" in text


def test_quiet_prints_nothing(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--out", out, "--quiet")
    assert_ok(proc)
    assert proc.stdout == "" and proc.stderr == ""
    assert json.loads(out.read_text())["paths"] == 2000


def test_run_replaces_existing_output_atomically(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old contents\n")
    proc = run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--out", out, "-q")
    assert_ok(proc)
    assert json.loads(out.read_text())["scenario"] == "default"
    assert dir_names(tmp_path) == ["r.json"], "a temporary file was left behind"


# --- reproducibility ------------------------------------------------------------------

CONFIGS = [
    pytest.param("random", False, 4096, id="random"),
    pytest.param("lhs", False, 4096, id="lhs"),
    pytest.param("sobol", False, 4096, id="sobol"),
    pytest.param("random", True, 4096, id="random-antithetic"),
    pytest.param("lhs", True, 4096, id="lhs-antithetic"),
    pytest.param("sobol", True, 4096, id="sobol-antithetic"),
    pytest.param("random", False, 5000, id="random-5000"),
    pytest.param("sobol", True, 5000, id="sobol-antithetic-5000"),
    pytest.param("random", False, 40000, id="random-40000-binned"),
]


@pytest.mark.parametrize("sampler, antithetic, paths", CONFIGS)
def test_same_bits_for_any_thread_count(sampler, antithetic, paths, run_infersim, default_scenario_path, tmp_path):
    texts = {}
    for threads in (1, 2, 8):
        out = tmp_path / f"t{threads}.json"
        args = ["run", default_scenario_path, "--paths", paths, "--seed", 7, "--sampler", sampler,
                "--threads", threads, "--out", out, "-q"]
        if antithetic:
            args.append("--antithetic")
        assert_ok(run_infersim(*args))
        texts[threads] = out.read_text(encoding="utf-8")
    r = json.loads(texts[1])
    assert (r["paths"], r["seed"], r["sampler"], r["antithetic"]) == (paths, 7, sampler, antithetic)
    assert r["quantile_method"] == ("binned" if paths > 16384 else "exact")
    if sampler != "random":
        assert r["replicates"] > 1
    base = without_elapsed(texts[1])
    assert without_elapsed(texts[2]) == base, "--threads 2 differs from --threads 1"
    assert without_elapsed(texts[8]) == base, "--threads 8 differs from --threads 1"


def test_binned_quantiles_at_40000_paths(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", 40000, "--out", out)
    assert_ok(proc)
    r = json.loads(out.read_text())
    assert r["quantile_method"] == "binned"
    assert 0 < r["quantile_rank_error"] < 0.01
    npv = r["scalars"]["npv_usd"]
    qs = [npv[p] for p in PERCENTILES]
    assert qs == sorted(qs)
    assert "percentiles from" in proc.stdout


def test_different_seeds_differ(run_infersim, default_scenario_path, tmp_path):
    results = []
    for seed in (1, 2):
        out = tmp_path / f"s{seed}.json"
        assert_ok(run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--seed", seed, "--out", out, "-q"))
        results.append(json.loads(out.read_text()))
    a, b = results
    assert (a["seed"], b["seed"]) == (1, 2)
    assert a["scalars"]["npv_usd"]["mean"] != b["scalars"]["npv_usd"]["mean"]
    assert a["series"]["revenue_usd"]["p50"] != b["series"]["revenue_usd"]["p50"]


def test_same_seed_same_result_across_invocations(run_infersim, default_scenario_path, tmp_path):
    texts = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        assert_ok(run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--out", out, "-q"))
        texts.append(without_elapsed(out.read_text()))
    assert texts[0] == texts[1]


# --- validate -------------------------------------------------------------------------


def test_validate_lists_uncertain_inputs(run_infersim, default_scenario_path, default_scenario):
    proc = run_infersim("validate", default_scenario_path)
    assert_ok(proc)
    assert proc.stderr == ""
    text = proc.stdout
    assert text.startswith("default: valid\n")
    assert "uncertain inputs:" in text
    expected = uncertain_paths(default_scenario)
    assert len(expected) == 13
    listed = re.findall(r"^    (\S+) ~ ", text, re.MULTILINE)
    assert listed == expected
    assert f"{len(expected)} uncertain" in text
    assert "2026–2035 (10)" in text
    for stress in STRESSES:
        assert f"stress {stress}:" in text


def test_validate_several_files(run_infersim, make_scenario):
    a = make_scenario(name="a.json")
    b = make_scenario(lambda d: d.update(name="other"), name="b.json")
    proc = run_infersim("validate", a, b)
    assert_ok(proc)
    assert "default: valid" in proc.stdout and "other: valid" in proc.stdout


def test_validate_stops_at_the_first_bad_file(run_infersim, make_scenario):
    good = make_scenario(name="good.json")
    bad = make_scenario(lambda d: d["clusters"][0].update(pue=0.9), name="bad.json")
    proc = run_infersim("validate", good, bad)
    assert_input_error(proc, "clusters[0].pue: must be >= 1, got 0.9")


# --- output files ---------------------------------------------------------------------

LONG_RUN = "50000000"  # minutes of work: an error must come before any of it


def test_out_into_missing_directory_fails_before_running(run_infersim, default_scenario_path, tmp_path):
    missing = tmp_path / "no" / "such"
    out = missing / "r.json"
    t0 = time.monotonic()
    proc = run_infersim("run", default_scenario_path, "--paths", LONG_RUN, "--out", out, timeout=30)
    assert time.monotonic() - t0 < 10, "the missing directory must be noticed before the run"
    assert_input_error(proc, f"{out}: cannot write output: directory {missing} does not exist")
    assert proc.stdout == ""
    assert not (tmp_path / "no").exists()


def test_out_is_a_directory(run_infersim, default_scenario_path, tmp_path):
    proc = run_infersim("run", default_scenario_path, "--paths", LONG_RUN, "--out", tmp_path, timeout=30)
    assert_input_error(proc, f"{tmp_path}: cannot write output: it is a directory")
    assert dir_names(tmp_path) == []


def test_out_with_several_scenarios_fails(run_infersim, make_scenario, tmp_path):
    a, b = make_scenario(name="a.json"), make_scenario(name="b.json")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = run_infersim("run", a, b, "--paths", LONG_RUN, "--out", out_dir / "r.json", timeout=30)
    assert_input_error(proc, "--out: one output file for 2 scenarios; use --out-dir")
    assert proc.stdout == ""
    assert dir_names(out_dir) == []


def test_out_dir_writes_one_result_per_scenario(run_infersim, make_scenario, tmp_path):
    a = make_scenario(name="alpha.json")
    b = make_scenario(lambda d: d.update(name="beta-scenario"), name="beta.json")
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    proc = run_infersim("run", a, b, "--paths", FAST_PATHS, "--out-dir", out_dir)
    assert_ok(proc)
    assert dir_names(out_dir) == ["alpha.result.json", "beta.result.json"]
    ra = json.loads((out_dir / "alpha.result.json").read_text())
    rb = json.loads((out_dir / "beta.result.json").read_text())
    assert (ra["scenario"], rb["scenario"]) == ("default", "beta-scenario")
    assert proc.stdout.count("result written to") == 2
    assert proc.stdout.index("default: 2,000 paths") < proc.stdout.index("beta-scenario: 2,000 paths")


def test_out_dir_checks_every_scenario_before_running_any(run_infersim, make_scenario, tmp_path):
    good = make_scenario(name="good.json")
    bad = make_scenario(lambda d: d["market"].update(price_decline=1.0), name="bad.json")
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    (out_dir / "good.result.json").write_text("previous\n")
    proc = run_infersim("run", good, bad, "--paths", FAST_PATHS, "--out-dir", out_dir)
    assert_input_error(proc, "market.price_decline: must be < 1, got 1")
    assert proc.stdout == "", "the good scenario must not run when a later one is bad"
    assert dir_names(out_dir) == ["good.result.json"]
    assert (out_dir / "good.result.json").read_text() == "previous\n"


def test_out_dir_same_stem_does_not_lose_a_result(run_infersim, make_scenario, tmp_path):
    a = make_scenario(name="a.json", directory=tmp_path / "x")
    b = make_scenario(lambda d: d.update(name="other"), name="a.json", directory=tmp_path / "y")
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    proc = run_infersim("run", a, b, "--paths", FAST_PATHS, "--out-dir", out_dir, "-q")
    if proc.returncode == 2:
        assert dir_names(out_dir) == []  # refused up front: fine
    else:
        assert_ok(proc)
        names = {json.loads(p.read_text())["scenario"] for p in out_dir.iterdir()}
        assert names == {"default", "other"}, "one of the two results was overwritten"


# --- stresses -------------------------------------------------------------------------


def test_stress_changes_results(run_infersim, default_scenario_path, tmp_path):
    base_out, stress_out = tmp_path / "base.json", tmp_path / "stress.json"
    assert_ok(run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--out", base_out, "-q"))
    proc = run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--stress", "price-war", "--out", stress_out)
    assert_ok(proc)
    assert proc.stdout.startswith("default+price-war: ")
    base, stress = json.loads(base_out.read_text()), json.loads(stress_out.read_text())
    assert stress["scenario"] == "default+price-war"
    # A steeper price decline: lower prices from the second year on, and a lower NPV.
    assert stress["series"]["price_usd_per_mtok"]["p50"][0] == base["series"]["price_usd_per_mtok"]["p50"][0]
    assert stress["series"]["price_usd_per_mtok"]["p50"][-1] < base["series"]["price_usd_per_mtok"]["p50"][-1]
    assert stress["scalars"]["npv_usd"]["mean"] < base["scalars"]["npv_usd"]["mean"]


def test_unknown_stress_names_the_defined_ones(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--stress", "price-ware", "--out", out)
    assert_input_error(proc, 'stress "price-ware" is not defined in scenario "default"',
                       "it defines: " + ", ".join(STRESSES))
    assert proc.stdout == ""
    assert dir_names(tmp_path) == []


def test_stress_in_scenario_without_stresses(run_infersim, make_scenario, tmp_path):
    sc = make_scenario(lambda d: d.pop("stresses") and None)
    proc = run_infersim("run", sc, "--paths", FAST_PATHS, "--stress", "price-war")
    assert_input_error(proc, 'stress "price-war" is not defined in scenario "default" (it has no stresses)')


# --- options --------------------------------------------------------------------------


def test_unknown_sampler_option(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", FAST_PATHS, "--sampler", "halton", "--out", out)
    assert_input_error(proc, '--sampler: unknown sampler "halton"; expected one of random, lhs, sobol')
    assert dir_names(tmp_path) == []


def test_odd_paths_with_antithetic(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", 1001, "--antithetic", "--out", out)
    assert_input_error(proc, "paths: must be even with antithetic pairs, got 1001")
    assert proc.stdout == ""
    assert dir_names(tmp_path) == [], "no output and no temporary file may remain"


def test_zero_paths_option(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", 0, "--out", out)
    # One rule for every entry point (resolve_settings): the run names the scenario too.
    assert_input_error(proc, "paths: must be >= 1, got 0")
    assert dir_names(tmp_path) == []


def test_scenario_settings_apply_without_options(run_infersim, make_scenario, tmp_path):
    sc = make_scenario(lambda d: d.update(simulation={"paths": 2048, "seed": 5, "sampler": "lhs", "antithetic": True}))
    out = tmp_path / "r.json"
    assert_ok(run_infersim("run", sc, "--out", out, "-q"))
    r = json.loads(out.read_text())
    assert (r["paths"], r["seed"], r["sampler"], r["antithetic"]) == (2048, 5, "lhs", True)


BAD_FLAGS = [
    pytest.param([], "A subcommand is required", id="no-subcommand"),
    pytest.param(["frobnicate"], "", id="unknown-subcommand"),
    pytest.param(["run"], "scenario is required", id="run-without-scenario"),
    pytest.param(["validate"], "scenario is required", id="validate-without-scenario"),
    pytest.param(["run", "{scenario}", "--bogus"], "--bogus", id="unknown-flag"),
    pytest.param(["run", "{missing}"], "File does not exist", id="missing-scenario-file"),
    pytest.param(["validate", "{missing}"], "File does not exist", id="validate-missing-file"),
    pytest.param(["run", "{scenario}", "--paths", "abc"], "--paths", id="paths-not-a-number"),
    pytest.param(["run", "{scenario}", "--paths", "2.5"], "--paths", id="paths-fractional"),
    pytest.param(["run", "{scenario}", "--threads", "-1"], "--threads", id="threads-negative"),
    pytest.param(["run", "{scenario}", "--paths"], "--paths", id="paths-without-value"),
    pytest.param(["run", "{scenario}", "--antithetic=maybe"], "", id="flag-with-bad-value"),
]


@pytest.mark.parametrize("args, needle", BAD_FLAGS)
def test_bad_command_line(args, needle, run_infersim, default_scenario_path, tmp_path):
    args = [a.replace("{scenario}", str(default_scenario_path)).replace("{missing}", str(tmp_path / "missing.json"))
            for a in args]
    if args[:1] == ["run"]:
        args = ["run", "--out", str(tmp_path / "r.json"), *args[1:]]
    proc = run_infersim(*args)
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stderr.startswith("infersim: "), proc.stderr
    assert needle in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "r.json").exists()


NEGATIVE_WRAPS = [
    pytest.param(["--paths", "-5"], id="paths-negative"),
    pytest.param(["--seed", "-1"], id="seed-negative"),
    pytest.param(["--seed", "18446744073709551616"], id="seed-overflow"),
]


@pytest.mark.parametrize("args", NEGATIVE_WRAPS)
def test_out_of_range_numbers_on_command_line(args, run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    paths = [] if "--paths" in args else ["--paths", FAST_PATHS]
    proc = run_infersim("run", default_scenario_path, *paths, *args, "--out", out, "-q", timeout=30)
    assert proc.returncode == 2, f"exit {proc.returncode}; result: {out.read_text()[:200] if out.exists() else None}"
    assert not out.exists()


def test_version(run_infersim):
    # The version, and which kernels run: AVX-512 or AVX2 where the processor has it.
    proc = run_infersim("--version")
    assert_ok(proc)
    assert proc.stdout.strip() in (
        f"infersim {project_version()} (vector kernels: {k})" for k in ("avx512", "avx2", "portable")
    )
    proc = run_infersim("--version", env={"INFERSIM_ISA": "portable"})
    assert_ok(proc)
    assert proc.stdout.strip() == f"infersim {project_version()} (vector kernels: portable)"


def test_help(run_infersim):
    proc = run_infersim("--help")
    assert_ok(proc)
    assert "run" in proc.stdout and "validate" in proc.stdout


# --- interruption ---------------------------------------------------------------------


@pytest.mark.parametrize("existing", [False, True], ids=["new-output", "existing-output"])
def test_interrupt_writes_nothing(existing, infersim_bin, default_scenario_path, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "r.json"
    previous = b"previous result\n"
    if existing:
        out.write_bytes(previous)
    proc = subprocess.Popen(
        [str(infersim_bin), "run", str(default_scenario_path), "--paths", LONG_RUN, "--out", str(out)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_handler(proc)
        time.sleep(1.5)
        assert proc.poll() is None, "the long run finished (or failed) before it could be interrupted"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=10)
        assert time.monotonic() - t0 < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, f"exit {proc.returncode}\nstderr:\n{stderr}"
    assert "infersim: interrupted; no output written" in stderr
    assert "result written" not in stdout
    if existing:
        assert out.read_bytes() == previous
        assert dir_names(out_dir) == ["r.json"], "a temporary file was left behind"
    else:
        assert dir_names(out_dir) == [], "an output or temporary file was left behind"


# One limit and one rule for run settings (resolve_settings), checked before anything runs.

def test_run_settings_of_every_scenario_are_checked_before_the_first_result(run_infersim, default_scenario_path,
                                                                              default_scenario, tmp_path):
    # The second scenario pairs its paths (antithetic), so --paths 1001 suits only the first.
    paired = tmp_path / "paired.json"
    paired.write_text(json.dumps(dict(default_scenario, name="paired", simulation={"antithetic": True})))
    out = tmp_path / "out"
    out.mkdir()
    proc = run_infersim("run", default_scenario_path, paired, "--paths", "1001", "--out-dir", out)
    assert_input_error(proc, "paired.json: paths: must be even with antithetic pairs, got 1001")
    assert dir_names(out) == [], "nothing may be written when any run's settings are bad"
    proc = run_infersim("run", default_scenario_path, "--paths", "5e9", "--out-dir", out)
    assert_input_error(proc, "paths: at most 4000000000 a run, got 5000000000")


def test_validate_sees_the_scenarios_own_run_limits(run_infersim, default_scenario, tmp_path):
    for paths, message in ((5_000_000_000, "simulation.paths: at most 4000000000 a run, got 5000000000"),
                           (1001, "simulation.paths: must be even with antithetic pairs, got 1001")):
        sc = dict(default_scenario, simulation={"paths": paths, "antithetic": paths == 1001})
        f = tmp_path / "s.json"
        f.write_text(json.dumps(sc))
        assert_input_error(run_infersim("validate", f), message)


def test_data_option_loads_that_catalog_without_touching_the_environment(run_infersim, tmp_path):
    # Two catalogs in one machine: a copy of data/ with one figure changed gives another value.
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    companies = json.loads((data / "companies.json").read_text())
    companies["companies"]["meta"]["fy2024"]["operating_income_usd"]["value"] = 1.0e11
    (data / "companies.json").write_text(json.dumps(companies))
    base = SCENARIOS_DIR / "v1" / "meta_8pct_base.json"
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    assert run_infersim("run", base, "--paths", "2", "--quiet", "--data", data, "--out", mine).returncode == 0
    assert run_infersim("run", base, "--paths", "2", "--quiet", "--out", theirs).returncode == 0
    used = {u["ref"]: u["value"] for u in json.loads(mine.read_text())["catalog"]}
    default = {u["ref"]: u["value"] for u in json.loads(theirs.read_text())["catalog"]}
    key = "companies.meta.fy2024.operating_income_usd"
    assert used[key] == 1.0e11 and default[key] != 1.0e11


def test_quantiles_and_thresholds_on_the_command_line(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", default_scenario_path, "--paths", "20000", "--quantiles", "0.025,0.975",
                        "--threshold", "npv_usd=0,1e10", "--threshold", "revenue_usd=5e9", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "P(npv_usd > $10.0B)" in proc.stdout and "p97.5" in proc.stdout
    r = json.loads(out.read_text())
    assert r["scalars"]["npv_usd"]["p2.5"] < r["scalars"]["npv_usd"]["p97.5"]
    assert len(r["series"]["revenue_usd"]["p97.5"]) == len(r["years"])
    assert [t["metric"] for t in r["thresholds"]] == ["npv_usd", "npv_usd", "revenue_usd"]
    assert r["thresholds"][0]["probability"] == r["scalars"]["npv_usd"]["prob_positive"]
    assert len(r["thresholds"][2]["probability"]) == len(r["years"])
    bad = run_infersim("run", default_scenario_path, "--quantiles", "2", "--out", tmp_path / "bad.json")
    assert_input_error(bad, "quantiles: each level must be in (0, 1), got 2")
    assert not (tmp_path / "bad.json").exists()


def _peak_rss_mb(cmd) -> float:
    import os
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read()
    return usage.ru_maxrss / 1024


def test_memory_does_not_grow_with_the_thread_count(infersim_bin, default_scenario, tmp_path):
    import os
    if os.environ.get("ASAN_OPTIONS"):
        pytest.skip("a sanitized build's memory is the sanitizer's, not the engine's")
    # A 100-year scenario has 1,505 metrics; each thread's scratch holds a block of them
    # (~50 MB) and its bin counts. The workspace budget (512 MB) caps the threads that a
    # run uses, so -j 64 takes what -j 16 does, far below 64 workspaces.
    long = tmp_path / "long.json"
    long.write_text(json.dumps(dict(default_scenario, horizon_years=100)))
    rss = {j: _peak_rss_mb([infersim_bin, "run", long, "--paths", "70000", "-j", j, "--quiet"]) for j in (2, 16, 64)}
    assert rss[64] < 600 and rss[16] < 600, rss  # 64 workspaces would be over 6 GB
    assert rss[64] < rss[16] + 64, rss
