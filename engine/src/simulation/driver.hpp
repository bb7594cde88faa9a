#pragma once
// The driver's parts that a whole run and a partial run share (simulation.cpp, partial.cpp):
// a run planned once, its blocks run through the accumulator, its result assembled.
// Engine-internal.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infersim/simulation.hpp"
#include "sampling/path_generator.hpp"
#include "sampling/sampler.hpp"
#include "simulation/accumulator.hpp"

namespace infersim {

/// Per-path values kept for keep_samples: metrics [first, first + width) of the base, for
/// the paths from `first_path` on (0 in a whole run; a partial run keeps its own slice).
struct Kept {
  int first, width;
  std::uint64_t first_path;
  std::vector<double>* store;
};

/// Everything a block needs, fixed for the run. Variant 0 is the base; the others
/// (stresses, comparisons) see the same uniforms on the same path: common random numbers.
struct Plan {
  RunSettings settings;
  Sampler sampler;
  std::vector<PathGenerator> variants;
  int model_metrics = 0;  // one variant's outputs: Scenario::metric_count()
  int metrics = 0;        // all values of a path: every variant's, then each difference from the base
  std::vector<Kept> kept;
  bool quantiles = true;  // false: moments, claims and thresholds only (a precision probe)
};

/// Where a claim comes from among the variants.
struct PlannedClaim {
  std::size_t variant;
  bool chain;  // from the variant's claim chain
};

/// A run planned: the plan and the accumulators, allocated once so that the pointers
/// between them stay valid.
struct RunState {
  Plan plan;
  std::vector<PlannedClaim> where;
  std::optional<Accumulator> acc;
  std::optional<QuantileAccumulator> quantiles;
  std::map<std::string, std::vector<double>> samples;  // kept values, by metric
  std::uint64_t blocks = 0;        // blocks of the run
  std::uint64_t pilot_blocks = 0;  // the first blocks, whose paths calibrate the quantile bins
};

/// Plan a run of `scenario` and its variants (which must outlive the state). Throws
/// InputError for bad options.
std::unique_ptr<RunState> plan_run(const Scenario& scenario, const std::vector<std::pair<std::string, Scenario>>& others,
                                   const RunOptions& options);
/// Keep samples of the paths of blocks [first, last) (a whole run: every block).
void keep_blocks(RunState& run, std::uint64_t first, std::uint64_t last);

/// Run blocks [first, last) and hand each block's statistics to `merge`, in block order.
/// Pilot blocks keep their values; when the range ends the pilot (and starts at 0), the
/// bins are calibrated on it; later blocks are counted into the bins (calibrated by then).
/// The one block loop of every run, whole or partial.
void run_range(RunState& run, const RunOptions& options, std::uint64_t first, std::uint64_t last,
               const std::function<void(const BlockStatistics&)>& merge);

/// The results of a run whose blocks are all merged and counted (the kept samples move).
ComparisonResult finish_run(RunState& run, const std::vector<std::pair<std::string, Scenario>>& others,
                            double elapsed_s);

}  // namespace infersim
