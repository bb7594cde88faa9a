// infersim._core: the compiled half of the Python package. This file only wires the
// register_<area>() functions together; the pure-Python layer is bindings/python/infersim.
#include "bindings.hpp"
#include "infersim/error.hpp"

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  m.doc() = "Compiled core of infersim; use the `infersim` package rather than this module.";
  m.attr("__version__") = INFERSIM_VERSION;
  // A ValueError subclass, so that `except ValueError` catches bad input with its JSON path.
  py::register_exception<infersim::InputError>(m, "InputError", PyExc_ValueError);
  infersim::bindings::register_scenario(m);
  infersim::bindings::register_run(m);
  infersim::bindings::register_analysis(m);
  infersim::bindings::register_sensitivity(m);
  infersim::bindings::register_exit_guard(m);
  infersim::bindings::register_partial(m);
}
