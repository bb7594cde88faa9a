#pragma once
/// The Monte Carlo driver: paths in fixed-size blocks over oneTBB, statistics merged in
/// block order, so the same seed gives the same bits on any number of threads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infersim/metric.hpp"
#include "infersim/result.hpp"
#include "infersim/scenario.hpp"

namespace infersim {

/// Paths per block: the unit of parallel work and of merging. Fixed, whatever the
/// thread count, because the merge order of floating-point moments depends on it.
inline constexpr std::uint64_t k_block_paths = 4096;

/// Paths a run may have: quantile bins count in 32 bits.
inline constexpr std::int64_t k_max_paths = 4'000'000'000;

/// Settings of one run as asked for; unset fields take the scenario's `simulation` values.
/// Checked by resolve_settings(), which every entry point calls.
struct RunOptions {
  std::optional<std::int64_t> paths;
  std::optional<std::uint64_t> seed;
  std::optional<SamplerKind> sampler;
  std::optional<bool> antithetic;
  int threads = 0;  ///< 0: all cores
  /// Metrics whose per-path values are kept in RunResult::samples (memory grows with paths).
  std::vector<std::string> keep_samples;
  /// Quantile levels in (0, 1) reported beside p1 ... p99 (e.g. 0.025 and 0.975: `p2.5`,
  /// `p97.5`), from the same bins, fine around them, with their rank error in the bound.
  std::vector<double> quantiles;
  /// P(metric > k) for each k, exact counts: a metric by name (a series: every year).
  std::vector<std::pair<std::string, std::vector<double>>> thresholds;
  /// Called from the calling thread as blocks complete: (paths done, paths total).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// When set to true (e.g. by a signal handler), the run stops and throws Cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

/// The settings of one run: options merged with the scenario's `simulation` block, checked.
struct RunSettings {
  std::uint64_t paths = 0;
  std::uint64_t seed = 0;
  SamplerKind sampler = SamplerKind::random;
  bool antithetic = false;
  int threads = 0;
  int horizon_years = 0;                ///< the scenario's (metric references depend on it)
  std::vector<MetricRef> keep_samples;  ///< whole metrics (a series: every year)
  std::vector<double> quantiles;        ///< levels beyond p1 ... p99, ascending, distinct
  struct Threshold {
    MetricRef metric;  ///< a whole metric
    double value;
  };
  std::vector<Threshold> thresholds;
};

/// Merge `options` with the scenario's `simulation` block and check the result, the one
/// place where run settings are validated: paths in [1, k_max_paths] (even with antithetic
/// pairs; Sobol points per replicate and dimension within the sampler's limits), threads
/// >= 0, kept and thresholded metrics known, quantile levels in (0, 1), thresholds finite. Throws InputError naming the setting (`paths: ...`).
RunSettings resolve_settings(const Scenario& scenario, const RunOptions& options);
/// The same checks of a scenario's own `simulation` block, with `simulation.` in messages.
void check_simulation(const Scenario& scenario);

/// Run a scenario. Throws InputError for bad options, Cancelled when stopped.
RunResult run(const Scenario& scenario, const RunOptions& options = {});

/// A variant run alongside a base with common random numbers.
struct VariantResult {
  std::string name;
  RunResult result;
  /// Statistics of the path-by-path difference (variant minus base), per metric in
  /// metric_index order: far less noisy than the difference of two independent runs.
  std::vector<MetricStats> difference;
};

struct ComparisonResult {
  RunResult base;
  std::vector<VariantResult> variants;
};

/// Run a base scenario and variants of it (stresses, what-ifs, another scenario with the
/// same inputs) on the same paths: path i of every variant uses the same uniforms.
/// keep_samples applies to the base. Throws InputError if a variant's inputs differ.
ComparisonResult run_compared(const Scenario& base, const std::vector<std::pair<std::string, Scenario>>& variants,
                              const RunOptions& options = {});

}  // namespace infersim
