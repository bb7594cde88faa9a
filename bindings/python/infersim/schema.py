"""The JSON Schema of the result JSON (``infersim run --out``, ``Result.to_json()``, the
server's ``/api/run``), with the unit of every metric (docs/model.md §9).

The schema is written to ``static/result.schema.json`` (served at ``/schema/result.json``);
``python3 -m infersim.schema`` prints it, and a test checks that the file is current.

>>> METRICS["irr"].unit
'fraction/year'
>>> result_schema()["properties"]["scalars"]["properties"]["npv_usd"]["x-unit"]
'USD'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from . import _core

__all__ = ["METRICS", "Metric", "SCHEMA_PATH", "result_schema"]

#: Where the package keeps the schema file.
SCHEMA_PATH = Path(__file__).with_name("static") / "result.schema.json"


class Metric(NamedTuple):
    """A metric of a path: its unit (of every statistic but the two shares) and a label."""

    unit: str
    label: str
    kind: str  # "series" (one value a year) or "scalar" (one value a path)


# model.md §9, in the order of the engine's scalar_names and series_names.
METRICS: dict[str, Metric] = {
    "market_spend_usd": Metric("USD/year", "inference market spend", "series"),
    "price_usd_per_mtok": Metric("USD per million tokens", "market token price", "series"),
    "demand_tokens": Metric("tokens/year", "market demand", "series"),
    "capacity_tokens": Metric("tokens/year", "capacity", "series"),
    "served_tokens": Metric("tokens/year", "tokens served", "series"),
    "unserved_tokens": Metric("tokens/year", "demand not served", "series"),
    "utilization": Metric("fraction", "utilization", "series"),
    "revenue_usd": Metric("USD/year", "revenue (ARR)", "series"),
    "capex_usd": Metric("USD/year", "capex", "series"),
    "depreciation_usd": Metric("USD/year", "depreciation", "series"),
    "power_cost_usd": Metric("USD/year", "power cost", "series"),
    "opex_usd": Metric("USD/year", "operating cost", "series"),
    "ebit_usd": Metric("USD/year", "EBIT", "series"),
    "fcf_usd": Metric("USD/year", "free cash flow", "series"),
    "ebit_ratio": Metric("ratio", "EBIT / baseline EBIT", "series"),
    "npv_usd": Metric("USD", "NPV", "scalar"),
    "irr": Metric("fraction/year", "IRR", "scalar"),
    "payback_year": Metric("year", "payback year", "scalar"),
    "total_capex_usd": Metric("USD", "total capex", "scalar"),
    "cumulative_fcf_usd": Metric("USD", "cumulative free cash flow", "scalar"),
}

# Statistics that are shares of paths whatever the metric's unit.
_SHARES = ("prob_positive", "defined_fraction")


def result_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a result JSON, built from the engine's names.

    Each metric carries its unit as ``x-unit`` (an annotation, ignored by validators).
    """
    number = {"type": ["number", "null"]}  # null: a statistic with no value
    numbers = {"type": "array", "items": number}

    def statistics(item: dict[str, Any], metric: str) -> dict[str, Any]:
        m = METRICS[metric]
        props = {s: {**item, "description": "share of paths (fraction)" if s in _SHARES else f"in {m.unit}"}
                 for s in _core.statistic_names}
        return {
            "type": "object",
            "description": f"{m.label} ({m.unit}); {'one value a year' if m.kind == 'series' else 'one value a path'}",
            "x-unit": m.unit,
            "properties": props,
            "required": list(_core.statistic_names),
            "additionalProperties": False,
        }

    def group(names: tuple[str, ...], item: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {n: statistics(item, n) for n in names},
            "required": list(names),
            "additionalProperties": False,
        }

    def cluster_output(label: str, unit: str) -> dict[str, Any]:
        props = {s: {**number, "description": "share of paths (fraction)" if s in _SHARES else f"in {unit}"}
                 for s in _core.statistic_names}
        return {"type": "object", "description": f"{label} ({unit}); one value a path", "x-unit": unit,
                "properties": props, "required": list(_core.statistic_names), "additionalProperties": False}

    throughput_cluster = {
        "type": "object",
        "description": "the roofline's outputs for a cluster with a throughput block (model.md §4a)",
        "properties": {
            "tokens_per_sec_per_accelerator": cluster_output("tokens/s per accelerator, input + output", "tokens/s"),
            "batch": cluster_output("decode batch b*", "sequences"),
            "seconds_per_output_token": cluster_output("seconds per decode step at b*", "s"),
        },
        "required": ["tokens_per_sec_per_accelerator", "batch", "seconds_per_output_token"],
        "additionalProperties": False,
    }
    segment_units = {"revenue_usd": "USD/yr", "served_tokens": "tokens/yr", "unserved_tokens": "tokens/yr",
                     "price_usd_per_mtok": "USD per 1e6 tokens", "share": "fraction",
                     "lcot_usd_per_mtok": "USD per 1e6 tokens"}
    segment = {
        "type": "object",
        "description": "a market segment's yearly series, laid out like `series` (model.md §5a); "
                       "lcot_usd_per_mtok is null for a path-priced segment",
        "properties": {name: {"type": "object", "x-unit": unit, "description": f"{name} ({unit}); one value a year",
                              "properties": {st: numbers for st in _core.statistic_names},
                              "required": list(_core.statistic_names), "additionalProperties": False}
                       for name, unit in segment_units.items()},
        "required": list(segment_units),
        "additionalProperties": False,
    }
    claim = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "metric": {"type": "string", "enum": list(METRICS)},
            "year": {"type": "integer", "x-unit": "year"},
            "op": {"type": "string"},
            "value": {"type": "number", "description": "in the metric's unit"},
            "rel_tol": {"type": "number", "x-unit": "fraction"},
            "probability": {"type": "number", "minimum": 0, "maximum": 1, "x-unit": "fraction"},
            "median": {**number, "description": "the metric's p50, in its unit"},
            "value_percentile": {**number, "minimum": 0, "maximum": 100, "x-unit": "percent"},
        },
        "required": ["id", "metric", "op", "value", "probability", "median", "value_percentile"],
    }
    catalog_use = {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "ref": {"type": "string"},
            "value": {"type": "number"},
            "unit": {"type": "string"},
            "as_of": {"type": "string"},
            "confidence": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "object", "properties": {
                "title": {"type": "string"}, "url": {"type": "string"}}}},
            "unsourced": {"type": "boolean"},
            "note": {"type": "string"},
        },
        "required": ["path", "ref", "value", "unit"],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/schema/result.json",
        "title": "infersim result",
        "description": "The result JSON of one run (docs/scenario-format.md, \"Result\"). Every metric names its "
        "unit in x-unit; prob_positive and defined_fraction are shares of paths.",
        "type": "object",
        "properties": {
            "scenario": {"type": "string"},
            "engine_version": {"type": "string"},
            "paths": {"type": "integer", "minimum": 1},
            "seed": {"type": "integer", "minimum": 0},
            "sampler": {"type": "string", "enum": ["random", "lhs", "sobol"]},
            "antithetic": {"type": "boolean"},
            "replicates": {"type": "integer", "minimum": 1},
            "quantile_method": {"type": "string", "enum": ["exact", "binned"]},
            "quantile_rank_error": {"type": "number", "minimum": 0, "x-unit": "fraction"},
            "years": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "x-unit": "year"},
            "scalars": group(tuple(_core.scalar_names), number),
            "series": group(tuple(_core.series_names), numbers),
            "clusters": {"type": "object", "additionalProperties": throughput_cluster,
                         "description": "only when a cluster has a throughput block; keyed by cluster name"},
            "segments": {"type": "object", "additionalProperties": segment,
                         "description": "only with market segments (model.md §5a); keyed by segment name, in order"},
            "claims": {"type": "array", "items": claim},
            "catalog": {"type": "array", "items": catalog_use},
            "claim_chain": {"type": "object"},
            "elapsed_s": {"type": "number", "minimum": 0, "x-unit": "s"},
        },
        "required": ["scenario", "engine_version", "paths", "seed", "sampler", "antithetic", "years",
                     "scalars", "series", "claims", "elapsed_s"],
    }


def dumps() -> str:
    """The schema file's text."""
    return json.dumps(result_schema(), indent=1) + "\n"


if __name__ == "__main__":  # python3 -m infersim.schema > bindings/python/infersim/static/result.schema.json
    print(dumps(), end="")
