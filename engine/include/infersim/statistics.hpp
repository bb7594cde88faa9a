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

  void add(double x) {
    if (x != x) return;  // NaN: undefined for this path
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
    if (x > 0) ++positive;
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

/// Quantiles of many metrics from fixed bins: each metric's range is cut into equal-mass
/// bins at the quantiles of a pilot sample (8 pilot values a bin, at most k_max_bins).
/// Bins record count, smallest and largest value, so a quantile lies between two values
/// of the bin that holds its rank: the rank error is at most the largest mass of a bin
/// (about 2/bins when the pilot is representative: 0.05% with 4096 bins), and values
/// repeated exactly (point masses) come back exactly. Counts merge by addition, so the
/// result does not depend on the order in which paths arrive.
class BinnedQuantiles {
public:
  static constexpr int k_max_bins = 4096;

  /// One bin: how many values, the smallest and largest, and how many equal each of
  /// those two (so that point masses, such as a utilization cap or a payback year, stay
  /// exact). One cache line, so that an update touches one line.
  struct Bin {
    std::uint64_t count = 0, n_lo = 0, n_hi = 0;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
  };
  /// The bins of all metrics (one set per thread, merged at the end).
  struct Counts {
    std::vector<Bin> bins;
    void merge(const Counts& o);
  };

  BinnedQuantiles() = default;
  /// `sorted_pilot[m]`: the defined pilot values of metric m, ascending (may be empty).
  explicit BinnedQuantiles(const std::vector<std::vector<double>>& sorted_pilot);

  Counts make_counts() const;
  int bins() const { return bins_; }
  int bin_of(int metric, double x) const;
  void add(Counts& c, int metric, double x) const {
    if (x != x) return;
    Bin& b = c.bins[static_cast<std::size_t>(metric) * bins_ + static_cast<std::size_t>(bin_of(metric, x))];
    ++b.count;
    if (x < b.lo) {
      b.lo = x;
      b.n_lo = 1;
    } else if (x == b.lo) {
      ++b.n_lo;
    }
    if (x > b.hi) {
      b.hi = x;
      b.n_hi = 1;
    } else if (x == b.hi) {
      ++b.n_hi;
    }
  }
  /// Type-7 quantile estimate of metric m over `n` defined values.
  double quantile(const Counts& c, int metric, double p) const;
  /// Largest share of a metric's values that lie strictly between the extremes of their
  /// bin: the bound on the rank error of its quantiles.
  double rank_error_bound(const Counts& c, int metric) const;

private:
  int metrics_ = 0;
  int bins_ = 0;                // stride of the per-metric arrays
  std::vector<int> used_;       // bins in use per metric (fewer for sparse metrics)
  std::vector<double> edges_;   // per metric: used + 1 pilot quantiles, stride bins_ + 1
  // Guide table: the range [e_0, e_used] cut into k_guide_cells equal cells; guide_[g] is
  // the bin holding the cell's left end, so a lookup searches only the bins of one cell
  // (usually one or two).
  static constexpr int k_guide_cells = 4 * k_max_bins;
  std::vector<double> guide_scale_;     // per metric: cells per unit of x (0 when e_0 == e_used)
  std::vector<std::uint16_t> guide_;    // per metric: k_guide_cells + 1 entries
};

}  // namespace infersim
