// libFuzzer harness: the command line's argument parsers (engine/cli/common.cpp and the
// statistic references of analysis.hpp) on arbitrary text, one field a line.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"
#include "infersim/analysis.hpp"
#include "infersim/error.hpp"
#include "infersim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const infersim::Scenario sc = infersim::Scenario::from_file(INFERSIM_SOURCE_DIR "/scenarios/default.json");
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (fields.size() < 4) {
    const auto nl = text.find('\n', start);
    fields.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  auto guarded = [](auto&& f) {
    try {
      f();
    } catch (const infersim::InputError&) {
    }
  };
  using namespace infersim;
  guarded([&] { (void)cli::parse_count(fields[0], "--paths", 1, 1'000'000'000'000); });
  guarded([&] { (void)cli::parse_count(fields[0], "--seed", 0, std::numeric_limits<std::uint64_t>::max()); });
  guarded([&] { (void)parse_sampler(fields[0], "--sampler"); });
  guarded([&] { (void)cli::parse_double(fields.back(), "--target"); });
  guarded([&] { (void)cli::parse_values(fields.back(), "--input"); });
  guarded([&] { (void)StatisticRef::parse(fields.back(), sc, "--metric"); });
  guarded([&] { (void)MetricRef::parse(fields.back(), sc, "--metric"); });
  return 0;
}
