// libFuzzer harness: JSON bytes -> parse -> Scenario::from_json. Bad input must be an
// InputError; anything else (another exception, a sanitizer report, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)infersim::Scenario::from_json(infersim::parse_json_text(text, "fuzz.json"));
  } catch (const infersim::InputError&) {
  }
  return 0;
}
