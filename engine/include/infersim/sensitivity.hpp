#pragma once
/// Which uncertain inputs move a metric, and how much: tornado diagrams (one input at a
/// time, or conditional means of a Monte Carlo sample), Spearman rank correlations with
/// their contribution to variance, and Sobol indices (Saltelli design, Jansen estimators,
/// bootstrap intervals). docs/analysis.md, "Sensitivity", explains what each number means.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infersim/analysis.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

namespace infersim {

/// A Monte Carlo sample kept path by path: every uncertain input and the metric, drawn
/// exactly as run() draws them (same sampler, copula and paths for the same options).
struct PathSample {
  std::string scenario;
  MetricRef metric;
  std::vector<std::size_t> inputs;  ///< the scenario's uncertain inputs, by input index
  std::uint64_t paths = 0;
  std::uint64_t seed = 0;
  SamplerKind sampler = SamplerKind::random;
  bool antithetic = false;
  std::vector<double> x;  ///< input k on path p at `x[k * paths + p]`, as the model used it
  std::vector<double> y;  ///< the metric on each path (NaN where undefined)
};

/// Draw `options.paths` paths (at least 2; default: the scenario's) in parallel over fixed
/// blocks; the values do not depend on the number of threads. Throws InputError for a
/// scenario with no uncertain inputs or bad options, Cancelled when `options.cancel` is set.
PathSample sample_paths(const Scenario& scenario, const MetricRef& metric, const RunOptions& options);

/// What the sample-based results say about the sample they come from.
struct SampleInfo {
  std::uint64_t paths = 0;
  std::uint64_t defined_paths = 0;  ///< paths on which the metric is defined (all but irr, payback_year)
  std::uint64_t seed = 0;
  SamplerKind sampler = SamplerKind::random;
  bool antithetic = false;
};

enum class TornadoMethod { deterministic, montecarlo };
const char* to_string(TornadoMethod m);

/// One bar of a tornado: the metric when one input is low and when it is high.
struct TornadoBar {
  std::string input;
  /// Deterministic: the input's p10 and p90. Monte Carlo: the 10th and 90th percentiles of
  /// its sampled values, the edges of its bottom and top deciles.
  double low_input = 0, high_input = 0;
  /// Deterministic: the metric with this input at p10 (p90) and all others at their
  /// medians. Monte Carlo: the metric's mean over the paths in the bottom (top) decile.
  double low = 0, high = 0;
  double swing = 0;                              ///< |high - low|
  std::uint64_t low_paths = 0, high_paths = 0;  ///< Monte Carlo: paths in each decile
};

struct TornadoResult {
  std::string scenario;
  std::string metric;
  TornadoMethod method = TornadoMethod::deterministic;
  /// Deterministic: the metric with every input at its median. Monte Carlo: its mean.
  double base = 0;
  std::vector<TornadoBar> bars;       ///< largest swing first (undefined swings last)
  std::optional<SampleInfo> sample;   ///< Monte Carlo only
  std::vector<std::string> warnings;  ///< how correlations affect the reading
};

/// One input at a time: each uncertain input at its p10 and p90 with every other input at
/// its median; 2 d + 1 evaluations of the model, no sampling.
TornadoResult tornado(const Scenario& scenario, const MetricRef& metric);
/// From a Monte Carlo sample: the metric's mean when an input is in its bottom decile
/// (value <= the sample's 10th percentile) and in its top decile (>= the 90th).
TornadoResult tornado(const Scenario& scenario, const PathSample& sample);

/// One input's Spearman rank correlation with the metric.
struct RankCorrelation {
  std::string input;
  double rho = 0;           ///< Spearman: Pearson correlation of the ranks (ties: mean rank)
  double contribution = 0;  ///< rho^2 / sum of rho^2: "contribution to variance"
};

struct SpearmanResult {
  std::string scenario;
  std::string metric;
  std::vector<RankCorrelation> inputs;  ///< largest |rho| first (undefined last)
  SampleInfo sample;
  std::vector<std::string> warnings;
};

/// Rank correlation of every uncertain input with the metric over the paths where the
/// metric is defined, and each input's share of the sum of squared rank correlations (the
/// "contribution to variance" of @RISK and Crystal Ball: a normalization, not a variance
/// decomposition).
SpearmanResult spearman(const Scenario& scenario, const PathSample& sample);

/// Settings of a Sobol analysis.
struct SobolOptions {
  std::uint64_t base_rows = 8192;  ///< N, the rows of A and B; N (d + 2) evaluations
  std::uint64_t seed = 0;          ///< key of the uniforms of A and B and of the bootstrap
  std::size_t bootstrap = 200;     ///< resamples of the N rows for the intervals (0: none)
  double confidence = 0.95;        ///< of the percentile intervals
  int threads = 0;                 ///< 0: all cores
  const std::atomic<bool>* cancel = nullptr;
};

/// First-order and total Sobol indices of one input, with percentile bootstrap intervals
/// (NaN when there are none).
struct SobolIndex {
  std::string input;
  double first = 0, first_lo = 0, first_hi = 0;
  double total = 0, total_lo = 0, total_hi = 0;
};

struct SobolResult {
  std::string scenario;  ///< empty for a plain function
  std::string metric;
  std::uint64_t base_rows = 0, evaluations = 0, seed = 0;
  std::size_t bootstrap = 0;
  double confidence = 0.95;
  double mean = 0, variance = 0;  ///< of f over the rows of A and B
  /// A function's inputs in order (`x1`, `x2`, ...); a scenario's largest total first.
  std::vector<SobolIndex> indices;
  std::vector<std::string> warnings;
};

/// Sobol indices of `f` over `dimension` independent uniforms on (0, 1): Saltelli's design
/// (matrices A, B and AB_i, A with column i taken from B), Jansen's total-effect estimator
/// and Saltelli (2010)'s first-order one. `f(u)` reads u[0 .. dimension - 1] and is called
/// concurrently from several threads. Deterministic for a seed, whatever the thread count.
SobolResult sobol_indices(std::size_t dimension, const std::function<double(const double*)>& f,
                          const SobolOptions& options);
/// The same for a scenario's metric, each uncertain input drawn from its own distribution
/// (inverse CDF of the uniform) and the others at their medians. Correlations are ignored:
/// the result then carries a warning, since the indices describe independent inputs.
SobolResult sobol_indices(const Scenario& scenario, const MetricRef& metric, const SobolOptions& options);
/// The same analysis in parts (infersim.distributed.sobol: design blocks as tasks): rows
/// [first, last) of the design, each row f(A), f(B), then f(AB_i) for every input (a row is
/// a pure function of (seed, row)); and the result from every row in row order, the same
/// bits as sobol_indices().
std::vector<double> sobol_design_rows(const Scenario& scenario, const MetricRef& metric, const SobolOptions& options,
                                      std::uint64_t first, std::uint64_t last);
SobolResult sobol_from_rows(const Scenario& scenario, const MetricRef& metric, const SobolOptions& options,
                            std::span<const double> rows);

nlohmann::ordered_json to_json(const TornadoResult& r);
nlohmann::ordered_json to_json(const SpearmanResult& r);
nlohmann::ordered_json to_json(const SobolResult& r);

}  // namespace infersim
