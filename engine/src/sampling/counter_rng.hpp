#pragma once
/// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3", SC'11). The output is a pure function of (key, counter), so a
/// path's uniforms depend only on (seed, path index, input index) — never on threads.
#include <array>
#include <cstdint>

namespace infersim {

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;

/// Ten rounds of Philox4x32.
constexpr PhiloxCounter philox4x32(PhiloxCounter ctr, PhiloxKey key) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += w0;
      key[1] += w1;
    }
    const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return ctr;
}

/// SplitMix64's finalizer: a fast bijective 64-bit mixer, used to derive keys.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// 64 random bits for (seed, a, b, stream): key = seed, counter = (a, b, stream).
constexpr std::uint64_t counter_bits(std::uint64_t seed, std::uint64_t a, std::uint32_t b, std::uint32_t stream) {
  const PhiloxCounter out = philox4x32(
      {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32), b, stream},
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
  return (std::uint64_t{out[0]} << 32) | out[1];
}

/// 128 random bits for (seed, a, b, stream), as two 64-bit words.
constexpr std::array<std::uint64_t, 2> counter_bits2(std::uint64_t seed, std::uint64_t a, std::uint32_t b,
                                                     std::uint32_t stream) {
  const PhiloxCounter out = philox4x32(
      {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32), b, stream},
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
  return {(std::uint64_t{out[0]} << 32) | out[1], (std::uint64_t{out[2]} << 32) | out[3]};
}

/// A double in the open interval (0, 1) from the top 53 of 64 bits.
constexpr double bits_to_open_unit(std::uint64_t bits) {
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1p-53;
}

}  // namespace infersim
