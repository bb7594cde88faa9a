// libFuzzer harness: a scenario that validates is run on a few paths, on one thread. The
// run may refuse options (InputError) but must not crash or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string>

#include <tbb/global_control.h>

#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto sc = infersim::Scenario::from_json(infersim::parse_json_text(text, "fuzz.json"));
    infersim::RunOptions opt;
    opt.paths = 16;
    opt.threads = 1;
    (void)infersim::run(sc, opt);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
