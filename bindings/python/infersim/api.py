"""The JSON API's request and response bodies: pydantic models, from which FastAPI writes
the OpenAPI description (``/openapi.json``) and checks every request (docs/serving.md).
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, Field, StrictStr, validator

# -- request bodies ---------------------------------------------------------------------


class RunOptions(BaseModel):
    """Run settings; those left out take the scenario's ``simulation`` values."""

    paths: Optional[float] = Field(None, description="paths to run (200000 or 2e5)")
    seed: Optional[int] = Field(None, ge=0, le=2**63 - 1)
    sampler: Optional[Literal["random", "lhs", "sobol"]] = None
    antithetic: Optional[bool] = None

    @validator("paths")
    def _whole(cls, v: Optional[float]) -> Optional[float]:
        if v is not None and (not math.isfinite(v) or v != int(v) or v < 1):
            raise ValueError(f"must be a whole number >= 1, got {v:g}")
        return v


class ScenarioRequest(RunOptions):
    """A scenario: a bundled one by name (``GET /api/scenarios``) or a whole scenario
    document, with optional overrides of its inputs (dotted path -> number or distribution)."""

    scenario: Union[StrictStr, Dict[str, Any]] = Field(..., description="bundled name or scenario document")
    overrides: Dict[str, Any] = Field(default_factory=dict, example={"market.price_decline": 0.5})


class StressRequest(ScenarioRequest):
    stresses: List[str] = Field(default_factory=list, description="names of the scenario's stresses (all if empty)")


class Variant(BaseModel):
    scenario: Optional[Union[StrictStr, Dict[str, Any]]] = Field(None, description="default: the base scenario")
    overrides: Dict[str, Any] = Field(default_factory=dict)


class CompareRequest(ScenarioRequest):
    variants: Dict[str, Variant] = Field(..., description="name -> scenario and/or overrides, run beside the base")


class TornadoRequest(ScenarioRequest):
    metric: str = "npv_usd"
    method: Literal["deterministic", "montecarlo"] = "deterministic"


class SensitivityRequest(ScenarioRequest):
    metric: str = "npv_usd"
    method: Literal["spearman", "sobol"] = "spearman"
    base_rows: int = Field(4096, ge=16, description="sobol: rows of the Saltelli design")
    bootstrap: int = Field(200, ge=0, le=2000, description="sobol: bootstrap resamples")


class SolveRequest(ScenarioRequest):
    input: str
    lo: float
    hi: float
    target: str = "npv_usd:p50"
    value: float = 0.0
    max_runs: int = Field(40, ge=2, le=200)


class SweepRequest(ScenarioRequest):
    grid: Dict[str, List[float]] = Field(..., example={"market.price_decline": [0.3, 0.5, 0.7]})
    statistics: List[str] = Field(["npv_usd:p50", "npv_usd:prob_positive"])


class DashboardRequest(ScenarioRequest):
    paths: Optional[float] = Field(20_000, description="paths to run (the page uses 20000)")
    series: List[str] = Field(["revenue_usd", "ebit_usd", "utilization"], description="fan charts to return")
    scalar: str = Field("npv_usd", description="the scalar whose histogram to return")
    tornado_metric: Optional[str] = Field("npv_usd", description="metric of the tornado (null, or no uncertain "
                                          "input: none)")


# -- response bodies (documented in the OpenAPI description) -----------------------------


class Model(BaseModel):
    """A response body whose OpenAPI schema marks what may be null (``nullable``, OpenAPI 3.0),
    which pydantic 1 leaves out."""

    class Config:
        @staticmethod
        def schema_extra(schema: dict[str, Any], model: type) -> None:
            for field in model.__fields__.values():
                prop = schema.get("properties", {}).get(field.alias)
                if prop is None:
                    continue
                if field.allow_none:
                    prop["nullable"] = True
                if "items" in prop and field.sub_fields and field.sub_fields[0].allow_none:
                    prop["items"]["nullable"] = True


class ErrorBody(Model):
    error: str


class InputInfo(Model):
    path: str
    distribution: str
    median: Optional[float]
    p5: Optional[float]
    p95: Optional[float]
    whole: bool


class ScenarioInfo(Model):
    name: str = Field(..., description="file name without .json: what `scenario` takes")
    title: str = Field(..., description="the scenario's own name")
    description: str
    years: List[int]
    simulation: Dict[str, Any]
    stresses: List[str]
    claims: List[str]
    inputs: List[InputInfo] = Field(..., description="uncertain inputs, largest NPV tornado swing first")


class CatalogFigure(Model):
    path: str
    value: float
    unit: str
    as_of: str
    confidence: str
    unsourced: bool = False
    sources: List[Dict[str, str]] = []
    note: str = ""


class ValidateResponse(Model):
    valid: bool
    name: str
    years: List[int]
    input_paths: List[str]
    uncertain_inputs: List[str]
    stresses: List[str]
    scenario: Dict[str, Any] = Field(..., description="canonical form, overrides applied")


class JobInfo(Model):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    done: int
    total: int
    created: float
    started: Optional[float]
    finished: Optional[float]
    error: Optional[str]


class Fan(Model):
    metric: str
    label: str
    unit: str
    years: List[int]
    p5: List[Optional[float]]
    p25: List[Optional[float]]
    p50: List[Optional[float]]
    p75: List[Optional[float]]
    p95: List[Optional[float]]
    mean: List[Optional[float]]


class Distribution(Model):
    metric: str
    label: str
    unit: str
    edges: List[float]
    counts: List[int]
    total: int = Field(..., description="defined samples: the counts are shares of it")
    prob_positive: Optional[float]
    defined_fraction: Optional[float]
    p5: Optional[float]
    p50: Optional[float]
    p95: Optional[float]
    mean: Optional[float]


class ClaimView(Model):
    id: str
    metric: str
    label: str
    unit: str
    year: Optional[int]
    op: str
    value: Optional[float]
    rel_tol: Optional[float]
    probability: Optional[float]
    median: Optional[float]


class TornadoView(Model):
    metric: str
    label: str
    unit: str
    base: Optional[float]
    inputs: List[Dict[str, Any]]


class Dashboard(Model):
    scenario: str
    paths: int
    seed: int
    sampler: str
    years: List[int]
    elapsed_s: float
    fans: Dict[str, Fan]
    distribution: Distribution
    claims: List[ClaimView]
    tornado: Optional[TornadoView]


# The `responses` of the endpoints in the OpenAPI description.
ERRORS = {
    400: {"model": ErrorBody, "description": "bad scenario or request: the message names the JSON path and value"},
    413: {"model": ErrorBody, "description": "request body too large"},
    429: {"model": ErrorBody, "description": "too many requests or jobs pending; see Retry-After"},
    504: {"model": ErrorBody, "description": "stopped at the per-request time limit"},
}
RESULT_RESPONSE = {200: {"description": "the result JSON", "content": {"application/json": {
    "schema": {"$ref": "/schema/result.json"}}}}}
ENGINE_JSON = {200: {"description": "the engine's JSON, as the command line's --out writes it",
                      "content": {"application/json": {"schema": {"type": "object"}}}}}
