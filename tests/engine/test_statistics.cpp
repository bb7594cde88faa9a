// Streaming moments and the binned quantiles' rank error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "infersim/counter_rng.hpp"
#include "infersim/statistics.hpp"

using namespace infersim;

TEST_CASE("moments: merging blocks equals one pass") {
  std::vector<double> xs;
  for (int i = 0; i < 10000; ++i) xs.push_back(std::sin(i * 0.37) * 1e9 + 3e9);
  Moments all, a, b;
  for (double x : xs) all.add(x);
  for (int i = 0; i < 3000; ++i) a.add(xs[i]);
  for (int i = 3000; i < 10000; ++i) b.add(xs[i]);
  a.merge(b);
  CHECK(a.count == all.count);
  CHECK(a.mean == doctest::Approx(all.mean).epsilon(1e-13));
  CHECK(a.variance() == doctest::Approx(all.variance()).epsilon(1e-10));
  CHECK(a.min == all.min);
  CHECK(a.max == all.max);
  Moments with_nan;
  with_nan.add(std::nan(""));
  with_nan.add(2);
  CHECK(with_nan.count == 1);
  CHECK(std::isnan(with_nan.variance()));
}

TEST_CASE("quantile_sorted follows type 7") {
  const std::vector<double> v{1, 2, 3, 4};
  CHECK(quantile_sorted(v, 0.5) == 2.5);
  CHECK(quantile_sorted(v, 0.0) == 1);
  CHECK(quantile_sorted(v, 1.0) == 4);
  CHECK(quantile_sorted(v, 0.25) == doctest::Approx(1.75));
  CHECK(std::isnan(quantile_sorted(std::vector<double>{}, 0.5)));
}

TEST_CASE("binned quantiles: rank error within 0.1% on heavy tails and point masses") {
  // A million values: lognormal (sigma 1.5) for metric 0; for metric 1, 30% exactly at
  // 0.85 (a utilization cap) and the rest uniform below it.
  const std::size_t n = 1'000'000, pilot = 32768;
  std::vector<double> v0(n), v1(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = bits_to_open_unit(counter_bits(9, i, 0, 0));
    const double w = bits_to_open_unit(counter_bits(9, i, 1, 0));
    // Box-Muller for a normal score.
    const double z = std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * w);
    v0[i] = std::exp(1.5 * z);
    v1[i] = w < 0.3 ? 0.85 : 0.85 * u;
  }
  std::vector<std::vector<double>> sorted_pilot{{v0.begin(), v0.begin() + pilot}, {v1.begin(), v1.begin() + pilot}};
  for (auto& s : sorted_pilot) std::sort(s.begin(), s.end());
  const BinnedQuantiles bins(sorted_pilot);
  auto counts = bins.make_counts();
  for (std::size_t i = 0; i < n; ++i) {
    bins.add(counts, 0, v0[i]);
    bins.add(counts, 1, v1[i]);
  }
  const std::vector<double>* all[2] = {&v0, &v1};
  const double lo[2] = {*std::min_element(v0.begin(), v0.end()), *std::min_element(v1.begin(), v1.end())};
  const double hi[2] = {*std::max_element(v0.begin(), v0.end()), *std::max_element(v1.begin(), v1.end())};
  for (int m = 0; m < 2; ++m) {
    std::vector<double> s = *all[m];
    std::sort(s.begin(), s.end());
    const double bound = bins.rank_error_bound(counts, m);
    CHECK(bound <= 0.001);
    for (double p : {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99}) {
      const double q = bins.quantile(counts, m, p, lo[m], hi[m]);
      // Rank of the estimate: the share of values below it, and at or below it.
      const double below = static_cast<double>(std::lower_bound(s.begin(), s.end(), q) - s.begin()) / n;
      const double at_or_below = static_cast<double>(std::upper_bound(s.begin(), s.end(), q) - s.begin()) / n;
      const double err = p < below ? below - p : (p > at_or_below ? p - at_or_below : 0.0);
      INFO("metric " << m << " p " << p << " estimate " << q << " exact " << quantile_sorted(s, p) << " rank error "
                     << err << " bound " << bound);
      CHECK(err <= 0.001);
      CHECK(err <= bound + 1.0 / n);
    }
  }
  // The batched path counts exactly as one add() a value.
  auto batched = bins.make_counts();
  std::vector<std::uint32_t> scratch;
  for (std::size_t start = 0; start < n; start += 4096) {
    const std::size_t len = std::min<std::size_t>(4096, n - start);
    bins.add_many(batched, 0, v0.data() + start, len, scratch);
    bins.add_many(batched, 1, v1.data() + start, len, scratch);
  }
  bool same = true;
  for (std::size_t i = 0; i < counts.bins.size(); ++i) {
    same &= counts.bins[i].count == batched.bins[i].count && counts.bins[i].at_edge == batched.bins[i].at_edge;
  }
  CHECK(same);
  // Inside the point mass the estimate is the mass itself, exactly.
  CHECK(bins.quantile(counts, 1, 0.9, lo[1], hi[1]) == 0.85);
  CHECK(bins.quantile(counts, 0, 0.0, lo[0], hi[0]) == lo[0]);
  CHECK(bins.quantile(counts, 0, 1.0, lo[0], hi[0]) == hi[0]);
}
