// Scenario loading: defaults, input paths, overrides, canonical JSON.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "infersim/error.hpp"
#include "infersim/scenario.hpp"

using namespace infersim;
using fixtures::check_close;
using fixtures::error_of;

TEST_CASE("scenario: defaults and input paths") {
  const Scenario sc = Scenario::from_json(fixtures::hand_scenario());
  CHECK(sc.name() == "hand");
  CHECK(sc.years() == std::vector<int>{2026, 2027, 2028, 2029, 2030, 2031});
  CHECK(sc.simulation().paths == 16);
  CHECK(sc.simulation().sampler == SamplerKind::random);
  CHECK(sc.uncertain_inputs().empty());
  CHECK(sc.input_index("clusters.C.pue", "x") == 5 + 10 + 3);
  const ModelInputs m = sc.base_inputs();
  CHECK(m.clusters.at(0).capex_overrun == 0.2);
  CHECK(m.player.terminal == TerminalMethod::none);

  auto j = fixtures::hand_scenario();
  j["player"].erase("share_start");
  j["player"].erase("share_ramp_years");
  j["market"].erase("growth_decay");
  j["clusters"][0].erase("capex_overrun");
  const Scenario d = Scenario::from_json(j);
  const ModelInputs md = d.base_inputs();
  CHECK(md.player.share_start == 0.08);  // follows share_end
  CHECK(md.player.share_ramp_years == 0);
  CHECK(md.market.growth_decay == 1);
  CHECK(md.clusters[0].capex_overrun == 0);
}

TEST_CASE("scenario: unknown names list the nearest valid ones") {
  const Scenario sc = Scenario::from_json(fixtures::hand_scenario());
  CHECK_THROWS_WITH_AS(sc.input_index("market.spend_grwth", "correlations[0].a"),
                       "correlations[0].a: unknown input \"market.spend_grwth\"; nearest valid names: "
                       "market.spend_growth, market.spend0_usd, market.growth_decay",
                       InputError);
  auto j = fixtures::hand_scenario();
  j["horizon_year"] = 5;
  CHECK(error_of(j) == "horizon_year: unknown key; did you mean \"horizon_years\"?");
}

TEST_CASE("scenario: overrides are validated and keep the input's slot") {
  const Scenario sc = Scenario::from_json(fixtures::hand_scenario());
  const auto idx = sc.input_index("market.price_decline", "x");
  const Scenario s2 = sc.with_overrides({{"market.price_decline", Distribution::fixed(0.7)}});
  CHECK(s2.input_index("market.price_decline", "x") == idx);
  CHECK(s2.base_inputs().market.price_decline == 0.7);
  CHECK_THROWS_WITH_AS(sc.with_overrides({{"clusters.C.pue", Distribution::fixed(0.5)}}, "stresses.bad"),
                       "stresses.bad.clusters.C.pue: must be >= 1, got 0.5", InputError);
  CHECK_THROWS_WITH_AS(sc.with_overrides({{"player.terminal.growth", Distribution::fixed(0.01)}}),
                       "overrides.player.terminal.growth: not used, because player.terminal.method is \"none\"",
                       InputError);
  CHECK_THROWS_WITH_AS(sc.with_stress("nope"), "stress \"nope\" is not defined in scenario \"hand\" (it has no stresses)",
                       InputError);
}

TEST_CASE("scenario: canonical JSON round-trips") {
  const Scenario sc = Scenario::from_file(fixtures::default_scenario_path());
  const auto j = sc.to_json();
  const Scenario back = Scenario::from_json(j);
  CHECK(back.to_json() == j);
  CHECK(back.uncertain_inputs() == sc.uncertain_inputs());
  CHECK(back.stresses().size() == sc.stresses().size());
  CHECK(back.claims().size() == sc.claims().size());
  CHECK(back.correlations().size() == sc.correlations().size());
}

TEST_CASE("scenario: whole-number years and cross-field rules") {
  auto j = fixtures::hand_scenario();
  j["clusters"][0]["online_year"] = 2025;
  CHECK(error_of(j) == "clusters[0].online_year: must be >= start_year (2026), got 2025");
  j["clusters"][0]["online_year"] = 2027.5;
  CHECK(error_of(j) == "clusters[0].online_year: must be a whole year, got 2027.5");
  // A distribution over online years is rounded per path.
  j["clusters"][0]["online_year"] = {{"dist", "discrete"}, {"values", {2027, 2028}}};
  const Scenario sc = Scenario::from_json(j);
  ModelInputs m = sc.base_inputs();
  sc.assign(m, sc.input_index("clusters.C.online_year", "x"), 2027.6);
  CHECK(m.clusters[0].online_year == 2028);

  j = fixtures::hand_scenario();
  j["player"]["terminal"] = {{"method", "gordon"}, {"growth", 0.1}};
  CHECK(error_of(j).find("player.terminal.growth: must be < player.wacc") == 0);
  j["horizon_years"] = 101;
  CHECK(error_of(j) == "horizon_years: must be between 1 and 100, got 101");

  // Whole numbers written as doubles at the edge of int64: 2^63 (what 9223372036854775807.0
  // rounds to) is out of range, not an undefined cast (fuzz_scenario, docs/hardening.md).
  for (const double edge : {0x1p63, 9223372036854775807.0, 1e19, -0x1p63, -1e300}) {
    j = fixtures::hand_scenario();
    j["simulation"]["paths"] = edge;
    CHECK(error_of(j).find("simulation.paths: must be between 0 and 9223372036854775807, got ") == 0);
    j = fixtures::hand_scenario();
    j["horizon_years"] = edge;
    CHECK(error_of(j).find("horizon_years: must be between 1 and 100, got ") == 0);
  }
  j = fixtures::hand_scenario();
  j["horizon_years"] = 3.0;  // a whole double is a whole number
  CHECK_NOTHROW(Scenario::from_json(j));
  j["horizon_years"] = nlohmann::json(std::int64_t{-5});
  CHECK(error_of(j) == "horizon_years: must be between 1 and 100, got -5");
}
