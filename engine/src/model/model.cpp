// One Monte Carlo path of the inference business, formula by formula from docs/model.md
// (the project's copy of the v1 model). Section numbers below refer to it.
#include "infersim/model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <boost/math/tools/roots.hpp>

#include "model/finance.hpp"
#include "model/market.hpp"
#include "model/throughput.hpp"
#include "model/throughput_memo.hpp"

namespace infersim {
namespace {

constexpr double k_seconds_per_year = 3.1536e7;  // 365 days
constexpr double k_hours_per_year = 8760.0;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Straight-line depreciation with life L (model.md §6): a tranche x spent in year index t
// books x/L in each of the years t .. t + floor(L) - 1, the fraction x (L - floor(L))/L in
// year t + floor(L), nothing outside the horizon. The constants of L are worked out once
// per cluster rather than once per tranche.
class StraightLine {
public:
  StraightLine(double life, int horizon)
      : inv_life_(1.0 / life), remainder_(life - std::floor(life)),
        whole_(static_cast<int>(std::min<double>(std::floor(life), horizon + 1.0))) {}

  void book(double x, int t, std::span<double> dep) const {
    if (x == 0) return;
    const int horizon = static_cast<int>(dep.size());
    const double per_year = x * inv_life_;
    const int last = t + whole_;
    for (int k = t, end = std::min(horizon, last); k < end; ++k) dep[k] += per_year;
    if (remainder_ > 0 && last < horizon) dep[last] += per_year * remainder_;
  }

private:
  double inv_life_, remainder_;
  int whole_;  // floor(L), capped past the horizon
};

// model.md §4: phi = clamp((y - y_on + 1) / n_r, 0, 1), dividing only inside the ramp.
double online_fraction(const ClusterInputs& c, int year) {
  const double k = year - c.online_year + 1;
  return k <= 0 ? 0.0 : k >= c.ramp_years ? 1.0 : k / c.ramp_years;
}

// Longest cash-flow series for which internal_rate_of_return tries to prove its root unique.
constexpr std::size_t k_max_certified_flows = 128;

// Upper bounds on the number of roots in (1, inf) of P(x) = sum_k c[k] x^k and of its
// reverse x^(n-1) P(1/x), i.e. on the roots of P in (1, inf) and in (0, 1), each with the
// right parity: by Descartes' rule of signs, the sign changes among the coefficients of
// P(1 + y), found by repeated synthetic division (Taylor shift by 1). -1 when a coefficient,
// or P(1) itself, is too close to zero for its computed sign to be trusted: each is a sum of
// the c[k] times positive integers, computed with an error below n eps times the same sum of
// the |c[k]|. The two polynomials and their error bounds are shifted side by side, four
// independent sums at each step.
std::array<int, 2> root_bounds_above_and_below_one(std::span<const double> c) {
  const std::size_t n = c.size();
  std::array<std::array<double, 4>, k_max_certified_flows> s;  // P, reverse, and their bounds
  for (std::size_t k = 0; k < n; ++k) {
    const double rev = c[n - 1 - k];
    s[k] = {c[k], rev, std::abs(c[k]), std::abs(rev)};
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    for (std::size_t k = n - 1; k-- > i;) {
      for (std::size_t l = 0; l < 4; ++l) s[k][l] += s[k + 1][l];
    }
  }
  const double tol = 4.0 * static_cast<double>(n) * std::numeric_limits<double>::epsilon();
  std::array<int, 2> changes{0, 0};
  for (std::size_t p = 0; p < 2; ++p) {
    int prev_sign = 0;  // none yet
    for (std::size_t k = 0; k < n; ++k) {
      const double coef = s[k][p], bound = s[k][p + 2];
      if (bound == 0) continue;  // an exact zero
      if (!(std::abs(coef) > tol * bound)) return {-1, -1};
      const int sign = coef > 0 ? 1 : -1;
      changes[p] += sign * prev_sign < 0;  // without a branch: the signs are data
      prev_sign = sign;
    }
  }
  return changes;
}

}  // namespace

void ModelWorkspace::reserve(int horizon_years, std::size_t clusters) {
  const auto n = static_cast<std::size_t>(horizon_years);
  for (auto* v : {&quantity_, &pow_hw_, &pow_sw_, &vintage_sum_, &accelerators_}) v->assign(n, 0.0);
  for (auto* v : {&phi_, &installs_}) v->assign(n * clusters, 0.0);
  roofline_.assign(clusters, RooflineMemo{});
}

namespace {

/// model.md §7: the IRR when Descartes' rule proved it the only root in [a, b], by
/// safeguarded Halley iterations from the break-even guess; NaN if they do not converge.
double irr_halley(std::span<const double> fcf, double a, double b, bool negative_at_a) {
  const auto n = fcf.size();
  // Start where two flows, the negative ones and the positive ones each at their
  // value-weighted mean time, would break even: (1 + r)^(t+ - t-) = sum+ / sum-.
  double sum_pos = 0, sum_neg = 0, time_pos = 0, time_neg = 0;
  for (std::size_t t = 0; t < n; ++t) {
    if (fcf[t] > 0) {
      sum_pos += fcf[t];
      time_pos += fcf[t] * static_cast<double>(t);
    } else {
      sum_neg -= fcf[t];
      time_neg -= fcf[t] * static_cast<double>(t);
    }
  }
  double r = std::pow(sum_pos / sum_neg, 1.0 / (time_pos / sum_pos - time_neg / sum_neg)) - 1.0;
  if (!(r > a && r < b)) r = 0.5 * (a + b);  // also catches NaN
  // With x = 1/(1+r) and S_k = sum_t (t+1)...(t+k) FCF_t x^t: f = x S_0, f' = -x^2 S_1,
  // f'' = x^3 S_2, and Halley's step -2 f f' / (2 f'^2 - f f'') is the one below. The
  // three sums are evaluated side by side, each as E(x^2) + x O(x^2) over its even and odd
  // coefficients: shorter chains of dependent operations than plain Horner.
  std::array<std::array<double, 3>, k_max_certified_flows> coef;
  for (std::size_t t = 0; t < n; ++t) {
    const double d1 = static_cast<double>(t + 1) * fcf[t];
    coef[t] = {fcf[t], d1, static_cast<double>(t + 2) * d1};
  }
  for (int iter = 0; iter < 50; ++iter) {
    const double x = 1.0 / (1.0 + r), x2 = x * x;
    std::array<double, 3> even{}, odd{};
    std::size_t k = n;
    if (k % 2 == 1) even = coef[--k];
    while (k >= 2) {
      k -= 2;
      for (std::size_t l = 0; l < 3; ++l) {
        odd[l] = odd[l] * x2 + coef[k + 1][l];
        even[l] = even[l] * x2 + coef[k][l];
      }
    }
    const double s0 = even[0] + x * odd[0], s1 = even[1] + x * odd[1], s2 = even[2] + x * odd[2];
    if (s0 == 0) return r;
    ((s0 < 0) == negative_at_a ? a : b) = r;  // keep the root bracketed
    double next = r + 2 * s0 * s1 * (1.0 + r) / (2 * s1 * s1 - s0 * s2);
    if (!(next > a && next < b)) next = 0.5 * (a + b);  // bisect when Halley leaves the bracket
    // Converged to the 48 bits of model.md §7: a step that small leaves an error far below
    // it, or a bracket that narrow (TOMS 748's own test).
    if (std::abs(next - r) <= 0x1p-48 * std::abs(next) || b - a <= 0x1p-47 * std::min(std::abs(a), std::abs(b))) {
      return next;
    }
    r = next;
  }
  return k_nan;
}

}  // namespace

double internal_rate_of_return(std::span<const double> fcf) {
  const bool has_pos = std::any_of(fcf.begin(), fcf.end(), [](double x) { return x > 0; });
  const bool has_neg = std::any_of(fcf.begin(), fcf.end(), [](double x) { return x < 0; });
  if (!has_pos || !has_neg) return k_nan;
  // Present value as a polynomial in the discount factor x = 1/(1+r), by Horner.
  auto npv_at = [&](double r) {
    const double x = 1.0 / (1.0 + r);
    double acc = 0;
    for (auto it = fcf.rbegin(); it != fcf.rend(); ++it) acc = acc * x + *it;
    return acc * x;
  };
  constexpr double lo = -0.99, hi = 10.0;
  // npv_at(lo) and npv_at(hi), with their two Horner chains interleaved.
  constexpr double x_lo = 1.0 / (1.0 + lo), x_hi = 1.0 / (1.0 + hi);
  double acc_lo = 0, acc_hi = 0;
  for (auto it = fcf.rbegin(); it != fcf.rend(); ++it) {
    acc_lo = acc_lo * x_lo + *it;
    acc_hi = acc_hi * x_hi + *it;
  }
  const double f_lo = acc_lo * x_lo, f_hi = acc_hi * x_hi;
  if (f_lo == 0) return lo;
  if (f_hi == 0) return hi;
  if ((f_lo > 0) == (f_hi > 0)) return k_nan;
  auto toms748 = [&](double a, double b, double f_a, double f_b) {
    std::uintmax_t max_iter = 200;
    const auto [ra, rb] = boost::math::tools::toms748_solve(npv_at, a, b, f_a, f_b,
                                                            boost::math::tools::eps_tolerance<double>(48), max_iter);
    return 0.5 * (ra + rb);
  };
  // The ends have opposite signs, so [lo, hi] holds an odd number of roots. TOMS 748 from
  // that wide bracket needs ~20 evaluations; when the root is provably unique, Halley's
  // method from a close guess finds the same root in ~4. Otherwise (several roots, one of
  // which TOMS 748 would pick), or when a rounding error could fake the proof, the plain
  // TOMS 748 of model.md §7 runs.
  const auto n = fcf.size();
  if (n > k_max_certified_flows) return toms748(lo, hi, f_lo, f_hi);
  // Roots with x in (1, inf), i.e. r < 0, and with x in (0, 1), i.e. r > 0.
  const auto [negative, positive] = root_bounds_above_and_below_one(fcf);
  if (negative < 0 || positive < 0 || negative + positive != 1) return toms748(lo, hi, f_lo, f_hi);

  // The one root lies in [a, b] = [lo, 0] or [0, hi]; f(0) has the sign of the other end.
  double a = negative ? lo : 0.0, b = negative ? 0.0 : hi;
  const bool negative_at_a = f_lo < 0;
  const double root = irr_halley(fcf, a, b, negative_at_a);
  if (!std::isnan(root)) return root;
  return toms748(lo, hi, f_lo, f_hi);  // not converged (never seen): the plain TOMS 748
}

int metric_count(const ModelInputs& in) {
  int n = 0;
  for (const auto& c : in.clusters) n += c.has_throughput ? 1 : 0;
  return metric_count(in.horizon_years, n, static_cast<int>(in.segments.size()));
}

void evaluate(const ModelInputs& in, ModelWorkspace& ws, std::span<double> out) {
  const int T = in.horizon_years;
  if (ws.quantity_.size() != static_cast<std::size_t>(T) || ws.phi_.size() != T * in.clusters.size() ||
      ws.roofline_.size() != in.clusters.size()) {
    ws.reserve(T, in.clusters.size());
  }
  auto series = [&](Series s) { return out.subspan(static_cast<std::size_t>(metric_index(s, 0, T)), T); };
  auto scalar = [&](Scalar s) -> double& { return out[static_cast<std::size_t>(metric_index(s, T))]; };

  const auto spend = series(Series::market_spend_usd), price = series(Series::price_usd_per_mtok),
             demand = series(Series::demand_tokens), capacity = series(Series::capacity_tokens),
             served = series(Series::served_tokens), unserved = series(Series::unserved_tokens),
             util = series(Series::utilization), revenue = series(Series::revenue_usd),
             capex = series(Series::capex_usd), dep = series(Series::depreciation_usd),
             power = series(Series::power_cost_usd), opex = series(Series::opex_usd),
             ebit = series(Series::ebit_usd), fcf = series(Series::fcf_usd), ratio = series(Series::ebit_ratio),
             ebitda = series(Series::ebitda_usd), lease = series(Series::lease_cost_usd),
             fixed = series(Series::fixed_costs_usd), tax = series(Series::tax_usd),
             lcot = series(Series::lcot_player_usd_per_mtok),
             per_hour = series(Series::revenue_per_accelerator_hour_usd);
  // The sums over clusters start from zero; every other output is written below.
  for (const auto& sum : {capacity, capex, dep, power, opex, lease}) std::fill(sum.begin(), sum.end(), 0.0);
  std::fill(ws.accelerators_.begin(), ws.accelerators_.end(), 0.0);

  // §2 Market: spend grows at g_t = g k^(t-1); the price falls by d a year.
  const MarketInputs& mk = in.market;
  const PlayerInputs& pl = in.player;
  // model-v2 §B: with segments, the market is theirs (model/market.cpp); their outputs
  // follow the clusters' scalars.
  const bool segmented = !in.segments.empty();
  const int first_segment_output =
      metric_count(T, static_cast<int>(std::count_if(in.clusters.begin(), in.clusters.end(),
                                                     [](const ClusterInputs& c) { return c.has_throughput; })));
  if (segmented) segment_demand(in, out, first_segment_output);
  const double inv_price_ratio = 1.0 / pl.price_ratio;
  double m_t = mk.spend0_usd, g_t = mk.spend_growth, p_t = mk.price0_usd_per_mtok;
  for (int t = 0; t < T && !segmented; ++t) {
    if (t > 0) {
      m_t *= 1.0 + g_t;
      g_t *= mk.growth_decay;
      p_t *= 1.0 - mk.price_decline;
    }
    spend[t] = m_t;
    price[t] = p_t;
    demand[t] = m_t / p_t * 1e6;
    // §3 The player's share (linear ramp; dividing only inside it) and the tokens it is
    // asked to serve, s_t M_t / (r p_t) * 1e6.
    const double ramp = t >= pl.share_ramp_years ? 1.0 : t / pl.share_ramp_years;
    const double s_t =
        pl.share_ramp_years == 0 ? pl.share_end : pl.share_start + (pl.share_end - pl.share_start) * ramp;
    ws.quantity_[t] = s_t * demand[t] * inv_price_ratio;
  }

  // §4 Capacity, cluster by cluster, from gigawatts through vintages of accelerators.
  const auto n_clusters = in.clusters.size();
  int throughput_clusters = 0;
  for (std::size_t ci = 0; ci < n_clusters; ++ci) {
    const ClusterInputs& c = in.clusters[ci];
    const std::span<double> phi(ws.phi_.data() + ci * T, T), installs(ws.installs_.data() + ci * T, T);
    // tau: the input (v1), or model-v2 §A's roofline on this path's draws, whose b* and
    // t(b*) are outputs of their own; solved again only when the block's values change.
    double tau = c.tokens_per_sec_per_accelerator;
    if (c.has_throughput) {
      const RooflineMemo& r = remembered_roofline(ws.roofline_[ci], c.throughput);
      tau = r.tokens_per_sec_per_accelerator;
      const int j = throughput_clusters++;
      out[static_cast<std::size_t>(metric_index(ClusterScalar::tokens_per_sec_per_accelerator, j, T))] = tau;
      out[static_cast<std::size_t>(metric_index(ClusterScalar::batch, j, T))] = r.batch;
      out[static_cast<std::size_t>(metric_index(ClusterScalar::seconds_per_output_token, j, T))] =
          r.seconds_per_output_token;
    }
    // Nothing is online before y_on >= start_year (so phi_{-1} = 0), and nothing at all
    // when y_on is past the horizon.
    // Compared as doubles first: online_year may be any whole year >= start_year (a fuzzer's
    // 2e19 included), and only one inside the horizon fits an int.
    const double y_on = c.online_year - in.start_year;
    if (y_on >= T) {
      std::fill(phi.begin(), phi.end(), 0.0);
      std::fill(installs.begin(), installs.end(), 0.0);
      continue;
    }
    const int t_on = static_cast<int>(y_on);
    const double max_count = c.power_gw * 1e9 / c.pue / c.watts_per_accelerator;
    // Replaced ceil(L) years later; a life past the horizon is never replaced within it.
    const int life_slots = static_cast<int>(std::min(std::ceil(c.it_life_years), T + 1.0));
    double pw_hw = 1, pw_sw = 1;
    for (int t = 0; t < T; ++t) {
      ws.pow_hw_[t] = pw_hw;  // (1 + h)^t
      ws.pow_sw_[t] = pw_sw;  // (1 + sw)^t
      pw_hw *= 1.0 + c.hardware_gain;
      pw_sw *= 1.0 + c.software_gain;
    }
    if (c.software_carryover != 0) {
      // model-v2 §C: a vintage installed k years after y_on inherits (1 + sw)^(c k) of the
      // software gains so far, on top of its hardware's (1 + h)^k.
      const double carry = std::pow(1.0 + c.software_gain, c.software_carryover);
      double pw_carry = 1;
      for (int t = 0; t < T; ++t, pw_carry *= carry) ws.pow_hw_[t] *= pw_carry;
    }
    double phi_prev = 0;
    for (int t = 0; t < T; ++t) {
      phi[t] = t < t_on ? 0.0 : online_fraction(c, in.start_year + t);
      // A new vintage: the growth of the fleet plus the replacement, at the same count,
      // of the vintage installed life_slots years ago (itself possibly a replacement).
      installs[t] = (phi[t] - phi_prev) * max_count + (t >= life_slots ? installs[t - life_slots] : 0.0);
      phi_prev = phi[t];
      ws.accelerators_[t] += c.inference_alloc * phi[t] * max_count;
    }
    // tau_i(y) = tau (1+h)^(y_i - y_on) (1+sw)^(y - y_i), summed over the live vintages.
    const double tokens_per_accelerator_year =
        c.inference_alloc * c.availability * k_seconds_per_year * tau;
    // Vintage by vintage, each adding to the years it lives, so that each year's sum
    // runs over its live vintages in install order.
    std::fill(ws.vintage_sum_.begin(), ws.vintage_sum_.end(), 0.0);
    for (int i = t_on; i < T; ++i) {
      if (installs[i] == 0) continue;  // e.g. after the ramp, until the first replacement
      const double fleet_rate = installs[i] * ws.pow_hw_[i - t_on];
      for (int t = i, end = std::min(T, i + life_slots); t < end; ++t) {
        ws.vintage_sum_[t] += fleet_rate * ws.pow_sw_[t - i];
      }
    }
    for (int t = t_on; t < T; ++t) capacity[t] += tokens_per_accelerator_year * ws.vintage_sum_[t];
  }

  // §5 Serving, utilization, revenue.
  if (segmented) serve_segments(in, out, first_segment_output);
  for (int t = 0; t < T && !segmented; ++t) {
    served[t] = std::min(ws.quantity_[t], pl.max_utilization * capacity[t]);
    unserved[t] = ws.quantity_[t] - served[t];
    util[t] = capacity[t] > 0 ? served[t] / capacity[t] : 0.0;
    revenue[t] = served[t] * pl.price_ratio * price[t] / 1e6;
  }

  // §6 Capex, depreciation, power and opex per cluster, each times alpha_c. Power
  // depends on the business's utilization, hence a second pass over the clusters.
  for (std::size_t ci = 0; ci < n_clusters; ++ci) {
    const ClusterInputs& c = in.clusters[ci];
    const std::span<const double> phi(ws.phi_.data() + ci * T, T), installs(ws.installs_.data() + ci * T, T);
    // model-v2 §C: an owned facility's tranches are spent build_years before they come
    // online (a lease has no construction spending of the business's own).
    const int build = c.leased ? 0 : static_cast<int>(c.build_years);  // at most k_max_build_years
    const double y_on = c.online_year - in.start_year;
    if (y_on >= T + build) continue;  // no capex, no power: nothing within the horizon
    const int t_on = static_cast<int>(y_on);
    const double overrun = 1.0 + c.capex_overrun;
    const double alpha = c.inference_alloc;
    const double facility_per_online_fraction = c.facility_capex_usd_per_gw * c.power_gw;
    const double alpha_opex = alpha * c.opex_rate, alpha_gw = alpha * c.power_gw;
    const StraightLine facility_dep(c.facility_life_years, T), it_dep(c.it_life_years, T);
    double phi_prev = 0;
    double cumulative_capex = 0, it_cost = c.it_cost_usd_per_accelerator;
    for (int t = t_on; t < T; ++t) {
      if (t > t_on) it_cost *= 1.0 + c.it_cost_growth;  // an install in year y costs base (1+growth)^(y - y_on)
      const double facility = facility_per_online_fraction * (phi[t] - phi_prev) * overrun;
      const double it = installs[t] * it_cost * overrun;
      phi_prev = phi[t];
      if (build == 0 && !c.leased) {  // v1: the facility is bought the year it comes online
        capex[t] += alpha * (facility + it);
        cumulative_capex += facility + it;
      } else {  // model-v2 §C: built ahead, or leased (opex then counts IT only)
        capex[t] += alpha * it;
        cumulative_capex += c.leased ? it : facility + it;
        if (c.leased) {
          finance::book_lease(alpha * c.lease_rate * facility, t, c.lease_term_years, lease);
        } else {
          finance::book_construction(alpha * facility, t, build, capex);
        }
      }
      opex[t] += alpha_opex * cumulative_capex;
      power[t] += alpha_gw * phi[t] * 1000.0 * k_hours_per_year * c.power_price_usd_per_mwh *
                  (c.idle_power_fraction + (1.0 - c.idle_power_fraction) * util[t]);
      if (!c.leased) facility_dep.book(alpha * facility, t, dep);
      it_dep.book(alpha * it, t, dep);
    }
    // model-v2 §C: tranches coming online up to build_years past the horizon are spent inside it.
    for (int t = std::max(t_on, T); t < T + build; ++t) {
      const double phi_t = online_fraction(c, in.start_year + t);
      finance::book_construction(alpha * facility_per_online_fraction * (phi_t - phi_prev) * overrun, t, build, capex);
      phi_prev = phi_t;
    }
  }

  // §7 P&L, cash flow and value.
  const double inv_baseline = 1.0 / pl.baseline_ebit_usd;
  // The discount factor (1 + wacc)^-(t+1) by multiplication: a chain of divisions would
  // hold every path up by ten division latencies.
  const double per_year_discount = 1.0 / (1.0 + pl.wacc);
  double npv = 0, discount = 1, cumulative = 0, total_capex = 0, total_dep = 0;
  double payback = k_nan;
  bool was_negative = false, recovered = false;
  finance::TaxLedger ledger(pl.tax_losses, pl.tax_rate);
  double fixed_t = pl.fixed_costs_usd;
  for (int t = 0; t < T; ++t) {
    // model-v2 §C: EBITDA_t = R - Power - Opex - Lease - sga R - F_t, EBIT = EBITDA - Dep. EBIT
    // keeps v1's order of operations (v1 scenarios give v1's bits; lease and F are then 0).
    if (t > 0) fixed_t *= 1.0 + pl.fixed_cost_growth;
    fixed[t] = fixed_t;
    ebitda[t] = revenue[t] - power[t] - opex[t] - lease[t] - pl.sga_rate * revenue[t] - fixed_t;
    ebit[t] = revenue[t] - dep[t] - power[t] - opex[t] - pl.sga_rate * revenue[t] - lease[t] - fixed_t;
    tax[t] = ledger.tax(ebit[t]);
    const double nopat = ebit[t] - tax[t];
    fcf[t] = nopat + dep[t] - capex[t];
    // The player's cost per million tokens served, and revenue per accelerator-hour.
    lcot[t] = served[t] > 0 ? (dep[t] + power[t] + opex[t] + lease[t]) / served[t] * 1e6 : k_nan;
    per_hour[t] = ws.accelerators_[t] > 0 ? revenue[t] / (ws.accelerators_[t] * k_hours_per_year) : 0.0;
    total_dep += dep[t];
    ratio[t] = ebit[t] * inv_baseline;
    discount *= per_year_discount;
    npv += fcf[t] * discount;
    cumulative += fcf[t];
    total_capex += capex[t];
    if (cumulative < 0) {
      was_negative = true;
    } else if (was_negative && !recovered) {
      payback = in.start_year + t;
      recovered = true;
    }
  }
  if (!was_negative) payback = in.start_year;
  // model-v2 §C: the terminal value, discounted from the end of the horizon like Gordon's.
  const double terminal = finance::terminal_value(pl, fcf[T - 1], ebitda[T - 1], total_capex - total_dep);
  if (pl.terminal != TerminalMethod::none) npv += terminal * discount;
  scalar(Scalar::npv_usd) = npv;
  scalar(Scalar::mirr) = modified_internal_rate_of_return(fcf, pl.wacc);
  scalar(Scalar::terminal_value_usd) = terminal;
  scalar(Scalar::irr) = internal_rate_of_return(fcf);
  scalar(Scalar::payback_year) = payback;
  scalar(Scalar::total_capex_usd) = total_capex;
  scalar(Scalar::cumulative_fcf_usd) = cumulative;
}

}  // namespace infersim
