"""A self-contained HTML report of a run: summary table, charts, claims, the scenario's
inputs and the catalog figures it used with their sources. One file, no network: Chart.js
(Debian's libjs-chart.js) and the chart code are inlined.

>>> from infersim import run
>>> page = report_html(run("scenarios/default.json", paths=20_000, seed=1, keep_samples=["npv_usd"]))
>>> page.startswith("<!doctype html>"), "P(NPV &gt; 0)" in page
(True, True)
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Optional, Union

from . import views
from .metrics import format_percent as _percent, format_value
from .result import Result


def _money(x: float) -> str:
    return format_value("npv_usd", x)


def _year(x: float) -> str:
    return format_value("payback_year", x)
from .scenario import Scenario
from .schema import METRICS

__all__ = ["report_html", "write_report"]

_STATIC = Path(__file__).with_name("static")

# The charts of a report: fan charts of these series, a histogram of NPV.
_FANS = ("revenue_usd", "ebit_usd", "fcf_usd", "utilization")


def _format(x: float, unit: str) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if unit == "USD/Mtok" or unit.startswith("USD per"):
        return f"${x:.3g}/Mtok"
    if unit.startswith("USD"):
        return _money(x)
    if unit.startswith("fraction"):
        return _percent(x)
    if unit == "year":
        return _year(x)
    return f"{x:.3g}"


def _claimed(c: dict[str, Any]) -> str:
    """What a claim says: "revenue (ARR) 2028 ≈ $13.0B ±15%"."""
    year = f" {c['year']}" if c["year"] else ""
    op = "≈" if c["op"] == "approx" else c["op"]
    tol = f" ±{100 * c['rel_tol']:.0f}%" if c["rel_tol"] else ""
    return f"{c['label']}{year} {op} {_format(c['value'], c['unit'])}{tol}"


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no `</` can close the element."""
    return json.dumps(data).replace("</", "<\\/")


def report_html(result: Result, scenario: Optional[Scenario] = None, title: Optional[str] = None) -> str:
    """The report as one HTML string. With `scenario`, its inputs are listed too; the NPV
    histogram needs ``keep_samples=["npv_usd"]`` in the run (else its percentiles are drawn)."""
    e = html.escape
    summary = result.summary()
    rows = []
    for metric, s in summary.iterrows():
        m = METRICS[metric]
        cells = "".join(f"<td class='num'>{_format(s[p], m.unit)}</td>" for p in ("p5", "p50", "p95", "mean"))
        rows.append(f"<tr><th>{e(m.label)}</th><td>{e(m.unit)}</td>{cells}"
                    f"<td class='num'>{_percent(s['prob_positive'])}</td>"
                    f"<td class='num'>{_percent(s['defined_fraction'])}</td></tr>")
    claim_rows = "".join(
        f"<tr><td><code>{e(c['id'])}</code></td><td>{e(_claimed(c))}</td>"
        f"<td class='num'>{_format(c['median'], c['unit'])}</td>"
        f"<td class='num'>{_percent(c['probability'])}</td></tr>"
        for c in views.claims(result)
    )
    inputs = ""
    if scenario is not None:
        inputs = "".join(
            f"<tr><td><code>{e(path)}</code></td><td>{e(row['distribution'])}</td>"
            f"<td class='num'>{row['median']:.4g}</td><td>{'yes' if row['uncertain'] else ''}</td></tr>"
            for path, row in scenario.inputs().iterrows()
        )
    catalog = []
    for use in result.to_dict().get("catalog", []):
        sources = ", ".join(f"<a href='{e(s.get('url', ''))}'>{e(s.get('title', ''))}</a>" for s in use.get("sources", []))
        catalog.append(
            f"<tr><td><code>{e(use['path'])}</code></td><td><code>{e(use['ref'])}</code></td>"
            f"<td class='num'>{use['value']:.4g}</td><td>{e(use['unit'])}</td><td>{e(use.get('as_of', ''))}</td>"
            f"<td>{e(use.get('confidence', ''))}</td>"
            f"<td>{sources or 'unsourced: ' + e(use.get('note', ''))}</td></tr>")

    data = {"fans": {name: views.fan(result, name) for name in _FANS},
            "distribution": views.histogram(result, "npv_usd")}
    chartjs_file = views.chartjs_path()
    chartjs = chartjs_file.read_text() if chartjs_file.is_file() else None
    scripts = (
        f"<script>{chartjs}</script><script>{(_STATIC / 'charts.js').read_text()}</script>"
        f"<script>const data = {_script_json(data)};\n{_DRAW}</script>"
        if chartjs else "")
    charts = ("".join(f"<div class='card'><canvas id='chart-{n}'></canvas></div>" for n in ("npv", *_FANS))
              if chartjs else "<p>Charts need Chart.js (Debian's libjs-chart.js) where the report is made.</p>")
    npv = summary.loc["npv_usd"]
    title = title or f"infersim: {result.scenario}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{(_STATIC / 'style.css').read_text()}
body {{ padding: 0 1.2em 2em; }} section {{ margin-top: 1.2em; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(28em, 1fr)); gap: 1em; }}</style>
</head><body class="report">
<h1>{e(title)}</h1>
<p>{result.paths:,} paths, seed {result.seed}, {e(result.sampler)}{' (antithetic)' if result.antithetic else ''},
years {result.years[0]}&ndash;{result.years[-1]}; engine {e(result.engine_version)}; quantiles {e(result.quantile_method)}
(rank error &le; {100 * result.quantile_rank_error:.2g}%).</p>
<p class="big" id="prob-npv-positive" data-value="{float(npv['prob_positive'])!r}">P(NPV &gt; 0) {_percent(npv['prob_positive'])}</p>
<section><h2>Summary</h2><table id="summary"><thead><tr><th>metric</th><th>unit</th><th class='num'>p5</th>
<th class='num'>median</th><th class='num'>p95</th><th class='num'>mean</th><th class='num'>P(&gt; 0)</th>
<th class='num'>defined</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>
<section class="grid">{charts}</section>
<section><h2>Claims</h2><table id="claims"><thead><tr><th>claim</th><th>claimed</th><th class='num'>median</th>
<th class='num'>P(holds)</th></tr></thead><tbody>{claim_rows or '<tr><td colspan=4>none</td></tr>'}</tbody></table></section>
{f'<section><h2>Inputs</h2><table id="inputs"><thead><tr><th>input</th><th>distribution</th><th class=num>median</th><th>uncertain</th></tr></thead><tbody>{inputs}</tbody></table></section>' if inputs else ''}
<section><h2>Reference figures used</h2><table id="catalog"><thead><tr><th>input</th><th>catalog entry</th>
<th class='num'>value</th><th>unit</th><th>as of</th><th>confidence</th><th>sources</th></tr></thead>
<tbody>{''.join(catalog) or '<tr><td colspan=7>none: every number is written in the scenario</td></tr>'}</tbody></table></section>
{scripts}
</body></html>
"""


_DRAW = """
InfersimCharts.histogram(document.getElementById("chart-npv"), data.distribution, null);
for (const [name, fan] of Object.entries(data.fans)) {
  InfersimCharts.fan(document.getElementById(`chart-${name}`), fan, null);
}
document.body.dataset.state = "ready";
"""


def write_report(
    scenario: Union[Scenario, str, os.PathLike[str]],
    out: Union[str, os.PathLike[str]],
    paths: Optional[int] = None,
    seed: Optional[int] = None,
) -> Result:
    """Run `scenario` (keeping NPV's samples for its histogram) and write the report to
    `out` atomically: the file is complete or untouched."""
    from .result import run
    from .scenario import as_scenario

    scenario = as_scenario(scenario)
    result = run(scenario, paths=paths, seed=seed, keep_samples=["npv_usd"], progress=False)
    page = report_html(result, scenario)
    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
    return result
