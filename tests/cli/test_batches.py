"""Batches of scenarios (issue 15): `infersim run DIR|FILES... --out-dir D --summary S
--keep-going`: folders expanded, D created, one bad file among good ones, same-stem
clashes, the summary CSV against the result JSON, and no output overwritten on error."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

FAST = ("--paths", "1000", "--seed", "7", "--quiet")
COLUMNS = ["scenario", "source", "metric", "year", "statistic", "value", "unit"]


def names(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def read_summary(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "RFC 4180: CRLF line ends"
    reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
    rows = list(reader)
    assert rows[0] == COLUMNS
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]


@pytest.fixture
def folder(make_scenario, tmp_path) -> Path:
    """Two good scenarios in a folder, a subfolder (not run) and a file that is not JSON."""
    d = tmp_path / "batch"
    make_scenario(name="b_second.json", directory=d, mutate=lambda s: s.update(name="second, \"quoted\""))
    make_scenario(name="a_first.json", directory=d)
    make_scenario(name="deeper.json", directory=d / "sub")
    (d / "notes.txt").write_text("not a scenario\n")
    return d


def test_folder_runs_its_json_files_in_name_order_into_a_new_out_dir(run_infersim, folder, tmp_path):
    out = tmp_path / "new" / "results"  # parents created too
    proc = run_infersim("run", folder, *FAST[:-1], "--out-dir", out)
    assert proc.returncode == 0, proc.stderr
    assert names(out) == ["a_first.result.json", "b_second.result.json"]
    assert proc.stdout.index("default: 1,000 paths") < proc.stdout.index('second, "quoted": 1,000 paths')
    doc = json.loads((out / "a_first.result.json").read_text())
    assert doc["metrics"]["npv_usd"] == {"unit": "USD", "label": "Net present value", "short": "NPV",
                                         "kind": "money", "shape": "scalar"}
    assert doc["metrics"]["revenue_usd"]["unit"] == "USD/yr" and doc["metrics"]["revenue_usd"]["shape"] == "series"
    assert set(doc["metrics"]) == set(doc["scalars"]) | set(doc["series"])


def test_help_says_how_folders_expand(run_infersim):
    proc = run_infersim("run", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "a folder runs its *.json files in name order" in text and "--keep-going" in text and "--summary" in text


def test_folder_without_scenarios_is_an_error(run_infersim, tmp_path):
    (tmp_path / "empty").mkdir()
    proc = run_infersim("run", tmp_path / "empty", *FAST)
    assert proc.returncode == 2
    assert f"{tmp_path / 'empty'}: a folder without *.json scenario files" in proc.stderr


def test_summary_csv_matches_the_result_json(run_infersim, folder, tmp_path):
    out, summary = tmp_path / "out", tmp_path / "summary.csv"
    proc = run_infersim("run", folder, *FAST, "--out-dir", out, "--summary", summary,
                        "--quantiles", "0.025", "--threshold", "npv_usd=0,1e10", "--threshold", "revenue_usd=1e10")
    assert proc.returncode == 0, proc.stderr
    rows = read_summary(summary)
    assert {r["source"] for r in rows} == {str(folder / "a_first.json"), str(folder / "b_second.json")}
    assert {r["scenario"] for r in rows} == {"default", 'second, "quoted"'}  # quoted and read back whole

    doc = json.loads((out / "a_first.result.json").read_text())
    mine = [r for r in rows if r["source"] == str(folder / "a_first.json")]
    by_key = {(r["metric"], r["year"], r["statistic"]): r for r in mine}
    # Every statistic of the result JSON is a row, with its value and the engine's unit.
    for metric, stats in doc["scalars"].items():
        for stat, value in stats.items():
            row = by_key[(metric, "", stat)]
            assert (float(row["value"]) if row["value"] else None) == value, (metric, stat)
    for metric, stats in doc["series"].items():
        for stat, values in stats.items():
            for year, value in zip(doc["years"], values, strict=True):
                row = by_key[(metric, str(year), stat)]
                assert (float(row["value"]) if row["value"] else None) == value, (metric, year, stat)
    expected_rows = (sum(len(s) for s in doc["scalars"].values())
                     + len(doc["years"]) * sum(len(s) for s in doc["series"].values())
                     + 2 + len(doc["years"]))  # the thresholds
    assert len(mine) == expected_rows

    assert by_key[("npv_usd", "", "p50")]["unit"] == doc["metrics"]["npv_usd"]["unit"] == "USD"
    assert by_key[("revenue_usd", "2028", "p50")]["unit"] == "USD/yr"
    assert by_key[("utilization", "2026", "mean")]["unit"] == "fraction"
    assert by_key[("price_usd_per_mtok", "2026", "p5")]["unit"] == "USD/Mtok"
    assert by_key[("npv_usd", "", "prob_positive")]["unit"] == "fraction"
    assert by_key[("payback_year", "", "p50")]["unit"] == "year"
    assert by_key[("payback_year", "", "sd")]["unit"] == "years"
    assert by_key[("npv_usd", "", "p2.5")]["unit"] == "USD"
    # Thresholds: P(X > k), a fraction, one a year for a series.
    thresholds = {(t["metric"], t["value"]): t["probability"] for t in doc["thresholds"]}
    assert float(by_key[("npv_usd", "", "P(>0)")]["value"]) == thresholds[("npv_usd", 0)]
    assert float(by_key[("npv_usd", "", "P(>1e+10)")]["value"]) == thresholds[("npv_usd", 1e10)]
    assert by_key[("npv_usd", "", "P(>0)")]["unit"] == "fraction"
    assert float(by_key[("revenue_usd", "2027", "P(>1e+10)")]["value"]) == thresholds[("revenue_usd", 1e10)][1]
    # An undefined value (no path pays back early, say) is an empty field, not "nan".
    assert all(r["value"] != "nan" for r in rows)


def test_keep_going_runs_the_good_and_names_the_bad(run_infersim, make_scenario, tmp_path):
    d = tmp_path / "batch"
    make_scenario(name="a_good.json", directory=d)
    make_scenario(name="b_bad.json", directory=d, mutate=lambda s: s["market"].update(price_decline=1.0))
    make_scenario(name="c_broken.json", directory=d, raw="{ not json")
    make_scenario(name="d_good.json", directory=d, mutate=lambda s: s.update(name="d"))
    out, summary = tmp_path / "out", tmp_path / "s.csv"
    proc = run_infersim("run", d, *FAST, "--out-dir", out, "--summary", summary, "--keep-going")
    assert proc.returncode == 2, proc.stderr
    assert names(out) == ["a_good.result.json", "d_good.result.json"]
    assert "2 of 4 scenarios failed" in proc.stderr
    assert f"{d / 'b_bad.json'}: " in proc.stderr and "market.price_decline: must be < 1, got 1" in proc.stderr
    assert f"{d / 'c_broken.json'}" in proc.stderr
    assert {r["scenario"] for r in read_summary(summary)} == {"default", "d"}


def test_without_keep_going_a_bad_file_stops_everything_before_any_run(run_infersim, make_scenario, tmp_path):
    d = tmp_path / "batch"
    make_scenario(name="a_good.json", directory=d)
    make_scenario(name="b_bad.json", directory=d, mutate=lambda s: s["market"].update(price_decline=1.0))
    out = tmp_path / "out"
    out.mkdir()
    (out / "a_good.result.json").write_text("previous\n")
    summary = tmp_path / "s.csv"
    summary.write_text("old table\n")
    proc = run_infersim("run", d, *FAST, "--out-dir", out, "--summary", summary)
    assert proc.returncode == 2
    assert f"{d / 'b_bad.json'}: " in proc.stderr and "market.price_decline" in proc.stderr
    assert (out / "a_good.result.json").read_text() == "previous\n"
    assert summary.read_text() == "old table\n"
    assert names(out) == ["a_good.result.json"]


def test_a_run_error_with_keep_going_leaves_earlier_files_and_replaces_only_good_ones(
        run_infersim, make_scenario, tmp_path):
    # Antithetic pairs need an even number of paths: a run-time error, found per scenario.
    d = tmp_path / "batch"
    make_scenario(name="a.json", directory=d)
    make_scenario(name="b.json", directory=d,
                  mutate=lambda s: s.setdefault("simulation", {}).update(antithetic=True, paths=1001))
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.result.json").write_text("previous\n")
    proc = run_infersim("run", d, "--seed", "7", "-q", "--out-dir", out, "--keep-going")
    assert proc.returncode == 2, proc.stderr
    assert f"{d / 'b.json'}: " in proc.stderr
    assert (out / "b.result.json").read_text() == "previous\n"
    assert json.loads((out / "a.result.json").read_text())["scenario"] == "default"


def test_same_stem_in_two_folders_is_refused_before_running(run_infersim, make_scenario, tmp_path):
    a = make_scenario(name="s.json", directory=tmp_path / "x")
    b = make_scenario(name="s.json", directory=tmp_path / "y")
    out = tmp_path / "out"
    for extra in ((), ("--keep-going",)):
        proc = run_infersim("run", tmp_path / "x", b, "--paths", "50000000", "-q", "--out-dir", out, *extra, timeout=30)
        assert proc.returncode == 2
        assert f"{b}: its output {out / 's.result.json'} would overwrite the result of {a}" in proc.stderr
        assert not out.exists(), "nothing is made before the clash is found"


def test_summary_may_not_be_a_result_file(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "out"
    proc = run_infersim("run", default_scenario_path, *FAST, "--out-dir", out, "--summary", out / "default.result.json")
    assert proc.returncode == 2
    assert "would overwrite the --summary table" in proc.stderr


def test_parquet_summary_is_refused_with_the_way_to_get_one(run_infersim, default_scenario_path, tmp_path):
    proc = run_infersim("run", default_scenario_path, *FAST, "--summary", tmp_path / "s.parquet")
    assert proc.returncode == 2
    assert "the command line writes CSV only" in proc.stderr and "run_many" in proc.stderr
    assert names(tmp_path) == []


def test_summary_to_stdout_moves_the_text_to_stderr(run_infersim, default_scenario_path):
    proc = run_infersim("run", default_scenario_path, "--paths", "1000", "--summary", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(",".join(COLUMNS) + "\n")  # text mode reads CRLF as a newline
    assert "default: 1,000 paths" in proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    npv = [r for r in rows if r[2] == "npv_usd" and r[4] == "mean"]
    assert len(npv) == 1 and math.isfinite(float(npv[0][5]))


def test_validate_takes_a_folder_too(run_infersim, folder):
    proc = run_infersim("validate", folder)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.index("default: valid") < proc.stdout.index('second, "quoted": valid')
