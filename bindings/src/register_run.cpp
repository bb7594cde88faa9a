// run() and its Result. The GIL is released while the engine runs (engine_call.cpp: Ctrl-C
// and the progress function stop it).
#include <algorithm>
#include <optional>
#include <vector>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/precision.hpp"
#include "infersim/non_finite.hpp"
#include "infersim/simulation.hpp"

namespace infersim::bindings {
namespace {

void write_statistics(const MetricStats& s, bool with_negative, double* row) {
  for (const auto& name : statistic_names(with_negative)) *row++ = s.get(name);
}

/// The kept per-path values of a metric, as a read-only view that keeps the Result alive.
py::array samples(const py::object& self, const std::string& name) {
  const auto& r = self.cast<const RunResult&>();
  // A segment's series (revenue_usd.small-open, model-v2 §B) is a series; the rest by name.
  const bool series = name.find('.') != std::string::npos || require_metric(name, "samples").series;
  const auto it = r.samples.find(name);
  if (it == r.samples.end()) {
    throw InputError("samples: \"" + name + "\" was not kept; run with keep_samples=[\"" + name + "\"]");
  }
  const auto n = static_cast<py::ssize_t>(r.paths);
  std::vector<py::ssize_t> shape{n};
  if (series) shape.push_back(r.horizon_years());
  py::array out(py::dtype::of<double>(), shape, {}, it->second.data(), self);
  out.attr("flags").attr("writeable") = false;
  return out;
}

std::string result_text(const RunResult& r) { return to_json(r).dump(2) + "\n"; }

RunResult run_scenario(const Scenario& scenario, std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                       const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads,
                       const std::vector<std::string>& keep_samples, const std::vector<double>& quantiles,
                       const std::vector<std::pair<std::string, std::vector<double>>>& thresholds,
                       const py::object& progress, const std::vector<std::string>& target_se,
                       std::optional<std::uint64_t> target_step) {
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  opt.keep_samples = keep_samples;
  opt.quantiles = quantiles;
  opt.thresholds = thresholds;
  (void)resolve_settings(scenario, opt);  // checked with the GIL held, before the run
  std::optional<PrecisionOptions> precision;
  if (!target_se.empty() || target_step) {
    precision = precision_options(scenario, target_se, target_step);
  }
  std::optional<RunResult> result;
  call_with_progress(opt, progress, [&] {
    result = precision ? run_to_precision(scenario, opt, *precision) : run(scenario, opt);
  });
  return std::move(*result);
}

}  // namespace

PrecisionOptions precision_options(const Scenario& scenario, const std::vector<std::string>& target_se,
                                   std::optional<std::uint64_t> target_step) {
  PrecisionOptions p;
  for (const auto& spec : target_se) p.targets.push_back(SeTarget::parse(spec, scenario, "target_se"));
  if (target_step) p.step = *target_step;
  check_precision(p);
  return p;
}

std::vector<std::string> statistic_names(bool with_negative) {
  std::vector<std::string> names = infersim::statistic_names();  // the result JSON's order
  if (with_negative) names.emplace_back("prob_negative");
  return names;
}

py::array_t<double> metric_statistics(const std::vector<MetricStats>& metrics, int T, const std::string& name,
                                      bool with_negative, const std::string& where) {
  const MetricKind metric = require_metric(name, where);
  const auto S = static_cast<py::ssize_t>(statistic_names(with_negative).size());
  if (!metric.series) {
    py::array_t<double> out(S);
    write_statistics(metrics[static_cast<std::size_t>(metric_index(static_cast<Scalar>(metric.index), T))],
                     with_negative, out.mutable_data());
    return out;
  }
  py::array_t<double> out({static_cast<py::ssize_t>(T), S});
  for (int t = 0; t < T; ++t) {
    write_statistics(metrics[static_cast<std::size_t>(metric_index(static_cast<Series>(metric.index), t, T))],
                     with_negative, out.mutable_data(t, 0));
  }
  return out;
}

void register_run(py::module_& m) {
  m.attr("statistic_names") = py::tuple(py::cast(statistic_names()));
  m.attr("series_names") = py::tuple(py::cast(std::vector<std::string>(k_series_names.begin(), k_series_names.end())));
  m.attr("scalar_names") = py::tuple(py::cast(std::vector<std::string>(k_scalar_names.begin(), k_scalar_names.end())));
  // The engine's table of metric units, labels and kinds (metric.hpp), read by infersim.metrics.
  m.attr("metric_table") = to_python(metric_table_json(true, true));
  m.def(
      "statistic_unit",
      [](const std::string& metric, const std::string& statistic) { return std::string(statistic_unit(metric, statistic)); },
      py::arg("metric"), py::arg("statistic"),
      "The unit of a statistic of a metric: the metric's, `fraction` for shares of paths, `years` for spreads of a year.");

  py::class_<ClaimResult>(m, "ClaimResult", "A claim with its verdict over the paths.")
      .def_readonly("claim", &ClaimResult::claim)
      .def_readonly("probability", &ClaimResult::probability, "Share of all paths where the claim holds.")
      .def_readonly("median", &ClaimResult::median, "The metric's p50.")
      .def_readonly("value_percentile", &ClaimResult::value_percentile,
                    "100 x share of defined values <= the claimed value.");

  py::class_<RunResult>(m, "Result", "What a run produces: statistics of every metric and claim.")
      .def_readonly("scenario", &RunResult::scenario)
      .def_readonly("engine_version", &RunResult::engine_version)
      .def_readonly("paths", &RunResult::paths)
      .def_readonly("seed", &RunResult::seed)
      .def_property_readonly("sampler", [](const RunResult& r) { return to_string(r.sampler); })
      .def_readonly("antithetic", &RunResult::antithetic)
      .def_readonly("replicates", &RunResult::replicates)
      .def_readonly("years", &RunResult::years)
      .def_readonly("quantile_method", &RunResult::quantile_method)
      .def_readonly("quantile_rank_error", &RunResult::quantile_rank_error)
      .def_readonly("elapsed_s", &RunResult::elapsed_s)
      .def_readonly("non_finite", &RunResult::non_finite,
                    "(output, paths) for outputs that were not finite on some paths (infinite, or NaN where "
                    "always defined); left out of their statistics.")
      .def_property_readonly("non_finite_warnings", &non_finite_warnings,
                             "The non-finite outputs as the CLI summary's warning lines.")
      .def_readonly("claims", &RunResult::claims)
      .def_property_readonly(
          "kept_samples",
          [](const RunResult& r) {
            std::vector<std::string> names;
            for (const auto& kv : r.samples) names.push_back(kv.first);
            return names;
          },
          "Names of the metrics whose per-path values were kept.")
      .def(
          "statistics",
          [](const RunResult& r, const std::string& metric) {
            return metric_statistics(r.metrics, r.horizon_years(), metric, false, "metric");
          },
          py::arg("metric"),
          "Statistics (columns as statistic_names): shape (S,) for a scalar, (years, S) for a series.")
      .def("samples", &samples, py::arg("metric"),
           "Kept per-path values, without a copy: shape (paths,) for a scalar, (paths, years) for a series.")
      .def("to_json", &result_text, "The result JSON text, exactly as `infersim run --out` writes it.")
      .def("to_dict", [](const RunResult& r) { return to_python(to_json(r)); })
      .def(
          "save",
          [](const RunResult& r, const std::filesystem::path& path, std::vector<std::string> inputs) {
            save_file(path, std::move(inputs), result_text(r));
          },
          py::arg("path"), py::arg("inputs") = std::vector<std::string>{},
          "Write the result JSON atomically: the file is complete or untouched; never over an input file "
          "(`inputs`, the catalog's files).");

  m.def(
      "save_text",
      [](const std::filesystem::path& path, const std::string& text, std::vector<std::string> inputs) {
        save_file(path, std::move(inputs), text);
      },
      py::arg("path"), py::arg("text"), py::arg("inputs") = std::vector<std::string>{},
      "Write text by the rules of `--out`: atomically, through links, never over an input file.");
  m.def("run", &run_scenario, py::arg("scenario"), py::kw_only(), py::arg("paths") = py::none(),
        py::arg("seed") = py::none(), py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(),
        py::arg("threads") = 0, py::arg("keep_samples") = std::vector<std::string>{},
        py::arg("quantiles") = std::vector<double>{},
        py::arg("thresholds") = std::vector<std::pair<std::string, std::vector<double>>>{}, py::arg("progress") = py::none(),
        py::arg("target_se") = std::vector<std::string>{}, py::arg("target_step") = py::none(),
        "Run a scenario (to a target precision with target_se: paths is then the cap). Unset options take the scenario's values; threads=0 uses every core. "
        "KeyboardInterrupt (or an exception from progress(done, total)) stops the run.");
}

}  // namespace infersim::bindings
