// Questions asked of many runs: comparisons on common random numbers (stress, compare), goal
// seeking (solve) and sweeps. Each releases the GIL and stops on Ctrl-C like run().
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "infersim/analysis.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"

namespace infersim::bindings {
namespace {

using Grid = std::vector<std::pair<std::string, std::vector<double>>>;

template <class R>
std::string json_text(const R& r) {
  return to_json(r).dump(2) + "\n";
}

/// `obj.to_json()`, `obj.to_dict()` and `obj.save(path)`: the JSON the command line writes.
template <class R, class Class>
void def_json(Class& cls, const char* command) {
  const std::string what = std::string("The JSON text, exactly as `infersim ") + command + " --out` writes it.";
  cls.def("to_json", &json_text<R>, what.c_str())
      .def(
          "to_dict", [](const R& r) { return to_python(to_json(r)); },
          "The JSON as a dict (undefined numbers are None).")
      .def(
          "save",
          [](const R& r, const std::filesystem::path& path, std::vector<std::string> inputs) {
            save_file(path, std::move(inputs), json_text(r));
          },
          py::arg("path"), py::arg("inputs") = std::vector<std::string>{},
          "Write the JSON atomically: the file is complete or untouched; never over an input file.");
}

/// Inputs and values of evaluations as rows of one array: shape (evaluations, inputs + values).
py::array_t<double> evaluation_rows(const std::vector<Evaluation>& evaluations, std::size_t inputs,
                                    std::size_t values) {
  py::array_t<double> out({static_cast<py::ssize_t>(evaluations.size()), static_cast<py::ssize_t>(inputs + values)});
  for (std::size_t i = 0; i < evaluations.size(); ++i) {
    double* row = out.mutable_data(static_cast<py::ssize_t>(i), 0);
    row = std::copy(evaluations[i].inputs.begin(), evaluations[i].inputs.end(), row);
    std::copy(evaluations[i].values.begin(), evaluations[i].values.end(), row);
  }
  return out;
}

ComparisonResult stress(const Scenario& scenario, const std::vector<std::string>& names,
                        std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                        const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads,
                        const py::object& progress) {
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  std::optional<ComparisonResult> result;
  call_with_progress(opt, progress, [&] { result = run_stresses(scenario, names, opt); });
  return std::move(*result);
}

ComparisonResult compare(const Scenario& base, const std::vector<std::pair<std::string, Scenario>>& variants,
                         std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                         const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads,
                         const py::object& progress) {
  if (variants.empty()) throw InputError("compare: give at least one scenario to compare with the base");
  std::set<std::string> seen;
  for (const auto& [name, sc] : variants) {
    if (!seen.insert(name).second) {
      throw InputError("compare: two variants are named \"" + name + "\"; name them with a dict {name: scenario}");
    }
  }
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  std::optional<ComparisonResult> result;
  call_with_progress(opt, progress, [&] { result = run_compared(base, variants, opt); });
  // Each run is labelled with the name it was given: a what-if made with with_overrides keeps
  // its base's scenario name, which is all the engine labels a run with.
  for (auto& v : result->variants) v.result.scenario = v.name;
  return std::move(*result);
}

SolveResult solve_input(const Scenario& scenario, const std::string& input, double lo, double hi,
                        const std::string& target, double value, std::optional<std::int64_t> paths,
                        std::optional<std::uint64_t> seed, const std::optional<std::string>& sampler,
                        std::optional<bool> antithetic, int threads, double x_tolerance, int max_runs,
                        const py::object& progress) {
  const StatisticRef statistic = StatisticRef::parse(target, scenario, "target");
  for (const auto& [name, x] : {std::pair{"lo", lo}, std::pair{"hi", hi}, std::pair{"value", value}}) {
    if (!std::isfinite(x)) throw InputError(std::string(name) + ": expected a finite number, got " + format_number(x));
  }
  if (!(x_tolerance >= 0 && std::isfinite(x_tolerance))) {
    throw InputError("x_tolerance: must be a finite number >= 0 (0: a millionth of the range), got " +
                     format_number(x_tolerance));
  }
  if (max_runs < 3) {
    throw InputError("max_runs: must be >= 3 (both ends and one step), got " + std::to_string(max_runs));
  }
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  std::optional<SolveResult> result;
  call_with_progress(opt, progress, [&] {
    result = solve(scenario, input, lo, hi, statistic, value, opt, x_tolerance, max_runs);
  });
  return std::move(*result);
}

SweepResult sweep_grid(const Scenario& scenario, const Grid& grid, const std::vector<std::string>& statistics,
                       std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                       const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads,
                       const py::object& progress) {
  std::vector<StatisticRef> refs;
  for (const auto& s : statistics) refs.push_back(StatisticRef::parse(s, scenario, "statistics"));
  for (const auto& [input, values] : grid) {
    for (double x : values) {
      if (!std::isfinite(x)) throw InputError("sweep: " + input + ": expected finite values, got " + format_number(x));
    }
  }
  RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
  std::optional<SweepResult> result;
  call_with_progress(opt, progress, [&] { result = sweep(scenario, grid, refs, opt); });
  return std::move(*result);
}

}  // namespace

void register_analysis(py::module_& m) {
  m.attr("difference_statistic_names") = py::tuple(py::cast(statistic_names(true)));

  py::class_<VariantResult>(m, "Variant", "A variant run beside a base on the same paths.")
      .def_readonly("name", &VariantResult::name)
      .def_readonly("result", &VariantResult::result)
      .def(
          "difference",
          [](const VariantResult& v, const std::string& metric) {
            return metric_statistics(v.difference, v.result.horizon_years(), metric, true, "metric");
          },
          py::arg("metric"),
          "Statistics of the path-by-path difference (variant minus base), columns as "
          "difference_statistic_names: shape (S,) for a scalar, (years, S) for a series.");

  py::class_<ComparisonResult> comparison(m, "Comparison", "A base and its variants, run with common random numbers.");
  comparison.def_readonly("base", &ComparisonResult::base)
      .def_property_readonly(
          "variants",
          [](py::object self) {
            py::list out;
            for (const auto& v : self.cast<const ComparisonResult&>().variants) {
              out.append(py::cast(&v, py::return_value_policy::reference_internal, self));
            }
            return out;
          },
          "The variants, in the order they were given.");
  def_json<ComparisonResult>(comparison, "stress");

  py::class_<SolveResult> solve_result(m, "SolveResult", "The input value at which a statistic meets its target.");
  solve_result.def_readonly("input", &SolveResult::input)
      .def_property_readonly("statistic", [](const SolveResult& r) { return r.statistic.to_string(); })
      .def_readonly("target", &SolveResult::target)
      .def_readonly("root", &SolveResult::root)
      .def_readonly("achieved", &SolveResult::achieved)
      .def_property_readonly(
          "bracket", [](const SolveResult& r) { return std::pair(r.lo, r.hi); }, "The final bracket (lo, hi).")
      .def_property_readonly(
          "trace", [](const SolveResult& r) { return evaluation_rows(r.trace, 1, 1); },
          "Every run in order: shape (runs, 2), columns input value and statistic.");
  def_json<SolveResult>(solve_result, "solve");

  py::class_<SweepResult> sweep_result(m, "SweepResult", "Statistics at every point of a grid of one or two inputs.");
  sweep_result.def_readonly("inputs", &SweepResult::inputs)
      .def_property_readonly("statistics",
                             [](const SweepResult& r) {
                               std::vector<std::string> names;
                               for (const auto& s : r.statistics) names.push_back(s.to_string());
                               return names;
                             })
      .def_property_readonly(
          "points",
          [](const SweepResult& r) { return evaluation_rows(r.points, r.inputs.size(), r.statistics.size()); },
          "One row a point (first input slowest): the input values, then the statistics.");
  def_json<SweepResult>(sweep_result, "sweep");

  m.def("stress", &stress, py::arg("scenario"), py::arg("names") = std::vector<std::string>{}, py::kw_only(),
        py::arg("paths") = py::none(), py::arg("seed") = py::none(), py::arg("sampler") = py::none(),
        py::arg("antithetic") = py::none(), py::arg("threads") = 0, py::arg("progress") = py::none(),
        "Run the scenario's stresses (all, or those named) beside it on the same paths.");
  m.def("compare", &compare, py::arg("base"), py::arg("variants"), py::kw_only(), py::arg("paths") = py::none(),
        py::arg("seed") = py::none(), py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(),
        py::arg("threads") = 0, py::arg("progress") = py::none(),
        "Run (name, scenario) variants beside a base on the same paths; they need the base's inputs.");
  m.def("solve", &solve_input, py::arg("scenario"), py::arg("input"), py::arg("lo"), py::arg("hi"), py::kw_only(),
        py::arg("target"), py::arg("value"), py::arg("paths") = py::none(), py::arg("seed") = py::none(),
        py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(), py::arg("threads") = 0,
        py::arg("x_tolerance") = 0.0, py::arg("max_runs") = 40, py::arg("progress") = py::none(),
        "Find the value of `input` in [lo, hi] at which the statistic `target` equals `value` (TOMS 748).");
  m.def("sweep", &sweep_grid, py::arg("scenario"), py::arg("grid"), py::arg("statistics"), py::kw_only(),
        py::arg("paths") = py::none(), py::arg("seed") = py::none(), py::arg("sampler") = py::none(),
        py::arg("antithetic") = py::none(), py::arg("threads") = 0, py::arg("progress") = py::none(),
        "Full runs at every point of a grid [(input, values)] of one or two inputs.");
}

}  // namespace infersim::bindings
