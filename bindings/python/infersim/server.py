"""``infersim serve``: a JSON API over the package (FastAPI + uvicorn), the live page
``/``, the embeddable view ``/embed`` and the result's JSON Schema (docs/serving.md).

>>> from fastapi.testclient import TestClient  # doctest: +SKIP
>>> TestClient(create_app()).get("/api/scenarios").json()[0]["name"]  # doctest: +SKIP
'default'
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from . import __version__, _core, views
from .api import (ENGINE_JSON, ERRORS, RESULT_RESPONSE, CatalogFigure, CompareRequest, Dashboard, DashboardRequest,
                  ErrorBody, JobInfo, RunOptions, ScenarioInfo, ScenarioRequest, SensitivityRequest, SolveRequest,
                  StressRequest, SweepRequest, TornadoRequest, ValidateResponse)
from .jobs import Busy, CallPool, JobQueue, TimedOut, Tracker
from .result import Result
from .scenario import Scenario
from .schema import SCHEMA_PATH

__all__ = ["Limits", "create_app", "main"]

STATIC_DIR = Path(__file__).with_name("static")


@dataclass(frozen=True)
class Limits:
    """What one server accepts (each a ``serve`` option)."""

    max_body_bytes: int = 1_000_000  # 413 beyond
    max_paths: int = 1_000_000  # paths of one run (400 beyond)
    max_path_runs: int = 10_000_000  # paths x runs of one request: stress, sweep, solve, sobol
    workers: int = 2  # engine calls answered at once (each uses every core)
    max_pending: int = 32  # requests running or waiting; 429 beyond
    job_workers: int = 1
    max_jobs: int = 4  # jobs queued or running; 429 beyond
    timeout_s: float = 30.0  # per request
    job_timeout_s: float = 600.0
    retry_after_s: int = 2


# -- errors ------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error_status(err: BaseException) -> tuple[int, str]:
    """The HTTP status and message of an exception raised by an engine call."""
    if isinstance(err, ApiError):
        return err.status, err.message
    if isinstance(err, TimedOut):
        return 504, str(err)
    if isinstance(err, ValueError):  # InputError and the bindings' argument checks
        return 400, str(err)
    if isinstance(err, (TypeError, KeyError)):
        return 400, f"{type(err).__name__}: {err}"
    return 500, f"internal error: {type(err).__name__}: {err}"


# -- the application ---------------------------------------------------------------------


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` is answered 413 before any handler
    reads it (by Content-Length, or by counting a streamed body)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._reject(send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._reject(send)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Callable) -> None:
        body = json.dumps({"error": f"request body larger than {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _find_dir(start: Path, marker: str) -> Optional[Path]:
    """The nearest ancestor's `marker` directory (e.g. the repository's scenarios/)."""
    for parent in start.resolve().parents:
        if (parent / marker).is_dir():
            return parent / marker
    return None


def create_app(
    scenarios_dir: Union[str, os.PathLike[str], None] = None,
    data_dir: Union[str, os.PathLike[str], None] = None,
    limits: Limits = Limits(),
) -> FastAPI:
    """The FastAPI application. `scenarios_dir` holds the bundled scenarios (default: the
    repository's scenarios/), `data_dir` the reference catalog (default: $INFERSIM_DATA,
    else the repository's data/)."""
    here = Path(__file__).parent
    scenarios = Path(scenarios_dir) if scenarios_dir else (_find_dir(here, "scenarios") or Path("scenarios"))
    if data_dir:
        os.environ["INFERSIM_DATA"] = str(data_dir)  # the engine reads it when a scenario refers to the catalog
    catalog_dir = Path(os.environ.get("INFERSIM_DATA") or _find_dir(here, "data") or "data")

    app = FastAPI(
        title="infersim",
        version=__version__,
        description="Monte Carlo simulation of AI inference businesses: run scenarios, stresses, "
        "sensitivity analyses, goal seeks and sweeps. A bad scenario is a 400 whose `error` names the "
        "JSON path and the value, as the command line says it. Long calls: POST /api/jobs/{kind}.",
    )
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    calls = CallPool(limits.workers, limits.max_pending)
    jobs = JobQueue(limits.job_workers, limits.max_jobs)
    app.state.limits, app.state.calls, app.state.jobs = limits, calls, jobs
    bundled_cache: dict[str, Scenario] = {}
    info_cache: dict[str, dict[str, Any]] = {}
    cache_lock = threading.Lock()

    @app.on_event("shutdown")
    def _shutdown() -> None:
        jobs.shutdown()
        calls.shutdown()

    # -- errors as {"error": message} ----------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError) -> JSONResponse:
        return JSONResponse({"error": err.message}, status_code=err.status, headers=err.headers)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, err: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(err.detail)}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, err: Exception) -> JSONResponse:
        return JSONResponse({"error": error_status(err)[1]}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, err: RequestValidationError) -> JSONResponse:
        def where(loc: tuple) -> str:
            return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc if p != "body").lstrip(".")
        message = "; ".join(f"{where(e['loc']) or 'body'}: {e['msg']}" for e in err.errors())
        return JSONResponse({"error": message}, status_code=400)

    # -- scenarios -------------------------------------------------------------------------

    def bundled_names() -> list[str]:
        return sorted(p.stem for p in scenarios.glob("*.json"))

    def bundled(name: str) -> Scenario:
        with cache_lock:
            if name in bundled_cache:
                return bundled_cache[name]
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name not in bundled_names():
            raise ApiError(400, f'scenario: unknown bundled scenario "{name}"; expected one of '
                           f'{", ".join(bundled_names())} or a scenario document')
        sc = Scenario.from_json(scenarios / f"{name}.json")
        with cache_lock:
            bundled_cache[name] = sc
        return sc

    def scenario_of(spec: Union[str, Dict[str, Any], None], overrides: Dict[str, Any],
                    base: Optional[Scenario] = None) -> Scenario:
        """The scenario a request names, with its overrides applied (InputError if bad)."""
        if spec is None:
            if base is None:
                raise ApiError(400, "scenario: missing")
            sc = base
        elif isinstance(spec, str):
            sc = bundled(spec)
        else:
            sc = Scenario.from_dict(spec)
        return sc.with_overrides(overrides) if overrides else sc

    def paths_of(req: RunOptions, sc: Scenario) -> int:
        paths = int(req.paths) if req.paths is not None else int(sc.simulation["paths"])
        if paths > limits.max_paths:
            raise ApiError(400, f"paths: at most {limits.max_paths} per run on this server, got {paths}")
        return paths

    def runs_allowed(paths: int, runs: int, what: str) -> None:
        if paths * runs > limits.max_path_runs:
            raise ApiError(400, f"{what}: {runs} runs of {paths} paths exceed this server's limit of "
                           f"{limits.max_path_runs} path-runs a request; use fewer paths")

    def options(req: RunOptions, sc: Scenario) -> dict[str, Any]:
        return {"paths": paths_of(req, sc), "seed": req.seed, "sampler": req.sampler,
                "antithetic": req.antithetic, "threads": 0}

    def scenario_info(name: str) -> dict[str, Any]:
        with cache_lock:
            if name in info_cache:
                return info_cache[name]
        sc = bundled(name)
        try:  # the inputs that move the NPV most come first (a deterministic tornado is ~10 ms)
            order = [e["input"] for e in _core.tornado(sc._core, "npv_usd", method="deterministic")["inputs"]]
        except ValueError:
            order = []
        info = {
            "name": name, "title": sc.name, "description": sc.description, "years": sc.years,
            "simulation": sc.simulation, "stresses": sc.stresses, "claims": list(sc.claims().index),
            "inputs": views.scenario_inputs(sc, order),
        }
        with cache_lock:
            info_cache[name] = info
        return info

    # -- calling the engine ---------------------------------------------------------------

    async def answer(work: Callable[[Tracker], Any]) -> Any:
        """Run `work(tracker)` on the call pool and return its value; errors as ApiError."""
        tracker = Tracker(limits.timeout_s)
        try:
            future = calls.submit(lambda: work(tracker))
        except Busy as err:
            raise ApiError(429, f"server busy: {err}", {"Retry-After": str(limits.retry_after_s)}) from None
        try:
            # The tracker stops engine runs at the limit; the wait bounds calls without progress.
            return await asyncio.wait_for(asyncio.wrap_future(future), limits.timeout_s + 5)
        except asyncio.TimeoutError:
            tracker.cancel()
            raise ApiError(504, TimedOut(limits.timeout_s).args[0]) from None
        except ApiError:
            raise
        except Exception as err:
            status, message = error_status(err)
            raise ApiError(status, message) from None

    def json_response(text: str) -> Response:
        return Response(content=text, media_type="application/json")

    # Each analysis as work(tracker) -> JSON text, shared by the direct endpoints and jobs.

    def run_work(req: ScenarioRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            sc = scenario_of(req.scenario, req.overrides)
            return _core.run(sc._core, **options(req, sc), progress=tracker).to_json()
        return work

    def stress_work(req: StressRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            sc = scenario_of(req.scenario, req.overrides)
            opt = options(req, sc)
            runs_allowed(opt["paths"], 1 + (len(req.stresses) or len(sc.stresses)), "stress")
            return _core.stress(sc._core, list(req.stresses), **opt, progress=tracker).to_json()
        return work

    def compare_work(req: CompareRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            base = scenario_of(req.scenario, req.overrides)
            if "base" in req.variants:
                raise ApiError(400, 'variants: "base" names the base; give the variant another name')
            if not req.variants:
                raise ApiError(400, "variants: give at least one")
            others = [(name, scenario_of(v.scenario, v.overrides, base)._core) for name, v in req.variants.items()]
            opt = options(req, base)
            runs_allowed(opt["paths"], 1 + len(others), "compare")
            return _core.compare(base._core, others, **opt, progress=tracker).to_json()
        return work

    def tornado_work(req: TornadoRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            sc = scenario_of(req.scenario, req.overrides)
            if req.method == "deterministic":
                doc = _core.tornado(sc._core, req.metric, method="deterministic")
            else:
                doc = _core.tornado(sc._core, req.metric, method="montecarlo", **options(req, sc))
            return json.dumps(doc)
        return work

    def sensitivity_work(req: SensitivityRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            sc = scenario_of(req.scenario, req.overrides)
            if req.method == "spearman":
                doc = _core.spearman(sc._core, req.metric, **options(req, sc))
            else:
                uncertain = sum(i.uncertain for i in sc._core.inputs)
                runs_allowed(req.base_rows, uncertain + 2, "sobol")
                doc = _core.sobol(sc._core, req.metric, base_rows=req.base_rows, seed=req.seed,
                                  bootstrap=req.bootstrap, confidence=0.95, threads=0)
            return json.dumps(doc)
        return work

    def solve_work(req: SolveRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            sc = scenario_of(req.scenario, req.overrides)
            opt = options(req, sc)
            runs_allowed(opt["paths"], req.max_runs, "solve")
            return _core.solve(sc._core, req.input, req.lo, req.hi, target=req.target, value=req.value, **opt,
                               x_tolerance=0.0, max_runs=req.max_runs, progress=tracker).to_json()
        return work

    def sweep_work(req: SweepRequest) -> Callable[[Tracker], str]:
        def work(tracker: Tracker) -> str:
            sc = scenario_of(req.scenario, req.overrides)
            opt = options(req, sc)
            points = math.prod(len(v) for v in req.grid.values()) if req.grid else 0
            runs_allowed(opt["paths"], max(points, 1), "sweep")
            return _core.sweep(sc._core, [(k, list(v)) for k, v in req.grid.items()], list(req.statistics), **opt,
                               progress=tracker).to_json()
        return work

    def dashboard_work(req: DashboardRequest) -> Callable[[Tracker], dict[str, Any]]:
        def work(tracker: Tracker) -> dict[str, Any]:
            sc = scenario_of(req.scenario, req.overrides)
            for name in req.series:
                if name not in _core.series_names:
                    raise ApiError(400, f'series: unknown series "{name}"; expected one of {", ".join(_core.series_names)}')
            if req.scalar not in _core.scalar_names:
                raise ApiError(400, f'scalar: unknown scalar "{req.scalar}"; expected one of {", ".join(_core.scalar_names)}')
            core = _core.run(sc._core, **options(req, sc), keep_samples=[req.scalar], progress=tracker)
            uncertain = any(i.uncertain for i in sc._core.inputs)  # else nothing moves: no tornado
            doc = (_core.tornado(sc._core, req.tornado_metric, method="deterministic")
                   if req.tornado_metric and uncertain else None)
            return views.dashboard(Result(core), doc, tuple(req.series), req.scalar)
        return work

    kinds: dict[str, tuple[type, Callable]] = {
        "run": (ScenarioRequest, run_work),
        "stress": (StressRequest, stress_work),
        "compare": (CompareRequest, compare_work),
        "tornado": (TornadoRequest, tornado_work),
        "sensitivity": (SensitivityRequest, sensitivity_work),
        "solve": (SolveRequest, solve_work),
        "sweep": (SweepRequest, sweep_work),
    }

    # -- the API ----------------------------------------------------------------------------

    @app.get("/api/health", tags=["server"])
    def health() -> dict[str, Any]:
        """Version, limits and load."""
        return {"status": "ok", "version": __version__, "chartjs": views.chartjs_path().is_file(),
                "pending_requests": calls.pending, "limits": limits.__dict__}

    @app.get("/api/scenarios", response_model=List[ScenarioInfo], tags=["scenarios"])
    async def list_scenarios() -> list[dict[str, Any]]:
        """The bundled scenarios (scenarios/*.json) with their uncertain inputs: median and p5..p95."""
        out = []
        for name in bundled_names():
            try:
                out.append(await asyncio.to_thread(scenario_info, name))
            except ValueError:
                continue  # a file that does not validate is not offered (POST it to /api/validate)
        return out

    @app.get("/api/scenarios/{name}", tags=["scenarios"], responses={400: ERRORS[400]})
    def get_scenario(name: str) -> dict[str, Any]:
        """A bundled scenario in canonical form (what `scenario` may be given as, edited)."""
        try:
            return bundled(name).to_dict()
        except ValueError as err:
            raise ApiError(400, str(err)) from None

    @app.get("/api/catalog", response_model=List[CatalogFigure], tags=["scenarios"])
    def catalog(prefix: str = Query("", description="only figures whose path starts with this")) -> list[dict[str, Any]]:
        """The reference figures of the catalog (data/), with unit, date, confidence and sources."""
        if not catalog_dir.is_dir():
            raise ApiError(503, f"catalog directory {catalog_dir} not found; start the server with --data DIR")
        figures: list[dict[str, Any]] = []

        def walk(node: Any, path: str) -> None:
            if isinstance(node, dict) and "value" in node:
                if path.startswith(prefix):
                    figures.append({"path": path, **{k: node[k] for k in CatalogFigure.__fields__
                                                    if k in node and k != "path"}})
            elif isinstance(node, dict):
                for key, child in node.items():
                    if isinstance(child, dict):
                        walk(child, f"{path}.{key}" if path else key)

        for file in sorted(catalog_dir.glob("*.json")):
            walk(json.loads(file.read_text()), "")
        return figures

    @app.post("/api/validate", response_model=ValidateResponse, tags=["scenarios"], responses=ERRORS)
    async def validate(req: ScenarioRequest) -> dict[str, Any]:
        """Check a scenario (and overrides) without running it."""
        def work(tracker: Tracker) -> dict[str, Any]:
            sc = scenario_of(req.scenario, req.overrides).validate()
            paths_of(req, sc)
            return {"valid": True, "name": sc.name, "years": sc.years, "input_paths": sc.input_paths,
                    "uncertain_inputs": [i.path for i in sc._core.inputs if i.uncertain],
                    "stresses": sc.stresses, "scenario": sc.to_dict()}
        return await answer(work)

    @app.post("/api/run", tags=["analysis"], responses={**RESULT_RESPONSE, **ERRORS})
    async def run(req: ScenarioRequest) -> Response:
        """Run a scenario: the result JSON (schema: /schema/result.json)."""
        return json_response(await answer(run_work(req)))

    @app.post("/api/dashboard", response_model=Dashboard, tags=["analysis"], responses=ERRORS)
    async def dashboard(req: DashboardRequest) -> dict[str, Any]:
        """What the live page draws: fan charts, a histogram with P(> 0), claims and a tornado."""
        return await answer(dashboard_work(req))

    @app.post("/api/stress", tags=["analysis"], responses={**ENGINE_JSON, **ERRORS})
    async def stress(req: StressRequest) -> Response:
        """The scenario's stresses beside it on common random numbers (`infersim stress --out`)."""
        return json_response(await answer(stress_work(req)))

    @app.post("/api/compare", tags=["analysis"], responses={**ENGINE_JSON, **ERRORS})
    async def compare(req: CompareRequest) -> Response:
        """Variants (other scenarios or overrides) beside a base on common random numbers."""
        return json_response(await answer(compare_work(req)))

    @app.post("/api/tornado", tags=["analysis"], responses={**ENGINE_JSON, **ERRORS})
    async def tornado(req: TornadoRequest) -> Response:
        """Each uncertain input low and high: the metric's swing (`infersim tornado --out`)."""
        return json_response(await answer(tornado_work(req)))

    @app.post("/api/sensitivity", tags=["analysis"], responses={**ENGINE_JSON, **ERRORS})
    async def sensitivity(req: SensitivityRequest) -> Response:
        """Spearman rank correlations or Sobol indices of the uncertain inputs."""
        return json_response(await answer(sensitivity_work(req)))

    @app.post("/api/solve", tags=["analysis"], responses={**ENGINE_JSON, **ERRORS})
    async def solve(req: SolveRequest) -> Response:
        """Goal seek: the input value at which a statistic reaches a target."""
        return json_response(await answer(solve_work(req)))

    @app.post("/api/sweep", tags=["analysis"], responses={**ENGINE_JSON, **ERRORS})
    async def sweep(req: SweepRequest) -> Response:
        """A full run at every point of a grid of one or two inputs."""
        return json_response(await answer(sweep_work(req)))

    # -- jobs -------------------------------------------------------------------------------

    def job_or_404(job_id: str):
        job = jobs.get(job_id)
        if job is None:
            raise ApiError(404, f"job {job_id}: no such job (finished jobs are kept until 64 newer ones finish)")
        return job

    def add_job_endpoint(kind: str, model: type, make: Callable) -> None:
        async def submit(req: model) -> JSONResponse:  # type: ignore[valid-type]
            try:
                job = jobs.submit(kind, make(req), limits.job_timeout_s, error_status)
            except Busy as err:
                raise ApiError(429, f"job queue full: {err}", {"Retry-After": str(limits.retry_after_s)}) from None
            return JSONResponse(job.info(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})

        submit.__annotations__["req"] = model  # the body's model, not the string "model"
        submit.__name__ = f"submit_{kind}_job"
        submit.__doc__ = (f"Submit a {kind} as a job (the body of POST /api/{kind}): 202 with its id; follow it "
                          "with GET /api/jobs/{id} or its /events stream, fetch /api/jobs/{id}/result.")
        app.post(f"/api/jobs/{kind}", status_code=202, response_model=JobInfo, tags=["jobs"],
                 responses=ERRORS)(submit)

    for kind, (model, make) in kinds.items():
        add_job_endpoint(kind, model, make)

    @app.get("/api/jobs", response_model=List[JobInfo], tags=["jobs"])
    def list_jobs() -> list[dict[str, Any]]:
        """Jobs queued, running and recently finished."""
        return [j.info() for j in jobs.list()]

    @app.get("/api/jobs/{job_id}", response_model=JobInfo, tags=["jobs"], responses={404: {"model": ErrorBody}})
    def job_status(job_id: str) -> dict[str, Any]:
        """A job's status and progress (paths done of total, in the current run)."""
        return job_or_404(job_id).info()

    @app.get("/api/jobs/{job_id}/result", tags=["jobs"],
             responses={**ENGINE_JSON, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
    def job_result(job_id: str) -> Response:
        """The job's JSON once done (409 before); a failed job answers with its error's status."""
        job = job_or_404(job_id)
        if job.status == "done":
            return json_response(job.result or "null")
        if job.status == "failed":
            raise ApiError(job.error_status, job.error or "failed")
        raise ApiError(409, f"job {job_id} is {job.status}")

    @app.delete("/api/jobs/{job_id}", response_model=JobInfo, tags=["jobs"], responses={404: {"model": ErrorBody}})
    def cancel_job(job_id: str) -> dict[str, Any]:
        """Cancel a job: the engine stops within a wave of paths."""
        job = jobs.cancel(job_id)
        return (job or job_or_404(job_id)).info()

    @app.get("/api/jobs/{job_id}/events", tags=["jobs"], responses={
        200: {"description": "server-sent events: `progress` (JobInfo) while it runs, then `end`",
              "content": {"text/event-stream": {}}}, 404: {"model": ErrorBody}})
    async def job_events(job_id: str, request: Request) -> StreamingResponse:
        """The job's progress as server-sent events, at most 10 a second, ending with `end`."""
        job = job_or_404(job_id)

        async def events():
            last = None
            while True:
                info = job.info()
                if info != last:
                    yield f"event: progress\ndata: {json.dumps(info)}\n\n"
                    last = info
                if job.over:
                    yield f"event: end\ndata: {json.dumps(info)}\n\n"
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.1)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    # -- schema, pages and static files ---------------------------------------------------

    @app.get("/schema/result.json", tags=["server"])
    def result_schema() -> FileResponse:
        """The JSON Schema of the result JSON, with the unit of every metric (x-unit)."""
        return FileResponse(SCHEMA_PATH, media_type="application/schema+json")

    @app.get("/static/chart.js", include_in_schema=False)
    def chartjs() -> Response:
        path = views.chartjs_path()
        if not path.is_file():  # the pages then say so (they find no Chart)
            return Response(f"// Chart.js not found at {path}: install Debian's libjs-chart.js\n", status_code=503,
                            media_type="application/javascript")
        return FileResponse(path, media_type="application/javascript")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        path = STATIC_DIR / name
        if not re.fullmatch(r"[a-z_.-]+\.(js|css|json)", name) or not path.is_file():
            raise ApiError(404, f"/static/{name}: not found")
        return FileResponse(path)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    @app.get("/embed", response_class=HTMLResponse, tags=["server"])
    def embed(scenario: str = Query("default", description="bundled scenario name"),
              metric: str = Query("npv_usd", description="a scalar (histogram) or a series (fan chart)")) -> FileResponse:
        """A single chart for an iframe: `/embed?scenario=default&metric=revenue_usd`
        (also `paths`, `seed` and `overrides` as URL-encoded JSON)."""
        return FileResponse(STATIC_DIR / "embed.html")

    return app


# -- the command ---------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    """``python3 -m infersim serve``: start the server (loopback by default)."""
    parser = argparse.ArgumentParser(prog="python3 -m infersim serve", description=__doc__.split("\n\n")[0])
    d = Limits()
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port, printed at start)")
    parser.add_argument("--scenarios", help="directory of bundled scenarios (default: the repository's scenarios/)")
    parser.add_argument("--data", help="reference catalog directory (default: $INFERSIM_DATA, else the repository's data/)")
    parser.add_argument("--max-body-bytes", type=int, default=d.max_body_bytes)
    parser.add_argument("--max-paths", type=int, default=d.max_paths)
    parser.add_argument("--max-path-runs", type=int, default=d.max_path_runs)
    parser.add_argument("--workers", type=int, default=d.workers, help="engine calls answered at once")
    parser.add_argument("--max-pending", type=int, default=d.max_pending, help="requests running or waiting")
    parser.add_argument("--max-jobs", type=int, default=d.max_jobs, help="jobs queued or running")
    parser.add_argument("--timeout", type=float, default=d.timeout_s, help="seconds a request may run")
    parser.add_argument("--job-timeout", type=float, default=d.job_timeout_s, help="seconds a job may run")
    parser.add_argument("--log-level", default="warning")
    a = parser.parse_args(argv)
    if not 0 <= a.port <= 65535:
        parser.error(f"--port: must be 0..65535, got {a.port}")
    for name in ("max_body_bytes", "max_paths", "max_path_runs", "workers", "max_pending", "max_jobs",
                 "timeout", "job_timeout"):
        if not getattr(a, name) > 0:
            parser.error(f"--{name.replace('_', '-')}: must be > 0, got {getattr(a, name)}")
    for name in ("scenarios", "data"):
        value = getattr(a, name)
        if value and not Path(value).is_dir():
            parser.error(f"--{name}: {value} is not a directory")
    limits = Limits(max_body_bytes=a.max_body_bytes, max_paths=a.max_paths, max_path_runs=a.max_path_runs,
                    workers=a.workers, max_pending=a.max_pending, max_jobs=a.max_jobs, timeout_s=a.timeout,
                    job_timeout_s=a.job_timeout)
    import socket

    import uvicorn

    app = create_app(a.scenarios, a.data, limits)
    # A bound socket, so that --port 0 can say which port it got before serving.
    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((a.host, a.port))
    except OSError as err:
        parser.exit(2, f"infersim serve: error: cannot listen on {a.host}:{a.port}: {err.strerror}\n")
    host, port = sock.getsockname()[:2]
    print(f"infersim serve: http://{host if family == socket.AF_INET else f'[{host}]'}:{port}/ "
          f"(API docs at /docs; Ctrl-C stops)", flush=True)
    config = uvicorn.Config(app, log_level=a.log_level, timeout_keep_alive=5)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
