// run() and its Result. The GIL is released while the engine runs; its progress callback
// (called on this thread between waves of blocks) takes the GIL back to check for Ctrl-C
// and to call the Python progress function, and cancels the run if either raises.
#include <algorithm>
#include <atomic>
#include <optional>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/simulation.hpp"

namespace infersim::bindings {
namespace {

/// The statistics of a MetricStats, in the order of the result JSON.
std::vector<std::string> statistic_names() {
  std::vector<std::string> names{"mean", "sd", "se", "min", "max"};
  for (int p : k_percentiles) names.push_back("p" + std::to_string(p));
  names.emplace_back("prob_positive");
  names.emplace_back("defined_fraction");
  return names;
}

void write_statistics(const MetricStats& s, double* row) {
  for (double x : {s.mean, s.sd, s.se, s.min, s.max}) *row++ = x;
  row = std::copy(s.percentiles.begin(), s.percentiles.end(), row);
  *row++ = s.prob_positive;
  *row = s.defined_fraction;
}

/// A metric by name: a series (one value a year) or a scalar (one value a path).
struct Metric {
  bool series = false;
  int index = 0;  ///< into k_series_names or k_scalar_names
};

Metric find_metric(const std::string& name, const std::string& where) {
  if (auto s = std::find(k_series_names.begin(), k_series_names.end(), name); s != k_series_names.end()) {
    return {true, static_cast<int>(s - k_series_names.begin())};
  }
  if (auto c = std::find(k_scalar_names.begin(), k_scalar_names.end(), name); c != k_scalar_names.end()) {
    return {false, static_cast<int>(c - k_scalar_names.begin())};
  }
  std::string known;
  for (auto n : k_scalar_names) known += (known.empty() ? "" : ", ") + std::string(n);
  for (auto n : k_series_names) known += ", " + std::string(n);
  throw InputError(where + ": unknown metric \"" + name + "\"; expected one of " + known);
}

/// Statistics of a metric: shape (statistics,) for a scalar, (years, statistics) for a series.
py::array_t<double> statistics(const RunResult& r, const std::string& name) {
  const Metric metric = find_metric(name, "metric");
  const auto S = static_cast<py::ssize_t>(statistic_names().size());
  const int T = r.horizon_years();
  if (!metric.series) {
    py::array_t<double> out(S);
    write_statistics(r.scalar(static_cast<Scalar>(metric.index)), out.mutable_data());
    return out;
  }
  py::array_t<double> out({static_cast<py::ssize_t>(T), S});
  for (int t = 0; t < T; ++t) write_statistics(r.series(static_cast<Series>(metric.index), t), out.mutable_data(t, 0));
  return out;
}

/// The kept per-path values of a metric, as a read-only view that keeps the Result alive.
py::array samples(const py::object& self, const std::string& name) {
  const auto& r = self.cast<const RunResult&>();
  const Metric metric = find_metric(name, "samples");
  const auto it = r.samples.find(name);
  if (it == r.samples.end()) {
    throw InputError("samples: \"" + name + "\" was not kept; run with keep_samples=[\"" + name + "\"]");
  }
  const auto n = static_cast<py::ssize_t>(r.paths);
  std::vector<py::ssize_t> shape{n};
  if (metric.series) shape.push_back(r.horizon_years());
  py::array out(py::dtype::of<double>(), shape, {}, it->second.data(), self);
  out.attr("flags").attr("writeable") = false;
  return out;
}

std::string result_text(const RunResult& r) { return to_json(r).dump(2) + "\n"; }

RunResult run_scenario(const Scenario& scenario, std::optional<std::int64_t> paths, std::optional<std::int64_t> seed,
                       const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads,
                       const std::vector<std::string>& keep_samples, const py::object& progress) {
  // Arguments are checked while the GIL is held; Python's negative ints would otherwise
  // fail the conversion to unsigned with an unhelpful TypeError.
  RunOptions opt;
  if (paths) {
    if (*paths < 1) throw InputError("paths: must be >= 1, got " + std::to_string(*paths));
    opt.paths = static_cast<std::uint64_t>(*paths);
  }
  if (seed) {
    if (*seed < 0) throw InputError("seed: must be >= 0, got " + std::to_string(*seed));
    opt.seed = static_cast<std::uint64_t>(*seed);
  }
  if (sampler) opt.sampler = parse_sampler(*sampler, "sampler");
  opt.antithetic = antithetic;
  if (threads < 0) throw InputError("threads: must be >= 0, got " + std::to_string(threads));
  opt.threads = threads;
  opt.keep_samples = keep_samples;
  for (const auto& name : keep_samples) (void)find_metric(name, "keep_samples");
  if (!progress.is_none() && !PyCallable_Check(progress.ptr())) {
    throw py::type_error("progress: expected a callable (done, total), got " + py::repr(progress).cast<std::string>());
  }

  std::atomic<bool> cancel{false};
  std::optional<py::error_already_set> raised;  // KeyboardInterrupt, or the progress function's error
  opt.cancel = &cancel;
  opt.progress = [&](std::uint64_t done, std::uint64_t total) {
    py::gil_scoped_acquire gil;
    if (raised) return;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!progress.is_none()) progress(done, total);
    } catch (py::error_already_set& e) {
      raised = std::move(e);
      cancel = true;
    }
  };

  std::optional<RunResult> result;
  try {
    py::gil_scoped_release release;
    result = run(scenario, opt);
  } catch (const Cancelled&) {
    if (raised) throw *raised;
    throw;
  }
  // A signal that arrived during the last wave stops nothing in the engine but must still
  // reach Python.
  if (raised) throw *raised;
  return std::move(*result);
}

}  // namespace

void register_run(py::module_& m) {
  m.attr("statistic_names") = py::tuple(py::cast(statistic_names()));
  m.attr("series_names") = py::tuple(py::cast(std::vector<std::string>(k_series_names.begin(), k_series_names.end())));
  m.attr("scalar_names") = py::tuple(py::cast(std::vector<std::string>(k_scalar_names.begin(), k_scalar_names.end())));

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
      .def_readonly("claims", &RunResult::claims)
      .def_property_readonly(
          "kept_samples",
          [](const RunResult& r) {
            std::vector<std::string> names;
            for (const auto& kv : r.samples) names.push_back(kv.first);
            return names;
          },
          "Names of the metrics whose per-path values were kept.")
      .def("statistics", &statistics, py::arg("metric"),
           "Statistics (columns as statistic_names): shape (S,) for a scalar, (years, S) for a series.")
      .def("samples", &samples, py::arg("metric"),
           "Kept per-path values, without a copy: shape (paths,) for a scalar, (paths, years) for a series.")
      .def("to_json", &result_text, "The result JSON text, exactly as `infersim run --out` writes it.")
      .def("to_dict", [](const RunResult& r) { return to_python(to_json(r)); })
      .def(
          "save",
          [](const RunResult& r, const std::filesystem::path& path) {
            AtomicFile(path.string()).commit(result_text(r));
          },
          py::arg("path"), "Write the result JSON atomically: the file is complete or untouched.");

  m.def("run", &run_scenario, py::arg("scenario"), py::kw_only(), py::arg("paths") = py::none(),
        py::arg("seed") = py::none(), py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(),
        py::arg("threads") = 0, py::arg("keep_samples") = std::vector<std::string>{}, py::arg("progress") = py::none(),
        "Run a scenario. Unset options take the scenario's values; threads=0 uses every core. "
        "KeyboardInterrupt (or an exception from progress(done, total)) stops the run.");
}

}  // namespace infersim::bindings
