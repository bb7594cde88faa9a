#pragma once
/// Statistics of a run in memory that does not grow with the number of paths: moments
/// merged in a fixed order, and quantiles from equal-mass bins calibrated on a pilot.
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace infersim {

/// The percentiles every metric reports (p1 ... p99).
inline constexpr std::array<int, 9> k_percentiles{1, 5, 10, 25, 50, 75, 90, 95, 99};

/// Count, mean, variance, extremes and sign of the defined (non-NaN) values seen.
/// Mergeable (Chan, Golub & LeVeque); merging in a fixed order gives fixed bits.
struct Moments {
  std::uint64_t count = 0;
  double mean = 0;
  double m2 = 0;  ///< sum of squared deviations from the mean
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::uint64_t positive = 0;
  std::uint64_t negative = 0;

  void add(double x) {
    if (x != x) return;  // NaN: undefined for this path
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
    if (x > 0) ++positive;
    if (x < 0) ++negative;
  }
  void merge(const Moments& o);
  /// The moments of n values at once (two passes: exact mean, then squared deviations).
  static Moments of(const double* x, std::size_t n);
  /// Sample variance (n - 1); NaN with fewer than two values.
  double variance() const;
};

/// Quantile of sorted values with linear interpolation between order statistics
/// (Hyndman & Fan type 7, NumPy's default). NaN when empty.
double quantile_sorted(std::span<const double> sorted, double p);

/// Quantiles of many metrics from fixed bins. Each metric's range is cut into equal-mass
/// bins at the quantiles of a pilot sample (8 pilot values a bin, at most k_max_bins),
/// plus one bin below and one above the pilot's range. A bin counts its values, and
/// separately those exactly equal to its left edge, so point masses (a utilization cap,
/// zero unserved demand, a payback year) come back exactly; other values are placed by
/// linear interpolation between the bin's edges. The estimate therefore lies in the bin
/// that holds its rank, and the rank error is at most the share of values interpolated in
/// one bin: about 2/bins when the pilot is representative (0.05% with 4096 bins).
/// Counts merge by addition, so the result does not depend on the order of the paths.
class BinnedQuantiles {
public:
  static constexpr int k_max_bins = 4096;

  struct Bin {
    std::uint32_t count = 0;    ///< values in the bin
    std::uint32_t at_edge = 0;  ///< of which exactly equal to its left edge
  };
  /// The bins of all metrics (one set per thread, merged at the end). 32-bit counts: a
  /// run is limited to k_max_paths paths.
  struct Counts {
    std::vector<Bin> bins;
    void merge(const Counts& o);
  };
  static constexpr std::uint64_t k_max_paths = 4'000'000'000;

  BinnedQuantiles() = default;
  /// `sorted_pilot[m]`: the defined pilot values of metric m, ascending (may be empty).
  explicit BinnedQuantiles(const std::vector<std::vector<double>>& sorted_pilot);

  Counts make_counts() const;
  /// 0 below the pilot's range, 1 + j for [e_j, e_{j+1}), used + 1 above the range.
  int bin_of(int metric, double x) const;
  void add(Counts& c, int metric, double x) const {
    if (x != x) return;
    const int b = bin_of(metric, x);
    Bin& bin = c.bins[static_cast<std::size_t>(metric) * stride_ + static_cast<std::size_t>(b)];
    ++bin.count;
    bin.at_edge += b > 0 && x == edge(metric, b - 1);
  }
  /// add() for n values of one metric, in passes that keep many independent memory
  /// loads in flight (the guide and edge lookups dominate otherwise). `scratch` is
  /// resized as needed; results equal n calls of add().
  void add_many(Counts& c, int metric, const double* x, std::size_t n, std::vector<std::uint32_t>& scratch) const;
  /// Type-7 quantile estimate of metric m, whose smallest and largest values are given.
  double quantile(const Counts& c, int metric, double p, double min, double max) const;
  /// Largest share of a metric's values placed by interpolation in one bin: the bound on
  /// the rank error of its quantiles.
  double rank_error_bound(const Counts& c, int metric) const;

private:
  double edge(int metric, int j) const { return edges_[static_cast<std::size_t>(metric) * stride_ + static_cast<std::size_t>(j)]; }

  int metrics_ = 0;
  int stride_ = 0;              // per-metric stride of edges_ and bins: max bins + 2
  std::vector<int> used_;       // bins between pilot edges, per metric (fewer for sparse metrics)
  std::vector<double> edges_;   // per metric: used + 1 pilot quantiles
  // Guide table: the range [e_0, e_used] cut into k_guide_cells equal cells; guide_[g] is
  // the bin holding the cell's left end, so a lookup searches only the bins of one cell
  // (usually one or two).
  static constexpr int k_guide_cells = 4 * k_max_bins;
  std::vector<double> guide_scale_;     // per metric: cells per unit of x (0 when e_0 == e_used)
  std::vector<std::uint16_t> guide_;    // per metric: k_guide_cells + 1 entries
};

}  // namespace infersim
