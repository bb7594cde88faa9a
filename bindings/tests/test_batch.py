"""A Result as data: pickled, loaded back from the command line's result JSON, as one tidy
table (to_frame), and run_many() over a folder of scenarios."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import infersim
from conftest import DEFAULT_SCENARIO, FAST_PATHS, REPO_ROOT

SCENARIOS = REPO_ROOT / "scenarios"
UNCERTAIN = SCENARIOS / "v1" / "meta_8pct_uncertain.json"  # has a claim chain and catalog figures


def assert_same_result(a: infersim.Result, b: infersim.Result) -> None:
    """Every statistic, claim, chain step and catalog figure equal (NaN equal to NaN)."""
    assert (a.scenario, a.paths, a.seed, a.sampler, a.antithetic, a.years) == (
        b.scenario, b.paths, b.seed, b.sampler, b.antithetic, b.years)
    pd.testing.assert_frame_equal(a.summary(), b.summary(), check_exact=True)
    for name in infersim.series_names:
        pd.testing.assert_frame_equal(a.series(name), b.series(name), check_exact=True)
    pd.testing.assert_frame_equal(a.claims(), b.claims(), check_exact=True)
    pd.testing.assert_frame_equal(a.claim_chain(), b.claim_chain(), check_exact=True)
    pd.testing.assert_frame_equal(a.catalog(), b.catalog(), check_exact=True)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=True)


# -- pickling -----------------------------------------------------------------------------


def test_pickle_round_trip_keeps_statistics_and_samples(result):
    copy = pickle.loads(pickle.dumps(result))
    assert type(copy) is infersim.Result and repr(copy) == repr(result)
    assert copy.to_json() == result.to_json()
    assert_same_result(copy, result)
    assert sorted(copy.kept_samples) == sorted(result.kept_samples) == ["fcf_usd", "npv_usd"]
    for name in result.kept_samples:
        np.testing.assert_array_equal(copy.samples(name), result.samples(name))
        assert not copy.samples(name).flags.writeable
    # and again: a restored Result pickles as well
    again = pickle.loads(pickle.dumps(copy))
    np.testing.assert_array_equal(again.samples("fcf_usd"), result.samples("fcf_usd"))
    assert again.to_json() == result.to_json()


def test_pickled_results_from_a_process_pool(scenario):
    # What joblib and Dask do: results cross a process boundary as pickles.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(infersim.run, str(DEFAULT_SCENARIO), paths=2000, seed=5, progress=False).result()
    local = infersim.run(scenario, paths=2000, seed=5, progress=False)
    assert_same_result(remote, local)


# -- Result.load ----------------------------------------------------------------------------


def test_load_a_result_written_by_the_command_line(cli_path, tmp_path):
    out = tmp_path / "cli.result.json"
    proc = subprocess.run([cli_path, "run", UNCERTAIN, "--paths", str(FAST_PATHS), "--seed", "3", "--out", out, "-q"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = infersim.Result.load(out)
    in_process = infersim.run(UNCERTAIN, paths=FAST_PATHS, seed=3, progress=False)
    assert_same_result(loaded, in_process)
    assert not loaded.claim_chain().empty and not loaded.catalog().empty
    assert loaded.to_json() == out.read_text(encoding="utf-8")  # the file, as it was written
    assert loaded.kept_samples == []
    with pytest.raises(ValueError, match=r'^samples: "npv_usd" was not kept; .*a result JSON file holds no samples'):
        loaded.samples("npv_usd")
    # A loaded Result saves the same file again, and pickles.
    loaded.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    assert_same_result(pickle.loads(pickle.dumps(loaded)), in_process)


def test_load_a_saved_result(result, tmp_path):
    result.save(tmp_path / "r.json")
    assert_same_result(infersim.Result.load(tmp_path / "r.json"), result)


def test_load_rejects_what_is_not_a_result(result, scenario, tmp_path):
    with pytest.raises(ValueError, match=r"missing\.json: cannot read the result \(No such file or directory\)"):
        infersim.Result.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"scenario": "x",', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.json: not a result JSON: line 1: Expecting"):
        infersim.Result.load(tmp_path / "bad.json")
    shutil.copy(DEFAULT_SCENARIO, tmp_path / "scenario.json")
    with pytest.raises(ValueError, match=r'scenario\.json: not a result JSON: no "scenario"'):
        infersim.Result.load(tmp_path / "scenario.json")
    infersim.stress(scenario, ["price-war"], paths=2000, progress=False).save(tmp_path / "stress.json")
    with pytest.raises(ValueError, match=r"stress\.json: a comparison JSON .*, not a result"):
        infersim.Result.load(tmp_path / "stress.json")
    doc = result.to_dict()
    doc["series"]["revenue_usd"]["p50"] = doc["series"]["revenue_usd"]["p50"][:3]
    (tmp_path / "short.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=r"short\.json: series\.revenue_usd\.p50: expected 10 values, one a year"):
        infersim.Result.load(tmp_path / "short.json")


def test_save_of_a_loaded_result_fails_early_like_the_engine(result, tmp_path):
    result.save(tmp_path / "r.json")
    loaded = infersim.Result.load(tmp_path / "r.json")
    with pytest.raises(ValueError, match=r"cannot write output: directory .*missing does not exist"):
        loaded.save(tmp_path / "missing" / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


# -- to_frame --------------------------------------------------------------------------------


def test_to_frame_is_tidy_with_units(result):
    df = result.to_frame()
    stats = list(infersim.statistic_names)
    years = result.years
    assert df.columns.tolist() == ["scenario", "metric", "year", "statistic", "value", "unit"]
    assert len(df) == (len(infersim.scalar_names) + len(infersim.series_names) * len(years)) * len(stats)
    assert (df["scenario"] == "default").all() and df["value"].dtype == np.float64
    assert df.loc[df["metric"].isin(infersim.scalar_names), "year"].isna().all()
    assert df.loc[df["metric"].isin(infersim.series_names), "year"].notna().all()

    def row(metric, statistic, year=None):
        match = (df["metric"] == metric) & (df["statistic"] == statistic)
        match &= df["year"].isna() if year is None else (df["year"] == year)
        (index,) = np.flatnonzero(match)
        return df.iloc[index]

    assert row("npv_usd", "p50")["value"] == result.summary().loc["npv_usd", "p50"]
    assert row("revenue_usd", "mean", 2030)["value"] == result.series("revenue_usd").loc[2030, "mean"]
    units = {("npv_usd", "p50", None): "USD", ("revenue_usd", "p50", 2028): "USD/yr",
             ("utilization", "p50", 2028): "fraction", ("npv_usd", "prob_positive", None): "fraction",
             ("served_tokens", "mean", 2028): "tokens/yr", ("price_usd_per_mtok", "p5", 2026): "USD/Mtok",
             ("payback_year", "p50", None): "year", ("payback_year", "sd", None): "years",
             ("irr", "p50", None): "fraction/yr"}
    for (metric, statistic, year), unit in units.items():
        assert row(metric, statistic, year)["unit"] == unit, (metric, statistic)
    # A table of two results is their concatenation; statistics= keeps some.
    some = result.to_frame(["p50", "prob_positive"])
    assert set(some["statistic"]) == {"p50", "prob_positive"} and len(some) == len(df) // len(stats) * 2
    with pytest.raises(ValueError, match=r'^statistics: unknown statistic "p97.5"; expected some of mean, '):
        result.to_frame(["p97.5"])


# -- run_many ------------------------------------------------------------------------------------


def test_run_many_over_the_scenarios_folder():
    files = sorted(SCENARIOS.glob("*.json"))
    df = infersim.run_many(SCENARIOS, statistics=["p50", "prob_positive"], paths=2000, seed=1, progress=False)
    assert df.columns.tolist() == ["scenario", "source", "metric", "year", "statistic", "value", "unit"]
    assert df["source"].unique().tolist() == [str(f) for f in files]  # every file, in name order
    assert df.attrs["errors"] == {}
    for path in files:
        expected = infersim.run(path, paths=2000, seed=1, progress=False).to_frame(["p50", "prob_positive"])
        got = df[df["source"] == str(path)].drop(columns="source").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    npv = df.query("metric == 'npv_usd' and statistic == 'p50'").set_index("scenario")["value"]
    assert npv.loc["meta-8pct-base"] > 0 > npv.loc["default"]
    # A selection of the table displays its values in their units.
    html = df[df["metric"] == "npv_usd"]._repr_html_()
    assert f">{infersim.format_value('npv_usd', npv.loc['default'])}</td>" in html and ">100.0%</td>" in html


def test_run_many_takes_files_and_scenario_objects(scenario):
    stressed = scenario.with_stress("price-war")
    df = infersim.run_many([DEFAULT_SCENARIO, stressed], statistics=["mean"], paths=1000, seed=2, progress=False)
    assert df["scenario"].unique().tolist() == ["default", "default+price-war"]
    assert df["source"].unique().tolist() == [str(DEFAULT_SCENARIO), "<Scenario>"]


def test_run_many_with_a_bad_file(tmp_path):
    shutil.copy(DEFAULT_SCENARIO, tmp_path / "a.json")
    bad = json.loads(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    bad["market"]["price_decline"] = 1.5
    (tmp_path / "b.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match=r"market\.price_decline"):
        infersim.run_many(tmp_path, paths=1000, progress=False)
    df = infersim.run_many(tmp_path, keep_going=True, statistics=["p50"], paths=1000, progress=False)
    assert df["source"].unique().tolist() == [str(tmp_path / "a.json")]
    assert list(df.attrs["errors"]) == [str(tmp_path / "b.json")]
    assert "market.price_decline" in df.attrs["errors"][str(tmp_path / "b.json")]


def test_run_many_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"a folder without \*\.json scenario files"):
        infersim.run_many(tmp_path)
    with pytest.raises(ValueError, match=r"^run_many: no scenarios given$"):
        infersim.run_many([])
    with pytest.raises(TypeError, match=r"^run_many: expected scenario files, folders or Scenario objects, got int$"):
        infersim.run_many([3])
    with pytest.raises(TypeError, match=r"keep_samples is not taken"):
        infersim.run_many(DEFAULT_SCENARIO, keep_samples=["npv_usd"])


def test_run_many_writes_the_summary_table_like_the_command_line(cli_path, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(DEFAULT_SCENARIO, folder / "a.json")
    shutil.copy(SCENARIOS / "v1" / "meta_8pct_base.json", folder / "b.json")
    summary = tmp_path / "py.csv"
    df = infersim.run_many(folder, paths=1000, seed=4, progress=False, summary=summary)
    assert summary.read_bytes().startswith(b"scenario,source,metric,year,statistic,value,unit\r\n")
    back = pd.read_csv(summary, dtype={"year": "Int64"}, float_precision="round_trip")
    pd.testing.assert_frame_equal(back, pd.DataFrame(df), check_exact=True)
    # The command line's table of the same runs: the same rows, value for value.
    cli_csv = tmp_path / "cli.csv"
    subprocess.run([str(cli_path), "run", str(folder), "--paths", "1000", "--seed", "4", "-q", "--summary",
                    str(cli_csv)], check=True, capture_output=True)
    pd.testing.assert_frame_equal(pd.read_csv(cli_csv, dtype={"year": "Int64"}, float_precision="round_trip"), back, check_exact=True)


def test_run_many_parquet_summary(tmp_path):
    target = tmp_path / "s.parquet"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        try:
            import fastparquet  # noqa: F401
        except ImportError:
            # Neither is in Debian bookworm: refused before any run, nothing written.
            with pytest.raises(ValueError, match=r"writing Parquet needs pyarrow or fastparquet"):
                infersim.run_many(tmp_path / "missing.json", summary=target)
            assert list(tmp_path.iterdir()) == []
            return
    df = infersim.run_many(DEFAULT_SCENARIO, paths=1000, progress=False, summary=target)
    pd.testing.assert_frame_equal(pd.read_parquet(target), pd.DataFrame(df))


def test_run_many_summary_into_a_missing_folder_fails_before_running(tmp_path):
    with pytest.raises(ValueError, match=r"summary: .*: directory .* does not exist"):
        infersim.run_many(tmp_path / "missing.json", summary=tmp_path / "no" / "s.csv")


# -- comparisons as data ------------------------------------------------------------------------


def assert_same_comparison(a: infersim.Comparison, b: infersim.Comparison) -> None:
    assert list(a.variants) == list(b.variants)
    assert_same_result(a.base, b.base)
    for name in a.variants:
        assert_same_result(a.variants[name], b.variants[name])
        pd.testing.assert_series_equal(a.difference(name), b.difference(name), check_exact=True)
        pd.testing.assert_frame_equal(a.difference(name, "fcf_usd"), b.difference(name, "fcf_usd"), check_exact=True)
    pd.testing.assert_frame_equal(a.table(), b.table(), check_exact=True)
    pd.testing.assert_frame_equal(a.table("utilization", 2030), b.table("utilization", 2030), check_exact=True)


def test_pickle_a_comparison(scenario):
    c = infersim.stress(scenario, ["price-war", "capex-overrun"], paths=2000, seed=4, progress=False)
    copy = pickle.loads(pickle.dumps(c))
    assert repr(copy) == repr(c) and copy.to_json() == c.to_json()
    assert_same_comparison(copy, c)
    assert_same_comparison(pickle.loads(pickle.dumps(copy)), c)


def test_load_a_comparison_written_by_the_command_line(cli_path, tmp_path, scenario):
    out = tmp_path / "stress.json"
    args = [cli_path, "stress", DEFAULT_SCENARIO, "--paths", str(FAST_PATHS), "--seed", "3", "--out", out]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = infersim.Comparison.load(out)
    assert_same_comparison(loaded, infersim.stress(scenario, paths=FAST_PATHS, seed=3, progress=False))
    assert loaded.to_json() == out.read_text(encoding="utf-8")
    loaded.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == loaded.to_json()
    with pytest.raises(ValueError, match=r'^variant: unknown variant "nope"; expected one of capex-overrun, '):
        loaded.difference("nope")
    with pytest.raises(ValueError, match=r'^metric: unknown metric "npv"; expected one of npv_usd, '):
        loaded.difference("price-war", "npv")


def test_load_rejects_what_is_not_a_comparison(result, tmp_path):
    result.save(tmp_path / "run.json")
    with pytest.raises(ValueError, match=r'run\.json: not a comparison JSON: expected an object with "base" and "var'):
        infersim.Comparison.load(tmp_path / "run.json")
    doc = {"base": result.to_dict(), "variants": [{"name": "x", "result": {"scenario": "x"}, "difference": {
        "scalars": {}, "series": {}}}]}
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=r'bad\.json: variants\[0\]\.result: not a result JSON: no "paths"'):
        infersim.Comparison.load(tmp_path / "bad.json")
