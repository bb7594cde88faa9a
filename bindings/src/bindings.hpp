#pragma once
/// What the binding files share: the register_<area>() functions that module.cpp calls, and
/// conversions between Python objects and JSON. pybind11 is included here and in
/// bindings/src only; the engine never sees it.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "infersim/result.hpp"
#include "infersim/precision.hpp"
#include "infersim/simulation.hpp"

namespace infersim::bindings {

namespace py = pybind11;

/// Distribution, Input, Claim, Scenario.
void register_scenario(py::module_& m);
/// Result and run().
void register_run(py::module_& m);
/// Comparisons (stress, compare), solve, sweep.
void register_analysis(py::module_& m);
/// Tornado, Spearman, Sobol.
void register_sensitivity(py::module_& m);
/// Partial runs: the pilot, block ranges, their merge (infersim.distributed).
void register_partial(py::module_& m);

/// Run options from Python keyword arguments, checked while the GIL is held (Python's
/// negative ints would otherwise fail the conversion to unsigned with a vague TypeError).
RunOptions run_options(std::optional<std::int64_t> paths, std::optional<std::uint64_t> seed,
                       const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads);

/// The targets of a run to a target precision (`target_se` specs), checked.
PrecisionOptions precision_options(const Scenario& scenario, const std::vector<std::string>& target_se,
                                   std::optional<std::uint64_t> target_step);

/// Call `body` with the GIL released, on a worker thread. `options.progress` and
/// `options.cancel` are set so that the engine's progress reports reach `progress(done,
/// total)` (None: nothing) on this thread, in order, while this thread checks for Ctrl-C
/// every few milliseconds; KeyboardInterrupt or the progress function's exception stops the
/// engine at its next block and is raised here.
void call_with_progress(RunOptions& options, const py::object& progress, const std::function<void()>& body);

/// An atexit hook after which no thread in C++ takes the GIL (see without_gil).
void register_exit_guard(py::module_& m);

/// `body()` with the GIL released, taken back whatever `body` throws; at interpreter exit
/// the thread never takes it back (that would end the thread by pthread_exit, whose
/// unwinding through C++ aborts the process) but sleeps until the process ends. Use it,
/// not py::gil_scoped_release, around engine calls.
void without_gil(const std::function<void()>& body);

/// For engine calls with a cancel flag but no progress reports: `body(cancel)` runs on a
/// worker thread while this one, GIL released, checks for Ctrl-C every few milliseconds;
/// on a signal it sets the flag, waits for the worker and raises KeyboardInterrupt.
void call_watched(const std::function<void(const std::atomic<bool>* cancel)>& body);

/// `save(path)`: `text` written by AtomicFile, never over one of `inputs` (the scenario
/// files) or the catalog's files; for stdout (`-`) Python's sys.stdout is flushed first.
void save_file(const std::filesystem::path& path, std::vector<std::string> inputs, const std::string& text);

/// Statistic names of the result JSON, in its order (`prob_negative` last when asked, as
/// for differences).
std::vector<std::string> statistic_names(bool with_negative = false);

/// Statistics of one metric, columns as statistic_names(with_negative): shape (S,) for a
/// scalar, (years, S) for a series. `where` names the argument in errors.
py::array_t<double> metric_statistics(const std::vector<MetricStats>& metrics, int horizon_years,
                                      const std::string& metric, bool with_negative, const std::string& where);

/// A Python value made of dicts, lists, strings, numbers, bools and None, as JSON.
/// `path` names the value in error messages (`market.spend0_usd`, `clusters[1]`).
/// Throws InputError for non-finite floats, non-string keys, text that is not valid
/// Unicode and nesting deeper than k_max_json_depth (`depth` counts the levels above),
/// TypeError for other types.
nlohmann::json to_json_value(py::handle obj, const std::string& path, int depth = 0);

/// JSON as plain Python objects (dict, list, str, int, float, bool, None).
template <class Json>
py::object to_python(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(j.template get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.template get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.template get<std::uint64_t>());
    case Json::value_t::number_float:
      return py::float_(j.template get<double>());
    case Json::value_t::string:
      return py::str(j.template get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list out(j.size());
      for (std::size_t i = 0; i < j.size(); ++i) out[i] = to_python(j[i]);
      return out;
    }
    case Json::value_t::object: {
      py::dict out;
      for (const auto& [key, value] : j.items()) out[py::str(key)] = to_python(value);
      return out;
    }
    default:
      throw py::type_error("JSON value of type " + std::string(j.type_name()) + " has no Python form");
  }
}

}  // namespace infersim::bindings
