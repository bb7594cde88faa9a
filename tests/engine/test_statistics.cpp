// Streaming moments and the binned quantiles' rank error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "sampling/counter_rng.hpp"
#include "statistics/binned_quantiles.hpp"
#include "statistics/moments.hpp"
#include "infersim/metric.hpp"
#include "isa_scope.hpp"

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

TEST_CASE("moments: values all equal give that value and no spread, exactly") {
  // 0.1 * 3 summed 4096 times and divided by 4096 is an ulp off; the mean must not be.
  std::vector<double> v(4096, 0.30000000000000004);
  v[7] = std::nan("");
  const Moments m = Moments::of(v.data(), v.size());
  CHECK(m.count == 4095);
  CHECK(m.mean == 0.30000000000000004);
  CHECK(m.m2 == 0.0);
  Moments merged = m;
  merged.merge(Moments::of(v.data(), 100));
  CHECK(merged.mean == 0.30000000000000004);
  CHECK(merged.m2 == 0.0);
}

TEST_CASE("sort_values sorts as std::sort does, -0.0 before +0.0") {
  std::vector<double> v;
  for (std::uint64_t i = 0; i < 50000; ++i) {
    const double u = bits_to_open_unit(counter_bits(3, i, 0, 0));
    v.push_back(i % 7 == 0 ? -u * 1e300 : i % 11 == 0 ? u * 1e-310 : std::log(u) * (i % 2 ? 1 : -3));
  }
  v.insert(v.end(), {0.0, -0.0, INFINITY, -INFINITY, 0.0, -0.0, 5e-324, -5e-324, 1.0, 1.0});
  std::vector<double> want = v;
  std::sort(want.begin(), want.end());
  sort_values(v);
  CHECK(v == want);
  const auto zero = std::find(v.begin(), v.end(), 0.0);
  CHECK(std::signbit(zero[0]));
  CHECK(std::signbit(zero[1]));
  CHECK(!std::signbit(zero[2]));
  CHECK(!std::signbit(zero[3]));
  // Every value shares its top digits: the skipped passes.
  std::vector<double> narrow{3.0, 2.0, 2.5, 2.25, 3.5}, narrow_sorted{2.0, 2.25, 2.5, 3.0, 3.5};
  sort_values(narrow);
  CHECK(narrow == narrow_sorted);
  std::vector<double> one{4.0};
  sort_values(one);
  CHECK(one[0] == 4.0);
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
  CHECK(counts.count == batched.count);
  CHECK(counts.at_edge == batched.at_edge);
  // Inside the point mass the estimate is the mass itself, exactly.
  CHECK(bins.quantile(counts, 1, 0.9, lo[1], hi[1]) == 0.85);
  CHECK(bins.quantile(counts, 0, 0.0, lo[0], hi[0]) == lo[0]);
  CHECK(bins.quantile(counts, 0, 1.0, lo[0], hi[0]) == hi[0]);
}

namespace {

/// Uniforms for the tests below: a fixed Philox stream.
double unit(std::uint64_t key, std::uint64_t i) { return bits_to_open_unit(counter_bits(key, i, 0, 0)); }

}  // namespace

TEST_CASE("binned quantiles: the guided lookup and the sorted merge count as the binary search does") {
  // Shapes that stress the guide tables: a heavy tail, point masses at the bottom, the top
  // and inside, a few discrete values, a range narrow beside its magnitude, a constant, a
  // metric defined on few paths, and one never defined.
  const std::size_t n = 60000, pilot = 16384;
  const double nan = std::nan("");
  auto shape = [&](int m, std::size_t i) {
    const double u = unit(100 + static_cast<std::uint64_t>(m), i);
    switch (m) {
      case 0: return std::exp(3 * std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * unit(7, i)));
      case 1: return u < 0.4 ? 0.0 : std::pow(u, 4) * 1e18;  // zero unserved demand
      case 2: return u < 0.3 ? 1.0 : u;                      // a utilization cap
      case 3: return u < 0.5 ? -2.0 : u < 0.8 ? 5.0 : 5 + u; // masses inside
      case 4: return 2027.0 + std::floor(u * 6);             // payback years
      case 5: return 1e12 + u * 1e-3;                        // narrow beside its magnitude
      case 6: return 42.0;
      case 7: return u < 0.85 ? nan : u;                     // IRR-like
      default: return nan;
    }
  };
  const int metrics = 9;
  std::vector<std::vector<double>> values(metrics, std::vector<double>(n));
  std::vector<std::vector<double>> sorted_pilot(metrics);
  for (int m = 0; m < metrics; ++m) {
    for (std::size_t i = 0; i < n; ++i) values[m][i] = shape(m, i);
    for (std::size_t i = 0; i < pilot; ++i) {
      if (!std::isnan(values[m][i])) sorted_pilot[m].push_back(values[m][i]);
    }
    std::sort(sorted_pilot[m].begin(), sorted_pilot[m].end());
  }
  const BinnedQuantiles bins(sorted_pilot);
  auto one_by_one = bins.make_counts(), merged = bins.make_counts();
  const auto isas = testing::isas();
  std::vector<BinnedQuantiles::Counts> batched(isas.size(), bins.make_counts());
  std::vector<std::uint32_t> scratch;
  for (int m = 0; m < metrics; ++m) {
    // Every value, and the pilot values and their neighbours (values exactly on an edge).
    std::vector<double> xs = values[m];
    for (double p : sorted_pilot[m]) {
      xs.insert(xs.end(), {p, std::nextafter(p, -INFINITY), std::nextafter(p, INFINITY)});
    }
    xs.insert(xs.end(), {INFINITY, -INFINITY, nan, 0.0, -0.0});
    for (double x : xs) bins.add(one_by_one, m, x);
    for (std::size_t k = 0; k < isas.size(); ++k) {  // the portable and the AVX-512 lookup
      const testing::IsaScope scope(isas[k]);
      // Batches of odd sizes too: the vector passes leave a tail to the portable ones.
      for (std::size_t start = 0, size = 4096; start < xs.size(); start += size, size = size == 4096 ? 1001 : 4096) {
        bins.add_many(batched[k], m, xs.data() + start, std::min<std::size_t>(size, xs.size() - start), scratch);
      }
    }
    std::vector<double> defined;
    for (double x : xs) {
      if (!std::isnan(x)) defined.push_back(x);
    }
    std::sort(defined.begin(), defined.end());
    bins.add_sorted(merged, m, defined);
  }
  for (std::size_t k = 0; k < isas.size(); ++k) {
    INFO("instruction set " << isa_name(isas[k]));
    CHECK(one_by_one.count == batched[k].count);
    CHECK(one_by_one.at_edge == batched[k].at_edge);
  }
  CHECK(one_by_one.count == merged.count);
  CHECK(one_by_one.at_edge == merged.at_edge);

  // Point masses come back exactly; the bound covers every reported percentile.
  auto exact = bins.make_counts();
  for (int m = 0; m < metrics; ++m) {
    for (double x : values[m]) bins.add(exact, m, x);
  }
  for (int m = 0; m < metrics; ++m) {
    std::vector<double> s;
    for (double x : values[m]) {
      if (!std::isnan(x)) s.push_back(x);
    }
    std::sort(s.begin(), s.end());
    if (s.empty()) {
      CHECK(std::isnan(bins.quantile(exact, m, 0.5, nan, nan)));
      continue;
    }
    const double bound = bins.rank_error_bound(exact, m);
    const double size = static_cast<double>(s.size());
    for (int pc : k_percentiles) {
      const double p = pc / 100.0;
      const double q = bins.quantile(exact, m, p, s.front(), s.back());
      const double below = static_cast<double>(std::lower_bound(s.begin(), s.end(), q) - s.begin()) / size;
      const double at_or_below = static_cast<double>(std::upper_bound(s.begin(), s.end(), q) - s.begin()) / size;
      const double err = p < below ? below - p : (p > at_or_below ? p - at_or_below : 0.0);
      INFO("metric " << m << " p " << p << " estimate " << q << " exact " << quantile_sorted(s, p));
      CHECK(err <= bound + 1.0 / size);
    }
  }
  CHECK(bins.quantile(exact, 1, 0.25, 0.0, 1e18) == 0.0);
  CHECK(bins.quantile(exact, 2, 0.9, 0.0, 1.0) == 1.0);
  CHECK(bins.quantile(exact, 3, 0.65, -2.0, 6.0) == 5.0);
  CHECK(bins.quantile(exact, 3, 0.25, -2.0, 6.0) == -2.0);
  CHECK(bins.quantile(exact, 4, 0.5, 2027, 2032) == quantile_sorted(sorted_pilot[4], 0.5));
  CHECK(bins.quantile(exact, 6, 0.5, 42, 42) == 42.0);
}

TEST_CASE("binned quantiles: an unrepresentative pilot shows in the reported bound") {
  // The pilot sees only the lower half of the values: percentiles above it fall in the
  // bin above the pilot's range, and the bound says so instead of claiming 0.1%.
  const std::size_t n = 200000;
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = unit(11, i);
  std::vector<std::vector<double>> sorted_pilot(1);
  for (double x : v) {
    if (x < 0.5 && sorted_pilot[0].size() < 20000) sorted_pilot[0].push_back(x);
  }
  std::sort(sorted_pilot[0].begin(), sorted_pilot[0].end());
  const BinnedQuantiles bins(sorted_pilot);
  auto counts = bins.make_counts();
  for (double x : v) bins.add(counts, 0, x);
  CHECK(bins.rank_error_bound(counts, 0) > 0.4);
}
