"""`infersim run --target-se`: checkpoints fixed by the settings, so the same bytes on any
thread count; the paths used and the se reached in the result; bad targets exit 2."""

from __future__ import annotations

import json
import re

import pytest

from conftest import DEFAULT_SCENARIO

PREFIX = "infersim: error: "


def result_text(path) -> str:
    return re.sub(r'"elapsed_s":[^\n]*\n', "", path.read_text())


def test_the_same_bytes_on_one_and_two_threads(run_infersim, tmp_path):
    outs = []
    for threads in ("1", "2"):
        out = tmp_path / f"j{threads}.json"
        done = run_infersim("run", DEFAULT_SCENARIO, "-q", "--seed", "3", "--max-paths", "40960", "--target-step", "4096",
                            "--target-se", "npv_usd:mean=0.6%", "--target-se", "revenue_usd@2030:mean=1e12",
                            "-j", threads, "-o", out)
        assert done.returncode == 0, done.stderr
        outs.append(out)
    assert result_text(outs[0]) == result_text(outs[1])
    doc = json.loads(outs[0].read_text())
    report = doc["target_se"]
    assert report["met"] and report["step_paths"] == 4096 and report["max_paths"] == 40960
    assert doc["paths"] % 4096 == 0 and doc["paths"] < 40960
    assert [t["statistic"] for t in report["targets"]] == ["npv_usd:mean", "revenue_usd@2030:mean"]
    assert all(t["met"] and t["se"] <= t["limit"] for t in report["targets"])
    # The fixed run of the paths used: the same result, and no target_se key.
    fixed = tmp_path / "fixed.json"
    assert run_infersim("run", DEFAULT_SCENARIO, "-q", "--seed", "3", "--paths", doc["paths"], "-o", fixed).returncode == 0
    fixed_doc = json.loads(fixed.read_text())
    assert "target_se" not in fixed_doc
    doc.pop("target_se")
    doc.pop("elapsed_s")
    fixed_doc.pop("elapsed_s")
    assert doc == fixed_doc


def test_an_unreachable_target_stops_at_the_cap(run_infersim, tmp_path):
    out = tmp_path / "r.json"
    done = run_infersim("run", DEFAULT_SCENARIO, "--paths", "10000", "--target-step", "4096", "--target-se",
                        "npv_usd:mean=1", "-o", out)
    assert done.returncode == 0, done.stderr
    assert "target se NOT met at 10000 paths" in done.stdout
    doc = json.loads(out.read_text())
    assert doc["paths"] == 10000 and doc["target_se"]["met"] is False and doc["target_se"]["targets"][0]["se"] > 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target-se", "npv:mean=1e8"], '--target-se: unknown metric "npv"'),
        (["--target-se", "npv_usd:sd=1e8"], 'only a mean has a standard error to target'),
        (["--target-se", "npv_usd:mean=0"], 'must be a positive number'),
        (["--target-se", "npv_usd:mean=abc%"], 'got "abc"'),
        (["--target-se", "npv_usd:mean"], "expected METRIC[@YEAR]:mean=SE"),
        (["--target-se", "npv_usd=1e8", "--target-step", "5000"], "--target-step: must be a positive multiple of 4096"),
        (["--max-paths", "5000"], "--max-paths: only with --target-se"),
        (["--target-se", "npv_usd=1e8", "--max-paths", "5000", "--paths", "5000"], "--max-paths: give --paths or --max-paths"),
    ],
)
def test_bad_targets_exit_2_naming_the_option(run_infersim, tmp_path, args, message):
    out = tmp_path / "never.json"
    done = run_infersim("run", DEFAULT_SCENARIO, "-q", *args, "-o", out)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not out.exists()
