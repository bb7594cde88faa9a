// model-v2 §B: market segments, prices linked to the cost of a token, elasticity and a
// price-sensitive share. Formula by formula from docs/model.md ("Segments and cost-plus
// prices"); section names below refer to model-v2 §B.
#include "model/market.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "model/throughput.hpp"

namespace infersim {
namespace {

constexpr double k_seconds_per_year = 3.1536e7;  // 365 days
constexpr double k_mwh_per_watt_year = 8.76e-3;  // 8760 h / 1e6

std::span<double> series_of(std::span<double> out, Series s, int T) {
  return out.subspan(static_cast<std::size_t>(metric_index(s, 0, T)), static_cast<std::size_t>(T));
}

std::span<double> segment_series(std::span<double> out, int first, SegmentSeries s, std::size_t j, int T) {
  const auto at = static_cast<std::size_t>(first) +
                  (static_cast<std::size_t>(k_segment_series_count) * j + static_cast<std::size_t>(s)) *
                      static_cast<std::size_t>(T);
  return out.subspan(at, static_cast<std::size_t>(T));
}

}  // namespace

double capital_recovery_factor(double rate, double life_years) {
  if (rate == 0) return 1.0 / life_years;
  return rate / (1.0 - std::pow(1.0 + rate, -life_years));
}

double reference_tokens_per_sec(const PriceReference& ref) {
  return ref.has_throughput ? roofline_throughput(ref.throughput).tokens_per_sec_per_accelerator
                            : ref.tokens_per_sec_per_accelerator;
}

// model-v2 §B "Price linked to cost": the yearly cost of owning and running one accelerator,
// A_t, over the tokens it serves in a year at utilization u.
void levelized_cost_of_token(const PriceReference& ref, double tau, std::span<double> lcot) {
  const double crf_it = capital_recovery_factor(ref.cost_of_capital, ref.it_life_years);
  const double crf_fac = capital_recovery_factor(ref.cost_of_capital, ref.facility_life_years);
  const double k_fac = ref.facility_capex_usd_per_gw * ref.watts_per_accelerator * ref.pue / 1e9;
  const double power = ref.watts_per_accelerator * ref.pue * k_mwh_per_watt_year * ref.power_price_usd_per_mwh *
                       (ref.idle_power_fraction + (1.0 - ref.idle_power_fraction) * ref.utilization);
  const double tokens0 = tau * ref.availability * k_seconds_per_year * ref.utilization;  // year 0's tokens
  double k_it = ref.it_cost_usd_per_accelerator, gain = 1;  // (1 + it_cost_growth)^t, (1 + h)^t
  for (std::size_t t = 0; t < lcot.size(); ++t) {
    if (t > 0) {
      k_it *= 1.0 + ref.it_cost_growth;
      gain *= 1.0 + ref.hardware_gain;
    }
    const double a_t = k_it * crf_it + k_fac * crf_fac + ref.opex_rate * (k_it + k_fac) + power;
    lcot[t] = a_t / (tokens0 * gain) * 1e6;
  }
}

void segment_demand(const ModelInputs& in, std::span<double> out, int first) {
  const int T = in.horizon_years;
  const auto spend = series_of(out, Series::market_spend_usd, T), price = series_of(out, Series::price_usd_per_mtok, T),
             demand = series_of(out, Series::demand_tokens, T);
  std::fill(spend.begin(), spend.end(), 0.0);
  std::fill(demand.begin(), demand.end(), 0.0);
  for (std::size_t j = 0; j < in.segments.size(); ++j) {
    const SegmentInputs& g = in.segments[j];
    const auto p_j = segment_series(out, first, SegmentSeries::price_usd_per_mtok, j, T),
               s_j = segment_series(out, first, SegmentSeries::share, j, T),
               lcot = segment_series(out, first, SegmentSeries::lcot_usd_per_mtok, j, T),
               ask = segment_series(out, first, SegmentSeries::unserved_tokens, j, T);
    if (g.cost_plus) {
      levelized_cost_of_token(g.reference, reference_tokens_per_sec(g.reference), lcot);
    } else {
      std::fill(lcot.begin(), lcot.end(), std::numeric_limits<double>::quiet_NaN());
    }
    // "Price-sensitive share": the logit's odds factor r^−σ, constant over the years; σ = 0
    // keeps v1's share exactly (s̄ / (s̄ + 1 − s̄) need not round to s̄).
    const bool logit = g.share_price_sensitivity != 0;
    const double odds = logit ? std::pow(g.price_ratio, -g.share_price_sensitivity) : 1.0;
    const bool elastic = g.cost_plus && g.price_elasticity != 1;
    // m_t = floor + (m0 − floor) 0.5^(t / halflife), the halving by one multiplication a year.
    const double halving = std::exp2(-1.0 / g.markup_halflife_years);
    double half = 1;
    // v1 §2 per segment: M_t at the reference price path p̄_t = p_0 (1 − d)^t.
    double m_t = g.spend0_usd, g_t = g.spend_growth, p_ref = g.price0_usd_per_mtok;
    for (int t = 0; t < T; ++t) {
      if (t > 0) {
        m_t *= 1.0 + g_t;
        g_t *= g.growth_decay;
        p_ref *= 1.0 - g.price_decline;
        half *= halving;
      }
      double p_t = p_ref, spend_t = m_t;
      if (g.cost_plus) {
        p_t = lcot[t] * (1.0 + g.markup_floor + (g.markup0 - g.markup_floor) * half);
        // "Elasticity": spend_t = M_t (p_t / p̄_t)^(1 − ε).
        if (elastic) spend_t = m_t * std::pow(p_t / p_ref, 1.0 - g.price_elasticity);
      }
      const double d_t = spend_t / p_t * 1e6;
      // v1 §3: the ramp share s̄_t, then the logit against the rest of the market.
      const double ramp = t >= g.share_ramp_years ? 1.0 : t / g.share_ramp_years;
      const double ramped =
          g.share_ramp_years == 0 ? g.share_end : g.share_start + (g.share_end - g.share_start) * ramp;
      const double share = logit ? ramped * odds / (ramped * odds + 1.0 - ramped) : ramped;
      p_j[t] = p_t;
      s_j[t] = share;
      ask[t] = share * d_t / g.price_ratio;  // Q_j = s_j spend_j / (r_j p_j) · 1e6
      spend[t] += spend_t;
      demand[t] += d_t;
    }
  }
  for (int t = 0; t < T; ++t) price[t] = spend[t] / demand[t] * 1e6;  // the market's blended price
}

void serve_segments(const ModelInputs& in, std::span<double> out, int first) {
  const int T = in.horizon_years;
  const auto capacity = series_of(out, Series::capacity_tokens, T), served = series_of(out, Series::served_tokens, T),
             unserved = series_of(out, Series::unserved_tokens, T), util = series_of(out, Series::utilization, T),
             revenue = series_of(out, Series::revenue_usd, T);
  const std::size_t n = in.segments.size();
  std::array<double, k_max_segments> value{};  // revenue per reference token, r_j p_j / w_j
  std::array<std::size_t, k_max_segments> order{};
  for (int t = 0; t < T; ++t) {
    for (std::size_t j = 0; j < n; ++j) {
      const SegmentInputs& g = in.segments[j];
      value[j] = g.price_ratio * segment_series(out, first, SegmentSeries::price_usd_per_mtok, j, T)[t] /
                 g.compute_weight;
      // Insertion sort, decreasing value; an equal value stays behind the earlier segment.
      std::size_t k = j;
      for (; k > 0 && value[order[k - 1]] < value[j]; --k) order[k] = order[k - 1];
      order[k] = j;
    }
    // Serve in that order until u_max C_t reference tokens are used.
    double room = in.player.max_utilization * capacity[t];
    double used = 0, tokens = 0, lost = 0, usd = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t j = order[k];
      const SegmentInputs& g = in.segments[j];
      const auto ask = segment_series(out, first, SegmentSeries::unserved_tokens, j, T);
      const double q = ask[t];
      const double s = std::max(0.0, std::min(q, room / g.compute_weight));
      room -= g.compute_weight * s;
      used += g.compute_weight * s;
      const double r = s * g.price_ratio * segment_series(out, first, SegmentSeries::price_usd_per_mtok, j, T)[t] / 1e6;
      segment_series(out, first, SegmentSeries::served_tokens, j, T)[t] = s;
      ask[t] = q - s;
      segment_series(out, first, SegmentSeries::revenue_usd, j, T)[t] = r;
      tokens += s;
      lost += q - s;
      usd += r;
    }
    served[t] = tokens;
    unserved[t] = lost;
    util[t] = capacity[t] > 0 ? used / capacity[t] : 0.0;
    revenue[t] = usd;
  }
}

}  // namespace infersim
