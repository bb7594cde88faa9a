#pragma once
/// Errors raised by the engine. Bad user input derives from std::invalid_argument
/// (pybind11 maps it to ValueError, the CLI to exit code 2); everything else is an
/// internal error.
#include <stdexcept>
#include <string>

namespace infersim {

/// A scenario, an option or an override that cannot be used. The message starts with
/// the JSON path (e.g. `clusters[1].pue`) and quotes the offending value.
class InputError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

/// A run stopped on request (Ctrl-C, KeyboardInterrupt) before it finished.
class Cancelled : public std::runtime_error {
public:
  Cancelled() : std::runtime_error("run cancelled") {}
};

/// Shortest decimal text that round-trips a double, for error messages.
std::string format_number(double x);

}  // namespace infersim
