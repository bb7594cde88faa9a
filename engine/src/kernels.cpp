// Data-movement kernels of the simulation's blocks (kernels.hpp).
#include "kernels.hpp"

#include "infersim/isa.hpp"
#include "simd.hpp"


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

}  // namespace infersim::kernels
