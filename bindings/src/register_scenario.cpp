// Scenarios and their parts: Distribution, Input, Claim, Scenario.
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "infersim/cancel.hpp"
#include "infersim/error.hpp"
#include "infersim/simulation.hpp"
#include "infersim/scenario.hpp"

namespace infersim::bindings {
namespace {

std::string repr_of(const Distribution& d) { return "Distribution(" + d.describe() + ")"; }

/// A dict of path -> number or distribution dict, parsed as the scenario's own values.
std::vector<std::pair<std::string, Distribution>> parse_overrides(const py::dict& overrides) {
  std::vector<std::pair<std::string, Distribution>> out;
  for (const auto& [key, value] : overrides) {
    if (!py::isinstance<py::str>(key)) {
      throw InputError("overrides: keys must be input paths such as \"market.spend_growth\", got " +
                       py::repr(key).cast<std::string>());
    }
    const auto path = key.cast<std::string>();
    const std::string where = "overrides." + path;
    out.emplace_back(path, Distribution::from_json(to_json_value(value, where), where));
  }
  return out;
}

/// `load()` off the GIL on a watched thread: Ctrl-C (KeyboardInterrupt) stops it between the
/// tables of its beta and PERT distributions (infersim/cancel.hpp), which can take seconds.
Scenario load_watched(const std::function<Scenario()>& load) {
  std::optional<Scenario> out;
  call_watched([&](const std::atomic<bool>* cancel) {
    const CancelScope scope(cancel);
    out.emplace(load());
  });
  return std::move(*out);
}

}  // namespace

void register_scenario(py::module_& m) {
  py::class_<Distribution>(m, "Distribution", "An immutable distribution, sampled by its inverse CDF.")
      .def_static(
          "from_json",
          [](py::handle value, const std::string& path) {
            return Distribution::from_json(to_json_value(value, path), path);
          },
          py::arg("value"), py::arg("path") = "value",
          "Parse a number or a dict such as {\"dist\": \"pert\", \"min\": 0, \"mode\": 1, \"max\": 3}.")
      .def_property_readonly("kind", [](const Distribution& d) { return to_string(d.kind()); })
      .def_property_readonly("is_fixed", &Distribution::is_fixed)
      .def_property_readonly("median", &Distribution::median)
      .def_property_readonly(
          "support", [](const Distribution& d) { return std::pair(d.support_min(), d.support_max()); },
          "(smallest, largest) value the distribution can produce.")
      .def(
          "quantile",
          [](const Distribution& d, double u) {
            if (!(u > 0 && u < 1)) throw InputError("u: must be in (0, 1), got " + format_number(u));
            return d.quantile(u);
          },
          py::arg("u"), "Inverse CDF at u in (0, 1).")
      .def("describe", &Distribution::describe, "Short text such as 'pert(min=0.1, mode=0.28, max=0.5)'.")
      .def(
          "to_json", [](const Distribution& d) { return to_python(d.to_json()); },
          "The scenario form: a number for a fixed value, else a dict.")
      .def("__repr__", &repr_of);

  py::class_<Input>(m, "Input", "One numeric leaf of a scenario.")
      .def_readonly("path", &Input::path, "Dotted name, e.g. 'clusters.Hyperion.power_gw'.")
      .def_readonly("json_path", &Input::json_path, "Where it is written, e.g. 'clusters[1].power_gw'.")
      .def_readonly("distribution", &Input::dist)
      .def_readonly("whole", &Input::whole, "Sampled values are rounded to whole numbers.")
      .def_property_readonly(
          "domain", [](const Input& in) { return in.domain.describe(); }, "The values the model accepts, e.g. '>= 1'.")
      .def_property_readonly("uncertain", [](const Input& in) { return !in.dist.is_fixed(); })
      .def("__repr__", [](const Input& in) { return "Input(" + in.path + " = " + in.dist.describe() + ")"; });

  py::class_<Claim>(m, "Claim", "A published statement tested against the distribution of a metric.")
      .def_readonly("id", &Claim::id)
      .def_readonly("metric", &Claim::metric)
      .def_readonly("year", &Claim::year, "The year for a series metric, None for a scalar.")
      .def_property_readonly(
          "op", [](const Claim& c) { return to_string(c.op); }, "'approx', '>=' or '<='.")
      .def_readonly("value", &Claim::value)
      .def_readonly("rel_tol", &Claim::rel_tol, "Relative tolerance of 'approx' claims (0 otherwise).")
      .def("__repr__", [](const Claim& c) {
        return "Claim(" + c.id + ": " + c.metric + " " + to_string(c.op) + " " + format_number(c.value) + ")";
      });

  py::class_<Scenario>(m, "Scenario", "A validated scenario (docs/scenario-format.md). Immutable.")
      .def_static(
          "from_file",
          [](const std::filesystem::path& path) {
            return load_watched([file = path.string()] { return Scenario::from_file(file); });
          },
          py::arg("path"), "Read and validate a scenario file; errors name the JSON path or file:line:col.")
      .def_static(
          "from_dict",
          [](const py::dict& d) {
            auto doc = to_json_value(d, "");  // with the GIL: it reads Python objects
            return load_watched([&doc] { return Scenario::from_json(doc); });
          },
          py::arg("data"),
          "Validate a scenario given as a dict (the JSON document).")
      .def(
          "to_dict", [](const Scenario& s) { return to_python(s.to_json()); },
          "The scenario in canonical form, defaults written out.")
      .def_property_readonly("name", &Scenario::name)
      .def_property_readonly("description", &Scenario::description)
      .def_property_readonly("start_year", &Scenario::start_year)
      .def_property_readonly("horizon_years", &Scenario::horizon_years)
      .def_property_readonly("years", &Scenario::years)
      .def_property_readonly(
          "simulation",
          [](const Scenario& s) {
            const SimulationSettings& sim = s.simulation();
            py::dict d;
            d["paths"] = sim.paths;
            d["seed"] = sim.seed;
            d["sampler"] = to_string(sim.sampler);
            d["antithetic"] = sim.antithetic;
            return d;
          },
          "The scenario's run settings: paths, seed, sampler, antithetic.")
      .def_property_readonly(
          "inputs",
          [](const Scenario& s) {
            std::vector<Input> out;
            for (const Input& in : s.inputs()) {
              if (in.present) out.push_back(in);
            }
            return out;
          },
          "The inputs written in the scenario or defaulted, in schema order.")
      .def_property_readonly("input_paths", &Scenario::input_paths, "Every name with_overrides() accepts.")
      .def_property_readonly(
          "correlations",
          [](const Scenario& s) {
            std::vector<std::tuple<std::string, std::string, double>> out;
            for (const auto& c : s.correlations()) out.emplace_back(s.inputs()[c.a].path, s.inputs()[c.b].path, c.rho);
            return out;
          },
          "(input a, input b, rho) for each correlation.")
      .def_property_readonly("claims", &Scenario::claims)
      .def_property_readonly(
          "stresses",
          [](const Scenario& s) {
            std::vector<std::string> names;
            for (const auto& st : s.stresses()) names.push_back(st.name);
            return names;
          },
          "Names of the scenario's stresses.")
      .def(
          "with_overrides",
          [](const Scenario& s, const py::dict& overrides) { return s.with_overrides(parse_overrides(overrides)); },
          py::arg("overrides"), "A copy with inputs replaced: {path: number or distribution dict}.")
      .def("with_stress", &Scenario::with_stress, py::arg("name"), "A copy with a named stress applied.")
      .def(
          "validate",
          [](const Scenario& s) { check_simulation(s); },
          "Raise ValueError if the scenario's own run settings cannot be used.");
}

}  // namespace infersim::bindings
