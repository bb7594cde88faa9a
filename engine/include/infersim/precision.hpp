#pragma once
/// Runs to a target precision (docs/distributed.md#run-to-a-target-precision): paths added
/// in fixed steps until the standard error of each chosen mean is within its target, the
/// decision taken only at checkpoints fixed by the settings (every `step` paths), so the
/// paths used, and the result, are the same on any number of threads or machines.
#include <cstdint>
#include <string>
#include <vector>

#include "infersim/metric.hpp"
#include "infersim/result.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

namespace infersim {

/// Paths a checkpoint adds when none is given: 16 blocks.
inline constexpr std::uint64_t k_default_precision_step = 16 * k_block_paths;

/// The standard error wanted of one mean: `npv_usd:mean=1e8` (absolute, in the metric's
/// unit) or `npv_usd:mean=1%` (relative: se <= 1% of |mean|).
struct SeTarget {
  StatisticRef statistic;  ///< a mean (the only statistic whose se the engine reports)
  double value = 0;        ///< > 0: the se, or the fraction of |mean| when relative
  bool relative = false;

  /// Parse `METRIC[@YEAR]:mean=VALUE` or `...=PERCENT%`; `where` names the option in errors.
  static SeTarget parse(const std::string& text, const Scenario& scenario, const std::string& where);
  /// The se wanted given the mean (NaN when the mean is not finite and the target is relative).
  double limit(double mean) const;
};

struct PrecisionOptions {
  std::vector<SeTarget> targets;  ///< at least one
  /// Paths a checkpoint adds: a multiple of k_block_paths, so that a checkpoint ends a block.
  std::uint64_t step = k_default_precision_step;
};

/// Run `scenario` on step, 2 step, 3 step, ... paths until every target's se is met, or the
/// cap (options.paths, else the scenario's paths) is reached: the result is that of
/// run(scenario, options) with the paths used, bit for bit, plus RunResult::precision.
/// The se at a checkpoint of n paths is the `se` a run of n paths reports (for `random`
/// paths, measured in one pass over the paths; for `lhs` and `sobol`, whose designs depend
/// on n, by a run of n paths). Throws InputError for bad targets or options.
RunResult run_to_precision(const Scenario& scenario, const RunOptions& options, const PrecisionOptions& precision);

/// The checks of run_to_precision(): targets present, step a positive multiple of
/// k_block_paths. Throws InputError naming `target_se` or `step_option`.
void check_precision(const PrecisionOptions& precision, const std::string& step_option = "target_step");

/// Compare a result of n paths against the targets: its report (step, cap and the se of
/// each target), met when every target is. Used at every checkpoint of a distributed run.
PrecisionReport assess_precision(const RunResult& result, const PrecisionOptions& precision, std::uint64_t max_paths);

}  // namespace infersim
