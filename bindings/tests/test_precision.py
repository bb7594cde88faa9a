"""Runs to a target precision (run(target_se=...)): checkpoints fixed by the settings, the
result that of a fixed run of the paths used, the same on any number of threads."""

from __future__ import annotations

import json
import re

import pytest

import infersim

from conftest import DEFAULT_SCENARIO

STEP = 4096
CAP = 10 * STEP


def stripped(result: infersim.Result) -> dict:
    doc = json.loads(re.sub(r'"elapsed_s": [^,\n]+', '"elapsed_s": 0', result.to_json()))
    doc.pop("target_se", None)
    return doc


@pytest.fixture(scope="module")
def scenario() -> infersim.Scenario:
    return infersim.Scenario.from_json(DEFAULT_SCENARIO)


@pytest.mark.parametrize("sampler, antithetic", [("random", False), ("random", True), ("lhs", False), ("sobol", False)])
def test_stops_at_the_first_checkpoint_that_meets_the_target(scenario, sampler, antithetic):
    opts = dict(seed=4, sampler=sampler, antithetic=antithetic)
    # A target between the se of 2 and 6 steps' runs: met at some checkpoint before the cap.
    se = {k: infersim.run(scenario, paths=k * STEP, **opts).summary().loc["npv_usd", "se"] for k in (2, 6)}
    target = (se[2] + se[6]) / 2
    r = infersim.run(scenario, max_paths=CAP, target_se={"npv_usd": target}, target_step=STEP, threads=2, **opts)
    report = r.target_se
    assert report["met"] and report["step_paths"] == STEP and report["max_paths"] == CAP
    (t,) = report["targets"]
    assert t["statistic"] == "npv_usd:mean" and t["relative"] is False and t["se"] <= t["limit"] == target
    assert r.paths % STEP == 0 and 2 * STEP < r.paths <= 6 * STEP
    # The result is the fixed run of the paths used, bit for bit; the checkpoint before failed.
    fixed = infersim.run(scenario, paths=r.paths, **opts)
    assert stripped(r) == stripped(fixed) and "target_se" not in fixed.to_dict()
    assert infersim.run(scenario, paths=r.paths - STEP, **opts).summary().loc["npv_usd", "se"] > target
    # Any thread count, the same bits.
    one = infersim.run(scenario, max_paths=CAP, target_se={"npv_usd": target}, target_step=STEP, threads=1, **opts)
    assert one.to_json().split('"elapsed_s"')[0] == r.to_json().split('"elapsed_s"')[0]


def test_an_unreachable_target_stops_at_the_cap_and_says_so(scenario):
    r = infersim.run(scenario, paths=3 * STEP + 100, seed=2, target_se=["npv_usd:mean=1%", "revenue_usd@2030:mean=1"],
                     target_step=STEP)
    report = r.target_se
    assert r.paths == 3 * STEP + 100 and report["met"] is False
    relative, absolute = report["targets"]
    assert relative["relative"] and relative["target"] == 0.01
    assert relative["limit"] == pytest.approx(0.01 * abs(r.summary().loc["npv_usd", "mean"]))
    assert absolute["met"] is False and absolute["se"] > 1
    assert stripped(r) == stripped(infersim.run(scenario, paths=3 * STEP + 100, seed=2))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(target_se={"npv": 1e8}), 'target_se: unknown metric "npv"'),
        (dict(target_se="npv_usd:p50=1e8"), 'only a mean has a standard error'),
        (dict(target_se={"npv_usd": -1}), 'must be a positive number'),
        (dict(target_se={"npv_usd": "1 percent"}), 'got "1 percent"'),
        (dict(target_se="npv_usd:mean"), 'expected METRIC[@YEAR]:mean=SE'),
        (dict(target_se={}), "target_se: no target given"),
        (dict(target_se={"npv_usd": None}), "target_se: npv_usd: expected an se"),
        (dict(target_se={"npv_usd": 1e8}, target_step=1000), "target_step: must be a positive multiple of 4096"),
        (dict(target_step=4096), "target_step: only with target_se"),
        (dict(max_paths=4096), "max_paths: only with target_se"),
        (dict(target_se={"npv_usd": 1e8}, paths=8192, max_paths=4096), "max_paths: give paths or max_paths"),
    ],
)
def test_bad_targets_are_value_errors_naming_the_option(scenario, kwargs, message):
    with pytest.raises(ValueError) as err:
        infersim.run(scenario, **kwargs)
    assert message in str(err.value)
