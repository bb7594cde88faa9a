#pragma once
/// Uniforms for every (path, input): plain Monte Carlo, Latin hypercube or scrambled
/// Sobol points, optionally in antithetic pairs (model.md §8). Each uniform is a pure
/// function of (seed, number of paths, path index, input index).
#include <cstdint>
#include <span>
#include <vector>

#include "infersim/scenario.hpp"

namespace infersim {

class Sampler {
public:
  /// `dimension`: number of input slots of the scenario (Scenario::inputs().size()).
  /// Throws InputError for antithetic runs with an odd number of paths.
  Sampler(SamplerKind kind, std::uint64_t seed, std::uint64_t paths, bool antithetic, std::size_t dimension);

  /// Fill `u[i]` for each input index i in `inputs` for path `path`.
  void uniforms(std::uint64_t path, std::span<const std::size_t> inputs, double* u) const {
    uniforms_at(path, inputs, u, 1);
  }
  /// uniforms() for `count` <= `stride` consecutive paths from `first`, input by input:
  /// input i of path first + k at u[i * stride + k]. The same values; faster where the
  /// paths' draws share vector registers (the `random` sampler with AVX-512).
  void uniforms_many(std::uint64_t first, std::size_t count, std::span<const std::size_t> inputs, double* u,
                     std::size_t stride) const;

  /// Independent randomizations that `lhs` and `sobol` split the paths into, so that a
  /// standard error exists (1 for `random`, whose paths are independent already).
  std::size_t replicates() const { return replicates_; }
  /// Which replicate a path belongs to.
  std::size_t replicate_of(std::uint64_t path) const {
    return replicates_ == 1 ? 0 : static_cast<std::size_t>(base_index(path) / per_replicate_);
  }
  bool antithetic() const { return antithetic_; }
  SamplerKind kind() const { return kind_; }

  /// Number of replicates used for `paths` with a given sampler (16 at most).
  static std::size_t replicate_count(SamplerKind kind, std::uint64_t base_points);

private:
  /// uniforms() with input i's uniform at u[i * stride].
  void uniforms_at(std::uint64_t path, std::span<const std::size_t> inputs, double* u, std::size_t stride) const;
  std::uint64_t base_index(std::uint64_t path) const { return antithetic_ ? path / 2 : path; }

  SamplerKind kind_;
  std::uint64_t seed_;
  std::uint64_t base_points_;  // paths, or pairs when antithetic
  bool antithetic_;
  std::size_t dimension_;
  std::size_t replicates_ = 1;
  std::uint64_t per_replicate_ = 0;
  std::vector<std::uint32_t> directions_;  // Sobol direction numbers, [bit * dimension + input]
};

/// Latin-hypercube stratum of point `k` among `n` for one (replicate, input): a keyed
/// pseudo-random permutation of 0..n-1 (Feistel network with cycle walking).
std::uint64_t permute_index(std::uint64_t k, std::uint64_t n, std::uint64_t key);

/// Owen (nested uniform) scrambling of a 32-bit Sobol coordinate (Laine–Karras hash, as in
/// Burley, "Practical hash-based Owen scrambling", JCGT 2020).
std::uint32_t owen_scramble(std::uint32_t x, std::uint32_t seed);

}  // namespace infersim
