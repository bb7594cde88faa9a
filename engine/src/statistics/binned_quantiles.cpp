// Quantiles from equal-mass bins calibrated on a pilot: the bins, the guide tables that
// find a value's bin, and the estimates with their rank-error bound (model.md §10).
#include "statistics/binned_quantiles.hpp"
#include "statistics/moments.hpp"
#include "infersim/metric.hpp"  // k_percentiles

#include "infersim/isa.hpp"
#include "simd/simd.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <utility>

#include <tbb/parallel_for.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <cmath>

namespace infersim {

void BinnedQuantiles::Counts::merge(const Counts& o) {
  for (std::size_t i = 0; i < count.size(); ++i) count[i] += o.count[i];
  for (std::size_t i = 0; i < at_edge.size(); ++i) at_edge[i] += o.at_edge[i];
}

namespace {

/// The pilot quantiles a metric's bins start at: equal-mass fine edges (at least 4 pilot
/// values a bin, at most `max_fine` bins) kept only where a reported percentile can fall, so that
/// the few hundred bins that matter stay in the first-level cache. Kept: for each p in
/// `levels` (the reported percentiles), every fine edge within k_window_sd binomial standard deviations of the
/// pilot's rank p (at least two fine bins either side); the ends of the pilot's range; the
/// first and last of each run of equal edges (a point mass keeps its exact bin). Fine
/// bins between kept edges merge into one.
std::vector<double> pilot_edges(std::span<const double> v, int max_fine, std::span<const double> levels) {
  if (v.empty()) return {0.0, 0.0};
  // A metric defined on few pilot paths (IRR, payback) gets bins of as few as 4 values.
  const int fine = static_cast<int>(std::clamp<std::size_t>(v.size() / 4, 1, static_cast<std::size_t>(max_fine)));
  std::vector<double> f(static_cast<std::size_t>(fine) + 1);
  for (int j = 0; j <= fine; ++j) f[static_cast<std::size_t>(j)] = quantile_sorted(v, static_cast<double>(j) / fine);
  // The pilot's p-quantile sits within z sd of rank p unless the pilot is off by more than
  // z sd, a chance below 1e-15 for z = 8; the bound reported with a run says if it happened.
  constexpr double k_window_sd = 8;
  std::vector<char> keep(f.size(), 0);
  keep.front() = keep.back() = 1;
  const double n = static_cast<double>(v.size());
  for (const double p : levels) {
    const double half = std::max(k_window_sd * std::sqrt(p * (1 - p) / n), 2.0 / fine);
    const int lo = std::max(0, static_cast<int>(std::floor((p - half) * fine)));
    const int hi = std::min(fine, static_cast<int>(std::ceil((p + half) * fine)));
    for (int j = lo; j <= hi; ++j) keep[static_cast<std::size_t>(j)] = 1;
  }
  for (std::size_t j = 0; j < f.size();) {
    std::size_t k = j;
    while (k + 1 < f.size() && f[k + 1] == f[j]) ++k;
    keep[j] = keep[k] = keep[j] | static_cast<char>(k > j);
    j = k + 1;
  }
  std::vector<double> e;
  for (std::size_t j = 0; j < f.size(); ++j) {
    if (keep[j]) e.push_back(f[j]);
  }
  return e;
}

}  // namespace

std::vector<double> BinnedQuantiles::reported_levels(std::span<const double> extra) {
  std::vector<double> levels;
  for (int pc : k_percentiles) levels.push_back(pc / 100.0);
  levels.insert(levels.end(), extra.begin(), extra.end());
  return levels;
}

BinnedQuantiles::Layout BinnedQuantiles::layout(std::span<const std::span<const double>> sorted_pilot,
                                                std::vector<double> levels) {
  // Metric by metric, independently, so in parallel (the same layout on any number of threads).
  const std::size_t M = sorted_pilot.size();
  Layout out;
  out.levels = std::move(levels);
  out.edges.resize(M);
  out.atoms.resize(M);
  tbb::parallel_for(std::size_t{0}, M, [&](std::size_t m) {
    const auto& e = out.edges[m] = pilot_edges(sorted_pilot[m], k_max_bins, out.levels);
    // Point masses show as runs of equal edges; keep the heaviest ones (their first index).
    std::vector<std::pair<double, int>> runs;  // (pilot mass at the value, first index)
    const int used = static_cast<int>(e.size()) - 1;
    for (int j = 0; j < used; ++j) {
      const auto jz = static_cast<std::size_t>(j);
      if (e[jz + 1] == e[jz] && (j == 0 || e[jz - 1] != e[jz])) runs.emplace_back(0.0, j);
    }
    for (auto& [mass, j] : runs) {
      const auto& v = sorted_pilot[m];
      const auto range = std::equal_range(v.begin(), v.end(), e[static_cast<std::size_t>(j)]);
      mass = static_cast<double>(range.second - range.first);
    }
    std::stable_sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [mass, first] : runs) {
      if (out.atoms[m].size() == k_max_atoms) break;
      out.atoms[m].push_back(first);
    }
  });
  return out;
}

BinnedQuantiles::BinnedQuantiles(const Layout& layout)
    : metrics_(static_cast<int>(layout.edges.size())), levels_(layout.levels) {
  // Metric by metric, independently, so in parallel (the same tables on any number of
  // threads); then the sub-cells are laid end to end.
  const auto M = static_cast<std::size_t>(metrics_);
  const auto& kept = layout.edges;
  std::size_t widest = 2;
  for (const auto& k : kept) widest = std::max(widest, k.size());
  stride_ = static_cast<int>(widest) + 1;  // used + 1 edges, used + 2 bins
  // Past a metric's last edge: +infinity, so that the lookup's reads past the top never step.
  edges_.assign(M * stride_, std::numeric_limits<double>::infinity());
  used_.assign(M, 1);
  guide_scale_.assign(M, 0.0);
  cell_.assign(M * k_cells, 0);
  atoms_.assign(M, {});
  atom_count_.assign(M, 0);
  std::vector<std::vector<std::uint16_t>> subs(M);
  tbb::parallel_for(std::size_t{0}, M, [&](std::size_t mz) {
    const int m = static_cast<int>(mz);
    const int used = static_cast<int>(kept[mz].size()) - 1;
    used_[mz] = used;
    double* e = &edges_[mz * stride_];
    std::copy(kept[mz].begin(), kept[mz].end(), e);
    auto& atoms = atoms_[mz];
    for (const int first : layout.atoms[mz]) {
      atoms[static_cast<std::size_t>(atom_count_[mz]++)] = {e[first], bin_of(m, e[first])};
    }
    build_guide(m, subs[mz]);
  });
  std::size_t total = 0;
  for (const auto& sub : subs) total += sub.size();
  if (total >= (std::size_t{1} << 27)) throw std::length_error("BinnedQuantiles: guide tables too large");
  sub_.reserve(total);
  for (std::size_t m = 0; m < M; ++m) {
    const auto offset = static_cast<std::uint32_t>(sub_.size());
    if (guide_scale_[m] != 0) {
      for (int c = 0; c < k_cells; ++c) cell_[m * k_cells + static_cast<std::size_t>(c)] += offset << 5;
    }
    sub_.insert(sub_.end(), subs[m].begin(), subs[m].end());
  }
  sub_.push_back(0);  // the AVX-512 lookup reads entries 32 bits at a time
}

void BinnedQuantiles::build_guide(int metric, std::vector<std::uint16_t>& sub) {
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
  // The lowest j with e_j <= x (j = 0 below e_0), for increasing x: a merge walk (two: the
  // sub-cells' left and right ends).
  int walk = 0, walk_right = 0;
  auto lowest_bin = [&](double x) {
    while (walk + 1 < used && e[walk + 1] <= x) ++walk;
    return walk;
  };
  auto lowest_bin_right = [&](double x) {
    while (walk_right + 1 < used && e[walk_right + 1] <= x) ++walk_right;
    return walk_right;
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
    cells[c] = static_cast<std::uint32_t>(sub.size()) << 5 | static_cast<std::uint32_t>(shift);
    const int n_sub = 1 << shift;
    for (int s = 0; s < n_sub; ++s) {
      // The entry, and how many edges a value in the sub-cell may step over: its right end
      // raised by the margin bounds its values' bins from above.
      const double left = c + static_cast<double>(s) / n_sub - k_margin;
      const double right = c + static_cast<double>(s + 1) / n_sub + k_margin;
      const int j0 = lowest_bin(e[0] + left / scale);
      const int steps = lowest_bin_right(e[0] + right / scale) - j0;
      const unsigned reach = steps <= 1 ? k_reach_one : steps == 2 ? k_reach_two : k_reach_more;
      sub.push_back(static_cast<std::uint16_t>(static_cast<unsigned>(j0) | reach << k_entry_bits));
    }
  }
}

BinnedQuantiles::Counts BinnedQuantiles::make_counts() const {
  const auto size = static_cast<std::size_t>(metrics_) * stride_;
  return Counts{std::vector<std::uint32_t>(size), std::vector<std::uint32_t>(size)};
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

void BinnedQuantiles::add_sorted(Counts& c, int metric, std::span<const double> sorted) const {
  const auto mz = static_cast<std::size_t>(metric);
  const double* e = &edges_[mz * stride_];
  const int used = used_[mz];
  std::uint32_t* count = &c.count[mz * stride_];
  std::uint32_t* at_edge = &c.at_edge[mz * stride_];
  const double* const begin = sorted.data();
  const double* const end = begin + sorted.size();
  // The first value at or past `from` for which below(x) fails: a galloping search, since
  // a bin holds a few values or a great many.
  auto gallop = [end](const double* from, auto below) {
    std::size_t step = 1;
    const double* lo = from;
    while (lo + step < end && below(lo[step])) {
      lo += step;
      step *= 2;
    }
    return std::partition_point(lo, std::min(lo + step, end), below);
  };
  const double* i = gallop(begin, [&](double x) { return x < e[0]; });
  count[0] += static_cast<std::uint32_t>(i - begin);
  // Bin 1 + j holds [e_j, e_{j+1}) for j < used - 1; the last inner bin also e_used. Its
  // copies of e_j come first.
  for (int j = 0; j < used; ++j) {
    const double left = e[j], right = e[j + 1];
    const double* stop = j == used - 1 ? gallop(i, [&](double x) { return x <= right; })
                                       : gallop(i, [&](double x) { return x < right; });
    count[j + 1] += static_cast<std::uint32_t>(stop - i);
    // (A repeated edge's bin is empty: its copies belong to the last bin starting there.)
    at_edge[j + 1] += static_cast<std::uint32_t>(std::min(gallop(i, [&](double x) { return x == left; }), stop) - i);
    i = stop;
  }
  count[used + 1] += static_cast<std::uint32_t>(end - i);
}

namespace {

/// What the lookup passes of add_many read for one metric (see the guide tables in
/// statistics.hpp).
struct Lookup {
  static constexpr std::uint32_t k_flag = 0x80000000u;  // in a slot between passes: outside the guide
  // A sub-cell's entry: j0 in the low bits, above them how far its values may step.
  static constexpr std::uint32_t k_entry_mask = (1u << BinnedQuantiles::k_entry_bits) - 1,
                                 k_reach_shift = BinnedQuantiles::k_entry_bits;
  static constexpr int F = 9;                  // fixed-point bits of a cell: k_max_sub_shift
  static constexpr double top_position = static_cast<double>((1024 << F) - 1);  // k_cells << F, less 1
  double lo, top, fixed_scale;
  const std::uint32_t* cells;
  const std::uint16_t* sub;
  const double* e;
};

/// The lookup for values [from, n): slot i gets the value's bin, 1 + j for [e_j, e_{j+1}),
/// unless the value is an exception: outside [e_0, e_{used-1}) or NaN, more than two
/// edges above its sub-cell's entry, or equal to its bin's left edge (it must be counted
/// there too). An exception's slot gets 0 and its index goes to `exceptions`; returns how
/// many. No data-dependent branches, so the loads of many values overlap.
std::size_t lookup_portable(const Lookup& L, const double* x, std::size_t from, std::size_t n, std::uint32_t* slot,
                            std::uint32_t* exceptions) {
  constexpr std::uint32_t k_flag = Lookup::k_flag;
  constexpr int F = Lookup::F;
  // Pass 1a: each value's position in fixed point, cells << F: one multiplication by a
  // power of two more than the cell position, so exactly its bits. Arithmetic only, two
  // values at a time. A value outside gets the flag (and runs the later passes on the
  // metric's first sub-cell).
  std::size_t first = from;
#ifdef __SSE2__
  {  // The same operations on two values at a time (MINPD(p, t) is p < t ? p : t).
    const __m128d v_lo = _mm_set1_pd(L.lo), v_top = _mm_set1_pd(L.top), v_scale = _mm_set1_pd(L.fixed_scale),
                  v_max = _mm_set1_pd(Lookup::top_position);
    const __m128i v_flag = _mm_set1_epi32(static_cast<int>(k_flag));
    for (; first + 2 <= n; first += 2) {
      const __m128d v = _mm_loadu_pd(x + first);
      const __m128d inside = _mm_and_pd(_mm_cmpge_pd(v, v_lo), _mm_cmplt_pd(v, v_top));
      const __m128d pos = _mm_min_pd(_mm_and_pd(_mm_mul_pd(_mm_sub_pd(v, v_lo), v_scale), inside), v_max);
      const __m128i fixed = _mm_cvttpd_epi32(pos);
      const __m128i in32 = _mm_shuffle_epi32(_mm_castpd_si128(inside), _MM_SHUFFLE(3, 1, 2, 0));
      const __m128i q = _mm_or_si128(_mm_and_si128(in32, fixed), _mm_andnot_si128(in32, v_flag));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(slot + first), q);
    }
  }
#endif
  for (std::size_t i = first; i < n; ++i) {
    const double v = x[i];
    const bool inside = v >= L.lo && v < L.top;  // false for NaN
    const double pos = std::min(inside ? (v - L.lo) * L.fixed_scale : 0.0, Lookup::top_position);
    slot[i] = inside ? static_cast<std::uint32_t>(static_cast<std::int32_t>(pos)) : k_flag;
  }
  // Pass 1b: the sub-cell, 2^shift of them in the cell: floor(position * 2^shift) within it.
  for (std::size_t i = from; i < n; ++i) {
    const std::uint32_t q = slot[i], flag = q & k_flag, fixed = flag ? 0u : q;
    const std::uint32_t entry = L.cells[fixed >> F];
    const std::uint32_t s = (fixed & ((1u << F) - 1)) >> (F - (entry & 31u));
    slot[i] = ((entry >> 5) + s) | flag;
  }
  // Pass 2: from the sub-cell's entry, up to two steps over edges.
  const double* e = L.e;
  std::size_t count = 0;
  for (std::size_t i = from; i < n; ++i) {
    const double v = x[i];
    const std::uint32_t t = slot[i];
    int j = L.sub[t & ~k_flag] & Lookup::k_entry_mask;
    j += static_cast<int>(e[j + 1] <= v);
    j += static_cast<int>(e[j + 1] <= v);
    const bool exception = (t & k_flag) != 0 || e[j + 1] <= v || v == e[j];
    slot[i] = exception ? 0u : static_cast<std::uint32_t>(j) + 1;
    exceptions[count] = static_cast<std::uint32_t>(i);
    count += exception;
  }
  return count;
}

#ifdef INFERSIM_HAVE_AVX512
/// lookup_portable() for [0, n) eight values at a time with AVX-512: the same arithmetic
/// (so the same fixed-point positions, bit for bit) and the same table reads, as gathers.
/// The entry j0 of a sub-cell is read first, with its reach (how many edges its values
/// may step over, known from the tables); then e_{j0+1}, and e_{j0+2} only for the lanes
/// whose reach is two: the steps are j0 + [e_{j0+1} <= v] + [e_{j0+2} <= v] (the edges
/// ascend), and a value whose reach is farther is an exception. Exceptions are packed
/// eight lanes at a time, so `exceptions` needs room for n + 8. The tail (n mod 8) takes
/// the portable passes.
INFERSIM_AVX512 std::size_t lookup_avx512(const Lookup& L, const double* x, std::size_t n, std::uint32_t* slot,
                                          std::uint32_t* exceptions) {
  constexpr int F = Lookup::F;
  const __m512d v_nan = _mm512_set1_pd(std::numeric_limits<double>::quiet_NaN());
  const __m512d v_lo = _mm512_set1_pd(L.lo), v_top = _mm512_set1_pd(L.top), v_scale = _mm512_set1_pd(L.fixed_scale),
                v_max = _mm512_set1_pd(Lookup::top_position);
  const __m256i v_low_bits = _mm256_set1_epi32((1 << F) - 1), v_f = _mm256_set1_epi32(F), v_31 = _mm256_set1_epi32(31),
                v_u16 = _mm256_set1_epi32(0xFFFF), v_one = _mm256_set1_epi32(1),
                v_flag = _mm256_set1_epi32(static_cast<int>(Lookup::k_flag)), v_lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                v_entry = _mm256_set1_epi32(static_cast<int>(Lookup::k_entry_mask)),
                v_reach_two = _mm256_set1_epi32(static_cast<int>(BinnedQuantiles::k_reach_two)),
                v_reach_more = _mm256_set1_epi32(static_cast<int>(BinnedQuantiles::k_reach_more));
  const __m512d v_inf = _mm512_set1_pd(std::numeric_limits<double>::infinity());
  const auto* cells = reinterpret_cast<const int*>(L.cells);
  const auto* sub = reinterpret_cast<const char*>(L.sub);  // entries read as 32 bits at 2 t, the low 16 kept
  const double* e = L.e;
  // Three passes, like the portable ones, so that each pass's gathers depend only on
  // loads (a chain of three gathers in one pass leaves the gather units idle).
  const std::size_t n8 = n / 8 * 8;
  for (std::size_t i = 0; i < n8; i += 8) {  // pass 1: the sub-cell, or the flag
    const __m512d v = _mm512_loadu_pd(x + i);
    const __mmask8 inside = _mm512_cmp_pd_mask(v, v_lo, _CMP_GE_OQ) & _mm512_cmp_pd_mask(v, v_top, _CMP_LT_OQ);
    const __m512d pos = _mm512_min_pd(_mm512_maskz_mul_pd(inside, _mm512_sub_pd(v, v_lo), v_scale), v_max);
    const __m256i fixed = _mm256_maskz_mov_epi32(inside, _mm512_cvttpd_epi32(pos));
    const __m256i entry = _mm256_i32gather_epi32(cells, _mm256_srli_epi32(fixed, F), 4);
    const __m256i shift = _mm256_sub_epi32(v_f, _mm256_and_si256(entry, v_31));
    const __m256i t = _mm256_add_epi32(_mm256_srli_epi32(entry, 5), _mm256_srlv_epi32(_mm256_and_si256(fixed, v_low_bits), shift));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(slot + i), _mm256_mask_mov_epi32(t, static_cast<__mmask8>(~inside), v_flag));
  }
  for (std::size_t i = 0; i < n8; i += 8) {  // pass 2: the sub-cell's entry (the flag kept)
    const __m256i t = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(slot + i));
    const __m256i index = _mm256_andnot_si256(v_flag, t);
    const __m256i j0 = _mm256_and_si256(_mm256_i32gather_epi32(reinterpret_cast<const int*>(sub), _mm256_add_epi32(index, index), 1), v_u16);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(slot + i), _mm256_or_si256(j0, _mm256_and_si256(t, v_flag)));
  }
  std::size_t count = 0;
  for (std::size_t i = 0; i < n8; i += 8) {  // pass 3: the steps over edges
    const __m512d v = _mm512_loadu_pd(x + i);
    const __m256i t = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(slot + i));
    const __m256i entry = _mm256_andnot_si256(v_flag, t);
    const __mmask8 flagged = _mm256_cmp_epi32_mask(t, entry, _MM_CMPINT_NE);
    const __m256i j0 = _mm256_and_si256(entry, v_entry), reach = _mm256_srli_epi32(entry, Lookup::k_reach_shift);
    // A value that stays at its sub-cell's entry j0 > 0 lies above e_{j0} (the entry is
    // taken at the sub-cell's left end lowered by the margin), so it can only be on the
    // edge e_{j0} when j0 = 0: e_{j0} need not be read.
    const __m512d e0 = _mm512_mask_blend_pd(_mm256_cmpeq_epi32_mask(j0, _mm256_setzero_si256()), v_nan, v_lo);
    const __m512d e1 = _mm512_i32gather_pd(j0, e + 1, 8);
    const __mmask8 m1 = _mm512_cmp_pd_mask(e1, v, _CMP_LE_OQ);
    // A second step only where the sub-cell's reach allows one (e_{j0+2} is read for those
    // lanes alone); none beyond: a farther reach makes an exception.
    const __mmask8 two = _mm256_cmpeq_epi32_mask(reach, v_reach_two);
    const __m512d e2 = _mm512_mask_i32gather_pd(v_inf, two, j0, e + 2, 8);
    const __mmask8 m2 = _mm512_cmp_pd_mask(e2, v, _CMP_LE_OQ);
    const __m256i j1 = _mm256_mask_add_epi32(j0, m1, j0, v_one), j = _mm256_mask_add_epi32(j1, m2, j1, v_one);
    const __m512d ej = _mm512_mask_blend_pd(m2, _mm512_mask_blend_pd(m1, e0, e1), e2);
    const __mmask8 on_edge = _mm512_cmp_pd_mask(v, ej, _CMP_EQ_OQ);
    const __mmask8 exception = flagged | _mm256_cmpeq_epi32_mask(reach, v_reach_more) | on_edge;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(slot + i),
                        _mm256_maskz_add_epi32(static_cast<__mmask8>(~exception), j, v_one));
    const __m256i index = _mm256_add_epi32(v_lane, _mm256_set1_epi32(static_cast<int>(i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(exceptions + count), _mm256_maskz_compress_epi32(exception, index));
    count += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(exception)));
  }
  if (n8 < n) count += lookup_portable(L, x, n8, n, slot, exceptions + count);
  return count;
}

/// lookup_avx512() four values at a time with AVX2 (processors without AVX-512): the same
/// passes, arithmetic and table reads, as gathers; exceptions are packed lane by lane
/// without branches. The tail (n mod 4) takes the portable passes.
INFERSIM_AVX2 std::size_t lookup_avx2(const Lookup& L, const double* x, std::size_t n, std::uint32_t* slot,
                                      std::uint32_t* exceptions) {
  constexpr int F = Lookup::F;
  const __m256d v_nan = _mm256_set1_pd(std::numeric_limits<double>::quiet_NaN());
  const __m256d v_lo = _mm256_set1_pd(L.lo), v_top = _mm256_set1_pd(L.top), v_scale = _mm256_set1_pd(L.fixed_scale),
                v_max = _mm256_set1_pd(Lookup::top_position), v_inf = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  const __m128i v_low_bits = _mm_set1_epi32((1 << F) - 1), v_f = _mm_set1_epi32(F), v_31 = _mm_set1_epi32(31),
                v_u16 = _mm_set1_epi32(0xFFFF), v_zero = _mm_setzero_si128(),
                v_flag = _mm_set1_epi32(static_cast<int>(Lookup::k_flag)),
                v_entry = _mm_set1_epi32(static_cast<int>(Lookup::k_entry_mask)),
                v_reach_two = _mm_set1_epi32(static_cast<int>(BinnedQuantiles::k_reach_two)),
                v_reach_more = _mm_set1_epi32(static_cast<int>(BinnedQuantiles::k_reach_more));
  const auto* cells = reinterpret_cast<const int*>(L.cells);
  const auto* sub = reinterpret_cast<const int*>(L.sub);  // entries read as 32 bits at 2 t bytes, the low 16 kept
  const double* e = L.e;
  // The low 32 bits of each 64-bit lane of a double comparison's mask, as four 32-bit lanes.
  const __m256i v_pack = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
#define INFERSIM_NARROW(mask) _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(mask), v_pack))
  const std::size_t n4 = n / 4 * 4;
  for (std::size_t i = 0; i < n4; i += 4) {  // pass 1: the sub-cell, or the flag
    const __m256d v = _mm256_loadu_pd(x + i);
    const __m256d inside = _mm256_and_pd(_mm256_cmp_pd(v, v_lo, _CMP_GE_OQ), _mm256_cmp_pd(v, v_top, _CMP_LT_OQ));
    const __m256d pos = _mm256_min_pd(_mm256_and_pd(_mm256_mul_pd(_mm256_sub_pd(v, v_lo), v_scale), inside), v_max);
    const __m128i in32 = INFERSIM_NARROW(inside);
    const __m128i fixed = _mm_and_si128(in32, _mm256_cvttpd_epi32(pos));
    const __m128i entry = _mm_i32gather_epi32(cells, _mm_srli_epi32(fixed, F), 4);
    const __m128i shift = _mm_sub_epi32(v_f, _mm_and_si128(entry, v_31));
    const __m128i t = _mm_add_epi32(_mm_srli_epi32(entry, 5), _mm_srlv_epi32(_mm_and_si128(fixed, v_low_bits), shift));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(slot + i), _mm_blendv_epi8(v_flag, t, in32));
  }
  for (std::size_t i = 0; i < n4; i += 4) {  // pass 2: the sub-cell's entry (the flag kept)
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slot + i));
    const __m128i index = _mm_andnot_si128(v_flag, t);
    const __m128i j0 = _mm_and_si128(
        _mm_i32gather_epi32(reinterpret_cast<const int*>(reinterpret_cast<const char*>(sub)), _mm_add_epi32(index, index), 1), v_u16);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(slot + i), _mm_or_si128(j0, _mm_and_si128(t, v_flag)));
  }
  std::size_t count = 0;
  for (std::size_t i = 0; i < n4; i += 4) {  // pass 3: the steps over edges
    const __m256d v = _mm256_loadu_pd(x + i);
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slot + i));
    const __m128i entry = _mm_andnot_si128(v_flag, t);
    const __m128i flagged = _mm_xor_si128(_mm_cmpeq_epi32(t, entry), _mm_set1_epi32(-1));
    const __m128i j0 = _mm_and_si128(entry, v_entry), reach = _mm_srli_epi32(entry, Lookup::k_reach_shift);
    // As lookup_avx512(): e_{j0} matters only for j0 = 0, where it is e_0.
    const __m256d e0 = _mm256_blendv_pd(v_nan, v_lo, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(j0, v_zero))));
    const __m256d e1 = _mm256_i32gather_pd(e + 1, j0, 8);
    const __m256d m1 = _mm256_cmp_pd(e1, v, _CMP_LE_OQ);
    const __m256d two = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(reach, v_reach_two)));
    const __m256d e2 = _mm256_mask_i32gather_pd(v_inf, e + 2, j0, two, 8);
    const __m256d m2 = _mm256_cmp_pd(e2, v, _CMP_LE_OQ);
    const __m128i m1_32 = INFERSIM_NARROW(m1), m2_32 = INFERSIM_NARROW(m2);
    const __m128i j = _mm_sub_epi32(_mm_sub_epi32(j0, m1_32), m2_32);  // a true lane is -1
    const __m256d ej = _mm256_blendv_pd(_mm256_blendv_pd(e0, e1, m1), e2, m2);
    const __m128i on_edge = INFERSIM_NARROW(_mm256_cmp_pd(v, ej, _CMP_EQ_OQ));
    const __m128i exception = _mm_or_si128(_mm_or_si128(flagged, _mm_cmpeq_epi32(reach, v_reach_more)), on_edge);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(slot + i), _mm_andnot_si128(exception, _mm_sub_epi32(j, _mm_set1_epi32(-1))));
    const auto bits = static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(exception)));
    for (unsigned l = 0; l < 4; ++l) {
      exceptions[count] = static_cast<std::uint32_t>(i + l);
      count += (bits >> l) & 1u;
    }
  }
#undef INFERSIM_NARROW
  if (n4 < n) count += lookup_portable(L, x, n4, n, slot, exceptions + count);
  return count;
}
#endif

}  // namespace

void BinnedQuantiles::add_many(Counts& c, int metric, const double* x, std::size_t n,
                               std::vector<std::uint32_t>& scratch) const {
  const auto mz = static_cast<std::size_t>(metric);
  const double scale = guide_scale_[mz];
  if (scale == 0) {
    // No guide: a metric constant on the pilot (a lease cost of an owned cluster, a fixed
    // price), or nearly. Values equal to its heaviest point mass, usually all of them, are
    // counted at once (the same counts as one by one); the others by the definition.
    std::size_t same = 0;
    double atom = std::numeric_limits<double>::quiet_NaN();
    if (atom_count_[mz] > 0) {
      const Atom& a = atoms_[mz][0];
      atom = a.value;
      for (std::size_t i = 0; i < n; ++i) same += x[i] == atom;
      const std::size_t at = mz * stride_ + static_cast<std::size_t>(a.bin);
      c.count[at] += static_cast<std::uint32_t>(same);
      if (a.bin > 0 && atom == edge(metric, a.bin - 1)) c.at_edge[at] += static_cast<std::uint32_t>(same);
    }
    if (same == n) return;
    for (std::size_t i = 0; i < n; ++i) {
      if (x[i] == x[i] && x[i] != atom) tally(c, metric, x[i], bin_of_slow(metric, x[i]));
    }
    return;
  }
  static_assert(Lookup::F == k_max_sub_shift && Lookup::top_position == static_cast<double>((k_cells << k_max_sub_shift) - 1));
  const double* e = &edges_[mz * stride_];
  const int used = used_[mz];
  const Lookup lookup{e[0], e[used - 1], std::ldexp(scale, k_max_sub_shift), &cell_[mz * k_cells], sub_.data(), e};
  // Scratch: the slots, the exceptions (n + 8: packed eight lanes at a time), the odd values' histogram.
  const std::size_t bins = static_cast<std::size_t>(used) + 2;
  scratch.resize(2 * n + 8 + bins);
  std::uint32_t* slot = scratch.data();
  std::uint32_t* exceptions = slot + n;
  std::uint32_t* odd = exceptions + n + 8;
  const std::size_t n_exceptions =
      INFERSIM_DISPATCH3(lookup_avx512(lookup, x, n, slot, exceptions), lookup_avx2(lookup, x, n, slot, exceptions),
                        lookup_portable(lookup, x, 0, n, slot, exceptions));
  // Counting. Exceptions were counted in bin 0 and are taken back out, then placed by the
  // definition (point masses from the atom list): NaN is left out. Two histograms, even
  // and odd values: a run of values in one bin (a merged bin holds a tenth of them) would
  // otherwise make every increment wait for the last one.
  std::uint32_t* count = &c.count[mz * stride_];
  std::fill(odd, odd + bins, 0u);
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    ++count[slot[i]];
    ++odd[slot[i + 1]];
  }
  if (i < n) ++count[slot[i]];
  for (std::size_t b = 0; b < bins; ++b) count[b] += odd[b];
  count[0] -= static_cast<std::uint32_t>(n_exceptions);
  for (std::size_t k = 0; k < n_exceptions; ++k) {
    const double v = x[exceptions[k]];
    if (v == v) tally(c, metric, v, bin_of_slow(metric, v));
  }
}

namespace {

/// The bin among `bins` whose values hold fractional 0-based rank `rank`, and the number
/// of values in the bins before it; bin -1 past the last value.
struct Holding {
  int bin = -1;
  std::uint64_t before = 0;
};
Holding bin_holding(const std::uint32_t* count, int bins, double rank) {
  std::uint64_t before = 0;
  for (int b = 0; b < bins; ++b) {
    if (count[b] != 0 && rank <= static_cast<double>(before + count[b] - 1)) return {b, before};
    before += count[b];
  }
  return {-1, before};
}

}  // namespace

double BinnedQuantiles::quantile(const Counts& c, int metric, double p, double min, double max) const {
  const auto mz = static_cast<std::size_t>(metric);
  const std::uint32_t* count = &c.count[mz * stride_];
  const std::uint32_t* at_edge = &c.at_edge[mz * stride_];
  const int used = used_[mz];
  const double* e = &edges_[mz * stride_];
  const std::uint64_t n = std::accumulate(count, count + used + 2, std::uint64_t{0});
  if (n == 0) return std::nan("");
  if (p <= 0) return min;  // the extremes are tracked exactly
  if (p >= 1) return max;
  // Value range of bin b: below the pilot [min, e_0), [e_j, e_{j+1}), above (e_used, max].
  auto left = [&](int b) { return b == 0 ? min : e[b - 1]; };
  auto right = [&](int b) { return b == used + 1 ? max : b == 0 ? e[0] : e[b]; };
  // Rank (0-based, fractional) of the type-7 quantile, and the bin holding it.
  const double rank = p * static_cast<double>(n - 1);
  const auto [b, before] = bin_holding(count, used + 2, rank);
  if (b < 0) return max;
  // Copies of the left edge come first, exactly; the others spread evenly over the bin.
  const double first = static_cast<double>(before), atoms = static_cast<double>(at_edge[b]);
  if (rank < first + atoms) return left(b);
  const double spread = static_cast<double>(count[b]) - atoms;
  const double frac = (rank - first - atoms + 0.5) / spread;
  return std::clamp(left(b) + frac * (right(b) - left(b)), min, max);
}

double BinnedQuantiles::rank_error_bound(const Counts& c, int metric) const {
  const auto mz = static_cast<std::size_t>(metric);
  const std::uint32_t* count = &c.count[mz * stride_];
  const std::uint32_t* at_edge = &c.at_edge[mz * stride_];
  const int used = used_[mz];
  const std::uint64_t n = std::accumulate(count, count + used + 2, std::uint64_t{0});
  if (n == 0) return 0.0;
  // For each reported percentile, the values interpolated in the bin that holds its rank:
  // none when the rank falls among the copies of the bin's left edge (returned exactly),
  // one when it falls between the last copy and the next value.
  std::uint64_t worst = 0;
  for (const double p : levels_) {
    const double rank = p * static_cast<double>(n - 1);
    const auto [b, before] = bin_holding(count, used + 2, rank);
    if (b < 0) continue;
    const double atoms_end = static_cast<double>(before + at_edge[b]);  // rank of the first other value
    const std::uint64_t error = rank <= atoms_end - 1 ? 0 : rank < atoms_end ? 1 : count[b] - at_edge[b];
    worst = std::max(worst, error);
  }
  return static_cast<double>(worst) / static_cast<double>(n);
}

}  // namespace infersim
