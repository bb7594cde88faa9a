// Goal seeking and sweeps: roots known in closed form, bracketing errors, grids.
#include <doctest/doctest.h>

#include <cmath>

#include "fixtures.hpp"
#include "infersim/analysis.hpp"
#include "infersim/error.hpp"

using namespace infersim;

TEST_CASE("solve: a deterministic root in closed form") {
  const Scenario sc = Scenario::from_json(fixtures::hand_scenario());
  RunOptions opt;
  opt.paths = 8;
  // price in 2027 = 2 (1 - d): equals 1.5 at d = 0.25.
  const auto stat = StatisticRef::parse("price_usd_per_mtok@2027:mean", sc, "test");
  const SolveResult r = solve(sc, "market.price_decline", 0.0, 0.9, stat, 1.5, opt, 1e-10);
  CHECK(r.root == doctest::Approx(0.25).epsilon(1e-8));
  CHECK(r.achieved == doctest::Approx(1.5).epsilon(1e-8));
  CHECK(r.trace.size() <= 40);
  // Spend in 2028 = 1e7 (1 + g)(1 + 0.5 g) = 1.5e7  <=>  g^2 + 3g - 1 = 0  <=>  g = -1.5 + sqrt(3.25).
  const auto spend = StatisticRef::parse("market_spend_usd@2028:p50", sc, "test");
  const double g = -1.5 + std::sqrt(2.25 + 1.0);
  const SolveResult s = solve(sc, "market.spend_growth", 0.0, 2.0, spend, 1.5e7, opt, 1e-12);
  CHECK(s.root == doctest::Approx(g).epsilon(1e-9));
}

TEST_CASE("solve: a stochastic root with common random numbers") {
  // Mean price in 2027 = p0 * mean(1 - d) over the paths, d ~ U(0.2, 0.6): the root in p0 is
  // target / mean(1 - d), whose expectation is target / 0.6; se of mean(1 - d) is
  // 0.4 / sqrt(12 n).
  auto j = fixtures::hand_scenario();
  j["market"]["price_decline"] = {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.6}};
  const Scenario sc = Scenario::from_json(j);
  RunOptions opt;
  opt.paths = 20000;
  opt.seed = 4;
  const auto stat = StatisticRef::parse("price_usd_per_mtok@2027:mean", sc, "test");
  const SolveResult r = solve(sc, "market.price0_usd_per_mtok", 0.5, 5.0, stat, 1.2, opt, 1e-9);
  const double expected = 1.2 / 0.6;
  const double se = expected * (0.4 / std::sqrt(12.0 * 20000)) / 0.6;
  INFO("root " << r.root << ", expected " << expected << ", se " << se);
  CHECK(std::abs(r.root - expected) < 4 * se);
  CHECK(r.achieved == doctest::Approx(1.2).epsilon(1e-6));
}

TEST_CASE("solve: a target that is not bracketed names the range and the values at its ends") {
  const Scenario sc = Scenario::from_json(fixtures::hand_scenario());
  RunOptions opt;
  opt.paths = 8;
  const auto stat = StatisticRef::parse("price_usd_per_mtok@2027:mean", sc, "test");
  CHECK_THROWS_WITH_AS(solve(sc, "market.price_decline", 0.0, 0.5, stat, 0.5, opt),
                       "solve: the target price_usd_per_mtok@2027:mean = 0.5 is not bracketed by market.price_decline "
                       "in [0, 0.5]: price_usd_per_mtok@2027:mean is 2 at 0 and 1 at 0.5",
                       InputError);
  CHECK_THROWS_WITH_AS(StatisticRef::parse("revenue_usd:p50", sc, "--target"),
                       "--target: \"revenue_usd\" is a series; name a year, e.g. revenue_usd@2026", InputError);
  CHECK_THROWS_WITH_AS(StatisticRef::parse("npv_usd:p51", sc, "--target"),
                       doctest::Contains("--target: unknown statistic \"p51\""), InputError);
  CHECK_THROWS_WITH_AS(solve(sc, "market.price_declin", 0.0, 0.5, stat, 0.5, opt),
                       doctest::Contains("unknown input \"market.price_declin\"; nearest valid names: market.price_decline"),
                       InputError);
}

TEST_CASE("sweep: each point equals a direct run with the same seed") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 2000;
  opt.seed = 9;
  const std::vector<StatisticRef> stats{StatisticRef::parse("npv_usd:p50", sc, "t"),
                                        StatisticRef::parse("revenue_usd@2028:mean", sc, "t")};
  const SweepResult r =
      sweep(sc, {{"market.price_decline", {0.3, 0.5}}, {"player.share_end", {0.05, 0.1, 0.15}}}, stats, opt);
  REQUIRE(r.points.size() == 6);
  CHECK(r.points[4].inputs == std::vector<double>{0.5, 0.1});
  const Scenario direct = sc.with_overrides({{"market.price_decline", Distribution::fixed(0.5)},
                                             {"player.share_end", Distribution::fixed(0.1)}});
  const RunResult d = run(direct, opt);
  CHECK(r.points[4].values[0] == stats[0].of(d));
  CHECK(r.points[4].values[1] == stats[1].of(d));
  // More share, more revenue, at either price decline (common random numbers make the
  // comparison exact path by path).
  CHECK(r.points[0].values[1] < r.points[1].values[1]);
  CHECK(r.points[1].values[1] < r.points[2].values[1]);
}

TEST_CASE("stress: common random numbers make the difference at least 10x more precise") {
  // capex-overrun raises every cluster's capex by 30%: its effect on NPV is nearly the same
  // on every path, so the paired difference has a tiny spread while two independent runs
  // each carry the full market noise.
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 20000;
  opt.seed = 21;
  const ComparisonResult paired = run_stresses(sc, {"capex-overrun"}, opt);
  REQUIRE(paired.variants.size() == 1);
  const int T = sc.horizon_years();
  const auto npv = static_cast<std::size_t>(metric_index(Scalar::npv_usd, T));
  const double se_paired = paired.variants[0].difference[npv].se;
  RunOptions other = opt;
  other.seed = 22;  // an independent run of the stressed scenario
  const RunResult independent = run(sc.with_stress("capex-overrun"), other);
  const double se_independent = std::hypot(paired.base.metrics[npv].se, independent.metrics[npv].se);
  INFO("se paired " << se_paired << ", independent " << se_independent);
  CHECK(se_paired * 10 < se_independent);
  // The paired mean difference is the difference of the two means on the same paths.
  CHECK(paired.variants[0].difference[npv].mean ==
        doctest::Approx(paired.variants[0].result.metrics[npv].mean - paired.base.metrics[npv].mean).epsilon(1e-9));
  CHECK(paired.variants[0].difference[npv].prob_negative == 1.0);  // more capex never raises NPV
}

TEST_CASE("compare: an identical variant differs by exactly zero; the base is a plain run") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 3000;  // exact percentiles: the base equals a lone run bit for bit
  opt.seed = 5;
  const ComparisonResult r = run_compared(sc, {{"same", sc}}, opt);
  for (const auto& d : r.variants[0].difference) {
    if (std::isnan(d.mean)) continue;  // undefined on every path (e.g. IRR in a year it never has)
    CHECK(d.min == 0);
    CHECK(d.max == 0);
  }
  auto lone = to_json(run(sc, opt));
  auto base = to_json(r.base);
  lone.erase("elapsed_s");
  base.erase("elapsed_s");
  CHECK(lone.dump() == base.dump());
  // Scenarios with different inputs cannot be paired.
  auto j = fixtures::hand_scenario();
  CHECK_THROWS_WITH_AS(run_compared(sc, {{"hand", Scenario::from_json(j)}}, opt),
                       doctest::Contains("hand: cannot be compared path by path with default"), InputError);
}
