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
  for (std::size_t i = 0; i < count.size(); ++i) {
    count[i] += o.count[i];
    lo[i] = std::min(lo[i], o.lo[i]);
    hi[i] = std::max(hi[i], o.hi[i]);
  }
}

BinnedQuantiles::BinnedQuantiles(const std::vector<std::vector<double>>& sorted_pilot)
    : metrics_(static_cast<int>(sorted_pilot.size())) {
  // Eight pilot values a bin: the bins' true masses then scatter by ~35% around 1/bins.
  std::size_t pilot = 0;
  for (const auto& v : sorted_pilot) pilot = std::max(pilot, v.size());
  bins_ = static_cast<int>(std::clamp<std::size_t>(pilot / 8, 1, k_max_bins));
  edges_.assign(static_cast<std::size_t>(metrics_) * (bins_ + 1), 0.0);
  for (int m = 0; m < metrics_; ++m) {
    const auto& v = sorted_pilot[static_cast<std::size_t>(m)];
    double* e = &edges_[static_cast<std::size_t>(m) * (bins_ + 1)];
    for (int j = 0; j <= bins_; ++j) e[j] = v.empty() ? 0.0 : quantile_sorted(v, static_cast<double>(j) / bins_);
  }
}

BinnedQuantiles::Counts BinnedQuantiles::make_counts() const {
  const std::size_t n = static_cast<std::size_t>(metrics_) * bins_;
  return Counts{std::vector<std::uint64_t>(n, 0), std::vector<double>(n, std::numeric_limits<double>::infinity()),
                std::vector<double>(n, -std::numeric_limits<double>::infinity())};
}

int BinnedQuantiles::bin_of(int metric, double x) const {
  const double* e = &edges_[static_cast<std::size_t>(metric) * (bins_ + 1)];
  // Bin j holds [e_j, e_{j+1}); below the pilot's range is bin 0, above it the last.
  // Values equal to a repeated edge (a point mass) all land in the last bin starting there.
  const double* it = std::upper_bound(e + 1, e + bins_, x);
  return static_cast<int>(it - e) - 1;
}

double BinnedQuantiles::quantile(const Counts& c, int metric, double p) const {
  const std::size_t base = static_cast<std::size_t>(metric) * bins_;
  std::uint64_t n = 0;
  for (int b = 0; b < bins_; ++b) n += c.count[base + b];
  if (n == 0) return std::nan("");
  // Rank (0-based, fractional) of the type-7 quantile; find the bin holding it.
  const double rank = p * static_cast<double>(n - 1);
  std::uint64_t before = 0;
  int prev = -1;  // last non-empty bin
  for (int b = 0; b < bins_; ++b) {
    const std::uint64_t cnt = c.count[base + b];
    if (cnt == 0) continue;
    const double first = static_cast<double>(before), last = static_cast<double>(before + cnt - 1);
    if (rank < first && prev >= 0) {
      // Between the largest value of the previous bin and the smallest of this one.
      const double lo = c.hi[base + prev], hi = c.lo[base + b];
      return lo + (rank - (first - 1)) * (hi - lo);
    }
    if (rank <= last) {
      const double lo = c.lo[base + b], hi = c.hi[base + b];
      if (cnt == 1) return lo;
      // Assume the bin's values spread evenly between its extremes.
      return lo + (rank - first) / static_cast<double>(cnt - 1) * (hi - lo);
    }
    before += cnt;
    prev = b;
  }
  return c.hi[base + prev];
}

double BinnedQuantiles::rank_error_bound(const Counts& c, int metric) const {
  const std::size_t base = static_cast<std::size_t>(metric) * bins_;
  std::uint64_t n = 0, worst = 0;
  for (int b = 0; b < bins_; ++b) {
    n += c.count[base + b];
    // A bin whose values agree to ~1e-9 is a point mass (e.g. utilization at its cap up to
    // rounding): its quantiles are exact to that precision, whatever its count.
    const double lo = c.lo[base + b], hi = c.hi[base + b];
    if (hi - lo > 1e-9 * std::max(std::abs(lo), std::abs(hi))) worst = std::max(worst, c.count[base + b]);
  }
  return n == 0 ? 0.0 : static_cast<double>(worst) / static_cast<double>(n);
}

}  // namespace infersim
