// Charts of infersim's views (infersim/views.py) with Chart.js: fan charts by year, a
// histogram with P(> 0), a tornado. Shared by the live page, the embed and the HTML report.
"use strict";

const InfersimCharts = (() => {
  const blue = "rgb(31, 95, 168)";
  const band = (alpha) => `rgba(31, 95, 168, ${alpha})`;

  /** A number in a metric's unit (the engine's metric table), for people: $1.2B, 35.0%,
   * 2031, $0.421/Mtok, 1.23e+15 tokens/yr. */
  function format(x, unit) {
    if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
    const perToken = unit && (unit.startsWith("USD per") || unit === "USD/Mtok");
    if (unit && unit.startsWith("USD") && !perToken) {
      const sign = x < 0 ? "-" : "";
      const a = Math.abs(x);
      for (const [scale, suffix] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
        if (a >= scale) return `${sign}$${(a / scale).toFixed(1)}${suffix}`;
      }
      return `${sign}$${a.toFixed(0)}`;
    }
    if (unit === "fraction" || unit === "fraction/yr" || unit === "ratio") return `${(100 * x).toFixed(1)}%`;
    if (unit === "year") return x.toFixed(0);
    if (perToken) return `$${x.toPrecision(3)}${unit === "USD/Mtok" ? "/Mtok" : ""}`;
    return Math.abs(x) >= 1e6 ? x.toExponential(2) : x.toPrecision(3);
  }

  /** P(holds), P(> 0): a share of paths as a percentage with one decimal. */
  function percent(p) {
    return p === null || p === undefined ? "n/a" : `${(100 * p).toFixed(1)}%`;
  }

  const baseOptions = (unit, title) => ({
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      title: { display: !!title, text: title },
      legend: { display: false },
      tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y ?? c.parsed.x, unit)}` } },
    },
    scales: { y: { ticks: { callback: (v) => format(v, unit) } } },
  });

  function replace(chart, canvas, config) {
    if (chart) {
      chart.data = config.data;
      chart.options = config.options;
      chart.update("none");
      return chart;
    }
    return new Chart(canvas, config);
  }

  /** p5..p95 and p25..p75 bands with the median, by year. */
  function fan(canvas, view, chart) {
    const line = (label, data, fill, bg, width) => ({
      label, data, fill, backgroundColor: bg, borderColor: width ? blue : "transparent",
      borderWidth: width, pointRadius: 0, tension: 0.2,
    });
    const config = {
      type: "line",
      data: {
        labels: view.years,
        datasets: [
          line("p95", view.p95, false, band(0), 0),
          line("p5", view.p5, "-1", band(0.15), 0),
          line("p75", view.p75, false, band(0), 0),
          line("p25", view.p25, "-1", band(0.3), 0),
          line("median", view.p50, false, blue, 2),
        ],
      },
      options: baseOptions(view.unit, `${view.label} (p5–p95, p25–p75, median)`),
    };
    config.options.plugins.legend.display = false;
    return replace(chart, canvas, config);
  }

  /** A histogram of kept samples; bars below zero in red. Without samples, the percentiles. */
  function histogram(canvas, view, chart) {
    let config;
    if (view.counts.length) {
      const mids = view.counts.map((_, i) => (view.edges[i] + view.edges[i + 1]) / 2);
      const total = view.total;
      config = {
        type: "bar",
        data: {
          labels: mids.map((m) => format(m, view.unit)),
          datasets: [{
            label: "share of paths",
            data: view.counts.map((c) => c / total),
            backgroundColor: mids.map((m) => (m < 0 ? "rgba(190, 60, 50, 0.75)" : band(0.75))),
            barPercentage: 1.0,
            categoryPercentage: 1.0,
          }],
        },
        options: baseOptions("fraction", `${view.label}: P(> 0) = ${percent(view.prob_positive)}`),
      };
      config.options.plugins.tooltip.callbacks.label = (c) => `${percent(c.parsed.y)} of paths`;
      config.options.scales.x = { ticks: { maxTicksLimit: 8, maxRotation: 0 } };
    } else {
      const ps = ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"];
      config = {
        type: "line",
        data: {
          labels: ps.map((p) => format(view[p], view.unit)),
          datasets: [{ label: "share of paths below", data: ps.map((p) => +p.slice(1) / 100),
                       borderColor: blue, pointRadius: 2 }],
        },
        options: baseOptions("fraction", `${view.label}: cumulative distribution, P(> 0) = ${percent(view.prob_positive)}`),
      };
    }
    return replace(chart, canvas, config);
  }

  /** Each input's low and high value of the metric around its base, largest swing first. */
  function tornado(canvas, view, chart, max = 8) {
    const rows = view.inputs.slice(0, max);
    const config = {
      type: "bar",
      data: {
        labels: rows.map((r) => r.input.replace(/^clusters\./, "")),
        datasets: [
          { label: "input at p10", data: rows.map((r) => [view.base, r.low]), backgroundColor: "rgba(190, 60, 50, 0.7)" },
          { label: "input at p90", data: rows.map((r) => [view.base, r.high]), backgroundColor: band(0.7) },
        ],
      },
      options: {
        ...baseOptions(view.unit, `${view.label}: each input at its p10 and p90`),
        indexAxis: "y",
      },
    };
    config.options.plugins.legend.display = true;
    config.options.scales = {
      x: { beginAtZero: false, ticks: { callback: (v) => format(v, view.unit) } },
      y: { stacked: true },
    };
    config.options.plugins.tooltip.callbacks.label = (c) => `${c.dataset.label}: ${format(c.raw[1], view.unit)}`;
    return replace(chart, canvas, config);
  }

  return { format, percent, fan, histogram, tornado };
})();
