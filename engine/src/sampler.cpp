// Samplers (model.md §8): every sampler hands out uniforms as a pure function of
// (seed, paths, path, input), so results never depend on threads or block splits.
#include "infersim/sampler.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include <boost/random/sobol.hpp>

#include "infersim/counter_rng.hpp"
#include "infersim/error.hpp"

namespace infersim {
namespace {

// Streams of the counter-based generator, one per purpose.
constexpr std::uint32_t k_stream_random = 0, k_stream_lhs_jitter = 1, k_stream_sobol_low_bits = 2;
constexpr std::size_t k_max_replicates = 16;

std::uint64_t derive_key(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t purpose) {
  return mix64(seed ^ mix64(a * 0x9E3779B97F4A7C15ull ^ mix64(b + (purpose << 48))));
}

}  // namespace

std::uint64_t permute_index(std::uint64_t k, std::uint64_t n, std::uint64_t key) {
  if (n <= 1) return 0;
  // Balanced Feistel network on 2h bits, 2^(2h) >= n; walk the cycle until inside [0, n).
  const int bits = std::max(2, static_cast<int>(std::bit_width(n - 1)));
  const int half = (bits + 1) / 2;
  const std::uint64_t mask = (std::uint64_t{1} << half) - 1;
  std::uint64_t x = k;
  do {
    std::uint64_t left = x >> half, right = x & mask;
    for (std::uint64_t round = 0; round < 4; ++round) {
      const std::uint64_t f = mix64(right ^ mix64(key + round)) & mask;
      const std::uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= n);
  return x;
}

std::uint32_t owen_scramble(std::uint32_t x, std::uint32_t seed) {
  auto reverse = [](std::uint32_t v) {
    v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
    v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
    v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
    v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
    return (v >> 16) | (v << 16);
  };
  x = reverse(x);
  x += seed;
  x ^= x * 0x6c50b47cu;
  x ^= x * 0xb82f1e52u;
  x ^= x * 0xc7afe638u;
  x ^= x * 0x8d22f6e6u;
  return reverse(x);
}

std::size_t Sampler::replicate_count(SamplerKind kind, std::uint64_t base_points) {
  if (kind == SamplerKind::random) return 1;
  // At least two points a replicate; up to 16 replicates for a standard error with 15 dof.
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(base_points / 2, 1, k_max_replicates));
}

Sampler::Sampler(SamplerKind kind, std::uint64_t seed, std::uint64_t paths, bool antithetic, std::size_t dimension)
    : kind_(kind), seed_(seed), base_points_(antithetic ? paths / 2 : paths), antithetic_(antithetic),
      dimension_(dimension) {
  if (paths == 0) throw InputError("paths: must be >= 1, got 0");
  if (antithetic && paths % 2 != 0) {
    throw InputError("paths: must be even with antithetic pairs, got " + std::to_string(paths));
  }
  replicates_ = replicate_count(kind, base_points_);
  per_replicate_ = (base_points_ + replicates_ - 1) / replicates_;
  if (kind == SamplerKind::sobol) {
    if (per_replicate_ > (std::uint64_t{1} << 32)) {
      throw InputError("paths: at most 2^32 Sobol points per replicate (" + std::to_string(replicates_) +
                       " replicates), got " + std::to_string(paths) + " paths");
    }
    if (dimension > boost::random::default_sobol_table::max_dimension) {
      throw InputError("sobol: the scenario has " + std::to_string(dimension) + " inputs; at most " +
                       std::to_string(boost::random::default_sobol_table::max_dimension) + " are supported");
    }
    // Joe–Kuo direction numbers from Boost.Random's Sobol lattice.
    using Lattice = boost::random::qrng_detail::sobol_lattice<std::uint32_t, 32, boost::random::default_sobol_table>;
    const Lattice lattice(dimension);
    directions_.assign(lattice.iter_at(0), lattice.iter_at(32 * dimension));
  }
}

void Sampler::uniforms(std::uint64_t path, std::span<const std::size_t> inputs, double* u) const {
  const std::uint64_t b = base_index(path);
  const bool flip = antithetic_ && (path & 1);
  switch (kind_) {
    case SamplerKind::random: {
      // One Philox block gives the uniforms of inputs 2k and 2k + 1.
      std::size_t pair = SIZE_MAX;
      std::array<std::uint64_t, 2> bits{};
      for (std::size_t i : inputs) {
        if (i / 2 != pair) {
          pair = i / 2;
          bits = counter_bits2(seed_, b, static_cast<std::uint32_t>(pair), k_stream_random);
        }
        u[i] = bits_to_open_unit(bits[i & 1]);
      }
      break;
    }
    case SamplerKind::lhs: {
      const std::uint64_t r = b / per_replicate_, k = b % per_replicate_;
      const std::uint64_t n = std::min(per_replicate_, base_points_ - r * per_replicate_);
      for (std::size_t i : inputs) {
        const std::uint64_t stratum = permute_index(k, n, derive_key(seed_, r, i, 1));
        const double jitter = bits_to_open_unit(counter_bits(seed_, b, static_cast<std::uint32_t>(i), k_stream_lhs_jitter));
        u[i] = (static_cast<double>(stratum) + jitter) / static_cast<double>(n);
      }
      break;
    }
    case SamplerKind::sobol: {
      const std::uint64_t r = b / per_replicate_, k = b % per_replicate_;
      const std::uint32_t gray = static_cast<std::uint32_t>(k ^ (k >> 1));
      for (std::size_t i : inputs) {
        std::uint32_t x = 0;
        for (std::uint32_t g = gray; g != 0; g &= g - 1) {
          x ^= directions_[static_cast<std::size_t>(std::countr_zero(g)) * dimension_ + i];
        }
        x = owen_scramble(x, static_cast<std::uint32_t>(derive_key(seed_, r, i, 2)));
        // 32 scrambled bits, then 21 random low bits so that u is a 53-bit double.
        const std::uint64_t low = counter_bits(seed_, b, static_cast<std::uint32_t>(i), k_stream_sobol_low_bits) >> 43;
        u[i] = (static_cast<double>((std::uint64_t{x} << 21) | low) + 0.5) * 0x1p-53;
      }
      break;
    }
  }
  if (flip) {
    for (std::size_t i : inputs) u[i] = 1.0 - u[i];
  }
}

}  // namespace infersim
