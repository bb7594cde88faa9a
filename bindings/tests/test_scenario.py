"""Scenario: loading, canonical dicts, inputs, overrides, stresses, and the messages of bad
input (ValueError naming the JSON path, as the command line does)."""

from __future__ import annotations

import json
import pickle
import subprocess

import pandas as pd
import pytest

import infersim


def test_from_json_reads_the_file(scenario):
    assert scenario.name == "default"
    assert scenario.years == list(range(2026, 2036))
    assert scenario.simulation == {"paths": 200000, "seed": 42, "sampler": "random", "antithetic": False}
    assert scenario.stresses == ["capex-overrun", "price-war", "utilization-slump"]
    assert scenario.validate() is scenario
    assert repr(scenario).startswith("Scenario('default', years 2026-2035, ")


def test_to_dict_round_trips(scenario):
    d = scenario.to_dict()
    assert json.loads(json.dumps(d)) == d  # plain JSON types only
    again = infersim.Scenario.from_dict(d)
    assert again.to_dict() == d
    assert pickle.loads(pickle.dumps(scenario)).to_dict() == d


def test_from_dict_equals_from_json(scenario, default_dict):
    assert infersim.Scenario.from_dict(default_dict).to_dict() == scenario.to_dict()


def test_inputs_frame(scenario):
    frame = scenario.inputs()
    assert frame.index.name == "path"
    assert list(frame.columns) == ["distribution", "median", "uncertain", "json_path"]
    row = frame.loc["market.spend_growth"]
    assert row["distribution"] == "pert(min=0.1, mode=0.25, max=0.5)"
    assert row["uncertain"]
    assert frame.loc["clusters.Hyperion.pue", "json_path"] == "clusters[1].pue"
    assert frame.loc["clusters.Hyperion.pue", "median"] == 1.1
    assert not frame.loc["clusters.Hyperion.pue", "uncertain"]
    # lognormal given by its median: the median comes back exactly
    assert frame.loc["market.spend0_usd", "median"] == pytest.approx(1.3e11, rel=1e-12)
    uncertain = scenario.inputs(uncertain=True)
    assert uncertain["uncertain"].all() and len(uncertain) == frame["uncertain"].sum() == 13


def test_with_overrides_number_and_distribution(scenario):
    changed = scenario.with_overrides(
        {
            "player.max_utilization": 0.5,
            "market.spend_growth": {"dist": "uniform", "min": 0.1, "max": 0.3},
        }
    )
    inputs = changed.inputs()
    assert inputs.loc["player.max_utilization", "median"] == 0.5
    assert inputs.loc["market.spend_growth", "distribution"] == "uniform(min=0.1, max=0.3)"
    assert inputs.loc["market.spend_growth", "median"] == pytest.approx(0.2, rel=1e-15)
    # the original is untouched
    assert scenario.inputs().loc["player.max_utilization", "median"] == 0.85


def test_with_stress(scenario):
    stressed = scenario.with_stress("price-war")
    assert stressed.name == "default+price-war"
    assert stressed.inputs().loc["market.price_decline", "median"] == 0.7


def test_claims_frame(scenario):
    claims = scenario.claims()
    assert list(claims.index) == ["arr-13b", "npv-positive"]
    assert claims.loc["arr-13b", "year"] == 2028
    assert pd.isna(claims.loc["npv-positive", "year"])
    assert claims.loc["arr-13b", "op"] == "approx" and claims.loc["arr-13b", "rel_tol"] == 0.15


# -- bad input: one test per class, asserting the message ----------------------------


def test_bad_scenario_dict_names_the_json_path(default_dict):
    default_dict["clusters"][1]["pue"] = 0.5
    with pytest.raises(ValueError, match=r"^clusters\[1\]\.pue: must be >= 1, got 0\.5$"):
        infersim.Scenario.from_dict(default_dict)


def test_bad_scenario_message_equals_the_cli(default_dict, cli_path, tmp_path):
    default_dict["market"]["spend_growth"] = {"dist": "pert", "min": 0.5, "mode": 0.25, "max": 0.1}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(default_dict), encoding="utf-8")
    proc = subprocess.run([cli_path, "validate", path], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    with pytest.raises(ValueError) as err:
        infersim.Scenario.from_dict(default_dict)
    assert proc.stderr == f"infersim: error: {err.value}\n"
    assert str(err.value).startswith("market.spend_growth")


def test_file_syntax_error_has_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.json:3:"):
        infersim.Scenario.from_json(path)


def test_non_json_values_are_rejected_with_their_path(default_dict):
    default_dict["market"]["growth_decay"] = float("nan")
    with pytest.raises(ValueError, match=r"^market\.growth_decay: expected a finite number, got nan$"):
        infersim.Scenario.from_dict(default_dict)
    default_dict["market"]["growth_decay"] = object()
    with pytest.raises(TypeError, match=r"^market\.growth_decay: cannot use a value of type object"):
        infersim.Scenario.from_dict(default_dict)


def test_unknown_override_lists_nearest_names(scenario):
    with pytest.raises(ValueError) as err:
        scenario.with_overrides({"market.spend_grwth": 0.3})
    assert str(err.value) == (
        'overrides.market.spend_grwth: unknown input "market.spend_grwth"; '
        "nearest valid names: market.spend_growth, market.spend0_usd, market.growth_decay"
    )


def test_bad_override_value_names_its_path(scenario):
    with pytest.raises(ValueError, match=r"^overrides\.player\.max_utilization: .*1\.5"):
        scenario.with_overrides({"player.max_utilization": 1.5})
    with pytest.raises(ValueError, match=r"^overrides\.market\.spend_growth\.mode: required parameter"):
        scenario.with_overrides({"market.spend_growth": {"dist": "pert", "min": 0.1, "max": 0.3}})


def test_unknown_stress_lists_the_defined_ones(scenario):
    with pytest.raises(ValueError, match=r'stress "nope" is not defined .*capex-overrun, price-war, utilization-slump'):
        scenario.with_stress("nope")


def test_loading_checks_antithetic_paths(default_dict):
    default_dict["simulation"].update(paths=1001, antithetic=True)
    with pytest.raises(ValueError, match=r"^simulation\.paths: must be even with antithetic pairs, got 1001$"):
        infersim.Scenario.from_dict(default_dict)


def test_scenario_file_round_trip_through_from_json(tmp_path, scenario):
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(scenario.to_dict()), encoding="utf-8")
    assert infersim.Scenario.from_json(str(path)).to_dict() == scenario.to_dict()
