// Partial runs: the pilot and block ranges merged in block order give run()'s bits, for
// every sampler and chunking, kept samples included; parts that do not fit are refused.
#include <doctest/doctest.h>

#include <vector>

#include "fixtures.hpp"
#include "infersim/error.hpp"
#include "infersim/partial.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

using namespace infersim;

namespace {

std::string dump_without_elapsed(const RunResult& r) {
  auto j = to_json(r);
  j.erase("elapsed_s");
  return j.dump();
}

/// The pilot, then chunks of `chunk` blocks, through the bytes and back.
RunResult run_in_parts(const Scenario& sc, const RunOptions& opt, std::uint64_t chunk) {
  const RunLayout layout = run_layout(sc, opt);
  const Pilot pilot = run_pilot(sc, opt);
  const Calibration calibration = Calibration::from_bytes(pilot.calibration.to_bytes());
  std::vector<PartialRun> parts{PartialRun::from_bytes(pilot.part.to_bytes())};
  for (std::uint64_t b = layout.pilot_blocks; b < layout.blocks; b += chunk) {
    const auto part = run_blocks(sc, opt, calibration, b, std::min(layout.blocks, b + chunk));
    parts.push_back(PartialRun::from_bytes(part.to_bytes()));
  }
  return merge(sc, opt, calibration, parts);
}

}  // namespace

TEST_CASE("partial runs: merged in block order, the bits of run()") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  for (const auto& [sampler, antithetic] : {std::pair{SamplerKind::random, false}, std::pair{SamplerKind::random, true},
                                            std::pair{SamplerKind::lhs, false}, std::pair{SamplerKind::sobol, false}}) {
    RunOptions opt;
    opt.paths = 32768 + 3 * 4096 + 500;
    opt.seed = 9;
    opt.sampler = sampler;
    opt.antithetic = antithetic;
    opt.threads = 2;
    opt.keep_samples = {"npv_usd"};
    const RunResult whole = run(sc, opt);
    REQUIRE(whole.quantile_method == "binned");
    for (const std::uint64_t chunk : {1, 3, 100}) {
      CAPTURE(chunk);
      const RunResult parts = run_in_parts(sc, opt, chunk);
      CHECK(dump_without_elapsed(parts) == dump_without_elapsed(whole));
      CHECK(parts.samples.at("npv_usd") == whole.samples.at("npv_usd"));
    }
  }
}

TEST_CASE("partial runs: parts that do not fit are refused") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 32768 + 2 * 4096;
  opt.seed = 1;
  const Pilot pilot = run_pilot(sc, opt);
  const PartialRun last = run_blocks(sc, opt, pilot.calibration, 8, 10);
  CHECK_THROWS_WITH_AS(merge(sc, opt, pilot.calibration, std::vector{pilot.part}),
                       "partial run: blocks [8, 10) are missing", InputError);
  CHECK_THROWS_WITH_AS(run_blocks(sc, opt, pilot.calibration, 7, 9),
                       "blocks: [7, 9) is not a range of blocks after the pilot, within [8, 10)", InputError);
  CHECK_THROWS_AS(merge(sc, opt, pilot.calibration, std::vector{last, pilot.part}), InputError);
  std::string cut = last.to_bytes();
  cut.resize(cut.size() - 1);
  CHECK_THROWS_AS(merge(sc, opt, pilot.calibration, std::vector{pilot.part, PartialRun::from_bytes(cut)}), InputError);
  CHECK_THROWS_WITH_AS(PartialRun::from_bytes("ISPR"), "partial run: truncated (4 bytes)", InputError);
  RunOptions other = opt;
  other.seed = 2;
  CHECK_THROWS_AS(merge(sc, other, pilot.calibration, std::vector{pilot.part, last}), InputError);
}
