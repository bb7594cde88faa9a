// The runner: reproducibility across threads, statistics against analytic values,
// claims, common random numbers, cancellation.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "fixtures.hpp"
#include "infersim/error.hpp"
#include "infersim/result.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"
#include "statistics/moments.hpp"

using namespace infersim;

namespace {

std::string dump_without_elapsed(const RunResult& r) {
  auto j = to_json(r);
  j.erase("elapsed_s");
  return j.dump();
}

/// The hand scenario with an uncertain price decline (uniform on [0.2, 0.6]) and an
/// uncertain first-year spend (lognormal): price and spend means are known exactly.
Scenario analytic_scenario() {
  auto j = fixtures::hand_scenario();
  j["market"]["price_decline"] = {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.6}};
  j["market"]["spend0_usd"] = {{"dist", "lognormal"}, {"mu", std::log(1e7)}, {"sigma", 0.5}};
  return Scenario::from_json(j);
}

// E[(1 - d)^t] for d ~ U(0.2, 0.6): integral of x^t over x in [0.4, 0.8], divided by 0.4.
double expected_price(int t) { return 2.0 * (std::pow(0.8, t + 1) - std::pow(0.4, t + 1)) / (0.4 * (t + 1)); }

}  // namespace

TEST_CASE("simulation: same seed, same bits, on 1, 2 and 8 threads") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  struct Case {
    SamplerKind sampler;
    bool antithetic;
    std::uint64_t paths;
  };
  // 5000 paths: exact quantiles and a partial last block; 40000: binned quantiles.
  for (const Case c : {Case{SamplerKind::random, false, 5000}, Case{SamplerKind::random, true, 40000},
                       Case{SamplerKind::lhs, false, 40000}, Case{SamplerKind::sobol, false, 40000}}) {
    RunOptions opt;
    opt.paths = c.paths;
    opt.seed = 7;
    opt.sampler = c.sampler;
    opt.antithetic = c.antithetic;
    opt.threads = 1;
    const std::string one = dump_without_elapsed(run(sc, opt));
    opt.threads = 2;
    const std::string two = dump_without_elapsed(run(sc, opt));
    opt.threads = 8;
    const std::string eight = dump_without_elapsed(run(sc, opt));
    INFO("sampler " << to_string(c.sampler) << " antithetic " << c.antithetic << " paths " << c.paths);
    CHECK(one == two);
    CHECK(one == eight);
  }
}

TEST_CASE("simulation: means within 4 standard errors of the exact values, every sampler") {
  const Scenario sc = analytic_scenario();
  for (auto sampler : {SamplerKind::random, SamplerKind::lhs, SamplerKind::sobol}) {
    for (bool antithetic : {false, true}) {
      RunOptions opt;
      opt.paths = 1 << 16;
      opt.seed = 12345;
      opt.sampler = sampler;
      opt.antithetic = antithetic;
      const RunResult r = run(sc, opt);
      for (int t = 0; t < 6; ++t) {
        const MetricStats& p = r.series(Series::price_usd_per_mtok, t);
        INFO(to_string(sampler) << (antithetic ? " antithetic" : "") << " year " << t << ": mean " << p.mean
                                << ", exact " << expected_price(t) << ", se " << p.se);
        if (t == 0) {
          CHECK(p.mean == doctest::Approx(2.0).epsilon(1e-12));
          continue;
        }
        REQUIRE(p.se > 0);
        // 4 se, plus rounding: with Sobol points a smooth mean can be exact to ~1e-16.
        CHECK(std::abs(p.mean - expected_price(t)) < 4 * p.se + 1e-14 * expected_price(t));
      }
      const MetricStats& m = r.series(Series::market_spend_usd, 0);
      const double exact = std::exp(std::log(1e7) + 0.5 * 0.25);
      INFO(to_string(sampler) << " spend mean " << m.mean << ", exact " << exact << ", se " << m.se);
      CHECK(std::abs(m.mean - exact) < 4 * m.se);
    }
  }
}

TEST_CASE("simulation: variance reduction shows in the standard errors") {
  // For a smooth function of one uniform input, LHS and Sobol beat plain Monte Carlo by
  // far; the se they report (from 16 replicates) must reflect it.
  const Scenario sc = analytic_scenario();
  RunOptions opt;
  opt.paths = 1 << 15;
  opt.seed = 99;
  opt.sampler = SamplerKind::random;
  const double se_random = run(sc, opt).series(Series::price_usd_per_mtok, 3).se;
  opt.sampler = SamplerKind::sobol;
  const double se_sobol = run(sc, opt).series(Series::price_usd_per_mtok, 3).se;
  opt.sampler = SamplerKind::lhs;
  const double se_lhs = run(sc, opt).series(Series::price_usd_per_mtok, 3).se;
  INFO("se random " << se_random << ", lhs " << se_lhs << ", sobol " << se_sobol);
  CHECK(se_sobol < se_random / 10);
  CHECK(se_lhs < se_random / 10);
}

TEST_CASE("simulation: statistics agree with the kept samples") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 3000;  // exact quantiles
  opt.seed = 3;
  opt.keep_samples = {"npv_usd", "revenue_usd", "irr"};
  const RunResult r = run(sc, opt);
  const auto& npv = r.samples.at("npv_usd");
  const auto& revenue = r.samples.at("revenue_usd");
  const auto& irr = r.samples.at("irr");
  REQUIRE(npv.size() == 3000);
  REQUIRE(revenue.size() == 3000 * 10);
  double sum = 0, positive = 0;
  for (double x : npv) {
    sum += x;
    positive += x > 0;
  }
  CHECK(r.scalar(Scalar::npv_usd).mean == doctest::Approx(sum / 3000).epsilon(1e-12));
  CHECK(r.scalar(Scalar::npv_usd).prob_positive == doctest::Approx(positive / 3000));
  std::vector<double> sorted(npv);
  std::sort(sorted.begin(), sorted.end());
  CHECK(r.scalar(Scalar::npv_usd).percentile(50) == quantile_sorted(sorted, 0.5));
  CHECK(r.scalar(Scalar::npv_usd).min == sorted.front());
  // IRR: only defined paths count.
  double defined = 0;
  for (double x : irr) defined += !std::isnan(x);
  CHECK(r.scalar(Scalar::irr).defined_fraction == doctest::Approx(defined / 3000));
  // Claim arr-13b: revenue in 2028 (t = 2) within 15% of $13B.
  double holds = 0, below = 0;
  for (std::size_t p = 0; p < 3000; ++p) {
    const double x = revenue[p * 10 + 2];
    holds += std::abs(x - 13e9) <= 0.15 * 13e9;
    below += x <= 13e9;
  }
  const ClaimResult& claim = r.claims.at(0);
  CHECK(claim.claim.id == "arr-13b");
  CHECK(claim.probability == doctest::Approx(holds / 3000));
  CHECK(claim.value_percentile == doctest::Approx(100 * below / 3000));
  CHECK(claim.median == r.series(Series::revenue_usd, 2).percentile(50));
}

TEST_CASE("simulation: a stress keeps every other input's draws (common random numbers)") {
  const Scenario base = Scenario::from_file(fixtures::default_scenario_path());
  const Scenario war = base.with_stress("price-war");
  RunOptions opt;
  opt.paths = 2000;
  opt.seed = 5;
  opt.keep_samples = {"market_spend_usd", "price_usd_per_mtok"};
  const RunResult a = run(base, opt), b = run(war, opt);
  CHECK(a.samples.at("market_spend_usd") == b.samples.at("market_spend_usd"));
  CHECK(a.samples.at("price_usd_per_mtok") != b.samples.at("price_usd_per_mtok"));
  // price-war fixes the decline at 0.7: year 1 price = 2 * 0.3 on every path.
  CHECK(b.series(Series::price_usd_per_mtok, 1).max == doctest::Approx(0.6));
  CHECK(b.series(Series::price_usd_per_mtok, 1).min == doctest::Approx(0.6));
}

TEST_CASE("simulation: a deterministic scenario gives one value with zero spread") {
  const Scenario sc = Scenario::from_json(fixtures::hand_scenario());
  const RunResult r = run(sc);
  CHECK(r.paths == 16);
  const MetricStats& npv = r.scalar(Scalar::npv_usd);
  CHECK(npv.sd == 0);
  CHECK(npv.min == npv.max);
  CHECK(npv.percentile(5) == npv.percentile(95));
  CHECK(r.quantile_method == "exact");
}

TEST_CASE("simulation: cancellation and bad options") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  std::atomic<bool> cancel{true};
  RunOptions opt;
  opt.paths = 100000;
  opt.cancel = &cancel;
  CHECK_THROWS_AS(run(sc, opt), Cancelled);
  RunOptions bad;
  bad.paths = 0;
  CHECK_THROWS_WITH_AS(run(sc, bad), "paths: must be >= 1, got 0", InputError);
  RunOptions odd;
  odd.paths = 1001;
  odd.antithetic = true;
  CHECK_THROWS_WITH_AS(run(sc, odd), "paths: must be even with antithetic pairs, got 1001", InputError);
  RunOptions keep;
  keep.paths = 10;
  keep.keep_samples = {"npv"};
  CHECK_THROWS_AS(run(sc, keep), InputError);
}

TEST_CASE("simulation: fixing one correlated input keeps its partners' draws") {
  // spend_growth and price_decline are correlated (rho 0.5) in the default scenario. A
  // stress that fixes spend_growth must leave price_decline's draws (hence the price
  // path) exactly as in the base run, on any number of threads.
  const Scenario base = Scenario::from_file(fixtures::default_scenario_path());
  const Scenario fixed_growth = base.with_overrides({{"market.spend_growth", Distribution::fixed(0.25)}});
  RunOptions opt;
  opt.paths = 3000;
  opt.seed = 8;
  opt.keep_samples = {"price_usd_per_mtok"};
  const RunResult a = run(base, opt);
  opt.threads = 1;
  const RunResult b1 = run(fixed_growth, opt);
  opt.threads = 2;
  const RunResult b2 = run(fixed_growth, opt);
  CHECK(a.samples.at("price_usd_per_mtok") == b1.samples.at("price_usd_per_mtok"));
  CHECK(b1.samples.at("price_usd_per_mtok") == b2.samples.at("price_usd_per_mtok"));
}

TEST_CASE("simulation: quantiles and thresholds asked for, against the kept samples") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  RunOptions opt;
  opt.paths = 100000;  // past the pilot: binned quantiles
  opt.seed = 5;
  opt.keep_samples = {"npv_usd", "revenue_usd"};
  opt.quantiles = {0.975, 0.025, 0.5, 0.025};  // p50 is reported anyway; duplicates once
  opt.thresholds = {{"npv_usd", {0.0, 1e10}}, {"revenue_usd", {5e9}}};
  const RunResult r = run(sc, opt);
  REQUIRE(r.quantile_method == "binned");
  const MetricStats& npv = r.scalar(Scalar::npv_usd);
  REQUIRE(npv.extra.size() == 2);
  CHECK(npv.extra[0].first == "p2.5");
  CHECK(npv.extra[1].first == "p97.5");
  std::vector<double> sorted = r.samples.at("npv_usd");
  std::sort(sorted.begin(), sorted.end());
  const double n = static_cast<double>(sorted.size());
  for (const auto& [name, level] : {std::pair{0, 0.025}, std::pair{1, 0.975}}) {
    // The estimate's rank among the samples is within the run's stated bound of the level.
    const double x = npv.extra[static_cast<std::size_t>(name)].second;
    const double rank = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) / n;
    CHECK(std::abs(rank - level) <= r.quantile_rank_error + 1.0 / n);
  }
  // Thresholds are exact counts over the defined paths.
  REQUIRE(r.thresholds.size() == 3);
  const auto above = [](const std::vector<double>& v, double k, std::size_t stride, std::size_t offset) {
    std::size_t count = 0, defined = 0;
    for (std::size_t i = offset; i < v.size(); i += stride) {
      defined += !std::isnan(v[i]);
      count += v[i] > k;
    }
    return static_cast<double>(count) / static_cast<double>(defined);
  };
  CHECK(r.thresholds[0].probability.at(0) == above(r.samples.at("npv_usd"), 0.0, 1, 0));
  CHECK(r.thresholds[0].probability.at(0) == npv.prob_positive);
  CHECK(r.thresholds[1].probability.at(0) == above(r.samples.at("npv_usd"), 1e10, 1, 0));
  const auto T = static_cast<std::size_t>(sc.horizon_years());
  REQUIRE(r.thresholds[2].probability.size() == T);
  for (std::size_t t = 0; t < T; ++t) CHECK(r.thresholds[2].probability[t] == above(r.samples.at("revenue_usd"), 5e9, T, t));
  // Nothing asked, nothing added: the result JSON keeps its keys.
  RunOptions plain;
  plain.paths = 1000;
  CHECK(!to_json(run(sc, plain)).contains("thresholds"));

  RunOptions bad;
  bad.quantiles = {1.5};
  CHECK_THROWS_WITH_AS(run(sc, bad), "quantiles: each level must be in (0, 1), got 1.5", InputError);
  RunOptions unknown;
  unknown.thresholds = {{"npv", {0.0}}};
  CHECK_THROWS_WITH_AS(run(sc, unknown), "thresholds: unknown metric \"npv\"; did you mean \"npv_usd\"?", InputError);
  CHECK(percentile_name(0.025) == "p2.5");
  CHECK(percentile_name(0.07) == "p7");
  CHECK(percentile_name(0.999) == "p99.9");
  CHECK(percentile_name(0.5) == "p50");
}
