"""Non-finite outputs in Python: a NonFiniteWarning, Result.non_finite, and partial runs that
carry the counts (the same bytes as a local run)."""

from __future__ import annotations

import copy
import json
import re
import warnings

import pytest

import infersim
from infersim import distributed as dist

from conftest import DEFAULT_SCENARIO


def overflowing() -> infersim.Scenario:
    """Validates, but demand (spend / price * 1e6) overflows where a high spend meets a low
    price (tests/cli/test_non_finite.py)."""
    d = json.loads(DEFAULT_SCENARIO.read_text())
    d["name"] = "overflow"
    d["market"].update(spend0_usd={"dist": "uniform", "min": 1e300, "max": 1e302}, spend_growth=0.0,
                       price0_usd_per_mtok={"dist": "uniform", "min": 0.5, "max": 1.5}, price_decline=0.0)
    d["correlations"] = []
    d.pop("stresses", None)
    return infersim.Scenario.from_dict(d)


def test_a_run_with_infinite_outputs_warns_and_reports_them():
    with pytest.warns(infersim.NonFiniteWarning, match=r"demand_tokens@2026\.\.2035: \d+ of 5000 paths non-finite"):
        result = infersim.run(overflowing(), paths=5000, seed=3)
    bad = result.non_finite
    assert len(bad) == 20 and len(set(bad.values())) == 1
    n = bad["unserved_tokens@2030"]
    assert 0 < n < 5000
    frame = result.series("demand_tokens")
    assert frame["max"].notna().all() and frame["p99"].notna().all()
    assert (frame["defined_fraction"] == (5000 - n) / 5000).all()
    # Read back from its JSON, the report is there; loading does not warn again.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = infersim.Result._from_json(result.to_json(), "test")
    assert again.non_finite == bad


def test_a_finite_run_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = infersim.run(DEFAULT_SCENARIO, paths=2000, seed=3)
    assert result.non_finite == {}


def test_partial_runs_carry_the_counts():
    scenario = overflowing()
    paths = 32768 + 3 * dist.BLOCK_PATHS + 100
    settings = dict(paths=paths, seed=5, sampler=None, antithetic=None, keep_samples=[])
    calibration, pilot = infersim._core.run_pilot(scenario._core, **settings)
    parts = [pilot, infersim._core.run_blocks(scenario._core, calibration, 8, 10, **settings),
             infersim._core.run_blocks(scenario._core, calibration, 10, 12, **settings)]
    with pytest.warns(infersim.NonFiniteWarning):
        merged = infersim.Result(infersim._core.merge_partials(scenario._core, calibration, parts, **settings))
    with pytest.warns(infersim.NonFiniteWarning):
        local = infersim.run(scenario, paths=paths, seed=5)
    strip = lambda text: re.sub(r'"elapsed_s": [^,\n]+', '"elapsed_s": 0', text)  # noqa: E731
    assert strip(merged.to_json()) == strip(local.to_json())
    assert merged.non_finite and merged.non_finite == local.non_finite
