// Samplers (model.md §8): every sampler hands out uniforms as a pure function of
// (seed, paths, path, input), so results never depend on threads or block splits.
#include "sampling/sampler.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <stdexcept>

#include <boost/random/sobol.hpp>

#include "sampling/counter_rng.hpp"
#include "infersim/error.hpp"
#include "infersim/isa.hpp"
#include "simd/simd.hpp"


namespace infersim {
namespace {

// Streams of the counter-based generator, one per purpose.
constexpr std::uint32_t k_stream_random = 0, k_stream_lhs_jitter = 1, k_stream_sobol_low_bits = 2;
constexpr std::size_t k_max_replicates = 16;

std::uint64_t derive_key(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t purpose) {
  return mix64(seed ^ mix64(a * 0x9E3779B97F4A7C15ull ^ mix64(b + (purpose << 48))));
}

#ifdef INFERSIM_HAVE_AVX512
/// philox4x32() on two registers of blocks at once (one block a 64-bit lane, its 32-bit
/// words in the low halves): counters (a0, a1, p_a, stream) and (b0, b1, p_b, stream), the
/// ten round keys given. `out_a` gets (word 0 << 32 | word 1) of each lane, out_a + 8 (word
/// 2 << 32 | word 3); the same for `out_b`.
INFERSIM_AVX512 inline void philox2_avx512(const __m512i (*round_key)[2], __m512i a0, __m512i a1, __m512i p_a,
                                           __m512i b0, __m512i b1, __m512i p_b, std::uint64_t* out_a,
                                           std::uint64_t* out_b) {
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF), m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
  const __m512i stream = _mm512_set1_epi64(k_stream_random);
  __m512i x0 = a0, x1 = a1, x2 = p_a, x3 = stream, y0 = b0, y1 = b1, y2 = p_b, y3 = stream;
  for (int r = 0; r < 10; ++r) {
    const __m512i px0 = _mm512_mul_epu32(x0, m0), px1 = _mm512_mul_epu32(x2, m1);
    const __m512i py0 = _mm512_mul_epu32(y0, m0), py1 = _mm512_mul_epu32(y2, m1);
    x0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(px1, 32), x1), round_key[r][0]);
    x1 = _mm512_and_si512(px1, low32);
    x2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(px0, 32), x3), round_key[r][1]);
    x3 = _mm512_and_si512(px0, low32);
    y0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(py1, 32), y1), round_key[r][0]);
    y1 = _mm512_and_si512(py1, low32);
    y2 = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(py0, 32), y3), round_key[r][1]);
    y3 = _mm512_and_si512(py0, low32);
  }
  _mm512_store_si512(out_a, _mm512_or_si512(_mm512_slli_epi64(x0, 32), x1));
  _mm512_store_si512(out_a + 8, _mm512_or_si512(_mm512_slli_epi64(x2, 32), x3));
  _mm512_store_si512(out_b, _mm512_or_si512(_mm512_slli_epi64(y0, 32), y1));
  _mm512_store_si512(out_b + 8, _mm512_or_si512(_mm512_slli_epi64(y2, 32), y3));
}

/// The `random` sampler's uniforms of up to 16 paths (base indices b[0..count)) with
/// AVX-512, input i of path k at u[i * stride + k]: philox4x32() eight paths a register,
/// two registers (two input pairs, or two sets of paths) at once to hide the
/// multiplications' latency; then bits_to_open_unit's exact arithmetic, eight paths at
/// once. `inputs` ascend; at most 128 of them.
INFERSIM_AVX512 void random_uniforms_avx512(std::uint64_t seed, const std::uint64_t* b, std::size_t count,
                                            std::span<const std::size_t> inputs, double* u, std::size_t stride) {
  constexpr std::size_t W = 8;
  alignas(64) std::uint64_t a_lo[2 * W] = {}, a_hi[2 * W] = {};
  for (std::size_t k = 0; k < count; ++k) {
    a_lo[k] = static_cast<std::uint32_t>(b[k]);
    a_hi[k] = static_cast<std::uint32_t>(b[k] >> 32);
  }
  __m512i round_key[10][2];
  {
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      if (r > 0) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      round_key[r][0] = _mm512_set1_epi64(k0);
      round_key[r][1] = _mm512_set1_epi64(k1);
    }
  }
  const __m512i lo0 = _mm512_load_si512(a_lo), hi0 = _mm512_load_si512(a_hi);
  const __m512i lo1 = _mm512_load_si512(a_lo + W), hi1 = _mm512_load_si512(a_hi + W);
  // The distinct pairs (inputs ascend, so a pair's inputs are adjacent).
  std::size_t pairs[128], n_pairs = 0;
  for (std::size_t i : inputs) {
    if (n_pairs == 0 || pairs[n_pairs - 1] != i / 2) pairs[n_pairs++] = i / 2;
  }
  // bits[s]: the block of the s-th pair for 16 paths: [0, W) word 0|1 of paths 0-7,
  // [W, 2W) word 2|3 of paths 0-7, [2W, 4W) the same of paths 8-15.
  alignas(64) std::uint64_t bits[128][4 * W];
  for (std::size_t k = 0; k < n_pairs; k += 2) {
    const std::size_t p = pairs[k], next = std::min(k + 1, n_pairs - 1), q = pairs[next];  // q == p: one left
    const __m512i vp = _mm512_set1_epi64(static_cast<long long>(p)), vq = _mm512_set1_epi64(static_cast<long long>(q));
    if (count > W) {
      philox2_avx512(round_key, lo0, hi0, vp, lo1, hi1, vp, bits[k], bits[k] + 2 * W);
      if (next != k) philox2_avx512(round_key, lo0, hi0, vq, lo1, hi1, vq, bits[next], bits[next] + 2 * W);
    } else {
      philox2_avx512(round_key, lo0, hi0, vp, lo0, hi0, vq, bits[k], bits[next]);
    }
  }
  const __m512d half = _mm512_set1_pd(0.5), ulp = _mm512_set1_pd(0x1p-53);
  std::size_t slot = 0;
  for (std::size_t i : inputs) {
    while (pairs[slot] != i / 2) ++slot;
    for (std::size_t h = 0; h * W < count; ++h) {
      const __m512i word = _mm512_load_si512(bits[slot] + h * 2 * W + (i & 1) * W);
      // (double(bits >> 11) + 0.5) * 2^-53, each step exact.
      const __m512d x = _mm512_mul_pd(_mm512_add_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(word, 11)), half), ulp);
      const std::size_t n = std::min(W, count - h * W);
      _mm512_mask_storeu_pd(u + i * stride + h * W, static_cast<__mmask8>((1u << n) - 1), x);
    }
  }
}
#endif

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

void Sampler::uniforms_at(std::uint64_t path, std::span<const std::size_t> inputs, double* u, std::size_t stride) const {
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
        u[i * stride] = bits_to_open_unit(bits[i & 1]);
      }
      break;
    }
    case SamplerKind::lhs: {
      const std::uint64_t r = b / per_replicate_, k = b % per_replicate_;
      const std::uint64_t n = std::min(per_replicate_, base_points_ - r * per_replicate_);
      for (std::size_t i : inputs) {
        const std::uint64_t stratum = permute_index(k, n, derive_key(seed_, r, i, 1));
        const double jitter = bits_to_open_unit(counter_bits(seed_, b, static_cast<std::uint32_t>(i), k_stream_lhs_jitter));
        u[i * stride] = (static_cast<double>(stratum) + jitter) / static_cast<double>(n);
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
        u[i * stride] = (static_cast<double>((std::uint64_t{x} << 21) | low) + 0.5) * 0x1p-53;
      }
      break;
    }
  }
  if (flip) {
    for (std::size_t i : inputs) u[i * stride] = 1.0 - u[i * stride];
  }
}

void Sampler::uniforms_many(std::uint64_t first, std::size_t count, std::span<const std::size_t> inputs, double* u,
                            std::size_t stride) const {
  if (count > stride) throw std::invalid_argument("Sampler::uniforms_many: more paths than the stride holds");
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min<std::size_t>(16, count - done);
#ifdef INFERSIM_HAVE_AVX512
    if (kind_ == SamplerKind::random && active_isa() == Isa::avx512 && inputs.size() <= 128 &&
        std::is_sorted(inputs.begin(), inputs.end())) {
      std::uint64_t b[16];
      for (std::size_t k = 0; k < n; ++k) b[k] = base_index(first + done + k);
      random_uniforms_avx512(seed_, b, n, inputs, u + done, stride);
      if (antithetic_) {
        for (std::size_t k = done; k < done + n; ++k) {
          if ((first + k) & 1) {
            for (std::size_t i : inputs) u[i * stride + k] = 1.0 - u[i * stride + k];
          }
        }
      }
      done += n;
      continue;
    }
#endif
    for (std::size_t k = done; k < done + n; ++k) uniforms_at(first + k, inputs, u + k, stride);
    done += n;
  }
}

}  // namespace infersim
