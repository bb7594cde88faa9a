#pragma once
/// Quantiles of many metrics in memory that does not grow with the number of paths:
/// equal-mass bins calibrated on a pilot sample (model.md §10).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace infersim {

/// Quantiles of many metrics from fixed bins. Each metric's range is cut at quantiles of
/// a pilot sample: equal-mass fine bins (4 to 8 pilot values each, at most k_max_bins)
/// around every reported percentile, wide enough that the true percentile lies inside
/// unless the pilot is off by 8 standard deviations, and one merged bin between those
/// stretches; plus one bin below and one above the pilot's range. A bin counts its values,
/// and separately those exactly equal to its left edge, so point masses (a utilization
/// cap, zero unserved demand, a payback year) come back exactly; other values are placed
/// by linear interpolation between the bin's edges. The estimate therefore lies in the
/// bin that holds its rank, and its rank error is at most the share of values
/// interpolated in that bin: rank_error_bound() reports the largest over the reported
/// percentiles (about 0.05% with 4096 fine bins). Counts merge by addition, so the result
/// does not depend on the order of the paths.
class BinnedQuantiles {
public:
  static constexpr int k_max_bins = 4096;
  /// A guide sub-cell's entry (see below): the lowest j of its values in the low
  /// k_entry_bits, and above them its reach: at most one step over an edge, two, or more.
  static constexpr int k_entry_bits = 13;
  static constexpr unsigned k_reach_one = 0, k_reach_two = 1, k_reach_more = 2;
  static_assert(k_max_bins + 2 < (1 << k_entry_bits));

  /// The bins of all metrics (one set per thread, merged at the end): values in each bin,
  /// and of those, values exactly equal to its left edge (kept apart: rarely touched).
  /// 32-bit counts: a run is limited to k_max_paths paths.
  struct Counts {
    std::vector<std::uint32_t> count;
    std::vector<std::uint32_t> at_edge;
    void merge(const Counts& o);
  };
  static constexpr std::uint64_t k_max_paths = 4'000'000'000;

  /// The levels every run reports, k_percentiles / 100, then `extra` (asked for by a run).
  static std::vector<double> reported_levels(std::span<const double> extra = {});
  /// What the bins are made from, a few hundred values a metric where the pilot has tens of
  /// thousands: a run split across machines ships this, not the pilot (engine/partial).
  struct Layout {
    std::vector<double> levels;              ///< reported quantile levels in [0, 1]: fine bins there
    std::vector<std::vector<double>> edges;  ///< per metric: the kept pilot quantiles, ascending
    std::vector<std::vector<int>> atoms;     ///< per metric: first edge of the heaviest runs of equal edges
  };
  static constexpr std::size_t k_max_atoms = 4;
  /// `sorted_pilot[m]`: the defined pilot values of metric m, ascending (may be empty).
  /// Bins are fine around each of `levels`, whose rank errors are bounded.
  static Layout layout(std::span<const std::span<const double>> sorted_pilot,
                       std::vector<double> levels = reported_levels());

  BinnedQuantiles() = default;
  /// The bins of a layout (the guide tables rebuilt: the same tables from the same layout).
  explicit BinnedQuantiles(const Layout& layout);
  explicit BinnedQuantiles(std::span<const std::span<const double>> sorted_pilot,
                           std::vector<double> levels = reported_levels())
      : BinnedQuantiles(layout(sorted_pilot, std::move(levels))) {}
  explicit BinnedQuantiles(const std::vector<std::vector<double>>& sorted_pilot)
      : BinnedQuantiles(spans(sorted_pilot)) {}

  Counts make_counts() const;
  /// 0 below the pilot's range, 1 + j for [e_j, e_{j+1}), used + 1 above the range: the
  /// definition, by binary search over the edges.
  int bin_of(int metric, double x) const;
  void add(Counts& c, int metric, double x) const {
    if (x != x) return;
    tally(c, metric, x, bin_of(metric, x));
  }
  /// add() for every value of an ascending range (a merge with the edges).
  void add_sorted(Counts& c, int metric, std::span<const double> sorted) const;
  /// add() for n values of one metric, with the same counts, through the guide tables and
  /// in passes without data-dependent branches, so that the loads of many values overlap.
  /// `scratch` is resized as needed.
  void add_many(Counts& c, int metric, const double* x, std::size_t n, std::vector<std::uint32_t>& scratch) const;
  /// Type-7 quantile estimate of metric m, whose smallest and largest values are given.
  double quantile(const Counts& c, int metric, double p, double min, double max) const;
  /// The bound on the rank error of the reported levels: for each,
  /// the share of the metric's values interpolated in the bin that holds its rank (none
  /// when the rank falls on copies of the bin's left edge); the largest of these.
  double rank_error_bound(const Counts& c, int metric) const;

private:
  static std::vector<std::span<const double>> spans(const std::vector<std::vector<double>>& v) {
    return {v.begin(), v.end()};
  }
  double edge(int metric, int j) const { return edges_[static_cast<std::size_t>(metric) * stride_ + static_cast<std::size_t>(j)]; }
  /// Counts x in bin b of the metric.
  void tally(Counts& c, int metric, double x, int b) const {
    const std::size_t i = static_cast<std::size_t>(metric) * stride_ + static_cast<std::size_t>(b);
    ++c.count[i];
    c.at_edge[i] += b > 0 && x == edge(metric, b - 1);
  }
  /// bin_of() for a value of the slow pass: a repeated edge (point mass) from the short
  /// list of atoms, else the binary search.
  int bin_of_slow(int metric, double x) const;
  /// The guide tables of one metric: its cells (sub-cell offsets relative to `sub`), and
  /// its sub-cells appended to `sub`.
  void build_guide(int metric, std::vector<std::uint16_t>& sub);

  int metrics_ = 0;
  std::vector<double> levels_;  // reported quantile levels: fine bins and rank-error bounds
  int stride_ = 0;              // per-metric stride of edges_ and bins: max bins + 2
  std::vector<int> used_;       // bins between pilot edges, per metric (fewer for sparse metrics)
  std::vector<double> edges_;   // per metric: used + 1 pilot quantiles

  // Guide tables (a speed-up only: every answer equals bin_of's). The range [e_0, e_used]
  // is cut into k_cells equal cells, and each cell into 2^k equal sub-cells, k chosen so
  // that a sub-cell meets about half an edge: dense and skewed stretches get fine
  // sub-cells, sparse ones a single sub-cell. A sub-cell stores the lowest bin a value in
  // it can be in (from its left end, lowered by a margin far above rounding), so a value
  // reaches its bin by stepping up over edges, usually zero or one step.
  static constexpr int k_cells = 1024;
  static constexpr int k_max_sub_shift = 9;  // at most 512 sub-cells a cell
  std::vector<double> guide_scale_;     // per metric: cells per unit of x; 0: no guide
  std::vector<std::uint32_t> cell_;     // per metric, per cell: first sub-cell << 5 | log2(sub-cells)
  std::vector<std::uint16_t> sub_;      // all sub-cells: the lowest j (bin 1 + j) of their values, and
                                        // (<< k_entry_bits) how far above it they may reach
  struct Atom {
    double value;
    int bin;
  };
  std::vector<std::array<Atom, k_max_atoms>> atoms_;  // per metric: repeated edges and their bins
  std::vector<int> atom_count_;
};

}  // namespace infersim
