// One chart for an iframe: /embed?scenario=NAME&metric=METRIC[&paths=N&seed=S&overrides=JSON].
// A series (revenue_usd, ...) is drawn as a fan chart, a scalar (npv_usd, ...) as a histogram.
"use strict";

(async () => {
  const params = new URLSearchParams(location.search);
  const caption = document.getElementById("caption");
  const fail = (message) => {
    document.body.dataset.state = "error";
    caption.textContent = `error: ${message}`;
  };
  try {
    if (typeof Chart === "undefined") throw new Error("Chart.js did not load: install Debian's libjs-chart.js");
    const metric = params.get("metric") || "npv_usd";
    const schema = await (await fetch("/schema/result.json")).json();
    const isSeries = metric in schema.properties.series.properties;
    if (!isSeries && !(metric in schema.properties.scalars.properties)) throw new Error(`unknown metric "${metric}"`);
    const body = {
      scenario: params.get("scenario") || "default",
      overrides: JSON.parse(params.get("overrides") || "{}"),
      paths: +(params.get("paths") || 20000),
      seed: +(params.get("seed") || 1),
      series: isSeries ? [metric] : [],
      scalar: isSeries ? "npv_usd" : metric,
      tornado_metric: null,
    };
    const response = await fetch("/api/dashboard", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const view = await response.json();
    if (!response.ok) throw new Error(view.error || response.statusText);
    const canvas = document.getElementById("chart");
    if (isSeries) {
      InfersimCharts.fan(canvas, view.fans[metric], null);
      caption.textContent = `${view.scenario}: ${view.paths.toLocaleString()} paths, seed ${view.seed}`;
    } else {
      const d = view.distribution;
      InfersimCharts.histogram(canvas, d, null);
      caption.innerHTML = `${view.scenario}: P(&gt; 0) <b id="prob-positive" data-value="${d.prob_positive}">` +
        `${InfersimCharts.percent(d.prob_positive)}</b>, ${view.paths.toLocaleString()} paths, seed ${view.seed}`;
    }
    document.body.dataset.state = "ready";
  } catch (err) {
    fail(err.message);
  }
})();
