"""Non-finite outputs are never silent (docs/hardening.md): counted per output, left out of
the statistics, named in the result JSON and the summary."""

from __future__ import annotations

import json


def overflowing(scenario: dict) -> dict:
    """A scenario that validates (each input alone at its extremes gives finite outputs) but
    whose demand overflows to infinity where a high spend meets a low price: tokens demanded
    are spend / price * 1e6, above 1.8e308 for spend > 0.9e302 x price."""
    scenario["name"] = "overflow"
    scenario["market"].update(
        spend0_usd={"dist": "uniform", "min": 1e300, "max": 1e302},
        spend_growth=0.0,
        price0_usd_per_mtok={"dist": "uniform", "min": 0.5, "max": 1.5},
        price_decline=0.0,
    )
    scenario["correlations"] = []
    scenario.pop("stresses", None)
    return scenario


def test_infinite_outputs_are_counted_named_and_left_out(run_infersim, default_scenario, tmp_path):
    path = tmp_path / "overflow.json"
    path.write_text(json.dumps(overflowing(default_scenario)))
    out = tmp_path / "r.json"
    proc = run_infersim("run", str(path), "--paths", "5000", "--seed", "3", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    bad = result["non_finite"]
    assert set(bad) == {f"{s}@{y}" for s in ("demand_tokens", "unserved_tokens") for y in result["years"]}
    counts = set(bad.values())
    assert len(counts) == 1 and 0 < counts.pop() < 5000
    demand = result["series"]["demand_tokens"]
    n = bad["demand_tokens@2026"]
    # The statistics are those of the finite values: no infinite max. (Their mean can still
    # overflow here, values near 1.8e308 summed, and is then written as null.)
    assert demand["max"][0] is not None and demand["max"][0] < 1.8e308
    assert demand["p99"][0] is not None and demand["p99"][0] <= demand["max"][0]
    assert abs(demand["defined_fraction"][0] - (5000 - n) / 5000) < 1e-12
    first, last = result["years"][0], result["years"][-1]
    assert (f"warning: demand_tokens@{first}..{last}: {n} of 5000 paths non-finite each year "
            "(left out of its statistics)") in proc.stdout


def test_a_finite_run_has_no_report(run_infersim, default_scenario_path, tmp_path):
    out = tmp_path / "r.json"
    proc = run_infersim("run", str(default_scenario_path), "--paths", "2000", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "non_finite" not in json.loads(out.read_text())
    assert "non-finite" not in proc.stdout  # IRR and payback undefined on some paths are not faults
