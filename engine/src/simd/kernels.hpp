#pragma once
// Kernels of the simulation's blocks: the tile transpose, and the tile moments with AVX2
// and AVX-512 versions chosen at run time (isa.hpp) that give the portable one's bits.
// Private to the engine.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "statistics/moments.hpp"

namespace infersim::kernels {

/// Copies `rows` rows of `width` values (row r at tile + r * width) into `width` columns
/// (value r of column k at columns + k * stride + r): a transpose, exact.
void tile_to_columns(const double* tile, std::size_t rows, std::size_t width, double* columns, std::size_t stride);

/// The moments of a block's `width` metrics, built tile by tile: each tile's values of a
/// metric give Moments::of() (two passes over 16 values in the first-level cache), merged
/// into the metric's running moments with Moments::merge(), tile after tile. Held as arrays
/// of each field, so that AVX-512 does eight metrics a register (AVX2 four), with the same bits.
class TileMoments {
public:
  /// Empty moments for `width` metrics.
  void reset(std::size_t width);
  /// Merge the moments of rows [0, rows) of the tile (row r's metric k at tile[r * width + k]).
  void add_tile(const double* tile, std::size_t rows);
  /// The moments of every metric so far, into out[0, width).
  void store(Moments* out) const;

private:
  std::size_t width_ = 0;
  // Per metric, padded to a multiple of 8: Moments' fields.
  std::vector<std::uint64_t> count_, positive_, negative_;
  std::vector<double> mean_, m2_, min_, max_;
  Moments get(std::size_t k) const;
  void set(std::size_t k, const Moments& m);
  void add_tile_portable(const double* tile, std::size_t rows);
  void add_tile_avx512(const double* tile, std::size_t rows);
  void add_tile_avx2(const double* tile, std::size_t rows);
};

}  // namespace infersim::kernels
