// Moments merged in a fixed order, the pilot sort and exact quantiles of sorted values.
#include "statistics/moments.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>


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
  // All the defined values equal: that value, exactly, and no spread (sum / count can be
  // an ulp off it).
  m.mean = lo == hi ? lo : sum / static_cast<double>(count);
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

void sort_values(std::span<double> v) {
  const std::size_t n = v.size();
  if (n < 2) return;
  // Keys in unsigned order: negative values have all bits flipped, others the sign bit set.
  constexpr std::uint64_t sign = std::uint64_t{1} << 63;
  // LSD passes on the top 33 bits only (3 x 11: sign, exponent and 21 bits of mantissa),
  // then each run of keys that share those bits, rare and short for continuous values, is
  // sorted on the whole key: half the passes of a full radix sort.
  constexpr int bits = 11, radix = 1 << bits, passes = 3, low = 64 - passes * bits;
  const auto buffer = std::make_unique_for_overwrite<std::uint64_t[]>(2 * n);  // every key is written first
  std::uint64_t* from = buffer.get();
  std::uint64_t* to = from + n;
  std::vector<std::uint32_t> histogram(static_cast<std::size_t>(passes) * radix, 0);
  auto digit = [](std::uint64_t key, int p) { return static_cast<std::size_t>((key >> (low + p * bits)) & (radix - 1)); };
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = std::bit_cast<std::uint64_t>(v[i]);
    const std::uint64_t key = u & sign ? ~u : u | sign;
    from[i] = key;
    for (int p = 0; p < passes; ++p) ++histogram[static_cast<std::size_t>(p * radix) + digit(key, p)];
  }
  for (int p = 0; p < passes; ++p) {
    std::uint32_t* h = histogram.data() + static_cast<std::size_t>(p) * radix;
    if (h[digit(from[0], p)] == n) continue;  // every key has this digit
    std::uint32_t start = 0;
    for (int r = 0; r < radix; ++r) start += std::exchange(h[r], start);
    for (std::size_t i = 0; i < n; ++i) to[h[digit(from[i], p)]++] = from[i];
    std::swap(from, to);
  }
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    const std::uint64_t high = from[i] >> low;
    bool equal = true;  // the whole keys too (a point mass needs no sorting)
    for (; j < n && from[j] >> low == high; ++j) equal = equal && from[j] == from[i];
    if (!equal) std::sort(from + i, from + j);
    i = j;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = from[i];
    v[i] = std::bit_cast<double>(key & sign ? key & ~sign : ~key);
  }
}

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return std::nan("");
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace infersim
