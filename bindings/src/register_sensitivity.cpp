// Sensitivity analyses (docs/analysis.md, "Sensitivity"): tornado, Spearman rank
// correlations, Sobol indices. Each returns its result JSON as a dict, the same document
// `infersim tornado|spearman|sobol --out` writes, which the Python layer turns into a
// DataFrame. The engine reports no progress here, so Ctrl-C is watched from this thread
// (call_watched).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "infersim/error.hpp"
#include "infersim/sensitivity.hpp"

namespace infersim::bindings {
namespace {

py::object tornado_of(const Scenario& scenario, const std::string& metric, const std::string& method,
                      std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                      const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads) {
  const MetricRef ref = MetricRef::parse(metric, scenario, "metric");
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  std::optional<TornadoResult> r;
  if (method == "deterministic") {
    const char* given = paths ? "paths" : seed ? "seed" : sampler ? "sampler" : antithetic ? "antithetic" : nullptr;
    if (given) {
      throw InputError(std::string(given) +
                       ": not used by method=\"deterministic\", which evaluates the model at fixed points; use "
                       "method=\"montecarlo\" to sample");
    }
    without_gil([&] { r = tornado(scenario, ref); });  // 2 d + 1 evaluations: too quick to need Ctrl-C
  } else if (method == "montecarlo") {
    call_watched([&](const std::atomic<bool>* cancel) {
      opt.cancel = cancel;
      r = tornado(scenario, sample_paths(scenario, ref, opt));
    });
  } else {
    throw InputError("method: expected \"deterministic\" or \"montecarlo\", got \"" + method + "\"");
  }
  return to_python(to_json(*r));
}

py::object spearman_of(const Scenario& scenario, const std::string& metric, std::optional<std::int64_t> paths,
                       std::optional<std::uint64_t> seed, const std::optional<std::string>& sampler,
                       std::optional<bool> antithetic, int threads) {
  const MetricRef ref = MetricRef::parse(metric, scenario, "metric");
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  std::optional<SpearmanResult> r;
  call_watched([&](const std::atomic<bool>* cancel) {
    opt.cancel = cancel;
    r = spearman(scenario, sample_paths(scenario, ref, opt));
  });
  return to_python(to_json(*r));
}

/// The checks of `infersim sobol`, and its options.
SobolOptions sobol_options(const Scenario& scenario, std::int64_t base_rows, std::optional<std::uint64_t> seed,
                           std::int64_t bootstrap, double confidence, int threads) {
  if (base_rows < 2) throw InputError("base_rows: sobol needs at least 2 base rows, got " + std::to_string(base_rows));
  if (bootstrap < 0) throw InputError("bootstrap: must be >= 0 (0: no intervals), got " + std::to_string(bootstrap));
  const RunOptions run = run_options(std::nullopt, seed, std::nullopt, std::nullopt, threads);
  SobolOptions opt;
  opt.base_rows = static_cast<std::uint64_t>(base_rows);
  opt.seed = run.seed.value_or(scenario.simulation().seed);
  opt.bootstrap = static_cast<std::size_t>(bootstrap);
  opt.confidence = confidence;
  opt.threads = run.threads;
  return opt;
}

py::object sobol_of(const Scenario& scenario, const std::string& metric, std::int64_t base_rows,
                    std::optional<std::uint64_t> seed, std::int64_t bootstrap, double confidence, int threads) {
  const MetricRef ref = MetricRef::parse(metric, scenario, "metric");
  SobolOptions opt = sobol_options(scenario, base_rows, seed, bootstrap, confidence, threads);
  std::optional<SobolResult> r;
  call_watched([&](const std::atomic<bool>* cancel) {
    opt.cancel = cancel;
    r = sobol_indices(scenario, ref, opt);
  });
  return to_python(to_json(*r));
}

}  // namespace

void register_sensitivity(py::module_& m) {
  const SobolOptions defaults;
  m.def("tornado", &tornado_of, py::arg("scenario"), py::arg("metric"), py::kw_only(),
        py::arg("method") = "deterministic", py::arg("paths") = py::none(), py::arg("seed") = py::none(),
        py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(), py::arg("threads") = 0,
        "Tornado of a metric of one path: the `infersim tornado --out` JSON as a dict.");
  m.def("spearman", &spearman_of, py::arg("scenario"), py::arg("metric"), py::kw_only(), py::arg("paths") = py::none(),
        py::arg("seed") = py::none(), py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(),
        py::arg("threads") = 0, "Spearman rank correlations: the `infersim spearman --out` JSON as a dict.");
  m.def("sobol", &sobol_of, py::arg("scenario"), py::arg("metric"), py::kw_only(),
        py::arg("base_rows") = static_cast<std::int64_t>(defaults.base_rows),
        py::arg("seed") = py::none(), py::arg("bootstrap") = static_cast<std::int64_t>(defaults.bootstrap),
        py::arg("confidence") = defaults.confidence, py::arg("threads") = 0,
        "Sobol first-order and total indices: the `infersim sobol --out` JSON as a dict.");
  m.def(
      "sobol_design_rows",
      [](const Scenario& scenario, const std::string& metric, std::uint64_t first, std::uint64_t last,
         std::int64_t base_rows, std::optional<std::uint64_t> seed, std::int64_t bootstrap, double confidence,
         int threads) {
        const MetricRef ref = MetricRef::parse(metric, scenario, "metric");
        // bootstrap and confidence are checked, not used: so that a first call checks every option.
        SobolOptions opt = sobol_options(scenario, base_rows, seed, bootstrap, confidence, threads);
        std::vector<double> rows;
        call_watched([&](const std::atomic<bool>* cancel) {
          opt.cancel = cancel;
          rows = sobol_design_rows(scenario, ref, opt, first, last);
        });
        return py::array_t<double>(static_cast<py::ssize_t>(rows.size()), rows.data());
      },
      py::arg("scenario"), py::arg("metric"), py::arg("first"), py::arg("last"), py::kw_only(),
      py::arg("base_rows") = static_cast<std::int64_t>(defaults.base_rows), py::arg("seed") = py::none(),
      py::arg("bootstrap") = static_cast<std::int64_t>(defaults.bootstrap), py::arg("confidence") = defaults.confidence,
      py::arg("threads") = 0,
      "Rows [first, last) of a Sobol design, row by row: f(A), f(B), f(AB_i) for each input.");
  m.def(
      "sobol_from_rows",
      [](const Scenario& scenario, const std::string& metric, const py::array_t<double, py::array::c_style | py::array::forcecast>& rows,
         std::int64_t base_rows, std::optional<std::uint64_t> seed, std::int64_t bootstrap, double confidence, int threads) {
        const MetricRef ref = MetricRef::parse(metric, scenario, "metric");
        SobolOptions opt = sobol_options(scenario, base_rows, seed, bootstrap, confidence, threads);
        const std::span<const double> values(rows.data(), static_cast<std::size_t>(rows.size()));
        std::optional<SobolResult> r;
        call_watched([&](const std::atomic<bool>* cancel) {
          opt.cancel = cancel;
          r = sobol_from_rows(scenario, ref, opt, values);
        });
        return to_python(to_json(*r));
      },
      py::arg("scenario"), py::arg("metric"), py::arg("rows"), py::kw_only(),
      py::arg("base_rows") = static_cast<std::int64_t>(defaults.base_rows), py::arg("seed") = py::none(),
      py::arg("bootstrap") = static_cast<std::int64_t>(defaults.bootstrap), py::arg("confidence") = defaults.confidence,
      py::arg("threads") = 0,
      "Sobol indices from every row of the design in row order: sobol()'s JSON as a dict, the same bits.");
}

}  // namespace infersim::bindings
