// Runs to a target precision: the one-pass probe of random paths judges a checkpoint by the
// se a run of that many paths reports, so it stops where a run per checkpoint would, and
// the result is that run's; targets are parsed with messages naming the option.
#include <doctest/doctest.h>

#include <cmath>

#include "fixtures.hpp"
#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "infersim/precision.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

using namespace infersim;

namespace {

std::string dump_without_elapsed(RunResult r) {
  r.precision.reset();
  auto j = to_json(r);
  j.erase("elapsed_s");
  return j.dump();
}

}  // namespace

TEST_CASE("run_to_precision: the first checkpoint whose run meets the target, and that run's bits") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  const std::uint64_t step = 2 * k_block_paths;
  for (const bool antithetic : {false, true}) {
    RunOptions opt;
    opt.seed = 9;
    opt.antithetic = antithetic;
    opt.threads = 2;
    opt.paths = static_cast<std::int64_t>(8 * step);
    const int npv = metric_index(Scalar::npv_usd, sc.horizon_years());
    // se of the runs at each checkpoint, one run each: the rule applied by hand.
    std::vector<double> se;
    for (std::uint64_t k = 1; k <= 8; ++k) {
      RunOptions at = opt;
      at.paths = static_cast<std::int64_t>(k * step);
      se.push_back(run(sc, at).metrics[static_cast<std::size_t>(npv)].se);
    }
    const double target = (se[1] + se[5]) / 2;
    std::size_t want = 0;
    while (!(se[want] <= target)) ++want;
    SeTarget t = SeTarget::parse("npv_usd:mean=1", sc, "--target-se");
    t.value = target;
    PrecisionOptions p{{t}, step};
    const RunResult r = run_to_precision(sc, opt, p);
    CAPTURE(antithetic);
    CHECK(r.paths == (want + 1) * step);
    REQUIRE(r.precision);
    CHECK(r.precision->met);
    CHECK(r.precision->targets.at(0).se == se[want]);  // bit for bit
    RunOptions fixed = opt;
    fixed.paths = static_cast<std::int64_t>(r.paths);
    CHECK(dump_without_elapsed(r) == dump_without_elapsed(run(sc, fixed)));
  }
}

TEST_CASE("run_to_precision: the cap, relative targets and bad input") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 5000;
  PrecisionOptions p{{SeTarget::parse("npv_usd:mean=1e-6%", sc, "t")}, k_block_paths};
  const RunResult r = run_to_precision(sc, opt, p);
  CHECK(r.paths == 5000);
  CHECK_FALSE(r.precision->met);
  CHECK(r.precision->targets[0].relative);
  const auto npv = static_cast<std::size_t>(metric_index(Scalar::npv_usd, sc.horizon_years()));
  CHECK(r.precision->targets[0].limit == doctest::Approx(1e-8 * std::abs(r.metrics[npv].mean)));
  CHECK_THROWS_WITH_AS(SeTarget::parse("npv_usd:p50=1", sc, "--target-se"), doctest::Contains("only a mean"), InputError);
  CHECK_THROWS_WITH_AS(SeTarget::parse("npv_usd:mean=0", sc, "--target-se"), doctest::Contains("positive"), InputError);
  CHECK_THROWS_WITH_AS(SeTarget::parse("npv_usd:mean=nan", sc, "--target-se"), doctest::Contains("--target-se"), InputError);
  CHECK_THROWS_WITH_AS(SeTarget::parse("npv:mean=1", sc, "--target-se"), doctest::Contains("unknown metric"), InputError);
  CHECK_THROWS_WITH_AS(run_to_precision(sc, opt, PrecisionOptions{{}, k_block_paths}), doctest::Contains("no target"), InputError);
  p.step = 100;
  CHECK_THROWS_WITH_AS(run_to_precision(sc, opt, p), doctest::Contains("target_step"), InputError);
}
