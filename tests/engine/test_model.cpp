// The model against values worked out by hand from docs/model.md. Each expected value
// below is written as the arithmetic of the spec on the scenario's literal inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <boost/math/tools/roots.hpp>

#include "fixtures.hpp"
#include "infersim/model.hpp"
#include "infersim/scenario.hpp"

using namespace infersim;
using fixtures::check_close;
using fixtures::error_of;

namespace {

struct Outputs {
  std::vector<double> v;
  int T;
  double operator()(Series s, int t) const { return v[static_cast<std::size_t>(metric_index(s, t, T))]; }
  double operator()(Scalar s) const { return v[static_cast<std::size_t>(metric_index(s, T))]; }
};

Outputs evaluate_scenario(const nlohmann::json& j) {
  const Scenario sc = Scenario::from_json(j);
  const ModelInputs in = sc.base_inputs();
  ModelWorkspace ws;
  Outputs out{std::vector<double>(static_cast<std::size_t>(metric_count(in.horizon_years))), in.horizon_years};
  evaluate(in, ws, out.v);
  return out;
}

}  // namespace

TEST_CASE("model: the hand scenario, formula by formula") {
  const Outputs o = evaluate_scenario(fixtures::hand_scenario());
  const int T = 6;

  // §2 market: g_t = 0.2 * 0.5^(t-1), M_t = M_{t-1}(1 + g_t), p_t = 2 * 0.5^t.
  const double M[T] = {1e7, 1.2e7, 1.32e7, 1.386e7, 1.386e7 * 1.025, 1.386e7 * 1.025 * 1.0125};
  const double p[T] = {2, 1, 0.5, 0.25, 0.125, 0.0625};
  // §3 share: ramp 0.02 -> 0.08 over 3 years; Q_t = s_t M_t / (0.5 p_t) * 1e6.
  const double s[T] = {0.02, 0.04, 0.06, 0.08, 0.08, 0.08};
  double Q[T];
  for (int t = 0; t < T; ++t) Q[t] = s[t] * M[t] / (0.5 * p[t]) * 1e6;

  // §4 capacity: 1 MW / 1.25 / 1000 W = 800 accelerators; phi = 0, 1/2, 1, 1, 1, 1.
  // Installs 0, 400, 400, 0, 400 (replacing 2027's, ceil(2.5) = 3 years on), 400.
  // Vintage sums of n_i (1+h)^(y_i - y_on) (1+sw)^(y - y_i), h = 1, sw = 0.1:
  const double vintage_sum[T] = {0,
                                 400,
                                 400 * 1.1 + 400 * 2,
                                 400 * 1.21 + 400 * 2 * 1.1,
                                 400 * 2 * 1.21 + 400 * 8,  // 2027's vintage retired in 2030
                                 400 * 8 * 1.1 + 400 * 16};
  const double per_accel_year = 0.5 * 0.5 * 3.1536e7 * 1000;  // alpha * a * seconds * tau
  double C[T], S[T], U[T], R[T];
  for (int t = 0; t < T; ++t) {
    C[t] = per_accel_year * vintage_sum[t];
    // §5 serving: year 0 has no capacity; 2029 is capacity-bound; the others demand-bound.
    S[t] = std::min(Q[t], 0.8 * C[t]);
    U[t] = C[t] > 0 ? S[t] / C[t] : 0;
    R[t] = S[t] * 0.5 * p[t] / 1e6;
  }
  CHECK(S[0] == 0);
  CHECK(S[1] == Q[1]);
  CHECK(S[3] == 0.8 * C[3]);  // capacity binds in 2029
  CHECK(S[5] == Q[5]);

  // §6, times alpha = 0.5, overrun 1.2.
  const double capex[T] = {0,
                           0.5 * 1.2 * (1e6 * 0.5 + 400 * 1000),
                           0.5 * 1.2 * (1e6 * 0.5 + 400 * 1000 * 1.1),
                           0,
                           0.5 * 1.2 * (400 * 1000 * 1.331),
                           0.5 * 1.2 * (400 * 1000 * 1.4641)};
  // Facility tranches 300k (2027, 2028) over 4 years; IT tranches X over 2.5 years:
  // X/2.5, X/2.5, then X*0.5/2.5.
  const double fac = 0.5 * 1.2 * 1e6 * 0.5;
  const double it1 = 0.5 * 1.2 * 400 * 1000, it2 = it1 * 1.1, it4 = it1 * 1.331, it5 = it1 * 1.4641;
  const double dep[T] = {0,
                         fac / 4 + it1 / 2.5,
                         2 * fac / 4 + it1 / 2.5 + it2 / 2.5,
                         2 * fac / 4 + it1 * 0.2 + it2 / 2.5,
                         2 * fac / 4 + it2 * 0.2 + it4 / 2.5,
                         fac / 4 + it4 / 2.5 + it5 / 2.5};
  const double phi[T] = {0, 0.5, 1, 1, 1, 1};
  double cum_gross = 0;
  for (int t = 0; t < T; ++t) {
    cum_gross += capex[t] / 0.5;
    const double power = 0.5 * 0.001 * phi[t] * 1000 * 8760 * 50 * (0.25 + 0.75 * U[t]);
    const double opex = 0.5 * 0.02 * cum_gross;
    // §7
    const double ebit = R[t] - dep[t] - power - opex - 0.1 * R[t];
    const double fcf = ebit - 0.2 * std::max(ebit, 0.0) + dep[t] - capex[t];
    check_close(o(Series::market_spend_usd, t), M[t], "market_spend_usd", t);
    check_close(o(Series::price_usd_per_mtok, t), p[t], "price", t);
    check_close(o(Series::demand_tokens, t), M[t] / p[t] * 1e6, "demand", t);
    check_close(o(Series::capacity_tokens, t), C[t], "capacity", t);
    check_close(o(Series::served_tokens, t), S[t], "served", t);
    check_close(o(Series::unserved_tokens, t), Q[t] - S[t], "unserved", t);
    check_close(o(Series::utilization, t), U[t], "utilization", t);
    check_close(o(Series::revenue_usd, t), R[t], "revenue", t);
    check_close(o(Series::capex_usd, t), capex[t], "capex", t);
    check_close(o(Series::depreciation_usd, t), dep[t], "depreciation", t);
    check_close(o(Series::power_cost_usd, t), power, "power", t);
    check_close(o(Series::opex_usd, t), opex, "opex", t);
    check_close(o(Series::ebit_usd, t), ebit, "ebit", t);
    check_close(o(Series::fcf_usd, t), fcf, "fcf", t);
    check_close(o(Series::ebit_ratio, t), ebit / 5e5, "ebit_ratio", t);
  }
}

TEST_CASE("model: NPV, Gordon terminal value, IRR and payback") {
  auto j = fixtures::hand_scenario();
  const Outputs base = evaluate_scenario(j);
  const int T = 6;
  double npv = 0, cum = 0, capex = 0;
  for (int t = 0; t < T; ++t) {
    npv += base(Series::fcf_usd, t) / std::pow(1.1, t + 1);
    cum += base(Series::fcf_usd, t);
    capex += base(Series::capex_usd, t);
  }
  check_close(base(Scalar::npv_usd), npv, "npv");
  check_close(base(Scalar::cumulative_fcf_usd), cum, "cumulative fcf");
  check_close(base(Scalar::total_capex_usd), capex, "total capex");

  j["player"]["terminal"] = {{"method", "gordon"}, {"growth", 0.02}};
  const Outputs gordon = evaluate_scenario(j);
  const double tv = base(Series::fcf_usd, T - 1) * 1.02 / (0.1 - 0.02) / std::pow(1.1, T);
  check_close(gordon(Scalar::npv_usd), npv + tv, "npv with Gordon terminal value");
}

TEST_CASE("model: IRR with and without a sign change") {
  // -100/(1+r) + 60/(1+r)^2 + 60/(1+r)^3 = 0  =>  -100x^2 + 60x + 60 = 0 with x = 1 + r.
  const std::vector<double> flows{-100, 60, 60};
  const double x = (60 + std::sqrt(60.0 * 60 + 4 * 100 * 60)) / 200;
  CHECK(internal_rate_of_return(flows) == doctest::Approx(x - 1).epsilon(1e-12));
  // A negative IRR: -100 then 90 back.
  CHECK(internal_rate_of_return(std::vector<double>{-100, 90}) == doctest::Approx(-0.1).epsilon(1e-12));
  CHECK(std::isnan(internal_rate_of_return(std::vector<double>{10, 20, 30})));
  CHECK(std::isnan(internal_rate_of_return(std::vector<double>{-10, -20})));
  CHECK(std::isnan(internal_rate_of_return(std::vector<double>{0, 0})));
}

TEST_CASE("model: IRR agrees with plain TOMS 748 on [-0.99, 10]") {
  // internal_rate_of_return takes a faster route when it can prove the root unique; the
  // answer must be the one model.md §7 defines: TOMS 748 from the whole bracket.
  auto reference = [](const std::vector<double>& fcf) {
    auto npv_at = [&](double r) {
      const double x = 1.0 / (1.0 + r);
      double acc = 0;
      for (auto it = fcf.rbegin(); it != fcf.rend(); ++it) acc = acc * x + *it;
      return acc * x;
    };
    const bool pos = std::any_of(fcf.begin(), fcf.end(), [](double x) { return x > 0; });
    const bool neg = std::any_of(fcf.begin(), fcf.end(), [](double x) { return x < 0; });
    const double f_lo = npv_at(-0.99), f_hi = npv_at(10.0);
    if (!pos || !neg || (f_lo > 0) == (f_hi > 0)) return std::nan("");
    std::uintmax_t max_iter = 200;
    const auto [a, b] = boost::math::tools::toms748_solve(npv_at, -0.99, 10.0, f_lo, f_hi,
                                                          boost::math::tools::eps_tolerance<double>(48), max_iter);
    return 0.5 * (a + b);
  };
  // Three roots in the bracket, at r = -0.5, 0.1 and 1 (x = 2, 1/1.1, 0.5): the fast
  // route must not pick one of its own.
  std::vector<double> three{1};  // (x - 2)(x - 1/1.1)(x - 0.5), lowest power first
  for (const double root : {2.0, 1 / 1.1, 0.5}) {
    std::vector<double> next(three.size() + 1, 0.0);
    for (std::size_t k = 0; k < three.size(); ++k) {
      next[k + 1] += three[k];
      next[k] -= root * three[k];
    }
    three = next;
  }
  REQUIRE(!std::isnan(reference(three)));
  CHECK(internal_rate_of_return(three) == reference(three));

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  int defined = 0;
  for (int i = 0; i < 20000; ++i) {
    // Investment, returns, sometimes a reinvestment: the shapes the model produces, and
    // now and then random signs.
    const int n = 2 + static_cast<int>(unit(rng) * 14);
    std::vector<double> fcf(static_cast<std::size_t>(n));
    const int build = 1 + static_cast<int>(unit(rng) * (n - 1));
    for (int t = 0; t < n; ++t) {
      const double size = std::exp(6 * unit(rng));
      fcf[static_cast<std::size_t>(t)] = i % 5 == 0 ? (unit(rng) < 0.5 ? -size : size)
                                         : t < build || unit(rng) < 0.1 ? -size
                                                                         : size;
    }
    const double want = reference(fcf), got = internal_rate_of_return(fcf);
    INFO("flows " << i << ": got " << got << ", TOMS 748 " << want);
    REQUIRE(std::isnan(got) == std::isnan(want));
    if (std::isnan(want)) continue;
    ++defined;
    // Both are the root to ~48 bits; where r is near 0, to the resolution of 1 + r.
    CHECK(std::abs(got - want) <= 0x1p-44 * std::abs(want) + 0x1p-50);
  }
  CHECK(defined > 5000);
}

TEST_CASE("model: payback year") {
  auto j = fixtures::hand_scenario();
  // With SG&A eating all revenue, every year after the build loses money: cumulative
  // FCF turns negative in 2027 and never recovers, so payback is undefined.
  j["player"]["sga_rate"] = 1.0;
  const Outputs never = evaluate_scenario(j);
  j["player"]["sga_rate"] = 0.1;
  double cum = 0;
  bool recovered = false, negative = false;
  for (int t = 0; t < 6; ++t) {
    cum += never(Series::fcf_usd, t);
    negative |= cum < 0;
    recovered |= negative && cum >= 0;
  }
  REQUIRE(negative);
  REQUIRE_FALSE(recovered);
  CHECK(std::isnan(never(Scalar::payback_year)));

  // Stable prices make the business pay back: find the first year by hand.
  j["market"]["price_decline"] = 0.0;
  j["clusters"][0]["it_cost_usd_per_accelerator"] = 10.0;
  j["clusters"][0]["facility_capex_usd_per_gw"] = 4e9;  // a costly build in 2027-28
  const Outputs pays = evaluate_scenario(j);
  cum = 0;
  negative = false;
  double expected = std::nan("");
  for (int t = 0; t < 6; ++t) {
    cum += pays(Series::fcf_usd, t);
    if (cum < 0) negative = true;
    else if (negative) {
      expected = 2026 + t;
      break;
    }
  }
  REQUIRE(negative);
  REQUIRE_FALSE(std::isnan(expected));
  CHECK(pays(Scalar::payback_year) == expected);
  CHECK(pays(Scalar::irr) > -0.99);

  // Cumulative FCF never below zero: the start year. A cluster with no capex at all.
  j["clusters"][0]["facility_capex_usd_per_gw"] = 0.0;
  j["clusters"][0]["it_cost_usd_per_accelerator"] = 0.0;
  j["clusters"][0]["power_price_usd_per_mwh"] = 0.0;
  const Outputs free_ride = evaluate_scenario(j);
  CHECK(free_ride(Scalar::payback_year) == 2026);
  CHECK(std::isnan(free_ride(Scalar::irr)));  // no negative flow: no sign change
}

TEST_CASE("model: a cluster online after the horizon adds nothing") {
  auto j = fixtures::hand_scenario();
  j["clusters"][0]["online_year"] = 2040;
  const Outputs o = evaluate_scenario(j);
  for (int t = 0; t < 6; ++t) {
    CHECK(o(Series::capacity_tokens, t) == 0);
    CHECK(o(Series::capex_usd, t) == 0);
    CHECK(o(Series::utilization, t) == 0);
    CHECK(o(Series::revenue_usd, t) == 0);
  }
}
