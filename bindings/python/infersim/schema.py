"""The JSON Schema of the result JSON (``infersim run --out``, ``Result.to_json()``, the
server's ``/api/run``), with the unit of every metric (docs/model.md §9).

The schema is written to ``static/result.schema.json`` (served at ``/schema/result.json``);
``python3 -m infersim.schema`` prints it, and a test checks that the file is current.

>>> METRICS["irr"].unit
'fraction/yr'
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
    """A metric of a path: its unit (of every statistic but the shares of paths) and a label."""

    unit: str
    label: str
    kind: str  # "series" (one value a year) or "scalar" (one value a path)


# The engine's metric table (engine/src/model/metrics.cpp), in the order of its
# series_names and scalar_names; units as in model.md §9.
METRICS: dict[str, Metric] = {
    name: Metric(_core.metric_table[name]["unit"], _core.metric_table[name]["label"], kind)
    for names, kind in ((_core.series_names, "series"), (_core.scalar_names, "scalar"))
    for name in names
}

# Statistics that are shares of paths whatever the metric's unit.
_SHARES = ("prob_positive", "defined_fraction")
_CLUSTER = _core.metric_table  # the per-cluster metrics' rows too


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
            name: cluster_output(_CLUSTER[name]["label"], _CLUSTER[name]["unit"])
            for name in ("tokens_per_sec_per_accelerator", "batch", "seconds_per_output_token")
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
            "metrics": {
                "type": "object",
                "description": "the engine's metric table: each metric's unit, label, short label, kind (how its "
                "values are written) and shape (scalar, series, cluster)",
                "additionalProperties": {
                    "type": "object",
                    "properties": {k: {"type": "string"} for k in ("unit", "label", "short", "kind", "shape")},
                    "required": ["unit", "label", "short", "kind", "shape"],
                },
            },
            "segments": {"type": "object", "additionalProperties": segment,
                         "description": "only with market segments (model.md §5a); keyed by segment name, in order"},
            "claims": {"type": "array", "items": claim},
            "catalog": {"type": "array", "items": catalog_use},
            "claim_chain": {"type": "object"},
            "non_finite": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
                           "description": "only when some output was not finite (infinite, or NaN where always "
                           "defined) on some paths: paths by output (npv_usd, revenue_usd@2028, "
                           "revenue_usd.SEGMENT@2028), left out of its statistics"},
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
