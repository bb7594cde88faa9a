"""Validate the reference-data catalog in data/*.json (format described in data/README.md).

Standard library plus pytest only. Run with:
    /usr/bin/python3 -m pytest -q tests/python/test_data_catalog.py
"""
import copy
import json
import math
import re
from pathlib import Path

import pytest

DATA_DIR = (Path(__file__).resolve().parent / ".." / ".." / "data").resolve()
KEY_RE = re.compile(r"^[a-z0-9_]+$")
CONFIDENCE = {"high", "med", "low"}
FIGURE_KEYS = {"value", "unit", "as_of", "confidence", "sources", "unsourced", "note",
               "low", "high", "derived_from"}
SCENARIO_DEFAULTS = {"watts_per_accelerator", "tokens_per_sec_per_accelerator",
                     "it_cost_usd_per_accelerator"}
# A figure in one of these units must carry the matching suffix in its key (engine naming style).
UNIT_KEY_PATTERNS = {
    "USD": r"usd",
    "USD/yr": r"usd",
    "USD/GW": r"_usd_per_gw$",
    "USD/MWh": r"_usd_per_mwh$",
    "USD per million tokens": r"_usd_per_mtok$",
    "W": r"(_w$|^watts_)",
    "GW": r"_gw(_|$)",
    "TB/s": r"_tb_s$",
    "TFLOPS": r"_tflops$",
    "years": r"_years$",
}


def is_figure(obj):
    return isinstance(obj, dict) and "value" in obj


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def nonempty_str(x):
    return isinstance(x, str) and x.strip() != ""


def check_figure(path, fig):
    """Return a list of error strings for one figure at dotted `path`."""
    errs = []
    extra = set(fig) - FIGURE_KEYS
    if extra:
        errs.append(f"{path}: unexpected keys in figure: {sorted(extra)}")
    if not is_number(fig.get("value")):
        errs.append(f"{path}: value must be a finite number, got {fig.get('value')!r}")
    if not nonempty_str(fig.get("unit")):
        errs.append(f"{path}: unit must be a non-empty string")
    if not nonempty_str(fig.get("as_of")):
        errs.append(f"{path}: as_of must be a non-empty string")
    if fig.get("confidence") not in CONFIDENCE:
        errs.append(f"{path}: confidence must be one of {sorted(CONFIDENCE)}, got {fig.get('confidence')!r}")
    if "note" in fig and not nonempty_str(fig["note"]):
        errs.append(f"{path}: note, when present, must be a non-empty string")

    sources = fig.get("sources")
    unsourced = fig.get("unsourced")
    if sources is not None and unsourced is not None:
        errs.append(f"{path}: give either sources or unsourced, not both")
    if unsourced is not None:
        if unsourced is not True:
            errs.append(f"{path}: unsourced must be true when present")
        if not nonempty_str(fig.get("note")):
            errs.append(f"{path}: an unsourced figure needs a note explaining the estimate")
    elif sources is None:
        errs.append(f"{path}: needs sources or unsourced: true")
    else:
        if not isinstance(sources, list) or not sources:
            errs.append(f"{path}: sources must be a non-empty list")
        else:
            for i, s in enumerate(sources):
                where = f"{path}.sources[{i}]"
                if not isinstance(s, dict):
                    errs.append(f"{where}: must be an object")
                    continue
                if set(s) - {"title", "url"}:
                    errs.append(f"{where}: unexpected keys {sorted(set(s) - {'title', 'url'})}")
                if not nonempty_str(s.get("title")):
                    errs.append(f"{where}: title must be non-empty")
                url = s.get("url")
                if not (isinstance(url, str) and url.startswith("http") and " " not in url):
                    errs.append(f"{where}: url must start with http and contain no spaces, got {url!r}")

    for bound in ("low", "high"):
        if bound in fig and not is_number(fig[bound]):
            errs.append(f"{path}: {bound} must be a finite number")
    if is_number(fig.get("value")):
        v = fig["value"]
        if is_number(fig.get("low")) and not fig["low"] <= v:
            errs.append(f"{path}: low {fig['low']} > value {v}")
        if is_number(fig.get("high")) and not v <= fig["high"]:
            errs.append(f"{path}: value {v} > high {fig['high']}")

    key = path.rsplit(".", 1)[-1]
    pattern = UNIT_KEY_PATTERNS.get(fig.get("unit"))
    if pattern and not re.search(pattern, key):
        errs.append(f"{path}: unit {fig['unit']!r} but key lacks the matching suffix (/{pattern}/)")

    if "derived_from" in fig:
        d = fig["derived_from"]
        if not isinstance(d, list) or not d or not all(nonempty_str(p) for p in d):
            errs.append(f"{path}: derived_from must be a non-empty list of dotted paths")
        if not nonempty_str(fig.get("note")):
            errs.append(f"{path}: a derived figure needs a note with the arithmetic")
    return errs


def walk(path, obj, figures, errs):
    """Collect figures by dotted path and structural errors of groupings."""
    if is_figure(obj):
        figures[path] = obj
        errs.extend(check_figure(path, obj))
        return
    if not isinstance(obj, dict):
        errs.append(f"{path}: expected an object (grouping or figure), got {type(obj).__name__}")
        return
    if not obj:
        errs.append(f"{path}: empty grouping")
    for key, child in obj.items():
        if key == "description":
            if not nonempty_str(child):
                errs.append(f"{path}.description: must be a non-empty string")
            continue
        child_path = f"{path}.{key}"
        if not KEY_RE.match(key):
            errs.append(f"{child_path}: key {key!r} does not match {KEY_RE.pattern}")
        walk(child_path, child, figures, errs)


def validate_catalog(catalog):
    """Validate {namespace: document} where each document is a parsed JSON file.

    Returns (figures, errors): figures maps dotted path -> figure dict.
    """
    figures, errs = {}, []
    for ns, doc in sorted(catalog.items()):
        if not isinstance(doc, dict) or list(doc.keys()) != [ns]:
            keys = list(doc.keys()) if isinstance(doc, dict) else type(doc).__name__
            errs.append(f"{ns}: file must have exactly one top-level key {ns!r}, got {keys}")
            continue
        if not KEY_RE.match(ns):
            errs.append(f"{ns}: namespace does not match {KEY_RE.pattern}")
        if is_figure(doc[ns]):
            errs.append(f"{ns}: the namespace object must be a grouping, not a figure")
            continue
        walk(ns, doc[ns], figures, errs)

    for path, fig in figures.items():
        for ref in fig.get("derived_from", []) if isinstance(fig.get("derived_from"), list) else []:
            if ref not in figures:
                errs.append(f"{path}: derived_from {ref!r} does not resolve to a figure")
            elif ref == path:
                errs.append(f"{path}: derived_from refers to itself")

    acc = catalog.get("accelerators", {}).get("accelerators")
    if isinstance(acc, dict):
        for name, entry in acc.items():
            if name == "description":
                continue
            where = f"accelerators.{name}"
            sd = entry.get("scenario_defaults") if isinstance(entry, dict) else None
            if not isinstance(sd, dict) or is_figure(sd):
                errs.append(f"{where}: missing scenario_defaults grouping")
                continue
            keys = set(sd) - {"description"}
            if keys != SCENARIO_DEFAULTS:
                errs.append(f"{where}.scenario_defaults: must hold exactly {sorted(SCENARIO_DEFAULTS)}, got {sorted(keys)}")
            for k in sorted(SCENARIO_DEFAULTS & keys):
                f = sd[k]
                if not is_figure(f) or not is_number(f.get("value")) or f["value"] <= 0:
                    errs.append(f"{where}.scenario_defaults.{k}: must be a figure with a positive value")
    return figures, errs


def resolve(catalog, dotted):
    """Look up a dotted path such as 'companies.meta.fy2024.operating_income_usd'."""
    ns = dotted.split(".", 1)[0]
    node = catalog[ns]
    for part in dotted.split("."):
        node = node[part]
    return node


def load_catalog():
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DATA_DIR.glob("*.json"))}


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def catalog():
    assert DATA_DIR.is_dir(), f"data directory not found at {DATA_DIR}"
    cat = load_catalog()
    assert cat, f"no *.json files in {DATA_DIR}"
    return cat


EXPECTED_NAMESPACES = {"companies", "clusters", "accelerators", "capex_per_gw", "market",
                       "token_prices", "power", "finance", "models", "corporate_finance"}
MODEL_FIGURES = {"params_total", "params_active", "experts", "experts_active", "kv_bytes_per_token_bf16",
                 "open_weights"}


def test_expected_namespaces_present(catalog):
    missing = EXPECTED_NAMESPACES - set(catalog)
    assert not missing, f"missing namespace files: {sorted(missing)}"


def test_each_file_has_single_top_level_key(catalog):
    for ns, doc in catalog.items():
        assert isinstance(doc, dict) and list(doc) == [ns], \
            f"data/{ns}.json: top-level keys {list(doc) if isinstance(doc, dict) else doc!r}, expected [{ns!r}]"


def test_catalog_is_valid(catalog):
    figures, errs = validate_catalog(catalog)
    assert not errs, f"{len(errs)} problem(s):\n" + "\n".join(errs)
    assert len(figures) > 100


def test_key_figures_present(catalog):
    """Figures other code and docs rely on, with the values the research notes give."""
    expect = {
        "companies.meta.fy2023.operating_income_usd": 46.751e9,
        "companies.meta.fy2024.operating_income_usd": 69.38e9,
        "companies.meta.fy2024.capex_usd": 39.23e9,
        "companies.meta.server_useful_life_years": 5.5,
        "clusters.prometheus.power_gw": 1,
        "clusters.hyperion.blue_owl_jv.jv_value_usd": 27e9,
        "market.seed_claim.implied_market_usd": 162.5e9,
        "power.electricity_prices.eia_industrial_2023.ohio_usd_per_mwh": 70.3,
        "finance.wacc.valueinvesting.wacc": 0.087,
        "corporate_finance.leases.abilene_lease_term_years": 15,
        "corporate_finance.gpu_rental_history.h100_oct_2025_usd_per_gpu_hr": 1.70,
    }
    for path, value in expect.items():
        fig = resolve(catalog, path)
        assert is_figure(fig), f"{path}: not a figure"
        assert math.isclose(fig["value"], value, rel_tol=1e-9), f"{path}: value {fig['value']} != {value}"


def test_every_accelerator_has_scenario_defaults(catalog):
    acc = catalog["accelerators"]["accelerators"]
    names = [k for k in acc if k != "description"]
    for required in ("h100", "h200", "b200", "gb200", "mi300x"):
        assert required in names, f"accelerators.{required}: missing"
    for name in names:
        sd = acc[name].get("scenario_defaults")
        assert isinstance(sd, dict), f"accelerators.{name}.scenario_defaults: missing"
        for k in SCENARIO_DEFAULTS:
            f = sd.get(k)
            assert is_figure(f) and f["value"] > 0, f"accelerators.{name}.scenario_defaults.{k}: missing or not positive"


def test_models_fit_the_roofline(catalog):
    """Each model carries the figures a throughput block needs (model-v2 §A), and they are
    consistent: P_a <= P, k <= E, shared parameters P_s = P - (P - P_a) / (1 - k/E) >= 0."""
    models = catalog["models"]["models"]
    names = [k for k in models if k != "description"]
    for required in ("llama_3_1_70b", "llama_3_1_405b", "deepseek_v3", "deepseek_r1", "qwen3_235b_a22b",
                     "kimi_k2", "grok_2_5", "mixtral_8x22b"):
        assert required in names, f"models.{required}: missing"
    for name in names:
        m = models[name]
        missing = MODEL_FIGURES - set(m)
        assert not missing, f"models.{name}: missing {sorted(missing)}"
        P, Pa, E, k = (m[key]["value"] for key in ("params_total", "params_active", "experts", "experts_active"))
        assert 0 < Pa <= P, f"models.{name}: params_active {Pa} not in (0, params_total {P}]"
        assert 1 <= k <= E, f"models.{name}: experts_active {k} not in [1, experts {E}]"
        if E > k:
            assert P - (P - Pa) / (1 - k / E) >= 0, f"models.{name}: active parameters below the experts' share"
        assert m["kv_bytes_per_token_bf16"]["value"] > 0


GOOD_FIGURE = {
    "value": 1.0, "unit": "GW", "as_of": "2025", "confidence": "high",
    "sources": [{"title": "A page", "url": "https://example.org/a"}],
}


def _tiny_catalog():
    units = {"watts_per_accelerator": "W", "tokens_per_sec_per_accelerator": "tokens/s",
             "it_cost_usd_per_accelerator": "USD"}
    sd = {k: dict(copy.deepcopy(GOOD_FIGURE), unit=u) for k, u in units.items()}
    return {
        "clusters": {"clusters": {"x": {"power_gw": copy.deepcopy(GOOD_FIGURE)}}},
        "accelerators": {"accelerators": {"chip": {"scenario_defaults": sd}}},
    }


def test_validator_accepts_minimal_catalog():
    _, errs = validate_catalog(_tiny_catalog())
    assert errs == []


@pytest.mark.parametrize("mutate, expect", [
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].__setitem__("value", "1"), "clusters.x.power_gw: value"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].__setitem__("confidence", "medium"), "clusters.x.power_gw: confidence"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].__setitem__("unit", ""), "clusters.x.power_gw: unit"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].pop("as_of"), "clusters.x.power_gw: as_of"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].pop("sources"), "clusters.x.power_gw: needs sources"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].__setitem__("sources", []), "clusters.x.power_gw: sources"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"]["sources"][0].__setitem__("url", "example.org"),
     "clusters.x.power_gw.sources[0]: url"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].update({"sources": None, "unsourced": True}) or
     c["clusters"]["clusters"]["x"]["power_gw"].pop("sources"), "clusters.x.power_gw: an unsourced figure needs a note"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].update({"low": 2.0}), "clusters.x.power_gw: low"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].update({"high": 0.5}), "clusters.x.power_gw: value"),
    (lambda c: c["clusters"]["clusters"]["x"]["power_gw"].update(
        {"derived_from": ["clusters.x.nope"], "note": "a / b"}), "does not resolve"),
    (lambda c: c["clusters"]["clusters"]["x"].__setitem__("Power-GW", copy.deepcopy(GOOD_FIGURE)), "does not match"),
    (lambda c: c["clusters"]["clusters"]["x"].__setitem__("power", copy.deepcopy(GOOD_FIGURE)),
     "clusters.x.power: unit 'GW' but key lacks"),
    (lambda c: c["clusters"]["clusters"].__setitem__("y", {"bad": 3}), "clusters.y.bad: expected an object"),
    (lambda c: c["accelerators"]["accelerators"]["chip"]["scenario_defaults"].pop("watts_per_accelerator"),
     "accelerators.chip.scenario_defaults: must hold exactly"),
    (lambda c: c["accelerators"]["accelerators"]["chip"]["scenario_defaults"]["it_cost_usd_per_accelerator"]
     .__setitem__("value", 0), "accelerators.chip.scenario_defaults.it_cost_usd_per_accelerator: must be"),
    (lambda c: c["accelerators"]["accelerators"].__setitem__("other", {"description": "no defaults"}),
     "accelerators.other: missing scenario_defaults"),
    (lambda c: c.__setitem__("power", {"energy": {}}), "power: file must have exactly one top-level key"),
])
def test_validator_rejects_broken_entries(mutate, expect):
    cat = _tiny_catalog()
    mutate(cat)
    _, errs = validate_catalog(cat)
    assert errs, "validator accepted a broken catalog"
    assert any(expect in e for e in errs), f"expected an error containing {expect!r}, got {errs}"
