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
}

Moments Moments::of(const double* x, std::size_t n) {
  Moments m;
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::uint64_t positive = 0, count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) continue;
    ++count;
    sum += x[i];
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    positive += x[i] > 0;
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
    Bin& b = bins[i];
    const Bin& x = o.bins[i];
    b.count += x.count;
    if (x.lo == b.lo) {
      b.n_lo += x.n_lo;
    } else if (x.lo < b.lo) {
      b.lo = x.lo;
      b.n_lo = x.n_lo;
    }
    if (x.hi == b.hi) {
      b.n_hi += x.n_hi;
    } else if (x.hi > b.hi) {
      b.hi = x.hi;
      b.n_hi = x.n_hi;
    }
  }
}

BinnedQuantiles::BinnedQuantiles(const std::vector<std::vector<double>>& sorted_pilot)
    : metrics_(static_cast<int>(sorted_pilot.size())) {
  // Eight pilot values a bin: the bins' true masses then scatter by ~35% around 1/bins.
  std::size_t pilot = 0;
  for (const auto& v : sorted_pilot) pilot = std::max(pilot, v.size());
  bins_ = static_cast<int>(std::clamp<std::size_t>(pilot / 8, 1, k_max_bins));
  edges_.assign(static_cast<std::size_t>(metrics_) * (bins_ + 1), 0.0);
  used_.assign(static_cast<std::size_t>(metrics_), 1);
  for (int m = 0; m < metrics_; ++m) {
    const auto& v = sorted_pilot[static_cast<std::size_t>(m)];
    // A metric defined on few paths (IRR) gets fewer bins: still ~8 pilot values each.
    const int used = static_cast<int>(std::clamp<std::size_t>(v.size() / 8, 1, static_cast<std::size_t>(bins_)));
    used_[static_cast<std::size_t>(m)] = used;
    double* e = &edges_[static_cast<std::size_t>(m) * (bins_ + 1)];
    for (int j = 0; j <= used; ++j) e[j] = v.empty() ? 0.0 : quantile_sorted(v, static_cast<double>(j) / used);
  }
  guide_scale_.assign(static_cast<std::size_t>(metrics_), 0.0);
  guide_.assign(static_cast<std::size_t>(metrics_) * (k_guide_cells + 1), 0);
  for (int m = 0; m < metrics_; ++m) {
    const int used = used_[static_cast<std::size_t>(m)];
    const double* e = &edges_[static_cast<std::size_t>(m) * (bins_ + 1)];
    std::uint16_t* g = &guide_[static_cast<std::size_t>(m) * (k_guide_cells + 1)];
    const double width = e[used] - e[0];
    if (!(width > 0) || !std::isfinite(width)) continue;  // constant metric: plain search
    guide_scale_[static_cast<std::size_t>(m)] = k_guide_cells / width;
    int j = 0;
    for (int c = 0; c <= k_guide_cells; ++c) {
      const double left = e[0] + c * (width / k_guide_cells);
      while (j + 1 < used && e[j + 1] <= left) ++j;
      g[c] = static_cast<std::uint16_t>(j);
    }
  }
}

BinnedQuantiles::Counts BinnedQuantiles::make_counts() const {
  return Counts{std::vector<Bin>(static_cast<std::size_t>(metrics_) * bins_)};
}

int BinnedQuantiles::bin_of(int metric, double x) const {
  const double* e = &edges_[static_cast<std::size_t>(metric) * (bins_ + 1)];
  // Bin j holds [e_j, e_{j+1}); below the pilot's range is bin 0, above it the last.
  // Values equal to a repeated edge (a point mass) all land in the last bin starting there.
  const auto mz = static_cast<std::size_t>(metric);
  const int used = used_[mz];
  const double scale = guide_scale_[mz];
  if (scale == 0) return static_cast<int>(std::upper_bound(e + 1, e + used, x) - e) - 1;
  if (x < e[1]) return 0;
  if (x >= e[used - 1]) return used - 1;
  // The answer lies between the bins of x's guide cell's two ends.
  const std::uint16_t* g = &guide_[mz * (k_guide_cells + 1)];
  const auto cell = static_cast<int>(std::min<double>(k_guide_cells - 1, (x - e[0]) * scale));
  const int lo = g[cell], hi = g[cell + 1];
  return static_cast<int>(std::upper_bound(e + lo + 1, e + hi + 1, x) - e) - 1;
}

double BinnedQuantiles::quantile(const Counts& c, int metric, double p) const {
  const std::size_t base = static_cast<std::size_t>(metric) * bins_;
  std::uint64_t n = 0;
  for (int b = 0; b < bins_; ++b) n += c.bins[base + b].count;
  if (n == 0) return std::nan("");
  // Rank (0-based, fractional) of the type-7 quantile; find the bin holding it.
  const double rank = p * static_cast<double>(n - 1);
  std::uint64_t before = 0;
  int prev = -1;  // last non-empty bin
  for (int b = 0; b < bins_; ++b) {
    const std::uint64_t cnt = c.bins[base + b].count;
    if (cnt == 0) continue;
    const double first = static_cast<double>(before), last = static_cast<double>(before + cnt - 1);
    if (rank < first && prev >= 0) {
      // Between the largest value of the previous bin and the smallest of this one.
      const double lo = c.bins[base + prev].hi, hi = c.bins[base + b].lo;
      return lo + (rank - (first - 1)) * (hi - lo);
    }
    if (rank <= last) {
      const Bin& bin = c.bins[base + b];
      const double lo = bin.lo, hi = bin.hi;
      const double n_lo = static_cast<double>(bin.n_lo), n_hi = static_cast<double>(bin.n_hi);
      if (lo == hi || rank <= first + n_lo - 1) return lo;
      if (rank >= last - n_hi + 1) return hi;
      // Between the copies of the extremes, assume the values spread evenly.
      const double a = first + n_lo - 1, z = last - n_hi + 1;
      return lo + (rank - a) / (z - a) * (hi - lo);
    }
    before += cnt;
    prev = b;
  }
  return c.bins[base + prev].hi;
}

double BinnedQuantiles::rank_error_bound(const Counts& c, int metric) const {
  const std::size_t base = static_cast<std::size_t>(metric) * bins_;
  std::uint64_t n = 0, worst = 0;
  for (int b = 0; b < bins_; ++b) {
    const Bin& bin = c.bins[base + b];
    n += bin.count;
    // Copies of a bin's extremes come back exactly; only the values between them are
    // placed by interpolation. A bin whose extremes agree to ~1e-9 (a cap reached up to
    // rounding) counts as exact.
    if (bin.hi - bin.lo > 1e-9 * std::max(std::abs(bin.lo), std::abs(bin.hi))) {
      worst = std::max(worst, bin.count - bin.n_lo - bin.n_hi);
    }
  }
  return n == 0 ? 0.0 : static_cast<double>(worst) / static_cast<double>(n);
}

}  // namespace infersim
