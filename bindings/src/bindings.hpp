#pragma once
/// What the binding files share: the register_<area>() functions that module.cpp calls, and
/// conversions between Python objects and JSON. pybind11 is included here and in
/// bindings/src only; the engine never sees it.
#include <string>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

namespace infersim::bindings {

namespace py = pybind11;

/// Distribution, Input, Claim, Scenario.
void register_scenario(py::module_& m);
/// Result and run().
void register_run(py::module_& m);

/// A Python value made of dicts, lists, strings, numbers, bools and None, as JSON.
/// `path` names the value in error messages (`market.spend0_usd`, `clusters[1]`).
/// Throws InputError for non-finite floats and non-string keys, TypeError for other types.
nlohmann::json to_json_value(py::handle obj, const std::string& path);

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
