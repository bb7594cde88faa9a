// The live page: pick a bundled scenario, move sliders (each an override of one uncertain
// input), and redraw from POST /api/dashboard. Only the newest request counts: an older
// one still running is aborted.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const PATHS = 20000;
  const SEED = 1;
  let scenarios = [];
  let overrides = {};
  let charts = {};
  let pending = null;
  let timer = null;
  let updates = 0;

  function setState(state, text) {
    document.body.dataset.state = state;
    $("status").textContent = text;
  }

  function request() {
    return { scenario: $("scenario").value, overrides, paths: PATHS, seed: SEED };
  }

  async function update() {
    if (pending) pending.abort();
    pending = new AbortController();
    const body = request();
    document.body.dataset.overrides = JSON.stringify(overrides);
    setState("running", "running…");
    const t0 = performance.now();
    let view;
    try {
      const response = await fetch("/api/dashboard", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body), signal: pending.signal,
      });
      view = await response.json();
      if (!response.ok) throw new Error(view.error || response.statusText);
    } catch (err) {
      if (err.name === "AbortError") return;
      setState("error", `error: ${err.message}`);
      return;
    }
    draw(view);
    updates += 1;
    document.body.dataset.updates = String(updates);
    document.body.dataset.request = JSON.stringify(body);
    setState("ready", `${view.paths.toLocaleString()} paths, seed ${view.seed}: ` +
      `${(1000 * view.elapsed_s).toFixed(0)} ms run, ${(performance.now() - t0).toFixed(0)} ms in all`);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 60);
  }

  function draw(view) {
    const d = view.distribution;
    const prob = $("prob-npv-positive");
    prob.textContent = InfersimCharts.percent(d.prob_positive);
    prob.dataset.value = String(d.prob_positive);
    $("npv-range").textContent = `NPV p5 ${InfersimCharts.format(d.p5, d.unit)}, median ` +
      `${InfersimCharts.format(d.p50, d.unit)}, p95 ${InfersimCharts.format(d.p95, d.unit)}`;
    charts.npv = InfersimCharts.histogram($("chart-npv"), d, charts.npv);
    for (const name of Object.keys(view.fans)) {
      charts[name] = InfersimCharts.fan($(`chart-${name}`), view.fans[name], charts[name]);
    }
    if (view.tornado) {
      charts.tornado = InfersimCharts.tornado($("chart-tornado"), view.tornado, charts.tornado);
    } else if (charts.tornado) {  // every input fixed: nothing to rank
      charts.tornado.destroy();
      charts.tornado = null;
    }
    const rows = view.claims.map((c) => {
      const claimed = `${c.label}${c.year ? " " + c.year : ""} ${c.op === "approx" ? "≈" : c.op} ` +
        `${InfersimCharts.format(c.value, c.unit)}${c.rel_tol ? ` ±${(100 * c.rel_tol).toFixed(0)}%` : ""}`;
      return `<tr><td><code>${escape(c.id)}</code></td><td>${escape(claimed)}</td>` +
        `<td>${InfersimCharts.format(c.median, c.unit)}</td>` +
        `<td class="num" data-value="${c.probability}">${InfersimCharts.percent(c.probability)}</td></tr>`;
    });
    $("claims").tBodies[0].innerHTML = rows.join("") || `<tr><td colspan="4">no claims</td></tr>`;
  }

  function escape(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  function sliders(info) {
    const box = $("sliders");
    box.innerHTML = "";
    for (const input of info.inputs.slice(0, 8)) {
      if (!(input.p95 > input.p5)) continue;
      const row = document.createElement("div");
      row.className = "slider";
      const steps = input.whole ? Math.max(1, Math.round(input.p95 - input.p5)) : 100;
      const step = (input.p95 - input.p5) / steps;
      row.innerHTML = `<label title="${escape(input.distribution)}"><code>${escape(input.path)}</code>` +
        `<span class="value"></span></label>` +
        `<input type="range" min="${input.p5}" max="${input.p95}" step="${step}" value="${input.median}" ` +
        `data-path="${escape(input.path)}">` +
        `<div class="small">${escape(input.distribution)}</div>`;
      const range = row.querySelector("input");
      const value = row.querySelector(".value");
      const show = () => {
        const fixed = input.path in overrides;
        value.textContent = fixed ? ` = ${(+range.value).toPrecision(4)}` : " (uncertain)";
      };
      range.addEventListener("input", () => {
        overrides[input.path] = +range.value;
        show();
        schedule();
      });
      show();
      box.appendChild(row);
    }
  }

  function choose() {
    const info = scenarios.find((s) => s.name === $("scenario").value);
    overrides = {};
    $("description").textContent = info ? info.description : "";
    if (info) sliders(info);
    update();
  }

  async function start() {
    if (typeof Chart === "undefined") {
      setState("error", "Chart.js did not load: install Debian's libjs-chart.js on the server");
      return;
    }
    try {
      const response = await fetch("/api/scenarios");
      scenarios = await response.json();
      if (!response.ok) throw new Error(scenarios.error || response.statusText);
    } catch (err) {
      setState("error", `error: ${err.message}`);
      return;
    }
    const select = $("scenario");
    for (const s of scenarios) select.add(new Option(`${s.name} (${s.inputs.length} uncertain inputs)`, s.name));
    const wanted = new URLSearchParams(location.search).get("scenario");
    if (wanted && scenarios.some((s) => s.name === wanted)) select.value = wanted;
    select.addEventListener("change", choose);
    $("reset").addEventListener("click", choose);
    choose();
  }

  start();
})();
