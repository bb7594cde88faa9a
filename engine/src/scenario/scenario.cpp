// Loading and validating scenarios (docs/scenario-format.md). Strict: unknown keys,
// missing keys, wrong types and impossible values are errors naming the JSON path.
#include "infersim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <set>
#include <tuple>

#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/simulation.hpp"
#include "sampling/copula.hpp"
#include "scenario/model_check.hpp"
#include "json/strict_json.hpp"
#include "model/market.hpp"
#include "model/throughput.hpp"

namespace infersim {
namespace {

using namespace detail;  // the strict JSON reader

using json = nlohmann::json;
constexpr double k_inf = std::numeric_limits<double>::infinity();

// Domains of the inputs, named so that the tables below read like the spec.
constexpr Interval positive{0, k_inf, true, true};
constexpr Interval non_negative{0, k_inf, false, true};
constexpr Interval above_minus_one{-1, k_inf, true, true};
constexpr Interval unit_closed{0, 1, false, false};
constexpr Interval unit_upper{0, 1, true, false};
constexpr Interval below_one{-k_inf, 1, true, true};
constexpr Interval at_least_one{1, k_inf, false, true};
// model-v2 §C: construction of up to a century; the model spends a tranche over each of
// these years, so an unbounded count would be an unbounded loop.
constexpr double k_max_build_years = 100;
constexpr Interval build_years_domain{0, k_max_build_years, false, false};

enum Section {
  k_market = 0, k_player = 1, k_cluster = 2, k_throughput = 3,
  k_player_finance = 4, k_cluster_finance = 5,                 // model-v2 §C
  k_segment = 6, k_reference = 7, k_reference_throughput = 8  // model-v2 §B (the last: `>= k_segment`)
};

template <class S>
struct Field {
  const char* key;
  double S::*member;
  Interval domain;
  bool required;
  double fallback;  // default when not required
};

// model.md §2
const std::vector<Field<MarketInputs>> k_market_fields{
    {"spend0_usd", &MarketInputs::spend0_usd, positive, true, 0},
    {"spend_growth", &MarketInputs::spend_growth, above_minus_one, true, 0},
    {"growth_decay", &MarketInputs::growth_decay, non_negative, false, 1},
    {"price0_usd_per_mtok", &MarketInputs::price0_usd_per_mtok, positive, true, 0},
    {"price_decline", &MarketInputs::price_decline, below_one, true, 0},
};

// model.md §3, §5, §7. `terminal.growth` is the last slot; present only for gordon.
const std::vector<Field<PlayerInputs>> k_player_fields{
    {"share_start", &PlayerInputs::share_start, unit_closed, false, 0},  // defaults to share_end
    {"share_end", &PlayerInputs::share_end, unit_closed, true, 0},
    {"share_ramp_years", &PlayerInputs::share_ramp_years, non_negative, false, 0},
    {"price_ratio", &PlayerInputs::price_ratio, positive, true, 0},
    {"max_utilization", &PlayerInputs::max_utilization, unit_upper, true, 0},
    {"sga_rate", &PlayerInputs::sga_rate, unit_closed, true, 0},
    {"tax_rate", &PlayerInputs::tax_rate, unit_closed, true, 0},
    {"wacc", &PlayerInputs::wacc, above_minus_one, true, 0},
    {"baseline_ebit_usd", &PlayerInputs::baseline_ebit_usd, positive, true, 0},
    {"terminal.growth", &PlayerInputs::terminal_growth, above_minus_one, false, 0},
};
constexpr std::size_t k_share_start = 0, k_share_end = 1, k_terminal_growth = 9, k_wacc = 7;
constexpr std::size_t k_price_ratio = 3, k_player_share_keys = 4;  // share_start ... price_ratio

// model.md §4, §6. online_year's domain is set per scenario (>= start_year).
const std::vector<Field<ClusterInputs>> k_cluster_fields{
    {"power_gw", &ClusterInputs::power_gw, positive, true, 0},
    {"online_year", &ClusterInputs::online_year, {}, true, 0},
    {"ramp_years", &ClusterInputs::ramp_years, at_least_one, true, 0},
    {"pue", &ClusterInputs::pue, at_least_one, true, 0},
    {"watts_per_accelerator", &ClusterInputs::watts_per_accelerator, positive, true, 0},
    {"tokens_per_sec_per_accelerator", &ClusterInputs::tokens_per_sec_per_accelerator, non_negative, true, 0},
    {"hardware_gain", &ClusterInputs::hardware_gain, above_minus_one, true, 0},
    {"software_gain", &ClusterInputs::software_gain, above_minus_one, true, 0},
    {"availability", &ClusterInputs::availability, unit_closed, true, 0},
    {"inference_alloc", &ClusterInputs::inference_alloc, unit_closed, true, 0},
    {"facility_capex_usd_per_gw", &ClusterInputs::facility_capex_usd_per_gw, non_negative, true, 0},
    {"facility_life_years", &ClusterInputs::facility_life_years, positive, true, 0},
    {"it_cost_usd_per_accelerator", &ClusterInputs::it_cost_usd_per_accelerator, non_negative, true, 0},
    {"it_cost_growth", &ClusterInputs::it_cost_growth, above_minus_one, true, 0},
    {"it_life_years", &ClusterInputs::it_life_years, positive, true, 0},
    {"power_price_usd_per_mwh", &ClusterInputs::power_price_usd_per_mwh, non_negative, true, 0},
    {"idle_power_fraction", &ClusterInputs::idle_power_fraction, unit_closed, true, 0},
    {"opex_rate", &ClusterInputs::opex_rate, non_negative, true, 0},
    {"capex_overrun", &ClusterInputs::capex_overrun, above_minus_one, false, 0},
};
constexpr std::size_t k_online_year = 1, k_tokens_per_sec = 5;

// model-v2 §A: a cluster's `throughput` block, keyed `part.key` (part: model, accelerator,
// serving). Its slots follow every v1 slot of the scenario, block by block.
const std::vector<Field<ClusterThroughput>> k_throughput_fields{
    {"model.params_total", &ClusterThroughput::params_total, positive, true, 0},
    {"model.params_active", &ClusterThroughput::params_active, positive, true, 0},
    {"model.experts", &ClusterThroughput::experts, positive, false, 1},
    {"model.experts_active", &ClusterThroughput::experts_active, positive, false, 1},
    {"model.bytes_per_param", &ClusterThroughput::bytes_per_param, positive, true, 0},
    {"model.kv_bytes_per_token", &ClusterThroughput::kv_bytes_per_token, positive, true, 0},
    {"accelerator.peak_flops", &ClusterThroughput::peak_flops, positive, true, 0},
    {"accelerator.hbm_bandwidth_bytes_per_s", &ClusterThroughput::hbm_bandwidth_bytes_per_s, positive, true, 0},
    {"accelerator.hbm_bytes", &ClusterThroughput::hbm_bytes, positive, true, 0},
    {"serving.accelerators_per_replica", &ClusterThroughput::accelerators_per_replica, positive, true, 0},
    {"serving.max_batch", &ClusterThroughput::max_batch, Interval{1, 1e9, false, false}, true, 0},
    {"serving.input_tokens_per_request", &ClusterThroughput::input_tokens_per_request, positive, true, 0},
    {"serving.output_tokens_per_request", &ClusterThroughput::output_tokens_per_request, positive, true, 0},
    {"serving.max_seconds_per_output_token", &ClusterThroughput::max_seconds_per_output_token, positive, false, k_inf},
    {"serving.bandwidth_efficiency", &ClusterThroughput::bandwidth_efficiency, unit_upper, true, 0},
    {"serving.compute_efficiency", &ClusterThroughput::compute_efficiency, unit_upper, true, 0},
    {"serving.hbm_usable_fraction", &ClusterThroughput::hbm_usable_fraction, unit_upper, false, 0.9},
};
enum ThroughputLeaf : std::size_t {
  k_params_total, k_params_active, k_experts, k_experts_active, k_bytes_per_param, k_kv_bytes,
  k_peak_flops, k_bandwidth, k_hbm_bytes, k_replica, k_max_batch, k_input_tokens, k_output_tokens,
  k_max_seconds, k_bandwidth_efficiency, k_compute_efficiency, k_hbm_usable
};

// model-v2 §C: the player's corporate-finance keys. Their slots follow every v1 and
// throughput slot, so that v1 and §A scenarios keep their random-number streams.
// `terminal.multiple` is present only for the exit_multiple method.
const std::vector<Field<PlayerInputs>> k_player_finance_fields{
    {"fixed_costs_usd", &PlayerInputs::fixed_costs_usd, non_negative, false, 0},
    {"fixed_cost_growth", &PlayerInputs::fixed_cost_growth, above_minus_one, false, 0},
    {"terminal.multiple", &PlayerInputs::terminal_multiple, positive, false, 0},
};
constexpr std::size_t k_terminal_multiple = 2;

// model-v2 §C: a cluster's corporate-finance keys, after the player's, cluster by cluster.
// The lease's two slots are present only for `"ownership": {"lease": ...}`.
const std::vector<Field<ClusterInputs>> k_cluster_finance_fields{
    {"build_years", &ClusterInputs::build_years, build_years_domain, false, 0},
    {"software_carryover", &ClusterInputs::software_carryover, unit_closed, false, 0},
    {"ownership.lease.rate", &ClusterInputs::lease_rate, non_negative, false, 0},
    {"ownership.lease.term_years", &ClusterInputs::lease_term_years, positive, false, 0},
};
constexpr std::size_t k_build_years = 0, k_lease_rate = 2;

// model-v2 §B: one entry of `market.segments[]`: v1's market and share keys, the segment's
// own; the `price.*` slots are present only with "mode": "cost_plus".
const std::vector<Field<SegmentInputs>> k_segment_fields{
    {"spend0_usd", &SegmentInputs::spend0_usd, positive, true, 0},
    {"spend_growth", &SegmentInputs::spend_growth, above_minus_one, true, 0},
    {"growth_decay", &SegmentInputs::growth_decay, non_negative, false, 1},
    {"price0_usd_per_mtok", &SegmentInputs::price0_usd_per_mtok, positive, true, 0},
    {"price_decline", &SegmentInputs::price_decline, below_one, true, 0},
    {"share_start", &SegmentInputs::share_start, unit_closed, false, 0},  // defaults to share_end
    {"share_end", &SegmentInputs::share_end, unit_closed, true, 0},
    {"share_ramp_years", &SegmentInputs::share_ramp_years, non_negative, false, 0},
    {"price_ratio", &SegmentInputs::price_ratio, positive, true, 0},
    {"price_elasticity", &SegmentInputs::price_elasticity, non_negative, false, 1},
    {"share_price_sensitivity", &SegmentInputs::share_price_sensitivity, non_negative, false, 0},
    {"compute_weight", &SegmentInputs::compute_weight, positive, false, 1},
    {"price.markup0", &SegmentInputs::markup0, non_negative, true, 0},
    {"price.markup_floor", &SegmentInputs::markup_floor, non_negative, true, 0},
    {"price.markup_halflife_years", &SegmentInputs::markup_halflife_years, positive, true, 0},
};
enum SegmentLeaf : std::size_t {
  k_segment_share_start = 5, k_price_elasticity = 9, k_share_sensitivity = 10, k_compute_weight = 11,
  k_markup0 = 12, k_markup_floor = 13, k_markup_halflife = 14
};
constexpr std::size_t k_segment_v1_keys = 12;  // the leaves before price.*

// model-v2 §B: a cost-plus price's `price.reference` block: v1's cluster keys and u, r.
const std::vector<Field<PriceReference>> k_reference_fields{
    {"tokens_per_sec_per_accelerator", &PriceReference::tokens_per_sec_per_accelerator, positive, true, 0},
    {"hardware_gain", &PriceReference::hardware_gain, above_minus_one, true, 0},
    {"watts_per_accelerator", &PriceReference::watts_per_accelerator, positive, true, 0},
    {"pue", &PriceReference::pue, at_least_one, true, 0},
    {"availability", &PriceReference::availability, unit_upper, true, 0},
    {"it_cost_usd_per_accelerator", &PriceReference::it_cost_usd_per_accelerator, non_negative, true, 0},
    {"it_cost_growth", &PriceReference::it_cost_growth, above_minus_one, false, 0},
    {"it_life_years", &PriceReference::it_life_years, positive, true, 0},
    {"facility_capex_usd_per_gw", &PriceReference::facility_capex_usd_per_gw, non_negative, true, 0},
    {"facility_life_years", &PriceReference::facility_life_years, positive, true, 0},
    {"power_price_usd_per_mwh", &PriceReference::power_price_usd_per_mwh, non_negative, true, 0},
    {"idle_power_fraction", &PriceReference::idle_power_fraction, unit_closed, true, 0},
    {"opex_rate", &PriceReference::opex_rate, non_negative, true, 0},
    {"utilization", &PriceReference::utilization, unit_upper, true, 0},
    {"cost_of_capital", &PriceReference::cost_of_capital, above_minus_one, true, 0},
};
constexpr std::size_t k_reference_tokens_per_sec = 0;

std::string field_key(int section, int leaf) {
  switch (section) {
    case k_market: return k_market_fields[leaf].key;
    case k_player: return k_player_fields[leaf].key;
    case k_throughput: return k_throughput_fields[leaf].key;
    case k_player_finance: return k_player_finance_fields[leaf].key;
    case k_cluster_finance: return k_cluster_finance_fields[leaf].key;
    case k_segment: return k_segment_fields[leaf].key;
    case k_reference: return k_reference_fields[leaf].key;
    case k_reference_throughput: return k_throughput_fields[leaf].key;
    default: return k_cluster_fields[leaf].key;
  }
}

std::vector<std::string> keys_of(int section) {
  std::vector<std::string> keys;
  const std::size_t n = section == k_market ? k_market_fields.size()
                        : section == k_player ? k_player_fields.size() - 1  // terminal.growth lives under terminal
                                              : k_cluster_fields.size();
  for (std::size_t i = 0; i < n; ++i) keys.push_back(field_key(section, static_cast<int>(i)));
  return keys;
}

}  // namespace

const char* to_string(SamplerKind k) {
  switch (k) {
    case SamplerKind::random: return "random";
    case SamplerKind::lhs: return "lhs";
    case SamplerKind::sobol: return "sobol";
  }
  return "?";
}

SamplerKind parse_sampler(const std::string& name, const std::string& where) {
  if (name == "random") return SamplerKind::random;
  if (name == "lhs") return SamplerKind::lhs;
  if (name == "sobol") return SamplerKind::sobol;
  throw InputError(where + ": unknown sampler \"" + name + "\"; expected one of random, lhs, sobol");
}

const char* to_string(ClaimOp op) {
  switch (op) {
    case ClaimOp::approx: return "approx";
    case ClaimOp::at_least: return ">=";
    case ClaimOp::at_most: return "<=";
  }
  return "?";
}

bool Claim::holds(double x) const {
  if (std::isnan(x)) return false;
  switch (op) {
    case ClaimOp::approx: return std::abs(x - value) <= rel_tol * std::abs(value);
    case ClaimOp::at_least: return x >= value;
    case ClaimOp::at_most: return x <= value;
  }
  return false;
}

// --- checks ---------------------------------------------------------------------------

void Scenario::check_input(const Input& in, const std::string& json_path) const {
  const Distribution& d = in.dist;
  const Interval& dom = in.domain;
  if (d.is_fixed()) {
    const double v = d.support_min();
    if (!dom.contains(v)) {
      const bool year = in.whole && in.section == k_cluster;  // online_year
      const std::string rule = year ? ">= start_year (" + format_number(dom.lo) + ")" : dom.describe();
      throw InputError(json_path + ": must be " + rule + ", got " + format_number(v));
    }
    if (in.whole && v != std::floor(v)) {
      throw InputError(json_path + ": must be a whole " + (in.section == k_cluster ? "year" : "number of years") +
                       ", got " + format_number(v));
    }
    return;
  }
  // A distribution must not be able to produce a value the model cannot take.
  const Interval& s = d.support();
  const bool lo_ok = s.lo > dom.lo || (s.lo == dom.lo && (!dom.lo_open || s.lo_open));
  const bool hi_ok = s.hi < dom.hi || (s.hi == dom.hi && (!dom.hi_open || s.hi_open));
  if (lo_ok && hi_ok) {
    // Rounding can still leave the domain where the support does not (a lognormal's
    // exp(mu - 7 sigma) underflows to 0 for a "> 0" input): check the extreme draws.
    for (const double u : {k_extreme_u, 1 - k_extreme_u}) {
      const double x = d.quantile(u);
      if (!dom.contains(x)) {
        throw InputError(json_path + ": " + d.describe() + " draws " + format_number(x) + " at its " +
                         format_number(u) + " quantile, outside the allowed range (" + dom.describe() + ")");
      }
    }
    return;
  }
  std::string msg = json_path + ": " + d.describe() + " can produce values outside the allowed range (" +
                    dom.describe() + ")";
  if (d.kind() == DistKind::normal) msg += "; truncate it with \"min\" and \"max\"";
  throw InputError(msg);
}

void Scenario::check_cross_fields(const std::string& where) const {
  if (terminal_ == TerminalMethod::gordon) {
    const Input& g = inputs_[player_first_ + k_terminal_growth];
    const Input& w = inputs_[player_first_ + k_wacc];
    if (!(g.dist.support_max() < w.dist.support_min())) {
      throw InputError(where + "player.terminal.growth: must be < player.wacc for a Gordon terminal value; " +
                       "growth can reach " + format_number(g.dist.support_max()) + " and wacc can be as low as " +
                       format_number(w.dist.support_min()));
    }
  }
  check_throughput(where);
  check_segments(where);
}

// model-v2 §B: markup_floor <= markup0 on every path (the markup decays down to its floor).
void Scenario::check_segments(const std::string& where) const {
  for (std::size_t j = 0; j < segments_.size(); ++j) {
    const SegmentBlock& b = segments_[j];
    if (!b.cost_plus) continue;
    const Distribution& floor = inputs_[b.first + k_markup_floor].dist;
    const Distribution& start = inputs_[b.first + k_markup0].dist;
    if (floor.support_max() > start.support_min()) {
      throw InputError(where + b.json_path + ".price.markup_floor: must be <= " +
                       "markup0 on every path; the floor can reach " + format_number(floor.support_max()) +
                       " and markup0 can be as low as " + format_number(start.support_min()));
    }
  }
}

// model-v2 §A "Validation": every rule at the medians; and, so that no path can fail, the
// rules that a draw could break checked at the extremes of the distributions' supports:
// k <= E, P_a <= P, and the fit (memory needed grows with P, β, κ, i, o and what the replica
// has with n, H, f_h, so one corner bounds every path).
void Scenario::check_throughput(const std::string& where) const {
  const bool references = std::any_of(segments_.begin(), segments_.end(), [](const SegmentBlock& b) { return b.has_throughput; });
  if (throughput_.empty() && !references) return;
  const ModelInputs m = base_inputs();
  // The clusters' blocks, then those of the segments' price references (model-v2 §B).
  std::vector<std::tuple<const ClusterThroughput*, std::size_t, std::string>> blocks;
  for (const auto& b : throughput_) {
    blocks.emplace_back(&m.clusters[b.cluster].throughput, b.first,
                        where + "clusters[" + std::to_string(b.cluster) + "].throughput");
  }
  for (std::size_t j = 0; j < segments_.size(); ++j) {
    if (!segments_[j].has_throughput) continue;
    blocks.emplace_back(&m.segments[j].reference.throughput, segments_[j].throughput_first,
                        where + segments_[j].json_path + ".price.reference.throughput");
  }
  for (const auto& block : blocks) {
    // Named copies, not structured bindings: lambdas may not capture those before C++20's P1091 (clang 14).
    const auto* medians = std::get<0>(block);
    const std::size_t first = std::get<1>(block);
    const std::string& at = std::get<2>(block);
    validate_throughput(*medians, at);
    auto lo = [&](std::size_t leaf) { return inputs_[first + leaf].dist.support_min(); };
    auto hi = [&](std::size_t leaf) { return inputs_[first + leaf].dist.support_max(); };
    auto bound = [&](std::size_t small, std::size_t large, const char* part) {
      if (hi(small) <= lo(large)) return;
      const std::string s = k_throughput_fields[small].key, l = k_throughput_fields[large].key;
      throw InputError(at + "." + s + ": can reach " + format_number(hi(small)) + ", above the smallest value of " +
                       l + " (" + format_number(lo(large)) + "); " + part + " must hold on every path");
    };
    bound(k_experts_active, k_experts, "experts_active <= experts");
    bound(k_params_active, k_params_total, "params_active <= params_total");
    const double usable = lo(k_replica) * lo(k_hbm_bytes) * lo(k_hbm_usable);
    const double weights = hi(k_bytes_per_param) * hi(k_params_total);
    const double kv = hi(k_kv_bytes) * (hi(k_input_tokens) + hi(k_output_tokens) / 2);
    if (!(std::floor((usable - weights) / kv) >= 1)) {
      throw InputError(at + ": model does not fit on every path: at the extremes of the distributions (largest "
                       "params_total, bytes_per_param, kv_bytes_per_token and tokens per request; smallest "
                       "accelerators_per_replica, hbm_bytes and hbm_usable_fraction) it needs " +
                       format_number((weights + kv) / 1e9) + " GB of weights + KV for one sequence, the replica has " +
                       format_number(usable / 1e9) + " GB usable; narrow (truncate) those distributions");
    }
  }
}

// --- parsing --------------------------------------------------------------------------

Scenario Scenario::from_file(const std::string& path, const Catalog* catalog) {
  return from_json(read_json_file(path), catalog);
}

Scenario Scenario::from_json(const json& j) { return from_json(j, nullptr); }

Scenario Scenario::from_json(const json& original, const Catalog* catalog) {
  Scenario sc;
  require_object(original, "scenario");
  json root = original;
  sc.catalog_uses_ = resolve_catalog_references(root, catalog);
  check_keys(root, "", {"name", "description", "start_year", "horizon_years", "simulation", "market", "player",
                        "clusters", "correlations", "claims", "stresses", "claim_chain"});
  sc.name_ = string_value(require_key(root, "", "name"), "name");
  if (root.contains("description")) sc.description_ = string_value(root.at("description"), "description");
  sc.start_year_ = static_cast<int>(whole_value(require_key(root, "", "start_year"), "start_year", 1900, 2200));
  sc.horizon_years_ =
      static_cast<int>(whole_value(require_key(root, "", "horizon_years"), "horizon_years", 1, 100));
  if (root.contains("simulation")) sc.parse_simulation(root.at("simulation"));
  // The sections of inputs, in the order of their slots (model.md §2-§6).
  sc.parse_market(require_key(root, "", "market"));
  sc.parse_player(require_key(root, "", "player"));
  sc.parse_clusters(require_key(root, "", "clusters"), root.at("player"));
  if (sc.segmented_) sc.parse_segments(root.at("market").at("segments"));
  if (sc.implicit_segment_) sc.parse_implicit_segment(root.at("market"), root.at("player"));
  for (const Input& in : sc.inputs_) {
    if (in.present) sc.check_input(in, in.json_path);
  }
  sc.check_cross_fields("");
  check_simulation(sc);
  if (root.contains("correlations")) sc.parse_correlations(root.at("correlations"));
  if (root.contains("claims")) sc.parse_claims(root.at("claims"));
  if (root.contains("claim_chain")) sc.parse_claim_chain(root.at("claim_chain"));
  if (root.contains("stresses")) sc.parse_stresses(root.at("stresses"));
  check_model_finite(sc);
  return sc;
}

void Scenario::parse_simulation(const json& sim_json) {
  const json& sim = require_object(sim_json, "simulation");
  check_keys(sim, "simulation", {"paths", "seed", "sampler", "antithetic"});
  if (sim.contains("paths")) {
    simulation_.paths = static_cast<std::uint64_t>(whole_value(sim.at("paths"), "simulation.paths", 0, INT64_MAX));
  }
  if (sim.contains("seed")) {
    const json& s = sim.at("seed");
    if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<std::int64_t>() >= 0)) {
      throw InputError("simulation.seed: expected a whole number >= 0, got " + detail::render(s));
    }
    simulation_.seed = s.get<std::uint64_t>();
  }
  if (sim.contains("sampler")) {
    simulation_.sampler = parse_sampler(string_value(sim.at("sampler"), "simulation.sampler"), "simulation.sampler");
  }
  if (sim.contains("antithetic")) {
    if (!sim.at("antithetic").is_boolean()) {
      throw InputError("simulation.antithetic: expected true or false, got " + detail::render(sim.at("antithetic")));
    }
    simulation_.antithetic = sim.at("antithetic").get<bool>();
  }
}

namespace {

/// Where a table of fields sits: its section, its cluster, its dotted and JSON prefixes.
struct FieldPlace {
  int section;
  int cluster;
  std::string path, json_path;
};

/// One input slot per field of the table, in order, whether written or not: an input's
/// index (its random-number stream) never depends on which others are present.
/// `adjust(i, input)` handles a section's special fields.
template <class S>
void read_fields(std::vector<Input>& inputs_, const json& obj, const std::vector<Field<S>>& fields,
                 const FieldPlace& place, const std::function<void(std::size_t, Input&)>& adjust) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    Input in;
    in.path = place.path + "." + f.key;
    in.json_path = place.json_path + "." + f.key;
    in.domain = f.domain;
    in.section = place.section;
    in.cluster = place.cluster;
    in.leaf = static_cast<int>(i);
    in.present = true;
    if (obj.contains(f.key)) {
      in.dist = Distribution::from_json(obj.at(f.key), in.json_path);
    } else if (f.required) {
      require_key(obj, place.json_path, f.key);
    } else {
      in.dist = Distribution::fixed(f.fallback);
    }
    if (adjust) adjust(i, in);
    inputs_.push_back(std::move(in));
  }
}

/// Every field of a table at its fallback: the JSON read_fields needs for a section whose
/// slots exist but are unused (their inputs live elsewhere).
template <class S>
json unused_fields(const std::vector<Field<S>>& fields) {
  json obj = json::object();
  for (const auto& f : fields) obj[f.key] = f.fallback;
  return obj;
}

/// model-v2 §A: a `throughput: {model, accelerator, serving}` block, catalog names already
/// resolved, as `part.key` -> value (the keys of k_throughput_fields); `at` names it in errors.
json flatten_throughput(const json& block, const std::string& at) {
  const json& tp = require_object(block, at);
  check_keys(tp, at, {"model", "accelerator", "serving"});
  json flat = json::object();
  for (const std::string part : {"model", "accelerator", "serving"}) {
    const std::string ppath = at + "." + part;
    const json& obj = require_object(require_key(tp, at, part), ppath);
    std::vector<std::string> keys;
    for (const auto& f : k_throughput_fields) {
      const std::string key = f.key;
      if (key.rfind(part + ".", 0) == 0) keys.push_back(key.substr(part.size() + 1));
    }
    check_keys(obj, ppath, keys);
    for (const auto& key : keys) {
      if (obj.contains(key)) flat[part + "." + key] = obj.at(key);
    }
  }
  return flat;
}

}  // namespace

// model.md §2
void Scenario::parse_market(const json& j) {
  const json& market = require_object(j, "market");
  auto keys = keys_of(k_market);
  for (const char* key : {"segments", "price", "price_elasticity"}) keys.emplace_back(key);
  check_keys(market, "market", keys);
  segmented_ = market.contains("segments");
  if (!segmented_) {
    // model-v2 §B: v1's market is the segment `all`; a price block or an elasticity here
    // makes it one (read after the clusters, parse_segments).
    implicit_segment_ = market.contains("price") || market.contains("price_elasticity");
    json v1 = market;
    v1.erase("price");
    v1.erase("price_elasticity");
    read_fields(inputs_, v1, k_market_fields, {k_market, -1, "market", "market"}, nullptr);
    return;
  }
  // model-v2 §B: with segments, `market` holds nothing else; its slots stay, unused, so
  // that the indices of the inputs after them hold.
  for (const auto& [key, value] : market.items()) {
    if (key != "segments") {
      throw InputError("market." + key + ": with market.segments, each segment has its own market keys " +
                       "(market.segments[]." + key + "); remove market." + key);
    }
  }
  read_fields(inputs_, unused_fields(k_market_fields), k_market_fields, {k_market, -1, "market", "market"},
              [](std::size_t, Input& in) { in.present = false; });
}

// model.md §3, §5, §7
void Scenario::parse_player(const json& j) {
  const json& player = require_object(j, "player");
  auto keys = keys_of(k_player);
  keys.insert(keys.begin(), "name");
  keys.push_back("terminal");
  for (const auto& f : k_player_finance_fields) {
    if (std::string(f.key).rfind("terminal.", 0) != 0) keys.push_back(f.key);
  }
  keys.push_back("tax_losses");
  keys.push_back("share_price_sensitivity");  // model-v2 §B, for the segment `all`
  check_keys(player, "player", keys);
  if (player.contains("share_price_sensitivity")) {
    if (segmented_) {
      throw InputError("player.share_price_sensitivity: with market.segments, it is set per segment "
                       "(market.segments[].share_price_sensitivity); remove player.share_price_sensitivity");
    }
    implicit_segment_ = true;
  }
  player_name_ = string_value(require_key(player, "player", "name"), "player.name");
  std::optional<json> terminal_growth;
  if (player.contains("terminal")) {
    const json& term = require_object(player.at("terminal"), "player.terminal");
    check_keys(term, "player.terminal", {"method", "growth", "multiple"});
    const std::string method = string_value(require_key(term, "player.terminal", "method"), "player.terminal.method");
    if (method == "gordon") {
      terminal_ = TerminalMethod::gordon;
      terminal_growth = require_key(term, "player.terminal", "growth");
    } else if (method == "exit_multiple") {  // model-v2 §C; the multiple is read with the finance slots
      terminal_ = TerminalMethod::exit_multiple;
      require_key(term, "player.terminal", "multiple");
    } else if (method == "book_value") {
      terminal_ = TerminalMethod::book_value;
    } else if (method != "none") {
      throw InputError("player.terminal.method: unknown method \"" + method +
                       "\"; expected one of \"none\", \"gordon\", \"book_value\", \"exit_multiple\"");
    }
    if (term.contains("growth") && terminal_ != TerminalMethod::gordon) {
      throw InputError("player.terminal.growth: only used with \"method\": \"gordon\"");
    }
    if (term.contains("multiple") && terminal_ != TerminalMethod::exit_multiple) {
      throw InputError("player.terminal.multiple: only used with \"method\": \"exit_multiple\"");
    }
  }
  if (player.contains("tax_losses")) {  // model-v2 §C
    const std::string rule = string_value(player.at("tax_losses"), "player.tax_losses");
    if (rule == "group_relief") {
      tax_losses_ = TaxLosses::group_relief;
    } else if (rule == "carry_forward") {
      tax_losses_ = TaxLosses::carry_forward;
    } else if (rule != "none") {
      throw InputError("player.tax_losses: unknown rule \"" + rule +
                       "\"; expected one of \"none\", \"group_relief\", \"carry_forward\"");
    }
  }
  player_first_ = inputs_.size();
  // model-v2 §B: with segments, the share keys sit in each segment; their slots stay, unused.
  json filled = player;
  filled.erase("share_price_sensitivity");
  if (segmented_) {
    for (std::size_t i = 0; i < k_player_share_keys; ++i) {
      const std::string key = k_player_fields[i].key;
      if (player.contains(key)) {
        throw InputError("player." + key + ": with market.segments, the player's share and price ratio are set per " +
                         "segment (market.segments[]." + key + "); remove player." + key);
      }
      filled[key] = k_player_fields[i].fallback + (i == k_price_ratio ? 1 : 0);
    }
  }
  read_fields(inputs_, filled, k_player_fields, {k_player, -1, "player", "player"}, [&](std::size_t i, Input& in) {
    if (segmented_ && i < k_player_share_keys) {
      in.present = false;
    } else if (i == k_terminal_growth) {  // lives under `terminal`, present only for gordon
      in.present = terminal_growth.has_value();
      in.dist = terminal_growth ? Distribution::from_json(*terminal_growth, in.json_path) : Distribution::fixed(0);
    } else if (i == k_share_start && !player.contains(k_player_fields[i].key)) {
      in.present = false;  // an absent share_start follows share_end
    }
  });
}

// model.md §4, §6
void Scenario::parse_clusters(const json& clusters, const json& player) {
  if (!clusters.is_array()) throw InputError("clusters: expected an array of clusters, got " + detail::render(clusters));
  if (clusters.empty()) throw InputError("clusters: at least one cluster is needed");
  auto keys = keys_of(k_cluster);
  keys.insert(keys.begin(), "name");
  keys.push_back("throughput");
  for (const char* key : {"build_years", "software_carryover", "ownership"}) keys.push_back(key);  // model-v2 §C
  std::vector<std::size_t> with_throughput;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    const std::string cpath = "clusters[" + std::to_string(c) + "]";
    const json& cl = require_object(clusters[c], cpath);
    check_keys(cl, cpath, keys);
    const std::string name = string_value(require_key(cl, cpath, "name"), cpath + ".name");
    if (name.empty() || name.find('.') != std::string::npos) {
      throw InputError(cpath + ".name: must be non-empty and contain no '.', got \"" + name + "\"");
    }
    if (std::find(cluster_names_.begin(), cluster_names_.end(), name) != cluster_names_.end()) {
      throw InputError(cpath + ".name: duplicate cluster name \"" + name + "\"");
    }
    cluster_names_.push_back(name);
    // model-v2 §A: tokens/s per accelerator is an input (v1) or a throughput block. With the
    // block, the v1 slot stays (unused), so that the indices of the inputs after it hold.
    const bool v1 = cl.contains("tokens_per_sec_per_accelerator"), v2 = cl.contains("throughput");
    if (v1 && v2) {
      throw InputError(cpath + ": give either tokens_per_sec_per_accelerator or throughput, not both");
    }
    if (!v1 && !v2) {
      throw InputError(cpath + ".tokens_per_sec_per_accelerator: required key is missing (or give a throughput block)");
    }
    json filled;
    if (v2) {
      filled = cl;
      filled["tokens_per_sec_per_accelerator"] = 0;
      with_throughput.push_back(c);
    }
    read_fields(inputs_, v2 ? filled : cl, k_cluster_fields, {k_cluster, static_cast<int>(c), "clusters." + name, cpath},
                [&](std::size_t i, Input& in) {
                  if (i == k_tokens_per_sec && v2) in.present = false;
                  if (i != k_online_year) return;
                  in.domain = Interval{static_cast<double>(start_year_), k_inf, false, true};
                  in.whole = true;
                });
  }
  for (std::size_t c : with_throughput) parse_throughput(c, clusters[c].at("throughput"));
  // model-v2 §C's slots after §A's, so that scenarios with throughput blocks keep their streams.
  parse_finance(player, clusters);
}

// model-v2 §A: `throughput: {model, accelerator, serving}`, catalog names already resolved.
void Scenario::parse_throughput(std::size_t c, const json& block) {
  const std::string at = "clusters[" + std::to_string(c) + "].throughput";
  const json flat = flatten_throughput(block, at);
  throughput_.push_back({c, inputs_.size()});
  read_fields(inputs_, flat, k_throughput_fields,
              {k_throughput, static_cast<int>(c), "clusters." + cluster_names_[c] + ".throughput", at},
              [&](std::size_t i, Input& in) {
                // No latency target unless one is given (a stress or a sweep may set one).
                if (i == k_max_seconds && !flat.contains(k_throughput_fields[i].key)) in.present = false;
              });
}

// model-v2 §C: the corporate-finance slots, after every v1 and throughput slot: the
// player's, then each cluster's. `ownership` is "own" or {"lease": {"rate", "term_years"}}.
void Scenario::parse_finance(const json& player, const json& clusters) {
  json flat = json::object();
  for (const auto& f : k_player_finance_fields) {
    const std::string key = f.key;
    if (key == "terminal.multiple") {
      if (player.contains("terminal") && player.at("terminal").contains("multiple")) {
        flat[key] = player.at("terminal").at("multiple");
      }
    } else if (player.contains(key)) {
      flat[key] = player.at(key);
    }
  }
  read_fields(inputs_, flat, k_player_finance_fields, {k_player_finance, -1, "player", "player"},
              [&](std::size_t, Input& in) { in.present = flat.contains(field_key(k_player_finance, in.leaf)); });
  leased_.assign(clusters.size(), false);
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    const std::string cpath = "clusters[" + std::to_string(c) + "]";
    const json& cl = clusters[c];
    flat = json::object();
    for (const char* key : {"build_years", "software_carryover"}) {
      if (cl.contains(key)) flat[key] = cl.at(key);
    }
    if (cl.contains("ownership")) {
      const json& own = cl.at("ownership");
      const std::string opath = cpath + ".ownership";
      if (own.is_object()) {
        check_keys(own, opath, {"lease"});
        const json& lease = require_object(require_key(own, opath, "lease"), opath + ".lease");
        check_keys(lease, opath + ".lease", {"rate", "term_years"});
        flat["ownership.lease.rate"] = require_key(lease, opath + ".lease", "rate");
        flat["ownership.lease.term_years"] = require_key(lease, opath + ".lease", "term_years");
        leased_[c] = true;
      } else if (!own.is_string() || own.get<std::string>() != "own") {
        throw InputError(opath + ": expected \"own\" or {\"lease\": {\"rate\": ..., \"term_years\": ...}}, got " +
                         detail::render(own));
      }
    }
    read_fields(inputs_, flat, k_cluster_finance_fields,
                {k_cluster_finance, static_cast<int>(c), "clusters." + cluster_names_[c], cpath},
                [&](std::size_t i, Input& in) {
                  in.present = flat.contains(k_cluster_finance_fields[i].key);
                  in.whole = i == k_build_years;
                });
  }
}

int Scenario::metric_count() const {
  return infersim::metric_count(horizon_years_, static_cast<int>(throughput_.size()),
                               static_cast<int>(segments_.size()));
}

std::vector<std::string> Scenario::segment_names() const {
  std::vector<std::string> names;
  for (const auto& b : segments_) names.push_back(b.name);
  return names;
}

// model-v2 §B: `market.segments[]`, read after every other section so that their slots
// follow every v1 and throughput slot. Each segment's slots: its fields, then (cost_plus)
// its price.reference block's, then that block's throughput block's.
void Scenario::parse_segments(const json& list) {
  const std::string at = "market.segments";
  if (!list.is_array() || list.empty()) {
    throw InputError(at + ": expected a non-empty array of segments, got " + detail::render(list));
  }
  if (list.size() > k_max_segments) {
    throw InputError(at + ": at most " + std::to_string(k_max_segments) + " segments, got " +
                     std::to_string(list.size()));
  }
  std::vector<std::string> keys{"name", "price"};
  for (std::size_t i = 0; i < k_segment_v1_keys; ++i) keys.emplace_back(k_segment_fields[i].key);
  for (std::size_t j = 0; j < list.size(); ++j) {
    const std::string spath = at + "[" + std::to_string(j) + "]";
    const json& sg = require_object(list[j], spath);
    check_keys(sg, spath, keys);
    parse_segment(sg, j, spath, "market.segments." + string_value(require_key(sg, spath, "name"), spath + ".name"),
                  false);
  }
}

// model-v2 §B: v1's market as the one segment `all`, for a price block or an elasticity in
// `market` or a share sensitivity in `player`. Its v1 keys stay the market's and player's
// inputs (finish() copies them in); its own leaves are addressed where they are written.
void Scenario::parse_implicit_segment(const json& market, const json& player) {
  json sg = unused_fields(k_segment_fields);
  for (std::size_t i = k_segment_v1_keys; i < k_segment_fields.size(); ++i) sg.erase(k_segment_fields[i].key);
  sg.erase("compute_weight");
  sg["name"] = "all";
  for (const char* key : {"price", "price_elasticity"}) {
    if (market.contains(key)) sg[key] = market.at(key);
  }
  if (player.contains("share_price_sensitivity")) sg["share_price_sensitivity"] = player.at("share_price_sensitivity");
  parse_segment(sg, 0, "market", "market", true);
}

void Scenario::parse_segment(const json& sg, std::size_t j, const std::string& spath, const std::string& dotted,
                             bool implicit) {
  SegmentBlock b;
  b.json_path = spath;
  b.name = string_value(require_key(sg, spath, "name"), spath + ".name");
  if (b.name.empty() || b.name.find('.') != std::string::npos) {
    throw InputError(spath + ".name: must be non-empty and contain no '.', got \"" + b.name + "\"");
  }
  for (const auto& other : segments_) {
    if (other.name == b.name) throw InputError(spath + ".name: duplicate segment name \"" + b.name + "\"");
  }
  json flat = sg;
  flat.erase("name");
  flat.erase("price");
  json reference;
  if (sg.contains("price")) {
    const std::string ppath = spath + ".price";
    const json& price = require_object(sg.at("price"), ppath);
    check_keys(price, ppath, {"mode", "markup0", "markup_floor", "markup_halflife_years", "reference"});
    const std::string mode = string_value(require_key(price, ppath, "mode"), ppath + ".mode");
    if (mode == "cost_plus") {
      b.cost_plus = true;
      for (const char* key : {"markup0", "markup_floor", "markup_halflife_years"}) {
        flat[std::string("price.") + key] = require_key(price, ppath, key);
      }
      reference = require_object(require_key(price, ppath, "reference"), ppath + ".reference");
    } else if (mode == "path") {
      for (const auto& [key, value] : price.items()) {
        if (key != "mode") throw InputError(ppath + "." + key + ": only used with \"mode\": \"cost_plus\"");
      }
    } else {
      throw InputError(ppath + ".mode: unknown price mode \"" + mode + "\"; expected \"path\" or \"cost_plus\"");
    }
  }
  if (!b.cost_plus) {
    for (std::size_t i = k_segment_v1_keys; i < k_segment_fields.size(); ++i) {
      flat[k_segment_fields[i].key] = k_segment_fields[i].fallback;
    }
  }
  b.first = inputs_.size();
  read_fields(inputs_, flat, k_segment_fields, {k_segment, static_cast<int>(j), dotted, spath},
              [&](std::size_t i, Input& in) {
                if (i >= k_segment_v1_keys) in.present = b.cost_plus;
                if (i == k_segment_share_start && !sg.contains(k_segment_fields[i].key)) in.present = false;
                if (!implicit) return;
                // The segment `all`: its v1 keys are market's and player's, its weight is 1;
                // the sensitivity is written in player.
                if (i < k_segment_v1_keys && i != k_price_elasticity && i != k_share_sensitivity) in.present = false;
                if (i == k_compute_weight) in.present = false;
                if (i == k_share_sensitivity) {
                  in.path = "player." + in.path.substr(in.path.find('.') + 1);
                  in.json_path = "player." + in.json_path.substr(in.json_path.find('.') + 1);
                }
              });
  if (b.cost_plus) {
    const std::string rpath = spath + ".price.reference";
    auto rkeys = std::vector<std::string>{"throughput"};
    for (const auto& f : k_reference_fields) rkeys.emplace_back(f.key);
    check_keys(reference, rpath, rkeys);
    // tokens/s per accelerator or a throughput block, as for a cluster (model-v2 §A).
    const bool v1 = reference.contains("tokens_per_sec_per_accelerator"), v2 = reference.contains("throughput");
    if (v1 && v2) throw InputError(rpath + ": give either tokens_per_sec_per_accelerator or throughput, not both");
    if (!v1 && !v2) {
      throw InputError(rpath + ".tokens_per_sec_per_accelerator: required key is missing (or give a throughput block)");
    }
    json rflat = reference;
    if (v2) rflat["tokens_per_sec_per_accelerator"] = 1;
    b.reference_first = inputs_.size();
    read_fields(inputs_, rflat, k_reference_fields, {k_reference, static_cast<int>(j), dotted + ".price.reference", rpath},
                [&](std::size_t i, Input& in) {
                  if (i == k_reference_tokens_per_sec && v2) in.present = false;
                });
    if (v2) {
      const json tflat = flatten_throughput(reference.at("throughput"), rpath + ".throughput");
      b.has_throughput = true;
      b.throughput_first = inputs_.size();
      read_fields(inputs_, tflat, k_throughput_fields,
                  {k_reference_throughput, static_cast<int>(j), dotted + ".price.reference.throughput",
                   rpath + ".throughput"},
                  [&](std::size_t i, Input& in) {
                    if (i == k_max_seconds && !tflat.contains(k_throughput_fields[i].key)) in.present = false;
                  });
    }
  }
  segments_.push_back(std::move(b));
}

std::vector<std::string> Scenario::throughput_clusters() const {
  std::vector<std::string> names;
  for (const auto& b : throughput_) names.push_back(cluster_names_[b.cluster]);
  return names;
}

// model.md §8
void Scenario::parse_correlations(const json& cs) {
  if (!cs.is_array()) throw InputError("correlations: expected an array, got " + detail::render(cs));
  std::set<std::pair<std::size_t, std::size_t>> seen;
  for (std::size_t k = 0; k < cs.size(); ++k) {
    const std::string cpath = "correlations[" + std::to_string(k) + "]";
    const json& c = require_object(cs[k], cpath);
    check_keys(c, cpath, {"a", "b", "rho"});
    Correlation corr;
    corr.a = input_index(string_value(require_key(c, cpath, "a"), cpath + ".a"), cpath + ".a");
    corr.b = input_index(string_value(require_key(c, cpath, "b"), cpath + ".b"), cpath + ".b");
    corr.rho = number_value(require_key(c, cpath, "rho"), cpath + ".rho");
    if (!(corr.rho >= -1 && corr.rho <= 1)) {
      throw InputError(cpath + ".rho: must be in [-1, 1], got " + format_number(corr.rho));
    }
    if (corr.a == corr.b) throw InputError(cpath + ": an input cannot be correlated with itself (" + inputs_[corr.a].path + ")");
    for (auto idx : {corr.a, corr.b}) {
      if (inputs_[idx].dist.is_fixed()) {
        throw InputError(cpath + ": " + inputs_[idx].path + " is a fixed number; only uncertain inputs can be correlated");
      }
    }
    const auto key = std::minmax(corr.a, corr.b);
    if (!seen.insert(key).second) {
      throw InputError(cpath + ": the pair " + inputs_[corr.a].path + " / " + inputs_[corr.b].path +
                       " is already correlated above");
    }
    correlations_.push_back(corr);
  }
  GaussianCopula(correlations_, [&](std::size_t i) { return inputs_[i].path; });  // validates
}

void Scenario::parse_claims(const json& cs) {
  if (!cs.is_array()) throw InputError("claims: expected an array, got " + detail::render(cs));
  for (std::size_t k = 0; k < cs.size(); ++k) {
    const std::string cpath = "claims[" + std::to_string(k) + "]";
    const json& c = require_object(cs[k], cpath);
    check_keys(c, cpath, {"id", "metric", "year", "op", "value", "rel_tol"});
    Claim cl;
    cl.id = string_value(require_key(c, cpath, "id"), cpath + ".id");
    for (const auto& other : claims_) {
      if (other.id == cl.id) throw InputError(cpath + ".id: duplicate claim id \"" + cl.id + "\"");
    }
    cl.metric = string_value(require_key(c, cpath, "metric"), cpath + ".metric");
    // model-v2 §B: a segment's series, SERIES.SEGMENT, is a series like any other; its
    // values start at `per_segment->index`.
    const std::optional<MetricRef> per_segment =
        cl.metric.find('.') == std::string::npos
            ? std::nullopt
            : std::optional<MetricRef>(MetricRef::parse_whole(cl.metric, *this, cpath + ".metric"));
    const MetricKind kind = per_segment ? MetricKind{true, 0} : require_metric(cl.metric, cpath + ".metric");
    if (kind.series) {
      if (!c.contains("year")) {
        throw InputError(cpath + ".year: required for the series \"" + cl.metric + "\"");
      }
      const int last = start_year_ + horizon_years_ - 1;
      const auto year = whole_value(c.at("year"), cpath + ".year", 1900, 2300);
      if (year < start_year_ || year > last) {
        throw InputError(cpath + ".year: must be within the horizon " + std::to_string(start_year_) + ".." +
                         std::to_string(last) + ", got " + std::to_string(year));
      }
      cl.year = static_cast<int>(year);
      cl.metric_index = per_segment ? per_segment->index + (*cl.year - start_year_)
                                    : metric_index(static_cast<Series>(kind.index), *cl.year - start_year_, horizon_years_);
    } else {
      if (c.contains("year")) {
        throw InputError(cpath + ".year: \"" + cl.metric + "\" is a scalar (one value a path); remove \"year\"");
      }
      cl.metric_index = metric_index(static_cast<Scalar>(kind.index), horizon_years_);
    }
    const std::string op = string_value(require_key(c, cpath, "op"), cpath + ".op");
    if (op == "approx") {
      cl.op = ClaimOp::approx;
    } else if (op == ">=") {
      cl.op = ClaimOp::at_least;
    } else if (op == "<=") {
      cl.op = ClaimOp::at_most;
    } else {
      throw InputError(cpath + ".op: unknown operator \"" + op + "\"; expected \"approx\", \">=\" or \"<=\"");
    }
    cl.value = number_value(require_key(c, cpath, "value"), cpath + ".value");
    if (cl.op == ClaimOp::approx) {
      cl.rel_tol = number_value(require_key(c, cpath, "rel_tol"), cpath + ".rel_tol");
      if (!(cl.rel_tol > 0)) throw InputError(cpath + ".rel_tol: must be > 0, got " + format_number(cl.rel_tol));
    } else if (c.contains("rel_tol")) {
      throw InputError(cpath + ".rel_tol: only used with \"op\": \"approx\"");
    }
    claims_.push_back(cl);
  }
}

// Parsed and checked like overrides of the base scenario.
void Scenario::parse_stresses(const json& j) {
  const json& ss = require_object(j, "stresses");
  for (const auto& [sname, overrides] : ss.items()) {
    const std::string spath = "stresses." + sname;
    require_object(overrides, spath);
    if (overrides.empty()) throw InputError(spath + ": a stress needs at least one override");
    Stress stress;
    stress.name = sname;
    std::vector<std::pair<std::string, Distribution>> parsed;
    for (const auto& [ipath, value] : overrides.items()) {
      parsed.emplace_back(ipath, Distribution::from_json(value, spath + "." + ipath));
      stress.overrides.emplace_back(input_index(ipath, spath + "." + ipath), parsed.back().second);
    }
    (void)with_overrides(parsed, spath);  // validates values and cross-field rules
    stresses_.push_back(std::move(stress));
  }
}

void Scenario::parse_claim_chain(const json& j) {
  const std::string at = "claim_chain";
  require_object(j, at);
  check_keys(j, at, {"share", "arr_usd", "profit_usd", "ebit_fraction", "baseline_ebit_usd", "baseline_label",
                     "alternatives", "npv_statement"});
  ClaimChain c;
  auto positive = [&](const char* key) {
    const double v = number_value(require_key(j, at, key), at + "." + key);
    if (!(v > 0)) throw InputError(at + "." + key + ": must be > 0, got " + format_number(v));
    return v;
  };
  c.share = positive("share");
  c.arr_usd = positive("arr_usd");
  c.profit_usd = number_value(require_key(j, at, "profit_usd"), at + ".profit_usd");
  c.ebit_fraction = positive("ebit_fraction");
  c.baseline_ebit_usd = positive("baseline_ebit_usd");
  c.baseline_label = j.contains("baseline_label") ? string_value(j.at("baseline_label"), at + ".baseline_label")
                                                  : std::string("the baseline EBIT");
  c.npv_statement = j.contains("npv_statement") ? string_value(j.at("npv_statement"), at + ".npv_statement") : "";
  if (j.contains("alternatives")) {
    const json& alts = j.at("alternatives");
    if (!alts.is_array()) throw InputError(at + ".alternatives: expected an array, got " + detail::render(alts));
    for (std::size_t i = 0; i < alts.size(); ++i) {
      const std::string ap = at + ".alternatives[" + std::to_string(i) + "]";
      require_object(alts[i], ap);
      check_keys(alts[i], ap, {"label", "ebit_usd"});
      c.alternatives.push_back({string_value(require_key(alts[i], ap, "label"), ap + ".label"),
                                number_value(require_key(alts[i], ap, "ebit_usd"), ap + ".ebit_usd")});
    }
  }
  // The chain's year: the first year the implied market (arr / share) is reached with
  // every input at its median, else the year that comes closest.
  const ModelInputs m = base_inputs();
  ModelWorkspace ws;
  std::vector<double> out(static_cast<std::size_t>(metric_count()));
  evaluate(m, ws, out);
  const double implied = c.arr_usd / c.share;
  int best = 0;
  double best_gap = std::numeric_limits<double>::infinity();
  for (int t = 0; t < horizon_years_; ++t) {
    const double spend = out[static_cast<std::size_t>(metric_index(Series::market_spend_usd, t, horizon_years_))];
    if (spend >= implied) {
      best = t;
      break;
    }
    if (std::abs(spend - implied) < best_gap) best_gap = std::abs(spend - implied), best = t;
  }
  c.year = start_year_ + best;
  auto series_claim = [&](const char* id, Series s, double value, double tol) {
    Claim cl;
    cl.id = id;
    cl.metric = std::string(k_series_names[static_cast<std::size_t>(s)]);
    cl.year = c.year;
    cl.op = ClaimOp::approx;
    cl.value = value;
    cl.rel_tol = tol;
    cl.metric_index = metric_index(s, best, horizon_years_);
    return cl;
  };
  chain_claims_.push_back(series_claim("chain-arr", Series::revenue_usd, c.arr_usd, 0.15));
  chain_claims_.push_back(series_claim("chain-profit", Series::ebit_usd, c.profit_usd, 0.25));
  chain_claims_.push_back(series_claim("chain-ebit-fraction", Series::ebit_ratio, c.ebit_fraction, 0.15));
  Claim npv;
  npv.id = "chain-npv";
  npv.metric = "npv_usd";
  npv.op = ClaimOp::at_least;
  npv.value = 0;
  npv.metric_index = metric_index(Scalar::npv_usd, horizon_years_);
  chain_claims_.push_back(npv);
  chain_ = c;
}

std::vector<int> Scenario::years() const {
  std::vector<int> ys(static_cast<std::size_t>(horizon_years_));
  for (int t = 0; t < horizon_years_; ++t) ys[static_cast<std::size_t>(t)] = start_year_ + t;
  return ys;
}

std::size_t Scenario::input_index(const std::string& path, const std::string& where) const {
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].path == path) return i;
  }
  throw InputError(where + ": unknown input \"" + path + "\"; nearest valid names: " +
                   detail::join(detail::nearest(path, input_paths(), 3)));
}

std::vector<std::string> Scenario::input_paths() const {
  std::vector<std::string> out;
  for (const auto& in : inputs_) {
    // An absent share_start may still be set (it follows share_end until then).
    const bool share_start = (in.section == k_player && !segmented_ && in.leaf == static_cast<int>(k_share_start)) ||
                             (in.section == k_segment && in.leaf == static_cast<int>(k_segment_share_start));
    if (in.present || share_start) out.push_back(in.path);
  }
  return out;
}

std::vector<std::size_t> Scenario::uncertain_inputs() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].present && !inputs_[i].dist.is_fixed()) out.push_back(i);
  }
  return out;
}

const Stress& Scenario::stress(const std::string& name) const {
  for (const auto& s : stresses_) {
    if (s.name == name) return s;
  }
  std::vector<std::string> names;
  for (const auto& s : stresses_) names.push_back(s.name);
  throw InputError("stress \"" + name + "\" is not defined in scenario \"" + name_ + "\"" +
                   (names.empty() ? std::string(" (it has no stresses)") : "; it defines: " + detail::join(names)));
}

Scenario Scenario::with_overrides(const std::vector<std::pair<std::string, Distribution>>& overrides,
                                  const std::string& where) const {
  Scenario copy = *this;
  for (const auto& [path, dist] : overrides) {
    const std::string at = where + "." + path;
    const std::size_t idx = input_index(path, at);
    Input& in = copy.inputs_[idx];
    if (!in.present && in.section == k_player && in.leaf == static_cast<int>(k_terminal_growth)) {
      constexpr const char* methods[] = {"none", "gordon", "book_value", "exit_multiple"};  // TerminalMethod
      throw InputError(at + ": not used, because player.terminal.method is \"" +
                       methods[static_cast<int>(terminal_)] + "\"");
    }
    if (!in.present && in.section == k_player_finance && in.leaf == static_cast<int>(k_terminal_multiple)) {
      throw InputError(at + ": not used, because player.terminal.method is not \"exit_multiple\"");
    }
    if (!in.present && in.section == k_cluster_finance && in.leaf >= static_cast<int>(k_lease_rate)) {
      throw InputError(at + ": not used, because the cluster's ownership is \"own\" (give it " +
                       "\"ownership\": {\"lease\": {\"rate\": ..., \"term_years\": ...}})");
    }
    if (!in.present && in.section == k_cluster && in.leaf == static_cast<int>(k_tokens_per_sec)) {
      throw InputError(at + ": not used, because the cluster has a throughput block (override its inputs, e.g. " +
                       path.substr(0, path.rfind('.')) + ".throughput.serving.compute_efficiency)");
    }
    if (segmented_ && !in.present &&
        (in.section == k_market || (in.section == k_player && in.leaf < static_cast<int>(k_player_share_keys)))) {
      throw InputError(at + ": not used, because the market has segments (override a segment's, e.g. " +
                       inputs_[segments_.front().first + (in.section == k_market ? static_cast<std::size_t>(in.leaf)
                                                                                 : static_cast<std::size_t>(in.leaf) + 5)].path + ")");
    }
    if (!in.present && in.section == k_segment && implicit_segment_ && in.leaf < static_cast<int>(k_markup0)) {
      throw InputError(at + ": not used; the market's own keys are market.* and player.*");
    }
    if (!in.present && in.section == k_segment && in.leaf >= static_cast<int>(k_segment_v1_keys)) {
      throw InputError(at + ": not used, because the segment's price.mode is \"path\"");
    }
    if (!in.present && in.section == k_reference && in.leaf == static_cast<int>(k_reference_tokens_per_sec)) {
      throw InputError(at + ": not used, because the price reference has a throughput block");
    }
    in.dist = dist;
    in.present = true;
    copy.check_input(in, at);
  }
  copy.check_cross_fields(where + ": ");
  check_model_finite(copy, where + ": ");
  return copy;
}

Scenario Scenario::with_stress(const std::string& name) const {
  const Stress& s = stress(name);
  std::vector<std::pair<std::string, Distribution>> overrides;
  for (const auto& [idx, dist] : s.overrides) overrides.emplace_back(inputs_[idx].path, dist);
  Scenario out = with_overrides(overrides, "stresses." + name);
  out.name_ = name_ + "+" + name;
  return out;
}

void Scenario::assign(ModelInputs& m, std::size_t index, double value) const {
  slot(m, index).set(value);
}

Scenario::InputSlot Scenario::slot(ModelInputs& m, std::size_t index) const {
  const Input& in = inputs_[index];
  switch (in.section) {
    case k_market: return {&(m.market.*(k_market_fields[static_cast<std::size_t>(in.leaf)].member)), false};
    case k_player: return {&(m.player.*(k_player_fields[static_cast<std::size_t>(in.leaf)].member)), false};
    case k_throughput:
      return {&(m.clusters[static_cast<std::size_t>(in.cluster)].throughput.*
                (k_throughput_fields[static_cast<std::size_t>(in.leaf)].member)),
              false};
    case k_player_finance: return {&(m.player.*(k_player_finance_fields[static_cast<std::size_t>(in.leaf)].member)), false};
    case k_cluster_finance:  // build_years takes the nearest whole value of a draw
      return {&(m.clusters[static_cast<std::size_t>(in.cluster)].*
                (k_cluster_finance_fields[static_cast<std::size_t>(in.leaf)].member)),
              in.whole};
    case k_segment:  // model-v2 §B: in.cluster is the segment's index
      return {&(m.segments[static_cast<std::size_t>(in.cluster)].*(k_segment_fields[static_cast<std::size_t>(in.leaf)].member)),
              false};
    case k_reference:
      return {&(m.segments[static_cast<std::size_t>(in.cluster)].reference.*
                (k_reference_fields[static_cast<std::size_t>(in.leaf)].member)),
              false};
    case k_reference_throughput:
      return {&(m.segments[static_cast<std::size_t>(in.cluster)].reference.throughput.*
                (k_throughput_fields[static_cast<std::size_t>(in.leaf)].member)),
              false};
    default:
      // Whole-number inputs (online_year) take the nearest whole value of a draw.
      return {&(m.clusters[static_cast<std::size_t>(in.cluster)].*(k_cluster_fields[static_cast<std::size_t>(in.leaf)].member)),
              in.whole};
  }
}

void Scenario::finish(ModelInputs& m) const {
  if (!inputs_[player_first_ + k_share_start].present) m.player.share_start = m.player.share_end;
  if (implicit_segment_) {  // the segment `all` takes v1's market and share
    SegmentInputs& g = m.segments[0];
    const MarketInputs& mk = m.market;
    const PlayerInputs& pl = m.player;
    g.spend0_usd = mk.spend0_usd, g.spend_growth = mk.spend_growth, g.growth_decay = mk.growth_decay;
    g.price0_usd_per_mtok = mk.price0_usd_per_mtok, g.price_decline = mk.price_decline;
    g.share_start = pl.share_start, g.share_end = pl.share_end, g.share_ramp_years = pl.share_ramp_years;
    g.price_ratio = pl.price_ratio;
    return;
  }
  for (std::size_t j = 0; j < segments_.size(); ++j) {
    if (!inputs_[segments_[j].first + k_segment_share_start].present) m.segments[j].share_start = m.segments[j].share_end;
  }
}

ModelInputs Scenario::base_inputs() const {
  ModelInputs m;
  m.start_year = start_year_;
  m.horizon_years = horizon_years_;
  m.player.terminal = terminal_;
  m.player.tax_losses = tax_losses_;
  m.clusters.resize(cluster_names_.size());
  for (std::size_t c = 0; c < leased_.size(); ++c) m.clusters[c].leased = leased_[c];
  for (const auto& b : throughput_) m.clusters[b.cluster].has_throughput = true;
  m.segments.resize(segments_.size());
  for (std::size_t j = 0; j < segments_.size(); ++j) {
    m.segments[j].cost_plus = segments_[j].cost_plus;
    m.segments[j].reference.has_throughput = segments_[j].has_throughput;
  }
  for (std::size_t i = 0; i < inputs_.size(); ++i) assign(m, i, inputs_[i].dist.median());
  finish(m);
  return m;
}

json Scenario::to_json() const {
  json j;
  j["name"] = name_;
  j["description"] = description_;
  j["start_year"] = start_year_;
  j["horizon_years"] = horizon_years_;
  j["simulation"] = {{"paths", simulation_.paths},
                     {"seed", simulation_.seed},
                     {"sampler", to_string(simulation_.sampler)},
                     {"antithetic", simulation_.antithetic}};
  j["market"] = json::object();
  j["player"] = json::object();
  j["player"]["name"] = player_name_;
  j["clusters"] = json::array();
  for (const auto& name : cluster_names_) j["clusters"].push_back(json{{"name", name}});
  if (implicit_segment_ && segments_.front().cost_plus) j["market"]["price"]["mode"] = "cost_plus";
  if (segmented_) {
    j["market"]["segments"] = json::array();
    for (const auto& b : segments_) {
      j["market"]["segments"].push_back(json{{"name", b.name}, {"price", {{"mode", b.cost_plus ? "cost_plus" : "path"}}}});
    }
  }
  for (const Input& in : inputs_) {
    if (!in.present) continue;
    const std::string key = field_key(in.section, in.leaf);
    if (in.section == k_market) {
      j["market"][key] = in.dist.to_json();
    } else if (in.section == k_player) {
      if (in.leaf == static_cast<int>(k_terminal_growth)) continue;
      j["player"][key] = in.dist.to_json();
    } else if (in.section == k_player_finance) {
      if (in.leaf != static_cast<int>(k_terminal_multiple)) j["player"][key] = in.dist.to_json();
    } else if (in.section == k_cluster_finance) {
      if (in.leaf < static_cast<int>(k_lease_rate)) j["clusters"][static_cast<std::size_t>(in.cluster)][key] = in.dist.to_json();
    } else if (in.section >= k_segment) {  // model-v2 §B
      // The segment `all` is written in market (its sensitivity in player).
      json& sj = !implicit_segment_ ? j["market"]["segments"][static_cast<std::size_t>(in.cluster)]
                 : in.section == k_segment && in.leaf == static_cast<int>(k_share_sensitivity) ? j["player"]
                                                                                               : j["market"];
      json& at = in.section == k_segment ? sj : in.section == k_reference ? sj["price"]["reference"]
                                                                          : sj["price"]["reference"]["throughput"];
      if (const auto dot = key.find('.'); dot != std::string::npos) {
        at[key.substr(0, dot)][key.substr(dot + 1)] = in.dist.to_json();
      } else {
        at[key] = in.dist.to_json();
      }
    } else if (in.section == k_throughput) {
      const auto dot = key.find('.');
      j["clusters"][static_cast<std::size_t>(in.cluster)]["throughput"][key.substr(0, dot)][key.substr(dot + 1)] =
          in.dist.to_json();
    } else {
      j["clusters"][static_cast<std::size_t>(in.cluster)][key] = in.dist.to_json();
    }
  }
  j["player"]["terminal"] = terminal_ == TerminalMethod::gordon
                                ? json{{"method", "gordon"}, {"growth", inputs_[player_first_ + k_terminal_growth].dist.to_json()}}
                                : json{{"method", "none"}};
  // model-v2 §C, written only where a scenario uses it.
  for (const Input& in : inputs_) {
    if (in.section == k_player_finance && in.leaf == static_cast<int>(k_terminal_multiple) && in.present) {
      j["player"]["terminal"] = json{{"method", "exit_multiple"}, {"multiple", in.dist.to_json()}};
    }
    if (in.section == k_cluster_finance && in.leaf == static_cast<int>(k_lease_rate) && in.present) {
      j["clusters"][static_cast<std::size_t>(in.cluster)]["ownership"]["lease"] = {
          {"rate", in.dist.to_json()}, {"term_years", inputs_[&in - inputs_.data() + 1].dist.to_json()}};
    }
  }
  if (terminal_ == TerminalMethod::book_value) j["player"]["terminal"] = json{{"method", "book_value"}};
  if (tax_losses_ != TaxLosses::none) {
    j["player"]["tax_losses"] = tax_losses_ == TaxLosses::group_relief ? "group_relief" : "carry_forward";
  }
  j["correlations"] = json::array();
  for (const auto& c : correlations_) {
    j["correlations"].push_back({{"a", inputs_[c.a].path}, {"b", inputs_[c.b].path}, {"rho", c.rho}});
  }
  j["claims"] = json::array();
  for (const auto& c : claims_) {
    json cj{{"id", c.id}, {"metric", c.metric}, {"op", to_string(c.op)}, {"value", c.value}};
    if (c.year) cj["year"] = *c.year;
    if (c.op == ClaimOp::approx) cj["rel_tol"] = c.rel_tol;
    j["claims"].push_back(cj);
  }
  if (chain_) {
    json c{{"share", chain_->share}, {"arr_usd", chain_->arr_usd}, {"profit_usd", chain_->profit_usd},
           {"ebit_fraction", chain_->ebit_fraction}, {"baseline_ebit_usd", chain_->baseline_ebit_usd},
           {"baseline_label", chain_->baseline_label}, {"npv_statement", chain_->npv_statement}};
    c["alternatives"] = json::array();
    for (const auto& a : chain_->alternatives) c["alternatives"].push_back({{"label", a.label}, {"ebit_usd", a.ebit_usd}});
    j["claim_chain"] = c;
  }
  j["stresses"] = json::object();
  for (const auto& s : stresses_) {
    json o = json::object();
    for (const auto& [idx, dist] : s.overrides) o[inputs_[idx].path] = dist.to_json();
    j["stresses"][s.name] = o;
  }
  return j;
}

}  // namespace infersim
