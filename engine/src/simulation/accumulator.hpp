#pragma once
// The accumulator: what a run keeps of its paths, in memory that does not grow with
// them (model.md §10). Per block: moments, antithetic pair means, replicate sums and claim
// counts, merged into the run's totals in block order; per metric: the pilot paths kept
// whole, then bin counts calibrated on them; at the end, the statistics. Engine-internal.
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "infersim/result.hpp"
#include "sampling/sampler.hpp"
#include "simd/kernels.hpp"
#include "statistics/binned_quantiles.hpp"
#include "statistics/moments.hpp"

namespace infersim {

/// A claim tested on every path, and where its metric sits among a path's values.
struct ClaimTally {
  Claim claim;
  std::size_t index;
};

/// What the accumulator needs to know of a run.
struct AccumulatorShape {
  std::size_t metrics = 0;  ///< values of one path
  std::uint64_t paths = 0;
  bool pair_units = false;  ///< antithetic plain Monte Carlo: se from pair means
  const Sampler* sampler = nullptr;  ///< which replicate a path is in (lhs, sobol)
  std::vector<ClaimTally> claims;
  std::vector<std::pair<std::size_t, double>> exceedances;  ///< (value index, k): count values > k
};

/// The statistics of one block of paths.
struct BlockStatistics {
  std::vector<Moments> moments;       // per metric
  std::vector<Moments> unit_moments;  // per metric, over antithetic pair means
  std::size_t rep_first = 0, rep_count_touched = 0;
  std::vector<double> rep_sum;        // replicates touched x metrics
  std::vector<std::uint64_t> rep_n;
  std::vector<std::uint64_t> claim_holds, claim_le, claim_defined;
  std::vector<std::uint64_t> exceed;  // per exceedance of the shape
  std::vector<std::uint64_t> infinite;  // per metric: infinite values; empty when there were none
};

/// Claim counts over all paths.
struct ClaimCounts {
  std::uint64_t holds = 0, at_most_value = 0, defined = 0;
};

class Accumulator {
public:
  explicit Accumulator(AccumulatorShape shape);
  const AccumulatorShape& shape() const { return shape_; }

  /// Clear a block's claim counts before its paths.
  void begin_block(BlockStatistics& b) const;
  /// Turns a path's infinite values into NaN, so that no statistic takes them, and counts
  /// them (non_finite.hpp). A pass of comparisons when there are none.
  void screen_path(BlockStatistics& b, double* values) const {
    std::size_t infinite = 0;
    for (std::size_t m = 0; m < shape_.metrics; ++m) infinite += std::fabs(values[m]) == k_infinity;
    if (infinite != 0) count_infinite(b, values);
  }
  /// One path's values (every metric), for the claims.
  void add_path(BlockStatistics& b, const double* values) const;
  /// Close a block of n paths from `first`: its moments (accumulated tile by tile), and
  /// from its columns (metric m's values at columns + m * stride) pair means and
  /// replicate sums.
  void end_block(BlockStatistics& b, std::uint64_t first, std::size_t n, const kernels::TileMoments& tiles,
                 const double* columns, std::size_t stride) const;
  /// Merge a block's statistics into the run's: called in block order.
  void merge(const BlockStatistics& b);

  const Moments& moments(std::size_t m) const { return moments_[m]; }
  /// Infinite values of metric m over the blocks merged (left out of its statistics).
  std::uint64_t infinite(std::size_t m) const { return infinite_.empty() ? 0 : infinite_[m]; }
  const ClaimCounts& claim(std::size_t c) const { return claims_[c]; }
  /// Share of the defined values above k, for exceedance e of the shape (NaN: none defined).
  double exceedance(std::size_t e) const;
  /// Mean, sd, se, extremes and signs of metric m (the percentiles are the quantiles').
  MetricStats statistics(std::size_t m) const;

private:
  static constexpr double k_infinity = std::numeric_limits<double>::infinity();
  void count_infinite(BlockStatistics& b, double* values) const;
  double standard_error(std::size_t m, double sd) const;

  AccumulatorShape shape_;
  std::size_t replicates_ = 1;
  std::vector<Moments> moments_, unit_moments_;
  std::vector<double> rep_sum_;
  std::vector<std::uint64_t> rep_n_;
  std::vector<ClaimCounts> claims_;
  std::vector<std::uint64_t> exceed_;
  std::vector<std::uint64_t> infinite_;  // per metric, once a block had any
};

/// Quantiles of every metric in bounded memory: the first pilot_paths() paths are kept
/// whole; when they are all the paths the quantiles are exact, else they calibrate the
/// bins that count the remaining paths (model.md §10).
class QuantileAccumulator {
public:
  /// `extra_levels`: quantile levels reported beyond p1 ... p99.
  QuantileAccumulator(std::size_t metrics, std::uint64_t paths, std::vector<double> extra_levels = {});

  std::uint64_t pilot_paths() const { return pilot_paths_; }
  bool exact() const { return exact_; }
  /// Keep metric m's values of pilot paths [first, first + n).
  void store_pilot(std::size_t m, std::uint64_t first, const double* v, std::size_t n) {
    std::copy_n(v, n, pilot_.get() + m * pilot_paths_ + first);
  }
  /// Sort each metric's pilot values; unless exact, build the bins from them, count the
  /// pilot into them and release the pilot. `each(n, f)` runs f(0..n-1), in parallel.
  template <class Each>
  void calibrate(Each&& each) {
    each(metrics_, [&](std::size_t m) { sort_pilot(m); });
    if (exact_) return;
    build_bins();
    each(metrics_, [&](std::size_t m) { bins_.add_sorted(counts_, static_cast<int>(m), pilot_values(m)); });
    pilot_.reset();
  }

  /// The bins of a pilot run elsewhere (a partial run, engine/partial): the pilot's values
  /// are not needed, and the counts start at zero. Not for an exact run.
  void calibrate_from(BinnedQuantiles::Layout layout) {
    layout_ = std::move(layout);
    bins_ = BinnedQuantiles(layout_);
    counts_ = bins_.make_counts();
    pilot_.reset();
  }
  /// What the bins were made of (after calibrate()), and the counts so far.
  const BinnedQuantiles::Layout& layout() const { return layout_; }
  /// The quantile levels this run reports (and bins finely around).
  std::vector<double> reported_levels() const { return BinnedQuantiles::reported_levels(extra_levels_); }
  const BinnedQuantiles::Counts& counts() const { return counts_; }
  /// An exact run's sorted pilot values of metric m (after calibrate()), and their import.
  std::span<const double> sorted_pilot(std::size_t m) const { return pilot_values(m); }
  void load_sorted_pilot(std::size_t m, std::span<const double> sorted) {
    std::copy(sorted.begin(), sorted.end(), pilot_.get() + m * pilot_paths_);
    defined_[m] = sorted.size();
  }

  /// Per-thread bin counts for the paths after the pilot, merged with merge_counts().
  BinnedQuantiles::Counts make_counts() const { return bins_.make_counts(); }
  void add(BinnedQuantiles::Counts& c, std::size_t m, const double* v, std::size_t n,
           std::vector<std::uint32_t>& scratch) const {
    bins_.add_many(c, static_cast<int>(m), v, n, scratch);
  }
  void merge_counts(const BinnedQuantiles::Counts& c) {
    if (!c.count.empty()) counts_.merge(c);  // empty: a thread that ran only pilot blocks
  }

  /// Metric m's percentile p (in [0, 1]), given its moments (for the extremes).
  double quantile(std::size_t m, double p, const Moments& mo) const;
  /// The bound on the rank error of the reported percentiles, over every metric (0: exact).
  double rank_error() const;

private:
  void sort_pilot(std::size_t m);
  void build_bins();
  std::span<const double> pilot_values(std::size_t m) const {
    return {pilot_.get() + m * pilot_paths_, defined_[m]};
  }

  std::size_t metrics_;
  std::vector<double> extra_levels_;
  std::uint64_t pilot_paths_;
  bool exact_;
  std::unique_ptr<double[]> pilot_;   // metric m's pilot values at [m * pilot_paths_]
  std::vector<std::size_t> defined_;  // pilot values that are not NaN, sorted first
  BinnedQuantiles::Layout layout_;
  BinnedQuantiles bins_;
  BinnedQuantiles::Counts counts_;
};

}  // namespace infersim
