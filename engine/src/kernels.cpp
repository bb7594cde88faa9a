// Kernels of the simulation's blocks: the tile transpose and the tile moments (kernels.hpp).
#include "kernels.hpp"

#include "infersim/isa.hpp"
#include "simd.hpp"

#include <algorithm>
#include <limits>


namespace infersim::kernels {

namespace {

void tile_to_columns_portable(const double* tile, std::size_t rows, std::size_t width, double* columns,
                              std::size_t stride) {
  for (std::size_t k = 0; k < width; ++k) {
    double* column = columns + k * stride;
    for (std::size_t r = 0; r < rows; ++r) column[r] = tile[r * width + k];
  }
}

#ifdef INFERSIM_HAVE_AVX512
/// Eight rows by eight columns at a time: eight loads, the 8 x 8 transpose in registers
/// (three rounds of eight shuffles), eight stores. The rest of the columns go one by one.
INFERSIM_AVX512 void tile_to_columns_avx512(
    const double* tile, std::size_t rows, std::size_t width, double* columns, std::size_t stride) {
  const std::size_t full_rows = rows / 8 * 8, full_width = width / 8 * 8;
  // Lane indices of _mm512_permutex2var_pd: 0-7 from the first operand, 8-15 the second.
  const __m512i lo_pairs = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0), hi_pairs = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
  const __m512i lo_quads = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0), hi_quads = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
  for (std::size_t r = 0; r < full_rows; r += 8) {
    for (std::size_t k = 0; k < full_width; k += 8) {
      const double* src = tile + r * width + k;
      __m512d a[8], b[8];
      for (int i = 0; i < 8; ++i) a[i] = _mm512_loadu_pd(src + static_cast<std::size_t>(i) * width);
      // Round 1: rows 2i and 2i+1 interleaved (pairs of elements 0,1 | 2,3 | ...).
      for (int i = 0; i < 4; ++i) {
        b[2 * i] = _mm512_unpacklo_pd(a[2 * i], a[2 * i + 1]);
        b[2 * i + 1] = _mm512_unpackhi_pd(a[2 * i], a[2 * i + 1]);
      }
      // b[2i]: columns 0, 2, 4, 6 of rows 2i and 2i+1, interleaved; b[2i+1]: columns 1, 3, 5, 7.
      // Round 2: a[0], a[1], a[2], a[3] hold columns 0|4, 1|5, 2|6, 3|7 of rows 0-3 (low
      // half | high half), a[4] to a[7] the same of rows 4-7.
      for (int h = 0; h < 2; ++h) {
        for (int i = 0; i < 2; ++i) {
          a[4 * h + i] = _mm512_permutex2var_pd(b[4 * h + i], lo_pairs, b[4 * h + 2 + i]);
          a[4 * h + 2 + i] = _mm512_permutex2var_pd(b[4 * h + i], hi_pairs, b[4 * h + 2 + i]);
        }
      }
      // Round 3: the low halves of a[i] and a[4+i] make column i, the high halves column 4+i.
      for (int i = 0; i < 4; ++i) {
        b[i] = _mm512_permutex2var_pd(a[i], lo_quads, a[4 + i]);
        b[4 + i] = _mm512_permutex2var_pd(a[i], hi_quads, a[4 + i]);
      }
      // b[i] is column k + i, rows r to r + 7.
      for (int i = 0; i < 8; ++i) _mm512_storeu_pd(columns + (k + static_cast<std::size_t>(i)) * stride + r, b[i]);
    }
    for (std::size_t k = full_width; k < width; ++k) {
      for (std::size_t i = 0; i < 8; ++i) columns[k * stride + r + i] = tile[(r + i) * width + k];
    }
  }
  if (full_rows < rows) {
    tile_to_columns_portable(tile + full_rows * width, rows - full_rows, width, columns + full_rows, stride);
  }
}
#endif

}  // namespace

void tile_to_columns(const double* tile, std::size_t rows, std::size_t width, double* columns, std::size_t stride) {
#ifdef INFERSIM_HAVE_AVX512
  if (active_isa() == Isa::avx512) {
    tile_to_columns_avx512(tile, rows, width, columns, stride);
    return;
  }
#endif
  tile_to_columns_portable(tile, rows, width, columns, stride);
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

void TileMoments::add_tile(const double* tile, std::size_t rows) {
#ifdef INFERSIM_HAVE_AVX512
  if (active_isa() == Isa::avx512) {
    add_tile_avx512(tile, rows);
    return;
  }
#endif
  add_tile_portable(tile, rows);
}

}  // namespace infersim::kernels
