// One Monte Carlo path of the inference business, formula by formula from docs/model.md
// (the project's copy of the v1 model). Section numbers below refer to it.
#include "infersim/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/tools/roots.hpp>

namespace infersim {
namespace {

constexpr double k_seconds_per_year = 3.1536e7;  // 365 days
constexpr double k_hours_per_year = 8760.0;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Straight-line depreciation of a tranche `x` spent in year index `t` with life `life`
// (model.md §6): x/L in each of the first floor(L) years, the fraction in the next one,
// nothing outside the horizon.
void depreciate(double x, int t, double life, std::span<double> dep) {
  if (x == 0) return;
  const int horizon = static_cast<int>(dep.size());
  const double whole_years = std::floor(life);
  const double per_year = x / life;
  const int full_end = static_cast<int>(std::min<double>(horizon, t + whole_years));
  for (int k = t; k < full_end; ++k) dep[k] += per_year;
  const int last = t + static_cast<int>(whole_years);
  const double remainder = life - whole_years;
  if (remainder > 0 && last < horizon) dep[last] += x * remainder / life;
}

// model.md §4: phi = clamp((y - y_on + 1) / n_r, 0, 1).
double online_fraction(const ClusterInputs& c, int year) {
  return std::clamp((year - c.online_year + 1) / c.ramp_years, 0.0, 1.0);
}

}  // namespace

std::optional<MetricKind> find_metric(std::string_view name) {
  for (int i = 0; i < k_series_count; ++i) {
    if (k_series_names[static_cast<std::size_t>(i)] == name) return MetricKind{true, i};
  }
  for (int i = 0; i < k_scalar_count; ++i) {
    if (k_scalar_names[static_cast<std::size_t>(i)] == name) return MetricKind{false, i};
  }
  return std::nullopt;
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names(k_scalar_names.begin(), k_scalar_names.end());
  names.insert(names.end(), k_series_names.begin(), k_series_names.end());
  return names;
}

void ModelWorkspace::reserve(int horizon_years, std::size_t clusters) {
  const auto n = static_cast<std::size_t>(horizon_years);
  for (auto* v : {&quantity_, &pow_hw_, &pow_sw_}) v->assign(n, 0.0);
  for (auto* v : {&phi_, &installs_}) v->assign(n * clusters, 0.0);
}

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
  const double f_lo = npv_at(lo), f_hi = npv_at(hi);
  if (f_lo == 0) return lo;
  if (f_hi == 0) return hi;
  if ((f_lo > 0) == (f_hi > 0)) return k_nan;
  std::uintmax_t max_iter = 200;
  const auto [a, b] = boost::math::tools::toms748_solve(npv_at, lo, hi, f_lo, f_hi,
                                                        boost::math::tools::eps_tolerance<double>(48), max_iter);
  return 0.5 * (a + b);
}

void evaluate(const ModelInputs& in, ModelWorkspace& ws, std::span<double> out) {
  const int T = in.horizon_years;
  if (ws.quantity_.size() != static_cast<std::size_t>(T) || ws.phi_.size() != T * in.clusters.size()) {
    ws.reserve(T, in.clusters.size());
  }
  std::fill(out.begin(), out.end(), 0.0);
  auto series = [&](Series s) { return out.subspan(static_cast<std::size_t>(metric_index(s, 0, T)), T); };
  auto scalar = [&](Scalar s) -> double& { return out[static_cast<std::size_t>(metric_index(s, T))]; };

  const auto spend = series(Series::market_spend_usd), price = series(Series::price_usd_per_mtok),
             demand = series(Series::demand_tokens), capacity = series(Series::capacity_tokens),
             served = series(Series::served_tokens), unserved = series(Series::unserved_tokens),
             util = series(Series::utilization), revenue = series(Series::revenue_usd),
             capex = series(Series::capex_usd), dep = series(Series::depreciation_usd),
             power = series(Series::power_cost_usd), opex = series(Series::opex_usd),
             ebit = series(Series::ebit_usd), fcf = series(Series::fcf_usd), ratio = series(Series::ebit_ratio);

  // §2 Market: spend grows at g_t = g k^(t-1); the price falls by d a year.
  const MarketInputs& mk = in.market;
  const PlayerInputs& pl = in.player;
  double m_t = mk.spend0_usd, g_t = mk.spend_growth, p_t = mk.price0_usd_per_mtok;
  for (int t = 0; t < T; ++t) {
    if (t > 0) {
      m_t *= 1.0 + g_t;
      g_t *= mk.growth_decay;
      p_t *= 1.0 - mk.price_decline;
    }
    spend[t] = m_t;
    price[t] = p_t;
    demand[t] = m_t / p_t * 1e6;
    // §3 The player's share (linear ramp) and the tokens it is asked to serve.
    const double s_t = pl.share_ramp_years == 0
                           ? pl.share_end
                           : pl.share_start + (pl.share_end - pl.share_start) * std::min(1.0, t / pl.share_ramp_years);
    ws.quantity_[t] = s_t * m_t / (pl.price_ratio * p_t) * 1e6;
  }

  // §4 Capacity, cluster by cluster, from gigawatts through vintages of accelerators.
  const auto n_clusters = in.clusters.size();
  for (std::size_t ci = 0; ci < n_clusters; ++ci) {
    const ClusterInputs& c = in.clusters[ci];
    const std::span<double> phi(ws.phi_.data() + ci * T, T), installs(ws.installs_.data() + ci * T, T);
    const double y_on = c.online_year;
    const double max_count = c.power_gw * 1e9 / c.pue / c.watts_per_accelerator;
    const int life_slots = static_cast<int>(std::ceil(c.it_life_years));  // replaced ceil(L) years later
    double pw_hw = 1, pw_sw = 1;
    for (int t = 0; t < T; ++t) {
      ws.pow_hw_[t] = pw_hw;  // (1 + h)^t
      ws.pow_sw_[t] = pw_sw;  // (1 + sw)^t
      pw_hw *= 1.0 + c.hardware_gain;
      pw_sw *= 1.0 + c.software_gain;
    }
    double phi_prev = online_fraction(c, in.start_year - 1);
    for (int t = 0; t < T; ++t) {
      phi[t] = online_fraction(c, in.start_year + t);
      // A new vintage: the growth of the fleet plus the replacement, at the same count,
      // of the vintage installed life_slots years ago (itself possibly a replacement).
      installs[t] = (phi[t] - phi_prev) * max_count + (t >= life_slots ? installs[t - life_slots] : 0.0);
      phi_prev = phi[t];
    }
    // tau_i(y) = tau (1+h)^(y_i - y_on) (1+sw)^(y - y_i), summed over the live vintages.
    const int t_on = static_cast<int>(y_on) - in.start_year;
    for (int t = 0; t < T; ++t) {
      double vintage_sum = 0;
      for (int i = std::max(0, t - life_slots + 1); i <= t; ++i) {
        if (installs[i] == 0) continue;  // nothing installed before y_on
        vintage_sum += installs[i] * ws.pow_hw_[i - t_on] * ws.pow_sw_[t - i];
      }
      capacity[t] += c.inference_alloc * c.availability * k_seconds_per_year * c.tokens_per_sec_per_accelerator *
                     vintage_sum;
    }
  }

  // §5 Serving, utilization, revenue.
  for (int t = 0; t < T; ++t) {
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
    const int t_on = static_cast<int>(c.online_year) - in.start_year;
    const double overrun = 1.0 + c.capex_overrun;
    const double alpha = c.inference_alloc;
    double phi_prev = online_fraction(c, in.start_year - 1);
    double cumulative_capex = 0, it_cost = c.it_cost_usd_per_accelerator;
    for (int t = 0; t < T; ++t) {
      if (t > t_on) it_cost *= 1.0 + c.it_cost_growth;  // an install in year y costs base (1+growth)^(y - y_on)
      const double facility = c.facility_capex_usd_per_gw * c.power_gw * (phi[t] - phi_prev) * overrun;
      const double it = installs[t] * it_cost * overrun;
      phi_prev = phi[t];
      capex[t] += alpha * (facility + it);
      cumulative_capex += facility + it;
      opex[t] += alpha * c.opex_rate * cumulative_capex;
      power[t] += alpha * c.power_gw * phi[t] * 1000.0 * k_hours_per_year * c.power_price_usd_per_mwh *
                  (c.idle_power_fraction + (1.0 - c.idle_power_fraction) * util[t]);
      depreciate(alpha * facility, t, c.facility_life_years, dep);
      depreciate(alpha * it, t, c.it_life_years, dep);
    }
  }

  // §7 P&L, cash flow and value.
  double npv = 0, discount = 1, cumulative = 0, total_capex = 0;
  double payback = k_nan;
  bool was_negative = false, recovered = false;
  for (int t = 0; t < T; ++t) {
    ebit[t] = revenue[t] - dep[t] - power[t] - opex[t] - pl.sga_rate * revenue[t];
    const double nopat = ebit[t] - pl.tax_rate * std::max(ebit[t], 0.0);
    fcf[t] = nopat + dep[t] - capex[t];
    ratio[t] = ebit[t] / pl.baseline_ebit_usd;
    discount /= 1.0 + pl.wacc;
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
  if (pl.terminal == TerminalMethod::gordon) {
    // Gordon growth on the last year's cash flow, discounted from the end of the horizon.
    npv += fcf[T - 1] * (1.0 + pl.terminal_growth) / (pl.wacc - pl.terminal_growth) * discount;
  }
  scalar(Scalar::npv_usd) = npv;
  scalar(Scalar::irr) = internal_rate_of_return(fcf);
  scalar(Scalar::payback_year) = payback;
  scalar(Scalar::total_capex_usd) = total_capex;
  scalar(Scalar::cumulative_fcf_usd) = cumulative;
}

}  // namespace infersim
