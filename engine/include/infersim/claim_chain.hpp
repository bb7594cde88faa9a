#pragma once
/// A published chain of claims ("8% of the market -> $13B ARR -> $5B profit -> 11% of
/// 2024 EBIT -> only the most optimistic case beats the cost of capital"), step by step:
/// what was claimed, what the model computes, how likely the claim is, and a verdict.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infersim/result.hpp"

namespace infersim {

struct ChainStep {
  std::string title;        ///< e.g. "8% share -> $13.0B ARR"
  std::string metric;       ///< the metric compared (with the year for series)
  double claimed = 0;       ///< the claimed value
  double median = 0, p5 = 0, p95 = 0;  ///< the model's distribution of that metric
  double probability = 0;   ///< that the claim holds (within its tolerance)
  std::vector<std::string> arithmetic;  ///< the checks done on the claim's own numbers
  std::string verdict;      ///< one line
};

/// The steps of a result's claim chain (empty when the scenario has none).
std::vector<ChainStep> chain_steps(const RunResult& r);

/// The `claim_chain` object of the result JSON.
nlohmann::ordered_json chain_to_json(const RunResult& r);

}  // namespace infersim
