"""Malformed scenarios: `infersim run` and `infersim validate` must exit 2 with a message
that names the JSON path and the offending value, and must never create, change or leave
behind an output file."""

from __future__ import annotations

import pytest

FAST_PATHS = "2000"
PREFIX = "infersim: error: "


# --- helpers to build mutations of scenarios/default.json ------------------------------


def _walk(doc, path):
    *parents, last = path
    node = doc
    for key in parents:
        node = node[key]
    return node, last


def setting(*pairs):
    """setting(path, value, path, value, ...): set each (tuple) path to value."""

    def mutate(doc):
        for path, value in zip(pairs[::2], pairs[1::2]):
            node, last = _walk(doc, path)
            node[last] = value

    return mutate


def deleting(path):
    def mutate(doc):
        node, last = _walk(doc, path)
        del node[last]

    return mutate


def replacing(document):
    """Replace the whole document (e.g. with an array)."""
    return lambda doc: document


def renaming(path, new_key):
    def mutate(doc):
        node, last = _walk(doc, path)
        node[new_key] = node.pop(last)

    return mutate


def combine(*mutations):
    def mutate(doc):
        for m in mutations:
            m(doc)

    return mutate


def throughput(*pairs, keep_tokens=False):
    """Hyperion (clusters[1]) with a throughput block (model-v2 §A) instead of tokens/s,
    then setting(*pairs) on the result; the correlation of the two clusters' tokens/s goes."""

    def mutate(doc):
        hyperion = doc["clusters"][1]
        if not keep_tokens:
            del hyperion["tokens_per_sec_per_accelerator"]
            doc["correlations"] = [c for c in doc["correlations"] if "Hyperion.tokens_per_sec" not in c["b"]]
        hyperion["throughput"] = {
            "model": {"params_total": 70e9, "params_active": 70e9, "bytes_per_param": 1, "kv_bytes_per_token": 163840},
            "accelerator": {"peak_flops": 2e15, "hbm_bandwidth_bytes_per_s": 4.8e12, "hbm_bytes": 141e9},
            "serving": {"accelerators_per_replica": 1, "max_batch": 256, "input_tokens_per_request": 1000,
                        "output_tokens_per_request": 300, "bandwidth_efficiency": 0.8, "compute_efficiency": 0.4},
        }
        setting(*pairs)(doc)

    return mutate


TP = ("clusters", 1, "throughput")

M = ("market",)
P = ("player",)
C0 = ("clusters", 0)
C1 = ("clusters", 1)

NOT_PD = [
    {"a": "market.spend0_usd", "b": "market.spend_growth", "rho": 0.9},
    {"a": "market.spend0_usd", "b": "market.price_decline", "rho": 0.9},
    {"a": "market.spend_growth", "b": "market.price_decline", "rho": -0.9},
]

INVALID_JSON = '{\n  "name": "broken",\n  "start_year": 2026,\n  "horizon_years": 10\n  "market": {}\n}\n'

# Known engine bugs (see the report that came with this suite). The rows stay in the table
# as strict xfails, so that they start failing, and the marker must go, once fixed.
KNOWN_BUGS: dict[str, str] = {}  # case id -> reason, for bugs not yet fixed

# (id, mutation or raw JSON text, expected stderr substring(s); "{file}" is the scenario path)
CASES = [
    # --- the document itself
    # nlohmann reports the offset where it gave up: the end of the unexpected token.
    ("invalid-json", INVALID_JSON, ["{file}:5:10: invalid JSON: syntax error", "unexpected string literal"]),
    ("trailing-comma", '{"name": "x",}\n', "{file}:1:14: invalid JSON: syntax error"),
    ("empty-file", "", "{file}:1:1: invalid JSON: syntax error"),
    ("duplicate-key", '{"name": "x", "start_year": 2026, "name": "y"}\n',
     '{file}: duplicate key "name" in one object'),
    ("number-overflow", '{\n  "name": "x",\n  "horizon_years": 1e400\n}\n', "{file}:3:"),
    ("top-level-array", replacing([1, 2, 3]), "scenario: expected an object, got [1,2,3]"),
    ("top-level-string", replacing("default"), 'scenario: expected an object, got "default"'),
    ("unknown-top-level-key", renaming(("horizon_years",), "horizon_year"),
     'horizon_year: unknown key; did you mean "horizon_years"?'),
    ("unknown-market-key", renaming(M + ("price_decline",), "price_declines"),
     'market.price_declines: unknown key; did you mean "price_decline"?'),
    ("unknown-cluster-key-far", setting(C0 + ("colour",), "red"),
     "clusters[0].colour: unknown key (allowed here: name, power_gw"),
    # --- missing keys
    ("missing-market-spend0", deleting(M + ("spend0_usd",)), "market.spend0_usd: required key is missing"),
    ("missing-cluster-pue", deleting(C0 + ("pue",)), "clusters[0].pue: required key is missing"),
    ("missing-second-cluster-pue", deleting(C1 + ("pue",)), "clusters[1].pue: required key is missing"),
    ("missing-name", deleting(("name",)), "name: required key is missing"),
    ("missing-market", deleting(("market",)), "market: required key is missing"),
    # --- wrong types
    ("string-for-number", setting(M + ("price0_usd_per_mtok",), "2.0"),
     ["market.price0_usd_per_mtok: expected a number or a distribution object", 'got "2.0"']),
    ("number-for-player-name", setting(P + ("name",), 5), "player.name: expected a string, got 5"),
    ("array-for-market", setting(M, [1, 2]), "market: expected an object, got [1,2]"),
    ("string-for-horizon", setting(("horizon_years",), "10"), 'horizon_years: expected a whole number, got "10"'),
    ("bool-for-antithetic", setting(("simulation", "antithetic"), "yes"),
     'simulation.antithetic: expected true or false, got "yes"'),
    ("object-for-clusters", setting(("clusters",), {"name": "x"}),
     'clusters: expected an array of clusters, got {"name":"x"}'),
    # --- horizon and years
    ("horizon-0", setting(("horizon_years",), 0), "horizon_years: must be between 1 and 100, got 0"),
    ("horizon-101", setting(("horizon_years",), 101), "horizon_years: must be between 1 and 100, got 101"),
    ("horizon-negative", setting(("horizon_years",), -3), "horizon_years: must be between 1 and 100, got -3"),
    ("start-year-1800", setting(("start_year",), 1800), "start_year: must be between 1900 and 2200, got 1800"),
    ("horizon-2.5", setting(("horizon_years",), 2.5), "horizon_years: expected a whole number, got 2.5"),
    ("online-before-start", setting(C1 + ("online_year",), 2025),
     "clusters[1].online_year: must be >= start_year (2026), got 2025"),
    ("online-fractional", setting(C0 + ("online_year",), 2026.5),
     "clusters[0].online_year: must be a whole year, got 2026.5"),
    # --- values outside their domain
    ("pue-0.9", setting(C0 + ("pue",), 0.9), "clusters[0].pue: must be >= 1, got 0.9"),
    ("availability-1.2", setting(C1 + ("availability",), 1.2), "clusters[1].availability: must be in [0, 1], got 1.2"),
    ("price-decline-1", setting(M + ("price_decline",), 1.0), "market.price_decline: must be < 1, got 1"),
    ("ramp-years-0.5", setting(C0 + ("ramp_years",), 0.5), "clusters[0].ramp_years: must be >= 1, got 0.5"),
    ("negative-power", setting(C1 + ("power_gw",), -2), "clusters[1].power_gw: must be > 0, got -2"),
    ("share-end-above-1", setting(P + ("share_end",), 1.5), "player.share_end: must be in [0, 1], got 1.5"),
    # --- distributions
    ("unknown-dist-kind", setting(M + ("spend_growth", "dist"), "gama"),
     ['market.spend_growth.dist: unknown distribution "gama"', "expected one of fixed, uniform"]),
    ("dist-typo-suggestion", setting(M + ("spend_growth", "dist"), "pret"),
     'market.spend_growth.dist: unknown distribution "pret"; did you mean "pert"?'),
    ("dist-without-kind", setting(M + ("spend_growth",), {"min": 0.1, "max": 0.5}),
     'market.spend_growth: a distribution object needs a "dist" key'),
    ("dist-missing-parameter", deleting(M + ("spend_growth", "mode")),
     "market.spend_growth.mode: required parameter of a pert distribution is missing"),
    ("dist-unknown-parameter", setting(M + ("price_decline", "mode"), 0.4),
     "market.price_decline.mode: unknown parameter for a uniform distribution"),
    ("pert-min-above-mode", setting(M + ("spend_growth", "min"), 0.3),
     "market.spend_growth.mode: must be >= min (0.3), got 0.25"),
    ("uniform-max-le-min", setting(M + ("price_decline",), {"dist": "uniform", "min": 0.6, "max": 0.2}),
     "market.price_decline.max: must be > min (0.6), got 0.2"),
    ("uniform-max-eq-min", setting(M + ("price_decline",), {"dist": "uniform", "min": 0.4, "max": 0.4}),
     "market.price_decline.max: must be > min (0.4), got 0.4"),
    ("normal-sd-0", setting(M + ("spend_growth",), {"dist": "normal", "mean": 0.25, "sd": 0}),
     "market.spend_growth.sd: must be > 0, got 0"),
    ("normal-sd-negative", setting(M + ("spend_growth",), {"dist": "normal", "mean": 0.25, "sd": -0.1}),
     "market.spend_growth.sd: must be > 0, got -0.1"),
    ("lognormal-p90-le-median", setting(M + ("spend0_usd", "p90"), 1.2e11),
     "market.spend0_usd.p90: must be > median (1.3e+11), got 1.2e+11"),
    ("lognormal-two-parametrizations", setting(M + ("spend0_usd", "mu"), 25.0, M + ("spend0_usd", "sigma"), 0.3),
     "market.spend0_usd: a lognormal takes exactly one of {median, p90}, {mu, sigma}, {mean, sd}"),
    ("discrete-weights-sum-0", setting(P + ("share_end",), {"dist": "discrete", "values": [0.05, 0.08], "weights": [0, 0]}),
     "player.share_end.weights: must sum to a positive number, got 0"),
    ("discrete-negative-weight",
     setting(P + ("share_end",), {"dist": "discrete", "values": [0.05, 0.08], "weights": [1, -1]}),
     "player.share_end.weights[1]: must be >= 0, got -1"),
    ("discrete-length-mismatch",
     setting(P + ("share_end",), {"dist": "discrete", "values": [0.05, 0.08, 0.1], "weights": [1, 2]}),
     "player.share_end.weights: expected an array of 3 numbers (one per value), got [1,2]"),
    ("normal-on-bounded-input", setting(C0 + ("availability",), {"dist": "normal", "mean": 0.95, "sd": 0.02}),
     ["clusters[0].availability: normal(mean=0.95, sd=0.02) can produce values outside the allowed range (in [0, 1])",
      'truncate it with "min" and "max"']),
    ("pert-support-beyond-domain",
     setting(C0 + ("availability",), {"dist": "pert", "min": 0.9, "mode": 0.95, "max": 1.2}),
     "clusters[0].availability: pert(min=0.9, mode=0.95, max=1.2) can produce values outside the allowed range (in [0, 1])"),
    ("lognormal-on-price-decline", setting(M + ("price_decline",), {"dist": "lognormal", "median": 0.4, "p90": 0.6}),
     "market.price_decline: lognormal(median=0.4, p90=0.6) can produce values outside the allowed range (< 1)"),
    # --- correlations
    ("correlation-unknown-input", setting(("correlations", 0, "b"), "market.price_declin"),
     ['correlations[0].b: unknown input "market.price_declin"', "nearest valid names: market.price_decline"]),
    ("correlation-rho-1.5", setting(("correlations", 1, "rho"), 1.5), "correlations[1].rho: must be in [-1, 1], got 1.5"),
    ("correlation-with-itself", setting(("correlations", 0, "b"), "market.spend_growth"),
     "correlations[0]: an input cannot be correlated with itself (market.spend_growth)"),
    ("correlation-fixed-input", setting(("correlations", 0, "b"), "market.growth_decay"),
     "correlations[0]: market.growth_decay is a fixed number; only uncertain inputs can be correlated"),
    ("correlation-duplicate-pair",
     setting(("correlations", 2), {"a": "market.price_decline", "b": "market.spend_growth", "rho": 0.1}),
     "correlations[2]: the pair market.price_decline / market.spend_growth is already correlated above"),
    ("correlation-not-positive-definite", setting(("correlations",), NOT_PD),
     ["correlations: the correlation matrix is not positive definite",
      "market.spend0_usd", "market.spend_growth", "market.price_decline"]),
    # --- clusters
    ("duplicate-cluster-names", setting(C1 + ("name",), "Prometheus"),
     'clusters[1].name: duplicate cluster name "Prometheus"'),
    ("cluster-name-with-dot", setting(C1 + ("name",), "Hyper.ion"),
     "clusters[1].name: must be non-empty and contain no '.', got \"Hyper.ion\""),
    ("empty-clusters", setting(("clusters",), []), "clusters: at least one cluster is needed"),
    # --- claims
    ("claim-unknown-metric", setting(("claims", 0, "metric"), "revenue"),
     ['claims[0].metric: unknown metric "revenue"', "revenue_usd"]),
    ("claim-series-without-year", deleting(("claims", 0, "year")),
     'claims[0].year: required for the series "revenue_usd"'),
    ("claim-scalar-with-year", setting(("claims", 1, "year"), 2030),
     'claims[1].year: "npv_usd" is a scalar (one value a path); remove "year"'),
    ("claim-year-after-horizon", setting(("claims", 0, "year"), 2036),
     "claims[0].year: must be within the horizon 2026..2035, got 2036"),
    ("claim-year-before-start", setting(("claims", 0, "year"), 2025),
     "claims[0].year: must be within the horizon 2026..2035, got 2025"),
    ("claim-approx-without-rel-tol", deleting(("claims", 0, "rel_tol")), "claims[0].rel_tol: required key is missing"),
    ("claim-unknown-op", setting(("claims", 1, "op"), "=="),
     'claims[1].op: unknown operator "=="; expected "approx", ">=" or "<="'),
    ("claim-duplicate-id", setting(("claims", 1, "id"), "arr-13b"), 'claims[1].id: duplicate claim id "arr-13b"'),
    # --- stresses
    ("stress-unknown-input", setting(("stresses", "price-war"), {"market.price_declin": 0.7}),
     ['stresses.price-war.market.price_declin: unknown input "market.price_declin"',
      "nearest valid names: market.price_decline"]),
    ("stress-invalid-value", setting(("stresses", "bad-pue"), {"clusters.Prometheus.pue": 0.5}),
     "stresses.bad-pue.clusters.Prometheus.pue: must be >= 1, got 0.5"),
    ("stress-empty", setting(("stresses", "nothing"), {}), "stresses.nothing: a stress needs at least one override"),
    # --- terminal value
    ("gordon-growth-ge-wacc", setting(P + ("terminal",), {"method": "gordon", "growth": 0.09}),
     ["player.terminal.growth: must be < player.wacc for a Gordon terminal value",
      "growth can reach 0.09", "wacc can be as low as 0.08"]),
    ("terminal-unknown-method", setting(P + ("terminal",), {"method": "perpetuity"}),
     'player.terminal.method: unknown method "perpetuity"'),
    ("terminal-unknown-method-lists-all", setting(P + ("terminal",), {"method": "dcf"}),
     'player.terminal.method: unknown method "dcf"; expected one of "none", "gordon", "book_value", "exit_multiple"'),
    # --- the corporate-finance layer (model-v2 §C)
    ("lease-term-zero", setting(C1 + ("ownership",), {"lease": {"rate": 0.09, "term_years": 0}}),
     "clusters[1].ownership.lease.term_years: must be > 0, got 0"),
    ("lease-negative-rate", setting(C1 + ("ownership",), {"lease": {"rate": -0.01, "term_years": 20}}),
     "clusters[1].ownership.lease.rate: must be >= 0, got -0.01"),
    ("lease-without-term", setting(C1 + ("ownership",), {"lease": {"rate": 0.09}}),
     "clusters[1].ownership.lease.term_years: required key is missing"),
    ("ownership-unknown", setting(C1 + ("ownership",), "rent"),
     'clusters[1].ownership: expected "own" or {"lease": {"rate": ..., "term_years": ...}}, got "rent"'),
    ("exit-multiple-zero", setting(P + ("terminal",), {"method": "exit_multiple", "multiple": 0}),
     "player.terminal.multiple: must be > 0, got 0"),
    ("exit-multiple-missing", setting(P + ("terminal",), {"method": "exit_multiple"}),
     "player.terminal.multiple: required key is missing"),
    ("multiple-with-gordon", setting(P + ("terminal",), {"method": "gordon", "growth": 0.02, "multiple": 10}),
     'player.terminal.multiple: only used with "method": "exit_multiple"'),
    ("carryover-above-1", setting(C0 + ("software_carryover",), 1.2),
     "clusters[0].software_carryover: must be in [0, 1], got 1.2"),
    ("carryover-negative-draw", setting(C0 + ("software_carryover",), {"dist": "uniform", "min": -0.1, "max": 0.5}),
     "clusters[0].software_carryover: uniform(min=-0.1, max=0.5) can produce values outside the allowed range (in [0, 1])"),
    ("build-years-negative", setting(C0 + ("build_years",), -1), "clusters[0].build_years: must be in [0, 100], got -1"),
    ("build-years-fractional", setting(C0 + ("build_years",), 1.5),
     "clusters[0].build_years: must be a whole number of years, got 1.5"),
    ("tax-losses-unknown", setting(P + ("tax_losses",), "forever"),
     'player.tax_losses: unknown rule "forever"; expected one of "none", "group_relief", "carry_forward"'),
    ("fixed-costs-negative", setting(P + ("fixed_costs_usd",), -1e9),
     "player.fixed_costs_usd: must be >= 0, got -1e+09"),
    ("stress-sets-lease-of-owned-cluster", setting(("stresses", "dear-lease"), {"clusters.Hyperion.ownership.lease.rate": 0.2}),
     'stresses.dear-lease.clusters.Hyperion.ownership.lease.rate: not used, because the cluster\'s ownership is "own"'),
    ("stress-sets-multiple-without-exit", setting(("stresses", "rich"), {"player.terminal.multiple": 20}),
     'stresses.rich.player.terminal.multiple: not used, because player.terminal.method is not "exit_multiple"'),
    # --- throughput blocks (model-v2 §A)
    ("throughput-and-tokens", throughput(keep_tokens=True),
     "clusters[1]: give either tokens_per_sec_per_accelerator or throughput, not both"),
    ("throughput-unknown-model", throughput(TP + ("model",), "deepseek-v3"),
     'clusters[1].throughput.model: unknown model "deepseek-v3" in the catalog; nearest: deepseek_v3'),
    ("throughput-unknown-accelerator", throughput(TP + ("accelerator",), "gb300"),
     ['clusters[1].throughput.accelerator: unknown accelerator "gb300" in the catalog; nearest: ', "gb200"]),
    ("throughput-experts-active-above-experts",
     throughput(TP + ("model", "experts"), 8, TP + ("model", "experts_active"), 9),
     "clusters[1].throughput.model.experts_active: must be <= experts (8), got 9"),
    ("throughput-model-does-not-fit", throughput(TP + ("accelerator", "hbm_bytes"), 60e9),
     ["clusters[1].throughput: model does not fit: needs 70.", "replica has 54 GB usable"]),
    ("throughput-fits-only-at-the-median",
     throughput(TP + ("accelerator", "hbm_bytes"), {"dist": "uniform", "min": 60e9, "max": 200e9}),
     "clusters[1].throughput: model does not fit on every path"),
    ("throughput-efficiency-above-1", throughput(TP + ("serving", "bandwidth_efficiency"), 1.5),
     "clusters[1].throughput.serving.bandwidth_efficiency: must be in (0, 1], got 1.5"),
    ("throughput-stress-sets-unused-tokens",
     throughput(("stresses", "faster"), {"clusters.Hyperion.tokens_per_sec_per_accelerator": 2000}),
     "stresses.faster.clusters.Hyperion.tokens_per_sec_per_accelerator: not used, because the cluster has a "
     "throughput block"),
    # --- simulation settings
    ("sampler-halton", setting(("simulation", "sampler"), "halton"),
     'simulation.sampler: unknown sampler "halton"; expected one of random, lhs, sobol'),
    ("simulation-paths-0", setting(("simulation", "paths"), 0), ["simulation.paths: must be >= 1, got 0"]),
    # 2^63 as a double: was an undefined float-to-int64 cast (fuzz_scenario, docs/hardening.md)
    ("simulation-paths-two-to-the-63", setting(("simulation", "paths"), 2.0**63),
     "simulation.paths: must be between 0 and 9223372036854775807, got "),
    ("horizon-years-huge-double", setting(("horizon_years",), -1e300),
     "horizon_years: must be between 1 and 100, got "),
    ("simulation-seed-negative", setting(("simulation", "seed"), -1),
     "simulation.seed: expected a whole number >= 0, got -1"),
    ("simulation-unknown-key", setting(("simulation", "path"), 10),
     'simulation.path: unknown key; did you mean "paths"?'),
]

def _params():
    for cid, mutation, expected in CASES:
        expected = [expected] if isinstance(expected, str) else list(expected)
        marks = [pytest.mark.xfail(reason=KNOWN_BUGS[cid], strict=True)] if cid in KNOWN_BUGS else []
        yield pytest.param(mutation, expected, id=cid, marks=marks)


@pytest.fixture
def bad_scenario(request, make_scenario):
    mutation = request.param
    if isinstance(mutation, str):
        return make_scenario(raw=mutation, name="bad.json")
    return make_scenario(mutation, name="bad.json")


def _check_error(proc, expected, scenario):
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stderr.startswith(PREFIX), proc.stderr
    for needle in expected:
        needle = needle.replace("{file}", str(scenario))
        assert needle in proc.stderr, f"expected {needle!r} in stderr:\n{proc.stderr}"
    # The message is one line: the JSON path first, then what is wrong.
    assert proc.stderr.count("\n") == 1, proc.stderr


PARAMS = list(_params())


@pytest.mark.parametrize("bad_scenario, expected", PARAMS, indirect=["bad_scenario"])
def test_run_rejects_without_creating_output(bad_scenario, expected, run_infersim, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result.json"
    proc = run_infersim("run", bad_scenario, "--paths", FAST_PATHS, "--out", out)
    _check_error(proc, expected, bad_scenario)
    assert proc.stdout == "", "nothing may be run or printed for a bad scenario"
    assert not out.exists()
    assert sorted(p.name for p in out_dir.iterdir()) == [], "a temporary file was left behind"


@pytest.mark.parametrize("bad_scenario, expected", PARAMS, indirect=["bad_scenario"])
def test_run_rejects_without_touching_existing_output(bad_scenario, expected, run_infersim, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result.json"
    previous = b'{"previous": "result", "keep": true}\n'
    out.write_bytes(previous)
    proc = run_infersim("run", bad_scenario, "--paths", FAST_PATHS, "--out", out)
    _check_error(proc, expected, bad_scenario)
    assert out.read_bytes() == previous
    assert sorted(p.name for p in out_dir.iterdir()) == ["result.json"], "a temporary file was left behind"


@pytest.mark.parametrize("bad_scenario, expected", PARAMS, indirect=["bad_scenario"])
def test_validate_rejects(bad_scenario, expected, run_infersim):
    proc = run_infersim("validate", bad_scenario)
    _check_error(proc, expected, bad_scenario)
    assert proc.stdout == ""


def test_table_is_large_enough():
    assert len(CASES) >= 30
    assert len({cid for cid, _, _ in CASES}) == len(CASES), "duplicate case ids"
