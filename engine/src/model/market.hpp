#pragma once
/// The market of model-v2 §B (docs/model.md "Segments and cost-plus prices"): segments, each
/// with its own spend, price path or cost-plus price, elasticity and price-sensitive share,
/// served from one pool of capacity in order of revenue per unit of compute. Plain arithmetic
/// on ModelInputs, called from evaluate() when a scenario has segments.
#include <cstddef>
#include <span>

#include "infersim/model.hpp"

namespace infersim {

/// Segments a scenario may have: each year's serving order is sorted on the stack.
inline constexpr std::size_t k_max_segments = 64;

/// model-v2 §B: CRF(r, L) = r / (1 − (1 + r)^−L), and 1/L at r = 0 (L may be fractional).
double capital_recovery_factor(double rate, double life_years);

/// model-v2 §B: the reference hardware's τ, from its roofline or as given.
double reference_tokens_per_sec(const PriceReference& ref);

/// model-v2 §B: LCOT_t of hardware installed in year index t = 0 … lcot.size() − 1, USD per
/// million tokens, for an accelerator serving τ tokens/s (reference_tokens_per_sec).
void levelized_cost_of_token(const PriceReference& ref, double tau, std::span<double> lcot);

/// model-v2 §B, demand side: each segment's price, LCOT (NaN for a price path), share and
/// the tokens it asks of the player (written to its unserved_tokens series, which
/// serve_segments() then settles); and the totals market_spend_usd, demand_tokens and
/// price_usd_per_mtok = spend / demand. `first` is the index of the first segment output.
void segment_demand(const ModelInputs& in, std::span<double> out, int first);

/// model-v2 §B, supply side: with capacity_tokens filled, serve the segments in decreasing
/// order of revenue per reference token (ties: listed order) up to u_max C_t; writes each
/// segment's served, unserved and revenue, and the totals served_tokens, unserved_tokens,
/// utilization and revenue_usd.
void serve_segments(const ModelInputs& in, std::span<double> out, int first);

}  // namespace infersim
