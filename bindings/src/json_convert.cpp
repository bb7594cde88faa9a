// Python objects to JSON, so that scenarios and overrides built as dicts are read by the
// same parser, with the same messages, as scenario files.
#include <cmath>

#include "bindings.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"

namespace infersim::bindings {

namespace {
// A Python str as UTF-8; a lone surrogate ("\ud800") has none: bad input, not a crash.
std::string utf8(py::handle s, const std::string& where) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    throw InputError(where + ": the text " + py::repr(s).cast<std::string>() + " is not valid Unicode (a lone surrogate?)");
  }
  return std::string(data, static_cast<std::size_t>(size));
}
}  // namespace

nlohmann::json to_json_value(py::handle obj, const std::string& path, int depth) {
  const std::string where = path.empty() ? "scenario" : path;
  if (depth > k_max_json_depth) {
    // As for files (io.hpp); a dict or list that contains itself ends here too.
    throw InputError(where + ": nested deeper than " + std::to_string(k_max_json_depth) +
                     " levels (a dict or list that contains itself?)");
  }
  if (obj.is_none()) return nullptr;
  // bool first: Python's bool is an int.
  if (py::isinstance<py::bool_>(obj)) return obj.cast<bool>();
  if (py::isinstance<py::int_>(obj) || (!py::isinstance<py::float_>(obj) && py::hasattr(obj, "__index__"))) {
    // Integers (and NumPy integers, through __index__) keep their exact value; those >= 0
    // are unsigned, as when a file is parsed.
    const auto i = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
    if (!i) throw py::error_already_set();
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
    if (overflow == 0)
      return v >= 0 ? nlohmann::json(static_cast<std::uint64_t>(v)) : nlohmann::json(static_cast<std::int64_t>(v));
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(i.ptr());
      if (!PyErr_Occurred()) return static_cast<std::uint64_t>(u);
      PyErr_Clear();
    }
    throw InputError(where + ": the integer " + py::repr(i).cast<std::string>() + " does not fit in 64 bits");
  }
  if (py::isinstance<py::float_>(obj) || py::hasattr(obj, "__float__")) {
    const double x = obj.cast<double>();
    if (!std::isfinite(x)) throw InputError(where + ": expected a finite number, got " + format_number(x));
    return x;
  }
  if (py::isinstance<py::str>(obj)) return utf8(obj, where);
  if (py::isinstance<py::dict>(obj)) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : obj.cast<py::dict>()) {
      if (!py::isinstance<py::str>(key)) {
        throw InputError(where + ": keys must be strings, got " + py::repr(key).cast<std::string>());
      }
      const auto k = utf8(key, where);
      out[k] = to_json_value(value, path.empty() ? k : path + "." + k, depth + 1);
    }
    return out;
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    nlohmann::json out = nlohmann::json::array();
    std::size_t i = 0;
    for (const auto& item : obj) {
      out.push_back(to_json_value(item, path + "[" + std::to_string(i++) + "]", depth + 1));
    }
    return out;
  }
  throw py::type_error(where + ": cannot use a value of type " +
                       py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>() +
                       " (expected a dict, list, str, number, bool or None)");
}

}  // namespace infersim::bindings
