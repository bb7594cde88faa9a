// Kernels of the simulation's blocks: the tile transpose and the tile moments (kernels.hpp).
#include "simd/kernels.hpp"

#include "infersim/isa.hpp"
#include "simd/simd.hpp"

#include <algorithm>
#include <limits>


namespace infersim::kernels {

void tile_to_columns(const double* tile, std::size_t rows, std::size_t width, double* columns, std::size_t stride) {
  // Column by column: each store runs along a column's cache lines. (An AVX-512 8 x 8
  // register transpose measured no faster: the stores into the block, not the loads, set
  // the pace.)
  for (std::size_t k = 0; k < width; ++k) {
    double* column = columns + k * stride;
    for (std::size_t r = 0; r < rows; ++r) column[r] = tile[r * width + k];
  }
}

void TileMoments::reset(std::size_t width) {
  width_ = width;
  const std::size_t padded = (width + 7) / 8 * 8;
  count_.assign(padded, 0);
  positive_.assign(padded, 0);
  negative_.assign(padded, 0);
  mean_.assign(padded, 0.0);
  m2_.assign(padded, 0.0);
  min_.assign(padded, std::numeric_limits<double>::infinity());
  max_.assign(padded, -std::numeric_limits<double>::infinity());
}

Moments TileMoments::get(std::size_t k) const {
  Moments m;
  m.count = count_[k];
  m.mean = mean_[k];
  m.m2 = m2_[k];
  m.min = min_[k];
  m.max = max_[k];
  m.positive = positive_[k];
  m.negative = negative_[k];
  return m;
}

void TileMoments::set(std::size_t k, const Moments& m) {
  count_[k] = m.count;
  mean_[k] = m.mean;
  m2_[k] = m.m2;
  min_[k] = m.min;
  max_[k] = m.max;
  positive_[k] = m.positive;
  negative_[k] = m.negative;
}

void TileMoments::store(Moments* out) const {
  for (std::size_t k = 0; k < width_; ++k) out[k] = get(k);
}

void TileMoments::add_tile_portable(const double* tile, std::size_t rows) {
  double column[64];
  for (std::size_t k = 0; k < width_; ++k) {
    for (std::size_t done = 0; done < rows; done += 64) {
      const std::size_t n = std::min<std::size_t>(64, rows - done);
      for (std::size_t r = 0; r < n; ++r) column[r] = tile[(done + r) * width_ + k];
      Moments m = get(k);
      m.merge(Moments::of(column, n));
      set(k, m);
    }
  }
}

#ifdef INFERSIM_HAVE_AVX512
/// add_tile_portable() eight metrics a register: in each lane, Moments::of()'s two passes
/// over the tile's values (NaN masked out; MINPD(x, lo) is x < lo ? x : lo, MAXPD(x, hi)
/// is x > hi ? x : hi) and then Moments::merge()'s arithmetic, in their order. Four
/// registers (32 metrics) go side by side: each lane's sums are a chain of 16 additions.
INFERSIM_AVX512 void TileMoments::add_tile_avx512(const double* tile, std::size_t rows) {
  if (rows > 64) {  // as the portable version: 64 rows at a time
    for (std::size_t done = 0; done < rows; done += 64) add_tile_avx512(tile + done * width_, std::min<std::size_t>(64, rows - done));
    return;
  }
  constexpr std::size_t B = 4;
  const __m512d zero = _mm512_setzero_pd(), inf = _mm512_set1_pd(std::numeric_limits<double>::infinity());
  const __m512i one = _mm512_set1_epi64(1), none = _mm512_setzero_si512();
  for (std::size_t k0 = 0; k0 < width_; k0 += 8 * B) {
    __mmask8 lanes[B];
    for (std::size_t b = 0; b < B; ++b) {
      const std::size_t k = k0 + 8 * b;
      lanes[b] = k >= width_ ? 0 : width_ - k >= 8 ? 0xFF : static_cast<__mmask8>((1u << (width_ - k)) - 1);
    }
    // The tile's moments: Moments::of().
    __m512d sum[B], lo[B], hi[B], mean[B], m2[B];
    __m512i n[B], pos[B], neg[B];
    for (std::size_t b = 0; b < B; ++b) {
      sum[b] = zero;
      lo[b] = inf;
      hi[b] = _mm512_sub_pd(zero, inf);
      n[b] = pos[b] = neg[b] = none;
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t b = 0; b < B; ++b) {
        const __m512d x = _mm512_maskz_loadu_pd(lanes[b], tile + r * width_ + k0 + 8 * b);
        const __mmask8 ok = _mm512_cmp_pd_mask(x, x, _CMP_EQ_OQ);
        sum[b] = _mm512_mask_add_pd(sum[b], ok, sum[b], x);
        n[b] = _mm512_mask_add_epi64(n[b], ok, n[b], one);
        lo[b] = _mm512_min_pd(x, lo[b]);
        hi[b] = _mm512_max_pd(x, hi[b]);
        pos[b] = _mm512_mask_add_epi64(pos[b], _mm512_cmp_pd_mask(x, zero, _CMP_GT_OQ), pos[b], one);
        neg[b] = _mm512_mask_add_epi64(neg[b], _mm512_cmp_pd_mask(x, zero, _CMP_LT_OQ), neg[b], one);
      }
    }
    for (std::size_t b = 0; b < B; ++b) {
      // mean = lo == hi ? lo : sum / count (of(): values all equal give that value).
      mean[b] = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(lo[b], hi[b], _CMP_EQ_OQ), _mm512_div_pd(sum[b], _mm512_cvtepu64_pd(n[b])), lo[b]);
      m2[b] = zero;
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t b = 0; b < B; ++b) {
        const __m512d x = _mm512_maskz_loadu_pd(lanes[b], tile + r * width_ + k0 + 8 * b);
        const __m512d d = _mm512_sub_pd(x, mean[b]);
        m2[b] = _mm512_mask_add_pd(m2[b], _mm512_cmp_pd_mask(x, x, _CMP_EQ_OQ), m2[b], _mm512_mul_pd(d, d));
      }
    }
    for (std::size_t b = 0; b < B; ++b) {
      if (lanes[b] == 0) break;
      const std::size_t k = k0 + 8 * b;
      const __m512d nb = _mm512_cvtepu64_pd(n[b]);
      // Merge into the running moments a: Moments::merge().
      const __m512i a_n = _mm512_loadu_si512(count_.data() + k);
      const __m512d a_mean = _mm512_loadu_pd(mean_.data() + k), a_m2 = _mm512_loadu_pd(m2_.data() + k);
      const __m512d a_min = _mm512_loadu_pd(min_.data() + k), a_max = _mm512_loadu_pd(max_.data() + k);
      const __m512d na = _mm512_cvtepu64_pd(a_n), total = _mm512_add_pd(na, nb);
      const __m512d delta = _mm512_sub_pd(mean[b], a_mean);
      __m512d new_mean = _mm512_add_pd(a_mean, _mm512_div_pd(_mm512_mul_pd(delta, nb), total));
      __m512d new_m2 = _mm512_add_pd(
          a_m2, _mm512_add_pd(m2[b], _mm512_div_pd(_mm512_mul_pd(_mm512_mul_pd(_mm512_mul_pd(delta, delta), na), nb), total)));
      __m512d new_min = _mm512_min_pd(lo[b], a_min);  // std::min(a.min, b.min): b.min < a.min ? b.min : a.min
      __m512d new_max = _mm512_max_pd(hi[b], a_max);
      // a empty: a = b; b empty: a unchanged.
      const __mmask8 a_empty = _mm512_cmpeq_epi64_mask(a_n, none);
      new_mean = _mm512_mask_blend_pd(a_empty, new_mean, mean[b]);
      new_m2 = _mm512_mask_blend_pd(a_empty, new_m2, m2[b]);
      new_min = _mm512_mask_blend_pd(a_empty, new_min, lo[b]);
      new_max = _mm512_mask_blend_pd(a_empty, new_max, hi[b]);
      const __mmask8 write = static_cast<__mmask8>(lanes[b] & ~_mm512_cmpeq_epi64_mask(n[b], none));
      _mm512_mask_storeu_pd(mean_.data() + k, write, new_mean);
      _mm512_mask_storeu_pd(m2_.data() + k, write, new_m2);
      _mm512_mask_storeu_pd(min_.data() + k, write, new_min);
      _mm512_mask_storeu_pd(max_.data() + k, write, new_max);
      _mm512_mask_storeu_epi64(count_.data() + k, write, _mm512_add_epi64(a_n, n[b]));
      _mm512_mask_storeu_epi64(positive_.data() + k, write, _mm512_add_epi64(_mm512_loadu_si512(positive_.data() + k), pos[b]));
      _mm512_mask_storeu_epi64(negative_.data() + k, write, _mm512_add_epi64(_mm512_loadu_si512(negative_.data() + k), neg[b]));
    }
  }
}
#endif

#ifdef INFERSIM_HAVE_AVX512
/// add_tile_portable() four metrics a register with AVX2, as add_tile_avx512(): in each
/// lane, Moments::of()'s two passes and Moments::merge()'s arithmetic, in their order.
/// Two registers (8 metrics) side by side; the last metrics through masked loads.
INFERSIM_AVX2 void TileMoments::add_tile_avx2(const double* tile, std::size_t rows) {
  if (rows > 64) {  // as the portable version: 64 rows at a time
    for (std::size_t done = 0; done < rows; done += 64) add_tile_avx2(tile + done * width_, std::min<std::size_t>(64, rows - done));
    return;
  }
  constexpr std::size_t B = 2;
  // Counts (below 2^52) to double exactly, as AVX2 has no VCVTUQQ2PD: the count's bits
  // under the exponent of 2^52, less 2^52.
  const __m256d magic = _mm256_set1_pd(4503599627370496.0);
#define INFERSIM_COUNTS_TO_DOUBLE(c) _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256((c), _mm256_castpd_si256(magic))), magic)
  const __m256d zero = _mm256_setzero_pd(), inf = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  const __m256i none = _mm256_setzero_si256(), lane = _mm256_setr_epi64x(0, 1, 2, 3);
  for (std::size_t k0 = 0; k0 < width_; k0 += 4 * B) {
    __m256i lanes[B];  // all ones in the lanes of metrics that exist
    for (std::size_t b = 0; b < B; ++b) {
      const std::size_t k = k0 + 4 * b;
      const auto left = static_cast<long long>(k >= width_ ? 0 : width_ - k);
      lanes[b] = _mm256_cmpgt_epi64(_mm256_set1_epi64x(left), lane);
    }
    __m256d sum[B], lo[B], hi[B], mean[B], m2[B];
    __m256i n[B], pos[B], neg[B];
    for (std::size_t b = 0; b < B; ++b) {
      sum[b] = zero;
      lo[b] = inf;
      hi[b] = _mm256_sub_pd(zero, inf);
      n[b] = pos[b] = neg[b] = none;
    }
    // The tile's moments: Moments::of(). A comparison's all-ones lane is -1: subtracting
    // it counts one.
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t b = 0; b < B; ++b) {
        const __m256d x = _mm256_maskload_pd(tile + r * width_ + k0 + 4 * b, lanes[b]);
        const __m256d ok = _mm256_cmp_pd(x, x, _CMP_EQ_OQ);
        sum[b] = _mm256_blendv_pd(sum[b], _mm256_add_pd(sum[b], x), ok);
        n[b] = _mm256_sub_epi64(n[b], _mm256_castpd_si256(ok));
        lo[b] = _mm256_min_pd(x, lo[b]);
        hi[b] = _mm256_max_pd(x, hi[b]);
        pos[b] = _mm256_sub_epi64(pos[b], _mm256_castpd_si256(_mm256_cmp_pd(x, zero, _CMP_GT_OQ)));
        neg[b] = _mm256_sub_epi64(neg[b], _mm256_castpd_si256(_mm256_cmp_pd(x, zero, _CMP_LT_OQ)));
      }
    }
    for (std::size_t b = 0; b < B; ++b) {
      // mean = lo == hi ? lo : sum / count (of(): values all equal give that value).
      mean[b] = _mm256_blendv_pd(_mm256_div_pd(sum[b], INFERSIM_COUNTS_TO_DOUBLE(n[b])), lo[b], _mm256_cmp_pd(lo[b], hi[b], _CMP_EQ_OQ));
      m2[b] = zero;
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t b = 0; b < B; ++b) {
        const __m256d x = _mm256_maskload_pd(tile + r * width_ + k0 + 4 * b, lanes[b]);
        const __m256d d = _mm256_sub_pd(x, mean[b]);
        m2[b] = _mm256_blendv_pd(m2[b], _mm256_add_pd(m2[b], _mm256_mul_pd(d, d)), _mm256_cmp_pd(x, x, _CMP_EQ_OQ));
      }
    }
    for (std::size_t b = 0; b < B; ++b) {
      const std::size_t k = k0 + 4 * b;
      if (k >= width_) break;
      const __m256d nb = INFERSIM_COUNTS_TO_DOUBLE(n[b]);
      // Merge into the running moments a: Moments::merge(). (The arrays are padded to a
      // multiple of 8 metrics, so whole registers are loaded and stored.)
      const __m256i a_n = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(count_.data() + k));
      const __m256d a_mean = _mm256_loadu_pd(mean_.data() + k), a_m2 = _mm256_loadu_pd(m2_.data() + k);
      const __m256d a_min = _mm256_loadu_pd(min_.data() + k), a_max = _mm256_loadu_pd(max_.data() + k);
      const __m256d na = INFERSIM_COUNTS_TO_DOUBLE(a_n), total = _mm256_add_pd(na, nb);
      const __m256d delta = _mm256_sub_pd(mean[b], a_mean);
      __m256d new_mean = _mm256_add_pd(a_mean, _mm256_div_pd(_mm256_mul_pd(delta, nb), total));
      __m256d new_m2 = _mm256_add_pd(
          a_m2, _mm256_add_pd(m2[b], _mm256_div_pd(_mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(delta, delta), na), nb), total)));
      __m256d new_min = _mm256_min_pd(lo[b], a_min);  // std::min(a.min, b.min): b.min < a.min ? b.min : a.min
      __m256d new_max = _mm256_max_pd(hi[b], a_max);
      // a empty: a = b; b empty: a unchanged.
      const __m256d a_empty = _mm256_castsi256_pd(_mm256_cmpeq_epi64(a_n, none));
      new_mean = _mm256_blendv_pd(new_mean, mean[b], a_empty);
      new_m2 = _mm256_blendv_pd(new_m2, m2[b], a_empty);
      new_min = _mm256_blendv_pd(new_min, lo[b], a_empty);
      new_max = _mm256_blendv_pd(new_max, hi[b], a_empty);
      const __m256i write = _mm256_andnot_si256(_mm256_cmpeq_epi64(n[b], none), lanes[b]);
      const __m256d w = _mm256_castsi256_pd(write);
      double* const doubles[4] = {mean_.data() + k, m2_.data() + k, min_.data() + k, max_.data() + k};
      const __m256d values[4] = {new_mean, new_m2, new_min, new_max};
      for (int f = 0; f < 4; ++f) _mm256_storeu_pd(doubles[f], _mm256_blendv_pd(_mm256_loadu_pd(doubles[f]), values[f], w));
      auto* const counts = reinterpret_cast<__m256i*>(count_.data() + k);
      auto* const positives = reinterpret_cast<__m256i*>(positive_.data() + k);
      auto* const negatives = reinterpret_cast<__m256i*>(negative_.data() + k);
      __m256i* const ints[3] = {counts, positives, negatives};
      const __m256i adds[3] = {n[b], pos[b], neg[b]};
      for (int f = 0; f < 3; ++f) {
        const __m256i old = _mm256_loadu_si256(ints[f]);
        _mm256_storeu_si256(ints[f], _mm256_blendv_epi8(old, _mm256_add_epi64(old, adds[f]), write));
      }
    }
  }
#undef INFERSIM_COUNTS_TO_DOUBLE
}
#endif

void TileMoments::add_tile(const double* tile, std::size_t rows) {
  INFERSIM_DISPATCH3(add_tile_avx512(tile, rows), add_tile_avx2(tile, rows), add_tile_portable(tile, rows));
}

}  // namespace infersim::kernels
