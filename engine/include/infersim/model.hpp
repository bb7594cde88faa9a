#pragma once
/// The inference-business model of docs/model.md: what one Monte Carlo path computes
/// from one set of input values. Plain structs and arithmetic; no sampling, no statistics.
#include <array>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "infersim/metric.hpp"

namespace infersim {

/// model.md §2
struct MarketInputs {
  double spend0_usd = 0;           ///< M_0, global inference spend in the start year
  double spend_growth = 0;         ///< g, growth in the first year
  double growth_decay = 1;         ///< k, each later year's growth is k times the previous
  double price0_usd_per_mtok = 0;  ///< p_0, market blended price
  double price_decline = 0;        ///< d, yearly fractional price decline
};

/// model.md §7, model-v2 §C: how the value past the horizon is counted in NPV.
enum class TerminalMethod { none, gordon, book_value, exit_multiple };
/// model-v2 §C: what a year's loss does to tax.
enum class TaxLosses { none, group_relief, carry_forward };

/// model.md §3, §5, §7
struct PlayerInputs {
  double share_start = 0;       ///< s_a
  double share_end = 0;         ///< s_b
  double share_ramp_years = 0;  ///< n_s (0: s_b from the start)
  double price_ratio = 1;       ///< r
  double max_utilization = 1;   ///< u_max
  double sga_rate = 0;
  double tax_rate = 0;
  double wacc = 0;
  double baseline_ebit_usd = 1;
  TerminalMethod terminal = TerminalMethod::none;
  double terminal_growth = 0;   ///< g_tv, used when terminal == gordon
  // model-v2 §C, the corporate-finance layer (defaults: v1).
  double fixed_costs_usd = 0;    ///< F_0, model costs (training, research, talent) in the start year
  double fixed_cost_growth = 0;  ///< g_F: F_t = F_0 (1 + g_F)^t
  double terminal_multiple = 0;  ///< EV/EBITDA, used when terminal == exit_multiple
  TaxLosses tax_losses = TaxLosses::none;
};

/// model.md §A (v2): a cluster's `throughput` block, the inputs of the roofline that
/// gives tokens/s per accelerator. Flat, so that each leaf is one input slot; the
/// names follow the block's keys (model.*, accelerator.*, serving.*).
struct ClusterThroughput {
  double params_total = 0;           ///< model: P
  double params_active = 0;          ///< model: P_a
  double experts = 1;                ///< model: E
  double experts_active = 1;         ///< model: k
  double bytes_per_param = 0;        ///< model: β
  double kv_bytes_per_token = 0;     ///< model: κ
  double peak_flops = 0;             ///< accelerator: F
  double hbm_bandwidth_bytes_per_s = 0;  ///< accelerator: B
  double hbm_bytes = 0;              ///< accelerator: H
  double accelerators_per_replica = 1;   ///< serving: n
  double max_batch = 1;
  double input_tokens_per_request = 0;   ///< serving: i
  double output_tokens_per_request = 0;  ///< serving: o
  double max_seconds_per_output_token = 0;  ///< serving: T_max; +inf: no target
  double bandwidth_efficiency = 1;   ///< serving: η_b
  double compute_efficiency = 1;     ///< serving: η_c
  double hbm_usable_fraction = 0.9;  ///< serving: f_h
};

/// model.md §4, §6: one entry of `clusters[]`.
struct ClusterInputs {
  double power_gw = 0;
  double online_year = 0;  ///< whole year (sampled values are rounded)
  double ramp_years = 1;
  double pue = 1;
  double watts_per_accelerator = 1;
  double tokens_per_sec_per_accelerator = 0;
  double hardware_gain = 0;
  double software_gain = 0;
  double availability = 1;
  double inference_alloc = 1;
  double facility_capex_usd_per_gw = 0;
  double facility_life_years = 1;
  double it_cost_usd_per_accelerator = 0;
  double it_cost_growth = 0;
  double it_life_years = 1;
  double power_price_usd_per_mwh = 0;
  double idle_power_fraction = 0;
  double opex_rate = 0;
  double capex_overrun = 0;
  // model-v2 §C (defaults: v1).
  double build_years = 0;         ///< whole years of facility spending before each tranche's online year
  double software_carryover = 0;  ///< c: share of accumulated software gains a new vintage inherits
  bool leased = false;            ///< ownership: the facility is leased, not bought
  double lease_rate = 0;          ///< yearly payment as a fraction of the tranche's facility capex
  double lease_term_years = 0;    ///< years each tranche's lease runs (a fraction pays part of a year)
  /// With a throughput block, the roofline's τ replaces tokens_per_sec_per_accelerator.
  bool has_throughput = false;
  ClusterThroughput throughput;
};

/// model-v2 §B: a cost-plus price's `price.reference` block, the frontier hardware whose
/// levelized cost of a token (LCOT) sets the price: v1's cluster keys, plus the utilization
/// and cost of capital the cost is levelized at.
struct PriceReference {
  double tokens_per_sec_per_accelerator = 0;  ///< τ (or the throughput block's)
  double hardware_gain = 0;                   ///< h
  double watts_per_accelerator = 1;           ///< w
  double pue = 1;
  double availability = 1;                    ///< a
  double it_cost_usd_per_accelerator = 0;
  double it_cost_growth = 0;
  double it_life_years = 1;
  double facility_capex_usd_per_gw = 0;
  double facility_life_years = 1;
  double power_price_usd_per_mwh = 0;
  double idle_power_fraction = 0;
  double opex_rate = 0;
  double utilization = 1;                     ///< u
  double cost_of_capital = 0;                 ///< r
  bool has_throughput = false;                ///< τ from the roofline of `throughput`
  ClusterThroughput throughput;
};

/// model-v2 §B: one market segment (the three-tier stack), with the player's share in it.
struct SegmentInputs {
  double spend0_usd = 0, spend_growth = 0, growth_decay = 1;      ///< v1 market keys (§2)
  double price0_usd_per_mtok = 0, price_decline = 0;
  double share_start = 0, share_end = 0, share_ramp_years = 0;   ///< v1 share keys (§3)
  double price_ratio = 1;
  double price_elasticity = 1;         ///< ε (1: spend does not react to price, v1)
  double share_price_sensitivity = 0;  ///< σ (0: share ignores price, v1)
  double compute_weight = 1;           ///< w_j, reference tokens per token of the segment
  bool cost_plus = false;              ///< price.mode "cost_plus" (else "path", v1)
  double markup0 = 0, markup_floor = 0, markup_halflife_years = 1;
  PriceReference reference;            ///< used when cost_plus
};

/// Every number one path needs.
struct ModelInputs {
  int start_year = 2026;
  int horizon_years = 10;
  MarketInputs market;
  PlayerInputs player;
  std::vector<ClusterInputs> clusters;
  /// model-v2 §B: the market's segments; empty for v1's single market (`market`, `player`).
  std::vector<SegmentInputs> segments;
};

/// model.md §9: one value a year.
enum class Series : int {
  market_spend_usd,
  price_usd_per_mtok,
  demand_tokens,
  capacity_tokens,
  served_tokens,
  unserved_tokens,
  utilization,
  revenue_usd,
  capex_usd,
  depreciation_usd,
  power_cost_usd,
  opex_usd,
  ebit_usd,
  fcf_usd,
  ebit_ratio,
  // model-v2 §C, after v1's so that v1's positions hold.
  ebitda_usd,
  lease_cost_usd,
  fixed_costs_usd,
  tax_usd,
  lcot_player_usd_per_mtok,
  revenue_per_accelerator_hour_usd,
};
inline constexpr int k_series_count = 21;

/// model.md §9: one value a path. IRR and payback may be undefined (NaN).
/// model-v2 §C adds mirr (undefined without both signs) and terminal_value_usd (undiscounted).
enum class Scalar : int { npv_usd, irr, payback_year, total_capex_usd, cumulative_fcf_usd, mirr, terminal_value_usd };
inline constexpr int k_scalar_count = 7;

inline constexpr std::array<std::string_view, k_series_count> k_series_names{
    "market_spend_usd", "price_usd_per_mtok", "demand_tokens", "capacity_tokens", "served_tokens",
    "unserved_tokens",  "utilization",        "revenue_usd",   "capex_usd",       "depreciation_usd",
    "power_cost_usd",   "opex_usd",           "ebit_usd",      "fcf_usd",         "ebit_ratio",
    "ebitda_usd",       "lease_cost_usd",     "fixed_costs_usd", "tax_usd",       "lcot_player_usd_per_mtok",
    "revenue_per_accelerator_hour_usd"};
inline constexpr std::array<std::string_view, k_scalar_count> k_scalar_names{
    "npv_usd", "irr", "payback_year", "total_capex_usd", "cumulative_fcf_usd", "mirr", "terminal_value_usd"};

/// model.md §A (v2): one value a path for each cluster with a throughput block.
enum class ClusterScalar : int { tokens_per_sec_per_accelerator, batch, seconds_per_output_token };
inline constexpr int k_cluster_scalar_count = 3;
inline constexpr std::array<std::string_view, k_cluster_scalar_count> k_cluster_scalar_names{
    "tokens_per_sec_per_accelerator", "batch", "seconds_per_output_token"};

/// Where a path's outputs live in a flat array of `metric_count(T)` doubles:
/// series `s` of year index `t` at `s * T + t`, then the scalars.
constexpr int metric_count(int horizon_years) { return k_series_count * horizon_years + k_scalar_count; }
constexpr int metric_index(Series s, int t, int horizon_years) { return static_cast<int>(s) * horizon_years + t; }
constexpr int metric_index(Scalar s, int horizon_years) {
  return k_series_count * horizon_years + static_cast<int>(s);
}
/// With `throughput_clusters` clusters that have a throughput block, their scalars follow,
/// cluster by cluster (j counts those clusters only, in the scenario's order). A scenario
/// without one has metric_count(T) outputs, laid out as in v1.
constexpr int metric_count(int horizon_years, int throughput_clusters) {
  return metric_count(horizon_years) + k_cluster_scalar_count * throughput_clusters;
}
constexpr int metric_index(ClusterScalar s, int j, int horizon_years) {
  return metric_count(horizon_years) + k_cluster_scalar_count * j + static_cast<int>(s);
}
/// model-v2 §B: T values a path for each segment, after the clusters' scalars, segment by
/// segment; a scenario without segments has none.
enum class SegmentSeries : int {
  revenue_usd, served_tokens, unserved_tokens, price_usd_per_mtok, share, lcot_usd_per_mtok
};
inline constexpr int k_segment_series_count = 6;
inline constexpr std::array<std::string_view, k_segment_series_count> k_segment_series_names{
    "revenue_usd", "served_tokens", "unserved_tokens", "price_usd_per_mtok", "share", "lcot_usd_per_mtok"};
constexpr int metric_count(int horizon_years, int throughput_clusters, int segments) {
  return metric_count(horizon_years, throughput_clusters) + k_segment_series_count * horizon_years * segments;
}
constexpr int metric_index(SegmentSeries s, int j, int t, int horizon_years, int throughput_clusters) {
  return metric_count(horizon_years, throughput_clusters) +
         (k_segment_series_count * j + static_cast<int>(s)) * horizon_years + t;
}
/// The outputs evaluate() writes for these inputs.
int metric_count(const ModelInputs& in);

/// model-v2 §A: the roofline outputs of one cluster's throughput block, kept with the values
/// they came from, so that a path whose block is bit for bit the same reuses them
/// (model/throughput_memo.hpp).
struct RooflineMemo {
  ClusterThroughput block;
  double tokens_per_sec_per_accelerator = 0, batch = 0, seconds_per_output_token = 0;
  bool valid = false;
};

/// Scratch memory reused across paths, so that evaluating a path allocates nothing.
class ModelWorkspace {
public:
  void reserve(int horizon_years, std::size_t clusters);

private:
  friend void evaluate(const ModelInputs&, ModelWorkspace&, std::span<double>);
  std::vector<RooflineMemo> roofline_;                            // per cluster
  std::vector<double> quantity_, pow_hw_, pow_sw_, vintage_sum_;  // per year
  std::vector<double> phi_, installs_;                            // per cluster and year
  std::vector<double> accelerators_;                              // per year: sum_c alpha_c N_c,t
};

/// Run the model for one set of inputs; writes `metric_count(in)` values to `out`.
/// The inputs are assumed valid (the scenario checks them).
void evaluate(const ModelInputs& in, ModelWorkspace& ws, std::span<double> out);

/// model.md §7: the rate r in (-0.99, 10) at which the discounted cash flows sum to
/// zero, or NaN when the flows have no sign change or no root is bracketed there. The root
/// TOMS 748 finds from that bracket, to the same 48 bits; when Descartes' rule of signs
/// proves it the only one, it is found faster by safeguarded Halley iterations.
double internal_rate_of_return(std::span<const double> fcf);

/// model-v2 §C: the modified IRR of T = fcf.size() flows, positive flows compounded to
/// the end of the horizon and negative ones discounted to its start at `wacc`; NaN unless
/// the flows hold both signs.
double modified_internal_rate_of_return(std::span<const double> fcf, double wacc);

}  // namespace infersim
