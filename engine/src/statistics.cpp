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
  auto extreme = [](double& mine, std::uint64_t& n_mine, double theirs, std::uint64_t n_theirs, bool low) {
    if (theirs == mine) {
      n_mine += n_theirs;
    } else if (low ? theirs < mine : theirs > mine) {
      mine = theirs;
      n_mine = n_theirs;
    }
  };
  for (std::size_t i = 0; i < count.size(); ++i) {
    count[i] += o.count[i];
    extreme(lo[i], n_lo[i], o.lo[i], o.n_lo[i], true);
    extreme(hi[i], n_hi[i], o.hi[i], o.n_hi[i], false);
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
}

BinnedQuantiles::Counts BinnedQuantiles::make_counts() const {
  const std::size_t n = static_cast<std::size_t>(metrics_) * bins_;
  return Counts{std::vector<std::uint64_t>(n, 0), std::vector<std::uint64_t>(n, 0), std::vector<std::uint64_t>(n, 0),
                std::vector<double>(n, std::numeric_limits<double>::infinity()),
                std::vector<double>(n, -std::numeric_limits<double>::infinity())};
}

int BinnedQuantiles::bin_of(int metric, double x) const {
  const double* e = &edges_[static_cast<std::size_t>(metric) * (bins_ + 1)];
  // Bin j holds [e_j, e_{j+1}); below the pilot's range is bin 0, above it the last.
  // Values equal to a repeated edge (a point mass) all land in the last bin starting there.
  const double* it = std::upper_bound(e + 1, e + used_[static_cast<std::size_t>(metric)], x);
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
      const double n_lo = static_cast<double>(c.n_lo[base + b]), n_hi = static_cast<double>(c.n_hi[base + b]);
      if (lo == hi || rank <= first + n_lo - 1) return lo;
      if (rank >= last - n_hi + 1) return hi;
      // Between the copies of the extremes, assume the values spread evenly.
      const double a = first + n_lo - 1, z = last - n_hi + 1;
      return lo + (rank - a) / (z - a) * (hi - lo);
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
    // Copies of a bin's extremes come back exactly; only the values between them are
    // placed by interpolation. A bin whose extremes agree to ~1e-9 (a cap reached up to
    // rounding) counts as exact.
    const double lo = c.lo[base + b], hi = c.hi[base + b];
    if (hi - lo > 1e-9 * std::max(std::abs(lo), std::abs(hi))) {
      worst = std::max(worst, c.count[base + b] - c.n_lo[base + b] - c.n_hi[base + b]);
    }
  }
  return n == 0 ? 0.0 : static_cast<double>(worst) / static_cast<double>(n);
}

}  // namespace infersim
