// The corporate-finance layer (model-v2 §C) against values worked out by hand on the hand
// scenario of test_model.cpp (fixtures::hand_scenario). Its v1 figures are checked formula
// by formula there; here each mechanism's effect is written out on top of them.
//
// The hand scenario: one cluster online in 2027 (t = 1) over 2 years, 800 accelerators at
// full power, alpha = 0.5, overrun 1.2; facility tranches of 0.5 * 1.2 * 1e6 * 0.5 = 300k
// (alpha included) in 2027 and 2028, life 4; IT tranches 240k in 2027, 264k in 2028 and the
// 2030 and 2031 refreshes 319.44k and 351.384k, life 2.5; wacc 0.1, tax 0.2, T = 6.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "fixtures.hpp"
#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

using namespace infersim;
using fixtures::check_close;
using fixtures::error_of;

namespace {

constexpr int T = 6;

struct Outputs {
  std::vector<double> v;
  double operator()(Series s, int t) const { return v[static_cast<std::size_t>(metric_index(s, t, T))]; }
  double operator()(Scalar s) const { return v[static_cast<std::size_t>(metric_index(s, T))]; }
};

Outputs run(const nlohmann::json& j) {
  const Scenario sc = Scenario::from_json(j);
  const ModelInputs in = sc.base_inputs();
  ModelWorkspace ws;
  Outputs out{std::vector<double>(static_cast<std::size_t>(metric_count(in)))};
  evaluate(in, ws, out.v);
  return out;
}

// The hand scenario's alpha-weighted tranches (see the header comment).
constexpr double k_fac = 0.5 * 1.2 * 1e6 * 0.5;
constexpr double k_it[T] = {0, 0.5 * 1.2 * 400 * 1000, 0.5 * 1.2 * 400 * 1000 * 1.1, 0,
                            0.5 * 1.2 * 400 * 1000 * 1.331, 0.5 * 1.2 * 400 * 1000 * 1.4641};

}  // namespace

TEST_CASE("finance: a v1 scenario gives v1's outputs and the new ones follow from them") {
  const Outputs o = run(fixtures::hand_scenario());
  double total_capex = 0, total_dep = 0;
  for (int t = 0; t < T; ++t) {
    const double R = o(Series::revenue_usd, t), dep = o(Series::depreciation_usd, t);
    const double power = o(Series::power_cost_usd, t), opex = o(Series::opex_usd, t);
    // EBITDA = R - Power - Opex - Lease - sga R - F with no lease and no fixed costs.
    check_close(o(Series::ebitda_usd, t), R - power - opex - 0.1 * R, "ebitda", t);
    check_close(o(Series::ebit_usd, t), o(Series::ebitda_usd, t) - dep, "ebit = ebitda - dep", t);
    CHECK(o(Series::lease_cost_usd, t) == 0);
    CHECK(o(Series::fixed_costs_usd, t) == 0);
    check_close(o(Series::tax_usd, t), 0.2 * std::max(o(Series::ebit_usd, t), 0.0), "tax (v1: none on losses)", t);
    // The player's cost per Mtok: undefined in 2026, when nothing is served.
    const double served = o(Series::served_tokens, t);
    if (t == 0) {
      CHECK(served == 0);
      CHECK(std::isnan(o(Series::lcot_player_usd_per_mtok, t)));
      CHECK(o(Series::revenue_per_accelerator_hour_usd, t) == 0);  // no accelerators yet
    } else {
      check_close(o(Series::lcot_player_usd_per_mtok, t), (dep + power + opex) / served * 1e6, "lcot_player", t);
      // alpha N_t = 0.5 * phi_t * 800: 200 accelerators in 2027, then 400.
      const double accelerators = t == 1 ? 200.0 : 400.0;
      check_close(o(Series::revenue_per_accelerator_hour_usd, t), R / (accelerators * 8760), "revenue per hour", t);
    }
    total_capex += o(Series::capex_usd, t);
    total_dep += dep;
  }
  CHECK(o(Scalar::terminal_value_usd) == 0);  // method none
  CHECK(total_capex > total_dep);
}

TEST_CASE("finance: a 2-year build spends before the start year and past the online year") {
  auto j = fixtures::hand_scenario();
  const Outputs v1 = run(j);
  j["clusters"][0]["build_years"] = 2;
  const Outputs o = run(j);
  // The 2027 tranche is spent in 2025 and 2026: before the start year, so all in 2026. The
  // 2028 tranche in 2026 and 2027. IT is bought the year it is installed, as in v1.
  const double facility[T] = {k_fac + k_fac / 2, k_fac / 2, 0, 0, 0, 0};
  double total = 0;
  for (int t = 0; t < T; ++t) {
    check_close(o(Series::capex_usd, t), facility[t] + k_it[t], "capex", t);
    // Depreciation and opex count from the online year: unchanged.
    check_close(o(Series::depreciation_usd, t), v1(Series::depreciation_usd, t), "depreciation", t);
    check_close(o(Series::opex_usd, t), v1(Series::opex_usd, t), "opex", t);
    check_close(o(Series::fcf_usd, t), v1(Series::fcf_usd, t) + v1(Series::capex_usd, t) - o(Series::capex_usd, t),
                "fcf", t);
    total += facility[t] + k_it[t];
  }
  check_close(o(Scalar::total_capex_usd), total, "total capex");
  check_close(o(Scalar::total_capex_usd), v1(Scalar::total_capex_usd), "the same total, earlier");

  // Online in 2031 (t = 5) over 2 years: the 2031 tranche is spent in 2029-30, the 2032
  // tranche (past the horizon) in 2030-31; IT for 2031's 400 accelerators in 2031.
  j["clusters"][0]["online_year"] = 2031;
  const Outputs late = run(j);
  const double late_capex[T] = {0, 0, 0, k_fac / 2, k_fac, k_fac / 2 + 0.5 * 1.2 * 400 * 1000};
  for (int t = 0; t < T; ++t) check_close(late(Series::capex_usd, t), late_capex[t], "capex, late cluster", t);
  // Online in 2033: only its first tranche's first year (2031) falls inside the horizon.
  j["clusters"][0]["online_year"] = 2033;
  const Outputs later = run(j);
  for (int t = 0; t < T - 1; ++t) CHECK(later(Series::capex_usd, t) == 0);
  check_close(later(Series::capex_usd, T - 1), k_fac / 2, "capex, cluster online past the horizon");
  CHECK(later(Series::capacity_tokens, T - 1) == 0);
}

TEST_CASE("finance: a lease running past the horizon") {
  auto j = fixtures::hand_scenario();
  const Outputs v1 = run(j);
  j["clusters"][0]["build_years"] = 3;  // ignored for a leased facility
  j["clusters"][0]["ownership"] = {{"lease", {{"rate", 0.1}, {"term_years", 4.5}}}};
  const Outputs o = run(j);
  // Each tranche pays 0.1 * 300k = 30k a year from its online year for 4.5 years: the
  // 2027 tranche 2027-30 in full and half in 2031; the 2028 tranche 2028-31, its half-year
  // in 2032 past the horizon.
  const double lease[T] = {0, 30e3, 60e3, 60e3, 60e3, 30e3 + 15e3};
  // IT only: depreciated over 2.5 years, no facility depreciation.
  const double dep[T] = {0,
                         k_it[1] / 2.5,
                         k_it[1] / 2.5 + k_it[2] / 2.5,
                         k_it[1] * 0.2 + k_it[2] / 2.5,
                         k_it[2] * 0.2 + k_it[4] / 2.5,
                         k_it[4] / 2.5 + k_it[5] / 2.5};
  double cum_it = 0;
  for (int t = 0; t < T; ++t) {
    cum_it += k_it[t] / 0.5;
    const double opex = 0.5 * 0.02 * cum_it;  // a leased facility never counts
    const double R = v1(Series::revenue_usd, t), power = v1(Series::power_cost_usd, t);
    check_close(o(Series::lease_cost_usd, t), lease[t], "lease", t);
    check_close(o(Series::capex_usd, t), k_it[t], "capex (IT only)", t);
    check_close(o(Series::depreciation_usd, t), dep[t], "depreciation (IT only)", t);
    check_close(o(Series::opex_usd, t), opex, "opex", t);
    const double ebitda = R - power - opex - lease[t] - 0.1 * R;
    check_close(o(Series::ebitda_usd, t), ebitda, "ebitda", t);
    check_close(o(Series::ebit_usd, t), ebitda - dep[t], "ebit", t);
    const double ebit = ebitda - dep[t];
    check_close(o(Series::fcf_usd, t), ebit - 0.2 * std::max(ebit, 0.0) + dep[t] - k_it[t], "fcf", t);
    if (t > 0) {
      check_close(o(Series::lcot_player_usd_per_mtok, t),
                  (dep[t] + power + opex + lease[t]) / v1(Series::served_tokens, t) * 1e6, "lcot_player", t);
    }
  }
}

TEST_CASE("finance: software carry-over") {
  auto j = fixtures::hand_scenario();
  j["clusters"][0]["software_carryover"] = 0.5;
  const Outputs o = run(j);
  // tau_i(y) = tau (1+h)^k (1+sw)^(c k) (1+sw)^(y - y_i), k = y_i - y_on, h = 1, sw = 0.1, c = 0.5:
  // vintages of 400 installed in 2027 (k = 0), 2028 (k = 1), 2030 (k = 3), 2031 (k = 4).
  const double v2 = 2 * std::pow(1.1, 0.5), v4 = 8 * std::pow(1.1, 1.5), v5 = 16 * std::pow(1.1, 2.0);
  const double vintage_sum[T] = {0,
                                 400,
                                 400 * 1.1 + 400 * v2,
                                 400 * 1.21 + 400 * v2 * 1.1,
                                 400 * v2 * 1.21 + 400 * v4,
                                 400 * v4 * 1.1 + 400 * v5};
  const double per_accel_year = 0.5 * 0.5 * 3.1536e7 * 1000;
  for (int t = 0; t < T; ++t) {
    check_close(o(Series::capacity_tokens, t), per_accel_year * vintage_sum[t], "capacity", t);
  }
  // c = 1: a new vintage keeps every software gain, so the 2030 refresh serves 8 (1.1)^3
  // times the 2027 vintage's base rate.
  j["clusters"][0]["software_carryover"] = 1.0;
  const Outputs full = run(j);
  check_close(full(Series::capacity_tokens, 4),
              per_accel_year * (400 * 2 * 1.1 * 1.21 + 400 * 8 * 1.331), "capacity with full carry-over");
}

TEST_CASE("finance: fixed costs grow and enter EBITDA and EBIT") {
  auto j = fixtures::hand_scenario();
  const Outputs v1 = run(j);
  j["player"]["fixed_costs_usd"] = 1e4;
  j["player"]["fixed_cost_growth"] = 0.5;
  const Outputs o = run(j);
  for (int t = 0; t < T; ++t) {
    const double F = 1e4 * std::pow(1.5, t);
    check_close(o(Series::fixed_costs_usd, t), F, "fixed costs", t);
    check_close(o(Series::ebitda_usd, t), v1(Series::ebitda_usd, t) - F, "ebitda", t);
    check_close(o(Series::ebit_usd, t), v1(Series::ebit_usd, t) - F, "ebit", t);
  }
}

TEST_CASE("finance: tax on losses, group relief and a carry-forward that absorbs then releases") {
  auto j = fixtures::hand_scenario();
  // Fixed costs of 150k a year put the build years into loss and leave later years in profit.
  j["player"]["fixed_costs_usd"] = 1.5e5;
  const Outputs none = run(j);
  double ebit[T];
  for (int t = 0; t < T; ++t) ebit[t] = none(Series::ebit_usd, t);
  for (int t = 0; t < T; ++t) check_close(none(Series::tax_usd, t), 0.2 * std::max(ebit[t], 0.0), "tax, none", t);

  j["player"]["tax_losses"] = "group_relief";
  const Outputs relief = run(j);
  for (int t = 0; t < T; ++t) {
    check_close(relief(Series::tax_usd, t), 0.2 * ebit[t], "tax, group relief", t);
    check_close(relief(Series::fcf_usd, t), ebit[t] - 0.2 * ebit[t] + none(Series::depreciation_usd, t) -
                                                 none(Series::capex_usd, t), "fcf, group relief", t);
  }

  j["player"]["tax_losses"] = "carry_forward";
  const Outputs carry = run(j);
  // The pool by hand: losses join it; profit uses it up before it is taxed.
  double pool = 0;
  bool absorbed = false, released = false;
  for (int t = 0; t < T; ++t) {
    double expected = 0;
    if (ebit[t] <= 0) {
      pool -= ebit[t];
    } else {
      const double used = std::min(pool, ebit[t]);
      absorbed |= used > 0;
      released |= absorbed && used < ebit[t];  // profit taxed once the pool is used up
      pool -= used;
      expected = 0.2 * (ebit[t] - used);
    }
    check_close(carry(Series::tax_usd, t), expected, "tax, carry forward", t);
  }
  // The case the test is for: a loss pool, a profit that it absorbs (fully or in part), and
  // later profit taxed once the pool is used up.
  INFO("EBIT: " << ebit[0] << " " << ebit[1] << " " << ebit[2] << " " << ebit[3] << " " << ebit[4] << " " << ebit[5]);
  REQUIRE(absorbed);
  REQUIRE(released);
  CHECK(pool == 0);
}

TEST_CASE("finance: terminal values after a refresh, and MIRR") {
  auto j = fixtures::hand_scenario();
  const Outputs v1 = run(j);
  double npv = 0;
  for (int t = 0; t < T; ++t) npv += v1(Series::fcf_usd, t) / std::pow(1.1, t + 1);

  // Book value: total capex - total depreciation booked in 2026-31. The two facility
  // tranches (life 4) are written off by 2030 and 2031, and so are the 2027 and 2028 IT
  // tranches (life 2.5); what is left is the refreshed IT: the 2030 tranche has booked 2 of
  // its 2.5 years, the 2031 tranche 1.
  j["player"]["terminal"] = {{"method", "book_value"}};
  const Outputs book = run(j);
  const double tv_book = k_it[4] * (1 - 2 / 2.5) + k_it[5] * (1 - 1 / 2.5);
  check_close(book(Scalar::terminal_value_usd), tv_book, "book value");
  check_close(book(Scalar::npv_usd), npv + tv_book / std::pow(1.1, T), "npv with book value");

  j["player"]["terminal"] = {{"method", "exit_multiple"}, {"multiple", 12.5}};
  const Outputs exit = run(j);
  check_close(exit(Scalar::terminal_value_usd), 12.5 * v1(Series::ebitda_usd, T - 1), "exit multiple");
  check_close(exit(Scalar::npv_usd), npv + 12.5 * v1(Series::ebitda_usd, T - 1) / std::pow(1.1, T),
              "npv with exit multiple");

  j["player"]["terminal"] = {{"method", "gordon"}, {"growth", 0.02}};
  const Outputs gordon = run(j);
  check_close(gordon(Scalar::terminal_value_usd), v1(Series::fcf_usd, T - 1) * 1.02 / 0.08, "gordon, undiscounted");

  // MIRR on the flows: positive ones compounded to the end at 10%, negative ones
  // discounted to the start, MIRR = (FV+ / PV-)^(1/T) - 1. Neither sum is empty here.
  double fv_in = 0, pv_out = 0;
  for (int t = 0; t < T; ++t) {
    const double x = v1(Series::fcf_usd, t);
    if (x > 0) fv_in += x * std::pow(1.1, T - 1 - t);
    if (x < 0) pv_out -= x / std::pow(1.1, t + 1);
  }
  REQUIRE(fv_in > 0);
  REQUIRE(pv_out > 0);
  check_close(v1(Scalar::mirr), std::pow(fv_in / pv_out, 1.0 / T) - 1, "mirr");
  CHECK(book(Scalar::mirr) == v1(Scalar::mirr));  // no terminal value in it
}

TEST_CASE("finance: MIRR of plain flows") {
  // -100 now... at the end of year 1, then 60 and 60: FV+ = 60 * 1.1 + 60 = 126, PV- = 100 / 1.1.
  const std::vector<double> flows{-100, 60, 60};
  check_close(modified_internal_rate_of_return(flows, 0.1), std::pow(126 / (100 / 1.1), 1.0 / 3) - 1, "mirr");
  // At wacc = 0 it is (sum of inflows / sum of outflows)^(1/T) - 1.
  check_close(modified_internal_rate_of_return(flows, 0.0), std::pow(1.2, 1.0 / 3) - 1, "mirr at 0");
  CHECK(std::isnan(modified_internal_rate_of_return(std::vector<double>{10, 20}, 0.1)));
  CHECK(std::isnan(modified_internal_rate_of_return(std::vector<double>{-10, 0}, 0.1)));
}

TEST_CASE("finance: the new leaves are inputs like v1's") {
  auto j = fixtures::hand_scenario();
  j["clusters"][0]["ownership"] = nlohmann::json::parse(
      R"({"lease": {"rate": {"dist": "uniform", "min": 0.05, "max": 0.1}, "term_years": 20}})");
  j["player"]["terminal"] = {{"method", "exit_multiple"}, {"multiple", 10}};
  j["player"]["fixed_costs_usd"] = 1e4;
  const Scenario sc = Scenario::from_json(j);
  for (const char* path : {"clusters.C.ownership.lease.rate", "clusters.C.ownership.lease.term_years",
                           "clusters.C.build_years", "clusters.C.software_carryover", "player.fixed_costs_usd",
                           "player.fixed_cost_growth", "player.terminal.multiple"}) {
    INFO(path);
    CHECK_NOTHROW((void)sc.input_index(path, "test"));
  }
  CHECK(sc.uncertain_inputs().size() == 1);
  // Overrides (stresses, sweeps) reach them and are checked like the scenario's own values.
  const Scenario dear = sc.with_overrides({{"clusters.C.ownership.lease.rate", Distribution::fixed(0.2)},
                                           {"player.terminal.multiple", Distribution::fixed(20)}});
  CHECK(dear.base_inputs().clusters[0].lease_rate == 0.2);
  CHECK(dear.base_inputs().player.terminal_multiple == 20);
  CHECK_THROWS_WITH_AS(sc.with_overrides({{"clusters.C.build_years", Distribution::fixed(-2)}}),
                       "overrides.clusters.C.build_years: must be in [0, 100], got -2", InputError);
  CHECK_THROWS_WITH_AS(sc.with_overrides({{"clusters.C.build_years", Distribution::fixed(1e19)}}),
                       "overrides.clusters.C.build_years: must be in [0, 100], got 1e+19", InputError);
  // The canonical JSON keeps the blocks.
  const Scenario back = Scenario::from_json(sc.to_json());
  CHECK(back.to_json() == sc.to_json());
  CHECK(back.to_json()["player"]["terminal"]["multiple"] == 10);
  CHECK(back.to_json()["clusters"][0]["ownership"]["lease"]["term_years"] == 20);
}

TEST_CASE("finance: the defaults written out give v1's bits; every block gives the same bits on 1 and 2 threads") {
  auto j = fixtures::hand_scenario();
  j["market"]["spend_growth"] = nlohmann::json::parse(R"({"dist": "uniform", "min": 0.1, "max": 0.3})");
  auto explicit_defaults = j;
  explicit_defaults["clusters"][0]["build_years"] = 0;
  explicit_defaults["clusters"][0]["ownership"] = "own";
  explicit_defaults["clusters"][0]["software_carryover"] = 0;
  explicit_defaults["player"]["fixed_costs_usd"] = 0;
  explicit_defaults["player"]["fixed_cost_growth"] = 0;
  explicit_defaults["player"]["tax_losses"] = "none";
  explicit_defaults["player"]["terminal"] = {{"method", "none"}};
  RunOptions opt;
  opt.paths = 3000;
  opt.threads = 2;
  const RunResult v1 = infersim::run(Scenario::from_json(j), opt);
  const RunResult same = infersim::run(Scenario::from_json(explicit_defaults), opt);
  auto same_bits = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  REQUIRE(v1.metrics.size() == same.metrics.size());
  for (std::size_t i = 0; i < v1.metrics.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(v1.metrics[i].mean, same.metrics[i].mean));
    CHECK(same_bits(v1.metrics[i].percentile(50), same.metrics[i].percentile(50)));
  }

  auto all = j;
  all["clusters"][0]["build_years"] = 1;
  all["clusters"][0]["software_carryover"] = nlohmann::json::parse(R"({"dist": "uniform", "min": 0, "max": 1})");
  all["clusters"][0]["ownership"] = nlohmann::json::parse(
      R"({"lease": {"rate": {"dist": "uniform", "min": 0.05, "max": 0.1}, "term_years": 3.5}})");
  all["player"]["fixed_costs_usd"] = nlohmann::json::parse(R"({"dist": "uniform", "min": 0, "max": 1e5})");
  all["player"]["tax_losses"] = "carry_forward";
  all["player"]["terminal"] = {{"method", "exit_multiple"}, {"multiple", 10}};
  const Scenario sc = Scenario::from_json(all);
  opt.threads = 1;
  const RunResult one = infersim::run(sc, opt);
  opt.threads = 2;
  const RunResult two = infersim::run(sc, opt);
  for (std::size_t i = 0; i < one.metrics.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(one.metrics[i].mean, two.metrics[i].mean));
    for (std::size_t k = 0; k < k_percentiles.size(); ++k) {
      CHECK(same_bits(one.metrics[i].percentiles[k], two.metrics[i].percentiles[k]));
    }
  }
}
