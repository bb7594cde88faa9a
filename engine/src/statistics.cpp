// Streaming statistics: mergeable moments and pilot-calibrated quantile bins.
#include "infersim/statistics.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <cmath>

namespace infersim {

void Moments::merge(const Moments& o) {
  if (o.count == 0) return;
  if (count == 0) {
    *this = o;
    return;
  }
  const double n_a = static_cast<double>(count), n_b = static_cast<double>(o.count);
  const double n = n_a + n_b;
  const double delta = o.mean - mean;
  mean += delta * n_b / n;
  m2 += o.m2 + delta * delta * n_a * n_b / n;
  count += o.count;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
  positive += o.positive;
  negative += o.negative;
}

Moments Moments::of(const double* x, std::size_t n) {
  Moments m;
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::uint64_t positive = 0, negative = 0, count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) continue;
    ++count;
    sum += x[i];
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    positive += x[i] > 0;
    negative += x[i] < 0;
  }
  if (count == 0) return m;
  m.count = count;
  m.mean = sum / static_cast<double>(count);
  double m2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) continue;
    const double d = x[i] - m.mean;
    m2 += d * d;
  }
  m.m2 = m2;
  m.min = lo;
  m.max = hi;
  m.positive = positive;
  m.negative = negative;
  return m;
}

double Moments::variance() const {
  if (count < 2) return std::nan("");
  return std::max(0.0, m2 / static_cast<double>(count - 1));
}

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return std::nan("");
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

void BinnedQuantiles::Counts::merge(const Counts& o) {
  for (std::size_t i = 0; i < bins.size(); ++i) {
    bins[i].count += o.bins[i].count;
    bins[i].at_edge += o.bins[i].at_edge;
  }
}

BinnedQuantiles::BinnedQuantiles(const std::vector<std::vector<double>>& sorted_pilot)
    : metrics_(static_cast<int>(sorted_pilot.size())) {
  // Eight pilot values a bin: the bins' true masses then scatter by ~35% around 1/bins.
  std::size_t pilot = 0;
  for (const auto& v : sorted_pilot) pilot = std::max(pilot, v.size());
  const int max_used = static_cast<int>(std::clamp<std::size_t>(pilot / 8, 1, k_max_bins));
  stride_ = max_used + 2;
  edges_.assign(static_cast<std::size_t>(metrics_) * stride_, 0.0);
  used_.assign(static_cast<std::size_t>(metrics_), 1);
  guide_scale_.assign(static_cast<std::size_t>(metrics_), 0.0);
  cell_.assign(static_cast<std::size_t>(metrics_) * k_cells, 0);
  atoms_.assign(static_cast<std::size_t>(metrics_), {});
  atom_count_.assign(static_cast<std::size_t>(metrics_), 0);
  for (int m = 0; m < metrics_; ++m) {
    const auto mz = static_cast<std::size_t>(m);
    const auto& v = sorted_pilot[mz];
    // A metric defined on few paths (IRR) gets fewer bins: still ~8 pilot values each.
    const int used = static_cast<int>(std::clamp<std::size_t>(v.size() / 8, 1, static_cast<std::size_t>(max_used)));
    used_[mz] = used;
    double* e = &edges_[mz * stride_];
    for (int j = 0; j <= used; ++j) e[j] = v.empty() ? 0.0 : quantile_sorted(v, static_cast<double>(j) / used);
    // Point masses show as runs of equal edges; keep the longest runs' values and bins.
    std::vector<std::pair<int, int>> runs;  // (length, first index)
    for (int j = 0; j < used;) {
      int k = j;
      while (k + 1 <= used && e[k + 1] == e[j]) ++k;
      if (k > j) runs.emplace_back(k - j, j);
      j = k + 1;
    }
    std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    auto& atoms = atoms_[mz];
    for (const auto& [length, first] : runs) {
      if (atom_count_[mz] == k_max_atoms) break;
      atoms[static_cast<std::size_t>(atom_count_[mz]++)] = {e[first], bin_of(m, e[first])};
    }
    build_guide(m);
  }
}

void BinnedQuantiles::build_guide(int metric) {
  const auto mz = static_cast<std::size_t>(metric);
  const double* e = &edges_[mz * stride_];
  const int used = used_[mz];
  const double width = e[used] - e[0];
  // No guide for a constant metric, or one whose range is so narrow beside its magnitude
  // that the margin below could not cover rounding: those take the binary search.
  const double magnitude = std::max(std::abs(e[0]), std::abs(e[used]));
  if (used < 3 || !(width > 0) || !std::isfinite(width) || width < 1e-5 * magnitude) return;
  const double scale = k_cells / width;
  guide_scale_[mz] = scale;
  // The lowest j with e_j <= x (j = 0 below e_0), for increasing x: a merge walk.
  int walk = 0;
  auto lowest_bin = [&](double x) {
    while (walk + 1 < used && e[walk + 1] <= x) ++walk;
    return walk;
  };
  // Left ends are lowered by a millionth of a cell: a value's computed cell position is
  // off by less than 1e-12 cells, and the left end's own rounding by less than 1e-7
  // cells (width >= 1e-5 of the magnitude), so a sub-cell's entry never exceeds the bin
  // of a value placed in it.
  constexpr double k_margin = 1e-6;
  std::vector<int> at_left(k_cells + 1);
  for (int c = 0; c <= k_cells; ++c) at_left[static_cast<std::size_t>(c)] = lowest_bin(e[0] + (c - k_margin) / scale);
  walk = 0;
  std::uint32_t* cells = &cell_[mz * k_cells];
  for (int c = 0; c < k_cells; ++c) {
    const int span = at_left[static_cast<std::size_t>(c) + 1] - at_left[static_cast<std::size_t>(c)];
    const int shift = span == 0 ? 0 : std::min(k_max_sub_shift, static_cast<int>(std::bit_width(2u * static_cast<unsigned>(span) - 1u)));
    cells[c] = static_cast<std::uint32_t>(sub_.size()) << 5 | static_cast<std::uint32_t>(shift);
    const int n_sub = 1 << shift;
    for (int s = 0; s < n_sub; ++s) {
      const double left = c + static_cast<double>(s) / n_sub - k_margin;
      sub_.push_back(static_cast<std::uint16_t>(lowest_bin(e[0] + left / scale)));
    }
  }
  if (sub_.size() >= (std::size_t{1} << 27)) throw std::length_error("BinnedQuantiles: guide tables too large");
}

BinnedQuantiles::Counts BinnedQuantiles::make_counts() const {
  return Counts{std::vector<Bin>(static_cast<std::size_t>(metrics_) * stride_)};
}

int BinnedQuantiles::bin_of(int metric, double x) const {
  const auto mz = static_cast<std::size_t>(metric);
  const double* e = &edges_[mz * stride_];
  const int used = used_[mz];
  if (x < e[0]) return 0;
  if (x > e[used]) return used + 1;
  // Bin 1 + j holds [e_j, e_{j+1}) (the last one also e_used). Values equal to a repeated
  // edge (a point mass) land in the last bin that starts there.
  return static_cast<int>(std::upper_bound(e + 1, e + used, x) - e);
}

int BinnedQuantiles::bin_of_slow(int metric, double x) const {
  const auto mz = static_cast<std::size_t>(metric);
  const auto& atoms = atoms_[mz];
  for (int k = 0; k < atom_count_[mz]; ++k) {
    if (x == atoms[static_cast<std::size_t>(k)].value) return atoms[static_cast<std::size_t>(k)].bin;
  }
  return bin_of(metric, x);
}

void BinnedQuantiles::add_many(Counts& c, int metric, const double* x, std::size_t n,
                               std::vector<std::uint32_t>& scratch) const {
  const auto mz = static_cast<std::size_t>(metric);
  const double scale = guide_scale_[mz];
  if (scale == 0) {
    for (std::size_t i = 0; i < n; ++i) {
      if (x[i] == x[i]) count(c, metric, x[i], bin_of_slow(metric, x[i]));
    }
    return;
  }
  const double* e = &edges_[mz * stride_];
  const int used = used_[mz];
  const std::uint32_t* cells = &cell_[mz * k_cells];
  const std::uint16_t* sub = sub_.data();
  Bin* bins = &c.bins[mz * stride_];
  scratch.resize(n);
  std::uint32_t* slot = scratch.data();
  // Values outside [e_0, e_{used-1}), NaN, and those more than two edges above their
  // sub-cell's entry go to the slow path. Passes 1 and 2 have no data-dependent branches;
  // a slow value runs them on the metric's first sub-cell, with a flag.
  constexpr std::uint32_t k_flag = 0x80000000u, k_slow = 0xFFFFFFFFu;
  const double lo = e[0], top = e[used - 1];
  // Pass 1: each value's sub-cell.
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    const bool inside = v >= lo && v < top;  // false for NaN
    const double pos = inside ? (v - lo) * scale : 0.0;
    const int cell = std::min(k_cells - 1, static_cast<int>(pos));
    const std::uint32_t entry = cells[cell];
    const std::uint32_t n_sub = 1u << (entry & 31u);
    const auto s = std::min(n_sub - 1, static_cast<std::uint32_t>((pos - cell) * n_sub));
    slot[i] = ((entry >> 5) + s) | (inside ? 0u : k_flag);
  }
  // Pass 2: from the sub-cell's entry, up to two steps over edges.
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    const std::uint32_t t = slot[i];
    int j = sub[t & ~k_flag];
    j += static_cast<int>(e[j + 1] <= v);
    j += static_cast<int>(e[j + 1] <= v);
    const auto slow = (t >> 31) | static_cast<std::uint32_t>(e[j + 1] <= v);
    slot[i] = static_cast<std::uint32_t>(j) | (0u - slow);
  }
  // Pass 3: count.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t j = slot[i];
    const double v = x[i];
    if (j == k_slow) {
      if (v == v) count(c, metric, v, bin_of_slow(metric, v));
      continue;
    }
    Bin& bin = bins[j + 1];
    ++bin.count;
    bin.at_edge += v == e[j];
  }
}

double BinnedQuantiles::quantile(const Counts& c, int metric, double p, double min, double max) const {
  const auto mz = static_cast<std::size_t>(metric);
  const Bin* bins = &c.bins[mz * stride_];
  const int used = used_[mz];
  const double* e = &edges_[mz * stride_];
  std::uint64_t n = 0;
  for (int b = 0; b <= used + 1; ++b) n += bins[b].count;
  if (n == 0) return std::nan("");
  if (p <= 0) return min;  // the extremes are tracked exactly
  if (p >= 1) return max;
  // Value range of bin b: below the pilot [min, e_0), [e_j, e_{j+1}), above (e_used, max].
  auto left = [&](int b) { return b == 0 ? min : e[b - 1]; };
  auto right = [&](int b) { return b == used + 1 ? max : b == 0 ? e[0] : e[b]; };
  // Rank (0-based, fractional) of the type-7 quantile; find the bin holding it.
  const double rank = p * static_cast<double>(n - 1);
  std::uint64_t before = 0;
  for (int b = 0; b <= used + 1; ++b) {
    const Bin& bin = bins[b];
    if (bin.count == 0) continue;
    const double first = static_cast<double>(before), last = static_cast<double>(before + bin.count - 1);
    if (rank <= last) {
      // Copies of the left edge come first, exactly; the others spread evenly over the bin.
      const double atoms = static_cast<double>(bin.at_edge);
      if (rank < first + atoms) return left(b);
      const double spread = static_cast<double>(bin.count) - atoms;
      const double frac = (rank - first - atoms + 0.5) / spread;
      return std::clamp(left(b) + frac * (right(b) - left(b)), min, max);
    }
    before += bin.count;
  }
  return max;
}

double BinnedQuantiles::rank_error_bound(const Counts& c, int metric) const {
  const auto mz = static_cast<std::size_t>(metric);
  const Bin* bins = &c.bins[mz * stride_];
  std::uint64_t n = 0, worst = 0;
  for (int b = 0; b <= used_[mz] + 1; ++b) {
    n += bins[b].count;
    worst = std::max<std::uint64_t>(worst, bins[b].count - bins[b].at_edge);
  }
  return n == 0 ? 0.0 : static_cast<double>(worst) / static_cast<double>(n);
}

}  // namespace infersim
