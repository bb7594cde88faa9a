#pragma once
/// What a run produces: statistics of every metric and claim, as structs and as the
/// result JSON of docs/scenario-format.md.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infersim/metric.hpp"
#include "infersim/scenario.hpp"

namespace infersim {

/// Statistics of one scalar, or of one series in one year.
struct MetricStats {
  double mean = 0, sd = 0, se = 0, min = 0, max = 0;
  std::array<double, k_percentiles.size()> percentiles{};  ///< p1 ... p99
  double prob_positive = 0;     ///< share of defined values > 0
  double prob_negative = 0;     ///< share of defined values < 0 (reported for differences)
  double defined_fraction = 0;  ///< share of paths where the metric is defined
  /// Quantiles a run asked for beyond p1 ... p99 (RunOptions::quantiles): ("p2.5", value).
  std::vector<std::pair<std::string, double>> extra;
  double percentile(int p) const;
  /// A statistic by name: one of statistic_names(), or "prob_negative".
  /// Throws std::out_of_range for any other name.
  double get(const std::string& name) const;
};

/// The statistics of a metric, in the order of the result JSON: mean, sd, se, min, max,
/// p1 ... p99, prob_positive, defined_fraction.
const std::vector<std::string>& statistic_names();

/// A claim with its verdict over the paths.
struct ClaimResult {
  Claim claim;
  double probability = 0;       ///< share of all paths where it holds
  double median = 0;            ///< the metric's p50
  double value_percentile = 0;  ///< 100 x share of defined values <= the claimed value
};

/// P(metric > value) over the defined paths (RunOptions::thresholds): one a year for a series.
struct ThresholdResult {
  std::string metric;
  double value = 0;
  std::vector<double> probability;
};

/// How a run to a target precision ended (infersim/precision.hpp): per target, the se
/// reached at the paths used, and whether every target was met before the cap.
struct PrecisionReport {
  struct Target {
    std::string statistic;  ///< `npv_usd:mean`
    double value = 0;       ///< the target as given: an se, or a fraction of |mean| when relative
    bool relative = false;
    double limit = 0;       ///< the se wanted, in the metric's unit (value x |mean| when relative)
    double se = 0;          ///< the se reached
    bool met = false;
  };
  std::vector<Target> targets;
  bool met = false;             ///< every target met
  std::uint64_t step = 0;       ///< paths added between checkpoints
  std::uint64_t max_paths = 0;  ///< the cap
};

struct RunResult {
  std::string scenario;
  std::string engine_version;
  std::uint64_t paths = 0, seed = 0;
  SamplerKind sampler = SamplerKind::random;
  bool antithetic = false;
  std::size_t replicates = 1;      ///< independent randomizations behind `se`
  std::vector<int> years;
  std::vector<MetricStats> metrics;  ///< Scenario::metric_count(), in metric_index order
  /// Clusters with a throughput block (model-v2 §A), whose ClusterScalar statistics follow
  /// the scalars in `metrics`; empty for a v1 scenario.
  std::vector<std::string> throughput_clusters;
  /// The market's segments (model-v2 §B), whose SegmentSeries statistics follow the
  /// clusters' scalars in `metrics`; empty without segments.
  std::vector<std::string> segments;
  std::vector<ClaimResult> claims;
  std::vector<ThresholdResult> thresholds;
  std::optional<ClaimChain> claim_chain;  ///< the scenario's chain, if any
  std::vector<ClaimResult> chain_claims;  ///< its derived claims (see Scenario::chain_claims)
  std::vector<CatalogUse> catalog;        ///< values taken from data/, with their sources
  std::string quantile_method;     ///< "exact" or "binned"
  double quantile_rank_error = 0;  ///< bound on |rank of estimate / n - p| over all metrics
  /// Outputs with non-finite values on some paths (non_finite.hpp), in metric_index order:
  /// (name, paths). Empty when every output is finite or undefined by design.
  std::vector<std::pair<std::string, std::uint64_t>> non_finite;
  double elapsed_s = 0;
  /// Per-path values of the metrics asked for with keep_samples: name -> paths x (T or 1).
  std::map<std::string, std::vector<double>> samples;
  /// Set by a run to a target precision (run_to_precision) only.
  std::optional<PrecisionReport> precision;

  int horizon_years() const { return static_cast<int>(years.size()); }
  const MetricStats& scalar(Scalar s) const { return metrics[static_cast<std::size_t>(metric_index(s, horizon_years()))]; }
  /// A ClusterScalar of the j-th cluster with a throughput block.
  const MetricStats& cluster(ClusterScalar s, std::size_t j) const {
    return metrics[static_cast<std::size_t>(metric_index(s, static_cast<int>(j), horizon_years()))];
  }
  /// A SegmentSeries of the j-th segment in year index t.
  const MetricStats& segment(SegmentSeries s, std::size_t j, int t) const {
    return metrics[static_cast<std::size_t>(metric_index(s, static_cast<int>(j), t, horizon_years(),
                                                         static_cast<int>(throughput_clusters.size())))];
  }
  const MetricStats& series(Series s, int t) const {
    return metrics[static_cast<std::size_t>(metric_index(s, t, horizon_years()))];
  }
};

/// `{"scalars": {...}, "series": {...}}` for metrics in metric_index order (the statistic
/// keys of the result JSON; `prob_negative` too when asked, as for differences).
nlohmann::ordered_json metrics_to_json(const std::vector<MetricStats>& metrics, int horizon_years,
                                       bool with_negative = false);

/// The result JSON's "metrics" block: each metric's unit, label, short label, kind and
/// shape (scalar, series, cluster, segment) from metric_table(); the per-cluster and
/// per-segment ones when asked.
nlohmann::ordered_json metric_table_json(bool with_clusters, bool with_segments = false);

/// The result JSON. Numbers that are undefined (no defined path) are written as null.
nlohmann::ordered_json to_json(const RunResult& r);

}  // namespace infersim
