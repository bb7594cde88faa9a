"""Inputs a hostile or careless user might write (issue 17, findings 2, 3, 4, 8): each is a
clear error (exit 2, one line naming the place and the value), never a crash, an endless
read or a silent non-finite result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

PREFIX = "infersim: error: "
REPO = Path(__file__).resolve().parents[2]


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _bad(r, *fragments):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith(PREFIX) and r.stderr.count("\n") == 1, r.stderr
    for f in fragments:
        assert f in r.stderr, r.stderr


# --- finding 2: beta and PERT shapes ---------------------------------------------------


@pytest.mark.parametrize("alpha,beta", [(0.5, 2), (0.5, 3), (2, 0.5), (3, 0.5), (0.05, 0.05), (1e4, 0.05)])
def test_every_beta_shape_runs(run_infersim, make_scenario, alpha, beta):
    dist = {"dist": "beta", "alpha": alpha, "beta": beta, "min": 0.03, "max": 0.12}
    sc = make_scenario(lambda d: _set(d, ("player", "share_end"), dist))
    r = run_infersim("run", sc, "--paths", "2000", "--quiet")
    assert r.returncode == 0, r.stderr


def test_tiny_alpha_is_an_input_error(run_infersim, make_scenario):
    dist = {"dist": "beta", "alpha": 5e-324, "beta": 2, "min": 0.03, "max": 0.12}
    r = run_infersim("validate", make_scenario(lambda d: _set(d, ("player", "share_end"), dist)))
    _bad(r, "player.share_end.alpha: must be in [1e-3, 1e7], got 5e-324")


def test_pert_over_a_huge_range_is_an_input_error(run_infersim, make_scenario):
    dist = {"dist": "pert", "min": -1e308, "mode": 0, "max": 1e308}
    r = run_infersim("validate", make_scenario(lambda d: _set(d, ("market", "price_decline"), dist)))
    _bad(r, "market.price_decline: the range")


# --- finding 4: values that make the model non-finite ----------------------------------


@pytest.mark.parametrize(
    "path,value,fragment",
    [
        (("market", "spend0_usd"), {"dist": "lognormal", "mean": 1e11, "sd": 1e300}, "market.spend0_usd: lognormal"),
        (("clusters", 0, "power_gw"), 1.7e308, "clusters[0].power_gw = 1.7e+308"),
        (("clusters", 0, "power_gw"), {"dist": "uniform", "min": 1, "max": 1.7e308}, "clusters[0].power_gw"),
        (("market", "spend_growth"), {"dist": "uniform", "min": -1.7e308, "max": 1.7e308}, "max - min overflows"),
        (("market", "spend_growth"), {"dist": "normal", "mean": 0, "sd": 1e308}, "market.spend_growth: normal"),
        (("clusters", 0, "it_life_years"), 1e-300, "clusters[0].it_life_years = 1e-300"),
        (("clusters", 0, "power_gw"), {"dist": "lognormal", "median": 1e-200, "p90": 1e100}, "clusters[0].power_gw"),
    ],
)
def test_non_finite_model_is_rejected(run_infersim, make_scenario, path, value, fragment):
    sc = make_scenario(lambda d: _set(d, path, value))
    _bad(run_infersim("validate", sc), fragment)
    _bad(run_infersim("run", sc, "--paths", "200", "--quiet"), fragment)


def test_ref_with_overflowing_scale(run_infersim, make_scenario):
    ref = {"ref": "companies.meta.fy2024.operating_income_usd", "scale": 1e300}
    r = run_infersim("validate", make_scenario(lambda d: _set(d, ("player", "baseline_ebit_usd"), ref)))
    _bad(r, "player.baseline_ebit_usd.scale: 1e+300 times companies.meta.fy2024.operating_income_usd")
    # Inside a distribution and inside a claim.
    inside = {"dist": "lognormal", "median": ref, "p90": 2e11}
    r = run_infersim("validate", make_scenario(lambda d: _set(d, ("market", "spend0_usd"), inside)))
    _bad(r, "market.spend0_usd.median.scale")
    r = run_infersim("validate", make_scenario(lambda d: _set(d, ("claims", 0, "value"), ref)))
    _bad(r, "claims[0].value.scale")


# --- finding 3: nesting and size ---------------------------------------------------------


def test_deep_array_as_the_file(run_infersim, make_scenario):
    sc = make_scenario(raw="[" * 100_000 + "]" * 100_000)
    _bad(run_infersim("validate", sc), "nested deeper than 64 levels")


def test_deep_array_under_a_key(run_infersim, make_scenario):
    text = json.dumps(json.load(open(REPO / "scenarios" / "default.json")))
    text = text[:-1] + ', "description": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _bad(run_infersim("run", make_scenario(raw=text), "--paths", "200"), "nested deeper than 64 levels")


def test_64_levels_are_fine_65_are_not(run_infersim, make_scenario):
    ok = make_scenario(raw="[" * 64 + "]" * 64)
    r = run_infersim("validate", ok)
    assert r.returncode == 2 and "nested deeper" not in r.stderr  # not a scenario, but parsed
    _bad(run_infersim("validate", make_scenario(raw="[" * 65 + "]" * 65)), "nested deeper than 64 levels")


def test_endless_file_is_cut_off(run_infersim):
    r = run_infersim("validate", "/dev/zero", timeout=60)
    _bad(r, "/dev/zero: larger than 64 MB")


def _catalog_copy(tmp_path, edit):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    doc = json.loads((data / "companies.json").read_text())
    edit(doc["companies"]["meta"]["fy2024"]["operating_income_usd"])
    (data / "companies.json").write_text(json.dumps(doc))
    return data


def test_deep_catalog_file(run_infersim, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    (data / "deep.json").write_text('{"deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
    r = run_infersim("validate", REPO / "scenarios" / "v1" / "meta_8pct_base.json", "--data", data)
    _bad(r, "deep.json: nested deeper than 64 levels")


# --- finding 8: catalog metadata of the wrong type -------------------------------------


@pytest.mark.parametrize("key,value,expected", [("unit", 5, "a string"), ("unsourced", "yes", "true or false")])
def test_catalog_metadata_type(run_infersim, tmp_path, key, value, expected):
    data = _catalog_copy(tmp_path, lambda fig: fig.__setitem__(key, value))
    r = run_infersim("validate", REPO / "scenarios" / "v1" / "meta_8pct_base.json", "--data", data)
    _bad(r, "companies.json", f"companies.meta.fy2024.operating_income_usd.{key}: expected {expected}")


# --- finding 9: names are printed with control characters escaped ----------------------


def test_escape_sequences_in_names_are_not_printed_raw(run_infersim, make_scenario):
    def mutate(d):
        d["name"] = "evil\x1b]0;pwned\x07\x1b[2J\u009b31m"
        d["claims"][0]["id"] = "claim\x1b[31m"

    r = run_infersim("run", make_scenario(mutate), "--paths", "500")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\u009b" not in r.stdout
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J\\u009b31m" in r.stdout
    assert "claim\\x1b[31m" in r.stdout
