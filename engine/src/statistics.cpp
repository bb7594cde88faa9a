// Streaming statistics: mergeable moments and pilot-calibrated quantile bins.
#include "infersim/statistics.hpp"

#include <algorithm>
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
  guide_.assign(static_cast<std::size_t>(metrics_) * (k_guide_cells + 1), 0);
  for (int m = 0; m < metrics_; ++m) {
    const auto mz = static_cast<std::size_t>(m);
    const auto& v = sorted_pilot[mz];
    // A metric defined on few paths (IRR) gets fewer bins: still ~8 pilot values each.
    const int used = static_cast<int>(std::clamp<std::size_t>(v.size() / 8, 1, static_cast<std::size_t>(max_used)));
    used_[mz] = used;
    double* e = &edges_[mz * stride_];
    for (int j = 0; j <= used; ++j) e[j] = v.empty() ? 0.0 : quantile_sorted(v, static_cast<double>(j) / used);
    const double width = e[used] - e[0];
    if (!(width > 0) || !std::isfinite(width)) continue;  // constant metric: plain search
    guide_scale_[mz] = k_guide_cells / width;
    std::uint16_t* g = &guide_[mz * (k_guide_cells + 1)];
    int j = 0;
    for (int c = 0; c <= k_guide_cells; ++c) {
      const double left = e[0] + c * (width / k_guide_cells);
      while (j + 1 < used && e[j + 1] <= left) ++j;
      g[c] = static_cast<std::uint16_t>(j);
    }
  }
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
  const double scale = guide_scale_[mz];
  if (scale == 0) return static_cast<int>(std::upper_bound(e + 1, e + used, x) - e);
  const std::uint16_t* g = &guide_[mz * (k_guide_cells + 1)];
  const auto cell = static_cast<int>(std::min<double>(k_guide_cells - 1, (x - e[0]) * scale));
  int j = g[cell];
  const int hi = std::min<int>(g[cell + 1], used - 1);
  if (hi - j > 4) return static_cast<int>(std::upper_bound(e + j + 1, e + hi + 1, x) - e);
  while (j < hi && e[j + 1] <= x) ++j;  // usually no step or one
  return j + 1;
}

void BinnedQuantiles::add_many(Counts& c, int metric, const double* x, std::size_t n,
                               std::vector<std::uint32_t>& scratch) const {
  const auto mz = static_cast<std::size_t>(metric);
  const double scale = guide_scale_[mz];
  if (scale == 0) {
    for (std::size_t i = 0; i < n; ++i) add(c, metric, x[i]);
    return;
  }
  const double* e = &edges_[mz * stride_];
  const int used = used_[mz];
  const std::uint16_t* g = &guide_[mz * (k_guide_cells + 1)];
  Bin* bins = &c.bins[mz * stride_];
  scratch.resize(n);
  // Pass 1: each value's guide cell (arithmetic only). Out-of-range and NaN values get a
  // marker and are handled by add() in pass 2.
  constexpr std::uint32_t k_slow = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    const bool inside = v >= e[1] && v < e[used - 1];  // false for NaN
    const double pos = (v - e[0]) * scale;
    scratch[i] = inside ? static_cast<std::uint32_t>(std::min<double>(k_guide_cells - 1, pos)) : k_slow;
  }
  // Pass 2: resolve the bin from the cell's guide entries, then count.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t cell = scratch[i];
    if (cell == k_slow) {
      add(c, metric, x[i]);
      continue;
    }
    const double v = x[i];
    int j = g[cell];
    const int hi = std::min<int>(g[cell + 1], used - 1);
    if (hi - j > 4) {
      j = static_cast<int>(std::upper_bound(e + j + 1, e + hi + 1, v) - e) - 1;
    } else {
      while (j < hi && e[j + 1] <= v) ++j;
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
