// Catalog references in scenarios, and the claim chain's arithmetic.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "infersim/catalog.hpp"
#include "infersim/claim_chain.hpp"
#include "infersim/error.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

using namespace infersim;
using nlohmann::json;

namespace {
const Catalog& catalog() {
  static const Catalog c = Catalog::load(std::string(INFERSIM_SOURCE_DIR) + "/data");
  return c;
}
std::string error_of(const json& j) {
  try {
    Scenario::from_json(j, &catalog());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("catalog: every figure has a value and the paths are dotted") {
  const auto paths = catalog().paths();
  CHECK(paths.size() > 100);
  const Figure& ebit = catalog().at("companies.meta.fy2024.operating_income_usd", "x");
  CHECK(ebit.value == 69.38e9);
  CHECK(ebit.unit == "USD");
  CHECK(ebit.confidence == "high");
  CHECK_FALSE(ebit.sources.empty());
  CHECK_THROWS_WITH_AS(catalog().at("companies.meta.fy2024.operating_incme_usd", "player.baseline_ebit_usd.ref"),
                       doctest::Contains("nearest: companies.meta.fy2024.operating_income_usd"), InputError);
}

TEST_CASE("catalog: references and accelerator defaults fill a scenario") {
  auto j = fixtures::hand_scenario();
  j["player"]["baseline_ebit_usd"] = {{"ref", "companies.meta.fy2024.operating_income_usd"}};
  // A reference inside a distribution's parameters.
  j["player"]["wacc"] = {{"dist", "uniform"}, {"min", 0.05}, {"max", {{"ref", "finance.wacc.valueinvesting.wacc"}}}};
  auto& c = j["clusters"][0];
  c.erase("watts_per_accelerator");
  c.erase("it_cost_usd_per_accelerator");
  c["accelerator"] = "gb200";  // tokens_per_sec stays the scenario's own 1000
  c["power_gw"] = {{"ref", "clusters.prometheus.power_gw"}, {"scale", 0.5}};
  const Scenario sc = Scenario::from_json(j, &catalog());
  const ModelInputs m = sc.base_inputs();
  CHECK(m.player.baseline_ebit_usd == 69.38e9);
  CHECK(sc.inputs()[sc.input_index("player.wacc", "x")].dist.support_max() == 0.087);
  CHECK(m.clusters[0].power_gw == doctest::Approx(0.5 * catalog().at("clusters.prometheus.power_gw", "x").value));
  CHECK(m.clusters[0].watts_per_accelerator ==
        catalog().at("accelerators.gb200.scenario_defaults.watts_per_accelerator", "x").value);
  CHECK(m.clusters[0].tokens_per_sec_per_accelerator == 1000);  // given: the default does not override it
  std::vector<std::string> used;
  for (const auto& u : sc.catalog_uses()) used.push_back(u.json_path);
  CHECK(std::find(used.begin(), used.end(), "player.baseline_ebit_usd") != used.end());
  CHECK(std::find(used.begin(), used.end(), "clusters[0].watts_per_accelerator") != used.end());
  CHECK(std::find(used.begin(), used.end(), "clusters[0].tokens_per_sec_per_accelerator") == used.end());
  // The result lists them with their sources.
  RunOptions opt;
  opt.paths = 64;
  const auto out = to_json(run(sc, opt));
  REQUIRE(out.contains("catalog"));
  CHECK(out["catalog"].size() == sc.catalog_uses().size());
}

TEST_CASE("catalog: bad references name the path and the nearest entries") {
  auto j = fixtures::hand_scenario();
  j["player"]["baseline_ebit_usd"] = {{"ref", "companies.meta.fy2024.operating_incme_usd"}};
  CHECK(error_of(j).find("player.baseline_ebit_usd.ref: unknown catalog entry "
                         "\"companies.meta.fy2024.operating_incme_usd\"; nearest: "
                         "companies.meta.fy2024.operating_income_usd") == 0);
  j = fixtures::hand_scenario();
  j["player"]["baseline_ebit_usd"] = {{"ref", "companies.meta.fy2024.operating_income_usd"}, {"sclae", 2}};
  CHECK(error_of(j) == "player.baseline_ebit_usd.sclae: unknown key in a catalog reference (allowed: ref, scale)");
  j = fixtures::hand_scenario();
  j["clusters"][0]["accelerator"] = "gb2000";
  CHECK(error_of(j).find("clusters[0].accelerator: unknown accelerator \"gb2000\"; known: gb200") == 0);
}

TEST_CASE("claim chain: the seed's arithmetic, checked") {
  auto j = fixtures::hand_scenario();
  j["claim_chain"] = {{"share", 0.08},
                      {"arr_usd", 13e9},
                      {"profit_usd", 5e9},
                      {"ebit_fraction", 0.11},
                      {"baseline_ebit_usd", {{"ref", "companies.meta.fy2024.operating_income_usd"}}},
                      {"baseline_label", "Meta FY2024 operating income"},
                      {"alternatives", json::array({{{"label", "Meta FY2023 operating income"},
                                                     {"ebit_usd", {{"ref", "companies.meta.fy2023.operating_income_usd"}}}}})}};
  // The hand scenario's market is tiny: the $162.5B implied market is never reached, so
  // the chain uses the year that comes closest: the last.
  const Scenario sc = Scenario::from_json(j, &catalog());
  REQUIRE(sc.claim_chain());
  CHECK(sc.claim_chain()->year == 2031);
  CHECK(sc.chain_claims().size() == 4);
  const RunResult r = run(sc);
  const auto steps = chain_steps(r);
  REQUIRE(steps.size() == 4);
  // $13B / 8% = $162.5B; $5B / $13B = 38.5%; $5B / $69.38B = 7.2%; $5B / $46.751B = 10.7%.
  CHECK(steps[0].arithmetic[0].find("implies a $162B market") != std::string::npos);
  CHECK(steps[1].arithmetic[0].find("38.5% margin") != std::string::npos);
  CHECK(steps[2].arithmetic[0] == "$5.00B / $69.4B (Meta FY2024 operating income) = 7.2%, not 11%");
  CHECK(steps[2].arithmetic[1] == "$5.00B / $46.8B (Meta FY2023 operating income) = 10.7%");
  CHECK(steps[2].verdict.find("11% matches Meta FY2023 operating income instead") != std::string::npos);
  // A deterministic scenario: each claim holds on all paths or none.
  for (const auto& s : steps) CHECK((s.probability == 0 || s.probability == 1));
  const auto out = to_json(r);
  CHECK(out["claim_chain"]["year"] == 2031);
  CHECK(out["claim_chain"]["implied_market_usd"] == doctest::Approx(162.5e9));
  CHECK(out["claim_chain"]["steps"].size() == 4);
}
