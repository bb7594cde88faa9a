#pragma once
// Small data-movement kernels of the simulation's blocks, with an AVX-512 version chosen
// at run time (isa.hpp). Private to the engine.
#include <cstddef>

namespace infersim::kernels {

/// Copies `rows` rows of `width` values (row r at tile + r * width) into `width` columns
/// (value r of column k at columns + k * stride + r): a transpose, exact.
void tile_to_columns(const double* tile, std::size_t rows, std::size_t width, double* columns, std::size_t stride);

}  // namespace infersim::kernels
