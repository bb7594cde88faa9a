"""The JSON API end to end, over HTTP on loopback: every endpoint, the errors (400, 404,
413, 429, 504), the OpenAPI description and the result's JSON Schema checked against real
responses."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time
import urllib.request

import jsonschema
import pytest

from conftest import ROOT, Server

DEFAULT = json.loads((ROOT / "scenarios" / "default.json").read_text())


# -- the two schemas ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(server):
    return server.get("/openapi.json")


@pytest.fixture(scope="module")
def result_validator(server):
    schema = server.get("/schema/result.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _nullable(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type, for jsonschema."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def check_openapi(server, openapi, path, method, status, body):
    """Validate a response body against the schema the OpenAPI description gives it
    (references resolved in the description, and /schema/result.json fetched from the server)."""
    doc = _nullable(openapi)
    response = doc["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    resolver = jsonschema.RefResolver(server.url + "/openapi.json", doc)
    jsonschema.Draft7Validator(schema, resolver=resolver).validate(body)


def test_openapi_describes_every_endpoint(server, openapi):
    paths = openapi["paths"]
    for path in ["/api/health", "/api/scenarios", "/api/scenarios/{name}", "/api/catalog", "/api/validate",
                 "/api/run", "/api/dashboard", "/api/stress", "/api/compare", "/api/tornado", "/api/sensitivity",
                 "/api/solve", "/api/sweep", "/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/result",
                 "/api/jobs/{job_id}/events", "/schema/result.json", "/embed",
                 *(f"/api/jobs/{k}" for k in ["run", "stress", "compare", "tornado", "sensitivity", "solve", "sweep"])]:
        assert path in paths, path
        for method, op in paths[path].items():
            assert op.get("description") or op.get("summary"), (path, method)
    assert paths["/api/run"]["post"]["responses"]["400"]
    assert paths["/api/run"]["post"]["responses"]["429"]


def test_result_schema_is_the_package_file_and_has_units(server):
    from infersim import _core
    from infersim.schema import dumps

    schema = server.get("/schema/result.json")
    assert json.dumps(schema, indent=1) + "\n" == dumps(), "static/result.schema.json is stale: python3 -m infersim.schema"
    for group, names in (("scalars", _core.scalar_names), ("series", _core.series_names)):
        props = schema["properties"][group]["properties"]
        assert set(props) == set(names)
        assert all(props[n]["x-unit"] for n in names)
    units = {**schema["properties"]["scalars"]["properties"], **schema["properties"]["series"]["properties"]}
    assert units["npv_usd"]["x-unit"] == "USD"
    assert units["utilization"]["x-unit"] == "fraction"
    assert units["irr"]["x-unit"] == "fraction/yr"
    assert units["payback_year"]["x-unit"] == "year"
    assert units["revenue_usd"]["x-unit"] == "USD/yr"


# -- scenarios and catalog ----------------------------------------------------------------


def test_health(server):
    health = server.get("/api/health")
    assert health["status"] == "ok" and health["chartjs"] is True


def test_scenarios_list_bundled_files_with_slider_ranges(server, openapi):
    listing = server.get("/api/scenarios")
    check_openapi(server, openapi, "/api/scenarios", "get", 200, listing)
    assert [s["name"] for s in listing] == sorted(p.stem for p in (ROOT / "scenarios").glob("*.json"))
    default = next(s for s in listing if s["name"] == "default")
    assert default["inputs"][0]["path"] == "market.price_decline"  # the largest NPV swing first
    for i in default["inputs"]:
        assert i["p5"] <= i["median"] <= i["p95"], i
    assert server.get("/api/scenarios/default")["name"] == "default"


def test_catalog(server, openapi):
    figures = server.get("/api/catalog?prefix=companies.meta.fy2024")
    check_openapi(server, openapi, "/api/catalog", "get", 200, figures)
    income = next(f for f in figures if f["path"] == "companies.meta.fy2024.operating_income_usd")
    assert income["value"] == pytest.approx(69.38e9) and income["unit"] == "USD" and income["sources"]
    assert all(f["path"].startswith("companies.meta.fy2024") for f in figures)


def test_validate(server, openapi):
    body = server.post("/api/validate", {"scenario": DEFAULT, "overrides": {"market.price_decline": 0.5}})
    check_openapi(server, openapi, "/api/validate", "post", 200, body)
    assert body["valid"] and "market.price_decline" not in body["uncertain_inputs"]


# -- runs -----------------------------------------------------------------------------------


def test_run_matches_the_package_and_the_schema(server, openapi, result_validator):
    import infersim

    body = server.post("/api/run", {"scenario": "default", "paths": 20000, "seed": 5})
    result_validator.validate(body)
    check_openapi(server, openapi, "/api/run", "post", 200, body)
    local = infersim.run(infersim.Scenario.from_json(ROOT / "scenarios" / "default.json"), paths=20000, seed=5,
                         progress=False).to_dict()
    body.pop("elapsed_s"), local.pop("elapsed_s")
    assert body == local


def test_run_with_overrides_and_a_scenario_document(server, result_validator):
    base = server.post("/api/run", {"scenario": "default", "paths": 5000, "seed": 1})
    cheaper = server.post("/api/run", {"scenario": "default", "paths": 5000, "seed": 1,
                                       "overrides": {"market.price_decline": 0.7}})
    assert cheaper["scalars"]["npv_usd"]["p50"] < base["scalars"]["npv_usd"]["p50"]
    doc = copy.deepcopy(DEFAULT)
    doc["name"] = "posted"
    posted = server.post("/api/run", {"scenario": doc, "paths": "2e3" and 2e3, "seed": 1})
    result_validator.validate(posted)
    assert posted["scenario"] == "posted" and posted["paths"] == 2000
    with_catalog = server.post("/api/run", {"scenario": "meta_8pct_base", "paths": 1000})
    result_validator.validate(with_catalog)
    assert with_catalog["catalog"]


def test_dashboard(server, openapi):
    request = {"scenario": "default", "overrides": {"market.price_decline": 0.3}, "paths": 20000, "seed": 1}
    body = server.post("/api/dashboard", request)
    check_openapi(server, openapi, "/api/dashboard", "post", 200, body)
    run = server.post("/api/run", request)
    assert 0.05 < run["scalars"]["npv_usd"]["prob_positive"] < 0.95
    assert body["distribution"]["prob_positive"] == run["scalars"]["npv_usd"]["prob_positive"]
    assert body["fans"]["revenue_usd"]["p50"] == run["series"]["revenue_usd"]["p50"]
    assert sum(body["distribution"]["counts"]) > 0.98 * 20000
    assert "market.price_decline" not in [i["input"] for i in body["tornado"]["inputs"]]  # fixed now
    # A scenario without uncertain inputs has no tornado, and its histogram is one spike.
    fixed = server.post("/api/dashboard", {"scenario": "meta_8pct_base", "paths": 1000})
    check_openapi(server, openapi, "/api/dashboard", "post", 200, fixed)
    assert fixed["tornado"] is None and fixed["distribution"]["p5"] == fixed["distribution"]["p95"]
    assert sum(fixed["distribution"]["counts"]) == 1000


def test_stress_compare_tornado_sensitivity_solve_sweep(server):
    stress = server.post("/api/stress", {"scenario": "default", "stresses": ["price-war"], "paths": 5000, "seed": 1})
    assert [v["name"] for v in stress["variants"]] == ["price-war"]
    compare = server.post("/api/compare", {"scenario": "default", "paths": 5000, "seed": 1,
                                           "variants": {"cheap": {"overrides": {"player.price_ratio": 0.6}}}})
    assert [v["name"] for v in compare["variants"]] == ["cheap"]
    tornado = server.post("/api/tornado", {"scenario": "default", "metric": "npv_usd"})
    assert tornado["inputs"][0]["input"] == "market.price_decline"
    mc = server.post("/api/tornado", {"scenario": "default", "method": "montecarlo", "paths": 5000, "seed": 1})
    assert mc["inputs"]
    spearman = server.post("/api/sensitivity", {"scenario": "default", "paths": 5000, "seed": 1})
    assert spearman["inputs"][0]["input"] == "market.price_decline"
    sobol = server.post("/api/sensitivity", {"scenario": "default", "method": "sobol", "base_rows": 512, "seed": 1,
                                             "bootstrap": 20})
    assert sobol["inputs"][0]["input"] == "market.price_decline"
    solve = server.post("/api/solve", {"scenario": "default", "input": "market.price_decline", "lo": 0.1, "hi": 0.9,
                                       "paths": 2000, "seed": 1})
    assert 0.1 < solve["root"] < 0.9
    sweep = server.post("/api/sweep", {"scenario": "default", "grid": {"market.price_decline": [0.3, 0.5, 0.7]},
                                       "statistics": ["npv_usd:p50"], "paths": 2000, "seed": 1})
    assert len(sweep["points"]) == 3


# -- errors -----------------------------------------------------------------------------------


def test_a_bad_scenario_is_400_with_the_command_lines_message(server, tmp_path, openapi):
    bad = copy.deepcopy(DEFAULT)
    bad["clusters"][0]["pue"] = 0.9
    status, _, body = server.request("POST", "/api/run", {"scenario": bad})
    assert status == 400
    check_openapi(server, openapi, "/api/run", "post", 400, body)
    assert "clusters[0].pue" in body["error"] and "0.9" in body["error"], body
    cli = os.environ.get("INFERSIM_CLI")
    if cli:  # the same text as `infersim validate` prints (CTest passes the built command)
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        out = subprocess.run([cli, "validate", str(path)], capture_output=True, text=True)
        assert out.returncode == 2
        assert body["error"] in out.stderr, (body["error"], out.stderr)


@pytest.mark.parametrize("body, words", [
    ({"scenario": "no_such"}, ['unknown bundled scenario "no_such"', "default"]),
    ({"scenario": "../data/market"}, ["unknown bundled scenario"]),
    ({"scenario": "default", "overrides": {"market.price_declin": 0.5}}, ["market.price_declin"]),
    ({"scenario": "default", "paths": 2.5}, ["paths", "whole number"]),
    ({"scenario": "default", "paths": 400000}, ["paths", "300000"]),
    ({"scenario": "default", "sampler": "quasi"}, ["sampler"]),
    ({"scenario": "default", "seed": 2**70}, ["seed"]),
    ({"scenario": "default", "overrides": {"market.price_decline": "abc"}}, ["overrides.market.price_decline", "abc"]),
    ({"scenario": {"name": 5}}, ["name: expected a string, got 5"]),
    ({"paths": 10}, ["scenario"]),
])
def test_bad_requests_are_400_naming_the_field(server, body, words):
    status, _, answer = server.request("POST", "/api/run", body)
    assert status == 400, answer
    for w in words:
        assert w in answer["error"], (w, answer)


def test_bad_json_and_unknown_job_and_sweep_too_large(server):
    status, _, answer = server.request("POST", "/api/run", raw=b"{not json")
    assert status == 400 and answer["error"]
    status, _, answer = server.request("GET", "/api/jobs/nope")
    assert status == 404 and "nope" in answer["error"]
    grid = {"market.price_decline": [0.1 * k for k in range(1, 9)], "player.share_end": [0.01 * k for k in range(1, 9)]}
    status, _, answer = server.request("POST", "/api/sweep", {"scenario": "default", "grid": grid, "paths": 200000})
    assert status == 400 and "64 runs of 200000 paths" in answer["error"]


def test_an_oversized_body_is_413(server):
    big = copy.deepcopy(DEFAULT)
    big["description"] = "x" * 300_000
    status, _, answer = server.request("POST", "/api/run", {"scenario": big})
    assert status == 413 and "200000 bytes" in answer["error"]
    assert server.get("/api/health")["status"] == "ok"  # and the server goes on


# -- jobs -------------------------------------------------------------------------------------


def wait_for(server, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        info = server.get(f"/api/jobs/{job_id}")
        if info["status"] in ("done", "failed", "cancelled"):
            return info
        assert time.monotonic() < deadline, info
        time.sleep(0.05)


def test_a_job_runs_reports_progress_and_returns_the_result(server, openapi, result_validator):
    status, headers, job = server.request("POST", "/api/jobs/run", {"scenario": "default", "paths": 300000, "seed": 2})
    assert status == 202 and headers["location"] == f"/api/jobs/{job['id']}"
    check_openapi(server, openapi, "/api/jobs/run", "post", 202, job)
    # The events stream: progress events, then `end` once the job is over.
    with urllib.request.urlopen(f"{server.url}/api/jobs/{job['id']}/events", timeout=60) as stream:
        events = stream.read().decode().strip().split("\n\n")
    kinds = [e.split("\n")[0] for e in events]
    assert kinds[-1] == "event: end" and "event: progress" in kinds
    final = json.loads(events[-1].split("data: ", 1)[1])
    assert final["status"] == "done" and final["done"] == final["total"] == 300000
    info = wait_for(server, job["id"])
    check_openapi(server, openapi, "/api/jobs/{job_id}", "get", 200, info)
    result = server.get(f"/api/jobs/{job['id']}/result")
    result_validator.validate(result)
    assert result["paths"] == 300000


def test_a_job_can_be_cancelled_and_the_queue_is_bounded(server):
    # Three large sweeps on a server that holds two jobs: the third is refused with Retry-After.
    body = {"scenario": "default", "paths": 300000, "seed": 1,
            "grid": {"market.price_decline": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]}}
    first = server.request("POST", "/api/jobs/sweep", body)[2]
    second = server.request("POST", "/api/jobs/sweep", body)[2]
    status, headers, answer = server.request("POST", "/api/jobs/sweep", body)
    assert status == 429 and int(headers["retry-after"]) > 0 and "job queue full" in answer["error"]
    t0 = time.monotonic()
    for job in (second, first):
        status, _, info = server.request("DELETE", f"/api/jobs/{job['id']}")
        assert status == 200
    for job in (first, second):
        assert wait_for(server, job["id"], timeout=20)["status"] == "cancelled"
    assert time.monotonic() - t0 < 10  # the engine stopped within a wave, not after 7 runs
    status, _, answer = server.request("GET", f"/api/jobs/{first['id']}/result")
    assert status == 409 and "cancelled" in answer["error"]
    # Room again.
    status, _, job = server.request("POST", "/api/jobs/tornado", {"scenario": "default"})
    assert status == 202 and wait_for(server, job["id"])["status"] == "done"


def test_a_failed_job_reports_the_scenario_error(server):
    status, _, job = server.request("POST", "/api/jobs/run", {"scenario": "default",
                                                              "overrides": {"player.max_utilization": 7}})
    assert status == 202
    info = wait_for(server, job["id"])
    assert info["status"] == "failed" and "player.max_utilization" in info["error"]
    status, _, answer = server.request("GET", f"/api/jobs/{job['id']}/result")
    assert status == 400 and answer["error"] == info["error"]


# -- limits of a small server ---------------------------------------------------------------


def test_a_full_server_answers_429_and_a_long_request_504():
    tight = Server("--workers", "1", "--max-pending", "1", "--timeout", "0.3")
    try:
        import threading

        # One slow request holds the only slot; another is refused at once, with Retry-After.
        slow = {}
        grid = {"market.price_decline": [0.2 + 0.04 * k for k in range(10)]}
        thread = threading.Thread(target=lambda: slow.update(answer=tight.request(
            "POST", "/api/sweep", {"scenario": "default", "grid": grid, "paths": 1000000})))
        thread.start()
        deadline = time.monotonic() + 10
        while tight.get("/api/health")["pending_requests"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        status, headers, answer = tight.request("POST", "/api/run", {"scenario": "default", "paths": 1000})
        assert status == 429 and int(headers["retry-after"]) > 0, answer
        thread.join(30)
        status, _, answer = slow["answer"]
        # Ten runs of 10^6 paths take over 5 s on two cores: stopped at the 0.3 s limit.
        assert status == 504 and "0.3 s time limit" in answer["error"], answer
        # The worker is free again.
        assert tight.post("/api/run", {"scenario": "default", "paths": 1000})["paths"] == 1000
    finally:
        tight.stop()


def test_without_chartjs_the_server_says_what_to_install(tmp_path):
    bare = Server(env={"INFERSIM_CHARTJS": str(tmp_path / "missing.js")})
    try:
        assert bare.get("/api/health")["chartjs"] is False
        status, _, text = bare.request("GET", "/static/chart.js")
        assert status == 503 and "libjs-chart.js" in text
        assert bare.post("/api/run", {"scenario": "default", "paths": 1000})["paths"] == 1000  # the API still works
    finally:
        bare.stop()


# -- the HTML report command ----------------------------------------------------------------


def test_report_command_writes_a_self_contained_file(tmp_path):
    import sys

    out = tmp_path / "r.html"
    run = subprocess.run([sys.executable, "-m", "infersim", "report", str(ROOT / "scenarios" / "v1" / "meta_8pct_uncertain.json"),
                          "-o", str(out), "--paths", "2e4", "--seed", "1"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    page = out.read_text()
    assert "Chart.js v3" in page and "http://" not in page.split("<section><h2>Reference figures")[0]
    assert "companies.meta" in page or "finance.wacc" in page  # the catalog figures and their sources
    bad = tmp_path / "bad.json"
    doc = copy.deepcopy(DEFAULT)
    doc["player"]["wacc"] = -2
    bad.write_text(json.dumps(doc))
    run = subprocess.run([sys.executable, "-m", "infersim", "report", str(bad), "-o", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "player.wacc" in run.stderr
    assert out.read_text() == page  # untouched
