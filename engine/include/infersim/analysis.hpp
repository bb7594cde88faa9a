#pragma once
/// Questions asked of many runs: goal seeking ("the share at which the median NPV is
/// zero") and sweeps over one or two inputs. Every run uses the same seed, so paths share
/// their random numbers (common random numbers) and differences between runs are the
/// inputs' effect, not noise.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infersim/metric.hpp"
#include "infersim/result.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

namespace infersim {

/// One evaluation of a solve or sweep: input values and the statistics there.
struct Evaluation {
  std::vector<double> inputs;
  std::vector<double> values;
};

struct SolveResult {
  std::string input;
  StatisticRef statistic;
  double target = 0;
  double root = 0;      ///< the input value found
  double achieved = 0;  ///< the statistic at the root
  double lo = 0, hi = 0;  ///< the final bracket
  std::vector<Evaluation> trace;  ///< every run, in order
};

/// Find the value of `input` in [lo, hi] at which `statistic` equals `target`, with
/// Boost.Math's TOMS 748 bracketing root finder. Throws InputError when the target is not
/// bracketed, naming the range and the statistic's values at its ends.
SolveResult solve(const Scenario& scenario, const std::string& input, double lo, double hi,
                  const StatisticRef& statistic, double target, const RunOptions& options,
                  double x_tolerance = 0, int max_runs = 40);

struct SweepResult {
  std::vector<std::string> inputs;         ///< one or two dotted paths
  std::vector<StatisticRef> statistics;
  std::vector<Evaluation> points;          ///< grid in row-major order (first input slowest)
};

/// A full run at every point of the grid (one input, or the product of two).
SweepResult sweep(const Scenario& scenario, const std::vector<std::pair<std::string, std::vector<double>>>& grid,
                  const std::vector<StatisticRef>& statistics, const RunOptions& options);

nlohmann::ordered_json to_json(const SolveResult& r);
/// `{"base": result, "variants": [{"name", "result", "difference": {"scalars", "series"}}]}`.
nlohmann::ordered_json to_json(const ComparisonResult& r);

/// The scenario's stresses (all, or those named) run beside it with common random numbers.
ComparisonResult run_stresses(const Scenario& scenario, const std::vector<std::string>& names, const RunOptions& options);
nlohmann::ordered_json to_json(const SweepResult& r);

}  // namespace infersim
