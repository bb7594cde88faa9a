"""The chart data of the dashboard, the embeddable view and the HTML report: small JSON
documents (fan bands by year, a histogram, claims, a tornado) cut from a run, so that the
browser draws them without reshaping the result JSON.

>>> from infersim import run
>>> r = run("scenarios/default.json", paths=20_000, seed=1, keep_samples=["npv_usd"])
>>> fan(r, "revenue_usd")["unit"], len(histogram(r, "npv_usd")["counts"])
('USD/yr', 40)
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from .result import Result
from .schema import METRICS

__all__ = ["chartjs_path", "claims", "dashboard", "fan", "histogram", "scenario_inputs", "tornado"]


def chartjs_path() -> Path:
    """Chart.js where Debian's libjs-chart.js installs it (``$INFERSIM_CHARTJS`` overrides)."""
    return Path(os.environ.get("INFERSIM_CHARTJS") or "/usr/share/javascript/chart.js/chart.min.js")

# The bands of a fan chart, outermost first.
FAN_STATISTICS = ("p5", "p25", "p50", "p75", "p95")


def _number(x: Any) -> Optional[float]:
    """A float for JSON: NaN (undefined) as None."""
    x = float(x)
    return x if math.isfinite(x) else None


def fan(result: Result, metric: str) -> dict[str, Any]:
    """A series' p5, p25, p50, p75, p95 and mean by year."""
    frame = result.series(metric)
    m = METRICS[metric]
    return {
        "metric": metric,
        "label": m.label,
        "unit": m.unit,
        "years": result.years,
        **{s: [_number(v) for v in frame[s]] for s in (*FAN_STATISTICS, "mean")},
    }


def histogram(result: Result, metric: str, bins: int = 40) -> dict[str, Any]:
    """A scalar's distribution: a histogram of its kept samples (when the run kept them),
    with its percentiles, mean and P(> 0) from the run's statistics.

    ``edges`` has ``bins + 1`` entries and ``counts`` ``bins``, from the samples' p0.5 to
    their p99.5; ``total`` counts the defined samples (an IRR may not exist on a path).
    Without kept samples all three are empty.
    """
    stats = result.summary().loc[metric]
    m = METRICS[metric]
    view: dict[str, Any] = {
        "metric": metric,
        "label": m.label,
        "unit": m.unit,
        "edges": [],
        "counts": [],
        "total": 0,
        **{s: _number(stats[s]) for s in ("p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "mean")},
        "prob_positive": _number(stats["prob_positive"]),
        "defined_fraction": _number(stats["defined_fraction"]),
    }
    if metric in result.kept_samples:
        values = result.samples(metric)
        values = values[np.isfinite(values)]
        if values.size:
            # From p0.5 to p99.5: a few extreme paths would squash every other bar. Counts
            # stay shares of all defined paths (`total`), so the bars sum to about 99%.
            lo, hi = float(np.percentile(values, 0.5)), float(np.percentile(values, 99.5))
            if not hi > lo:
                lo, hi = lo - 0.5, hi + 0.5
            counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
            view["edges"] = edges.tolist()
            view["counts"] = counts.tolist()
            view["total"] = int(values.size)
    return view


def claims(result: Result) -> list[dict[str, Any]]:
    """Each claim with its probability, the metric's median and a short text."""
    out = []
    for claim_id, c in result.claims().iterrows():
        m = METRICS.get(c["metric"])
        year = None if pd.isna(c["year"]) else int(c["year"])
        out.append({
            "id": str(claim_id),
            "metric": c["metric"],
            "label": m.label if m else c["metric"],
            "unit": m.unit if m else "",
            "year": year,
            "op": c["op"],
            "value": _number(c["value"]),
            "rel_tol": _number(c["rel_tol"]),
            "probability": _number(c["probability"]),
            "median": _number(c["median"]),
        })
    return out


def tornado(doc: dict[str, Any]) -> dict[str, Any]:
    """The engine's tornado JSON (``_core.tornado``) cut to what a chart shows."""
    metric = doc.get("metric", "npv_usd")
    base_metric = metric.split("@")[0]
    m = METRICS.get(base_metric)
    keys = ("input", "low_input", "high_input", "low", "high", "swing")
    return {
        "metric": metric,
        "label": m.label if m else metric,
        "unit": m.unit if m else "",
        "base": doc.get("base"),
        "inputs": [{k: entry.get(k) for k in keys} for entry in doc.get("inputs", [])],
    }


def scenario_inputs(scenario: Any, order: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """A scenario's uncertain inputs with their median and p5..p95 (slider ranges), in
    `order` first (e.g. by tornado swing), then the rest in scenario order."""
    inputs = [i for i in scenario._core.inputs if i.uncertain]
    rank = {name: k for k, name in enumerate(order or [])}
    inputs.sort(key=lambda i: rank.get(i.path, len(rank)))
    return [
        {
            "path": i.path,
            "distribution": i.distribution.describe(),
            "median": _number(i.distribution.median),
            "p5": _number(i.distribution.quantile(0.05)),
            "p95": _number(i.distribution.quantile(0.95)),
            "whole": bool(i.whole),
        }
        for i in inputs
    ]


def dashboard(
    result: Result,
    tornado_doc: Optional[dict[str, Any]],
    series: tuple[str, ...] = ("revenue_usd", "ebit_usd", "utilization"),
    scalar: str = "npv_usd",
) -> dict[str, Any]:
    """Everything the live page draws after one run."""
    return {
        "scenario": result.scenario,
        "paths": result.paths,
        "seed": result.seed,
        "sampler": result.sampler,
        "years": result.years,
        "elapsed_s": result.elapsed_s,
        "fans": {name: fan(result, name) for name in series},
        "distribution": histogram(result, scalar),
        "claims": claims(result),
        "tornado": tornado(tornado_doc) if tornado_doc is not None else None,
    }
