// Counter-based generator, Latin hypercube and Sobol points.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "sampling/copula.hpp"
#include "sampling/counter_rng.hpp"
#include "infersim/error.hpp"
#include "sampling/sampler.hpp"

using namespace infersim;

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors") {
  const PhiloxCounter zero = philox4x32({0, 0, 0, 0}, {0, 0});
  CHECK(zero == PhiloxCounter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  const PhiloxCounter ones = philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu});
  CHECK(ones == PhiloxCounter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  const PhiloxCounter pi = philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u});
  CHECK(pi == PhiloxCounter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("sampler: uniforms are a pure function of (seed, path, input)") {
  const std::vector<std::size_t> inputs{0, 3, 7};
  for (auto kind : {SamplerKind::random, SamplerKind::lhs, SamplerKind::sobol}) {
    const Sampler a(kind, 42, 4096, false, 8), b(kind, 42, 4096, false, 8), c(kind, 43, 4096, false, 8);
    std::vector<double> ua(8), ub(8), uc(8), only(8);
    for (std::uint64_t p : {0ull, 1ull, 777ull, 4095ull}) {
      a.uniforms(p, inputs, ua.data());
      b.uniforms(p, inputs, ub.data());
      c.uniforms(p, inputs, uc.data());
      // Asking for one input alone gives the same draw (a stress that fixes another input
      // leaves this one unchanged).
      const std::vector<std::size_t> one{3};
      a.uniforms(p, one, only.data());
      CHECK(ua == ub);
      CHECK(ua[3] != uc[3]);
      CHECK(only[3] == ua[3]);
      for (auto i : inputs) CHECK((ua[i] > 0 && ua[i] < 1));
    }
  }
}

TEST_CASE("sampler: antithetic pairs mirror each other") {
  for (auto kind : {SamplerKind::random, SamplerKind::lhs, SamplerKind::sobol}) {
    const Sampler s(kind, 7, 2048, true, 4);
    const std::vector<std::size_t> inputs{0, 1, 2, 3};
    std::vector<double> even(4), odd(4);
    for (std::uint64_t m : {0ull, 5ull, 1023ull}) {
      s.uniforms(2 * m, inputs, even.data());
      s.uniforms(2 * m + 1, inputs, odd.data());
      for (int i = 0; i < 4; ++i) CHECK(odd[i] == 1.0 - even[i]);
    }
  }
  CHECK_THROWS_AS(Sampler(SamplerKind::random, 1, 1001, true, 4), InputError);
}

TEST_CASE("sampler: plain Monte Carlo uniforms have mean 1/2 and variance 1/12") {
  const Sampler s(SamplerKind::random, 2024, 200000, false, 2);
  const std::vector<std::size_t> inputs{0, 1};
  std::vector<double> u(2);
  double sum = 0, sum2 = 0, cross = 0;
  const int n = 200000;
  for (int p = 0; p < n; ++p) {
    s.uniforms(static_cast<std::uint64_t>(p), inputs, u.data());
    sum += u[0];
    sum2 += (u[0] - 0.5) * (u[0] - 0.5);
    cross += (u[0] - 0.5) * (u[1] - 0.5);
  }
  // se of the mean: sqrt(1/12 / n); of the variance: sqrt(1/180 / n); of E[(u-.5)(v-.5)]: 1/12/sqrt(n).
  CHECK(std::abs(sum / n - 0.5) < 4 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(sum2 / n - 1.0 / 12) < 4 * std::sqrt(1.0 / 180 / n));
  CHECK(std::abs(cross / n) < 4 * (1.0 / 12) / std::sqrt(n));
}

TEST_CASE("sampler: Latin hypercube puts one point in each stratum of each replicate") {
  const std::uint64_t paths = 1000;  // 16 replicates of 63 (the last 55)
  const Sampler s(SamplerKind::lhs, 5, paths, false, 3);
  REQUIRE(s.replicates() == 16);
  const std::vector<std::size_t> inputs{0, 1, 2};
  std::vector<double> u(3);
  std::vector<std::vector<std::set<int>>> strata(16, std::vector<std::set<int>>(3));
  std::vector<int> size(16, 0);
  for (std::uint64_t p = 0; p < paths; ++p) ++size[s.replicate_of(p)];
  for (std::uint64_t p = 0; p < paths; ++p) {
    const auto r = s.replicate_of(p);
    s.uniforms(p, inputs, u.data());
    for (int i = 0; i < 3; ++i) strata[r][i].insert(static_cast<int>(std::floor(u[i] * size[r])));
  }
  for (int r = 0; r < 16; ++r) {
    for (int i = 0; i < 3; ++i) CHECK(strata[r][i].size() == static_cast<std::size_t>(size[r]));
  }
}

TEST_CASE("sampler: permute_index is a bijection") {
  for (std::uint64_t n : {1ull, 2ull, 3ull, 5ull, 1000ull, 1025ull, 4096ull}) {
    std::vector<std::uint64_t> image;
    for (std::uint64_t k = 0; k < n; ++k) image.push_back(permute_index(k, n, 99));
    std::sort(image.begin(), image.end());
    std::vector<std::uint64_t> expected(n);
    std::iota(expected.begin(), expected.end(), 0);
    CHECK(image == expected);
  }
}

TEST_CASE("sampler: scrambled Sobol points keep their net structure") {
  // 16 replicates of 1024 points: in each replicate every input's points fill the 1024
  // equal strata once, and inputs 0 and 1 fill the 32 x 32 grid once (a (0,10,2)-net).
  const Sampler s(SamplerKind::sobol, 11, 16 * 1024, false, 5);
  REQUIRE(s.replicates() == 16);
  const std::vector<std::size_t> inputs{0, 1, 4};
  std::vector<double> u(5);
  for (int r = 0; r < 16; r += 5) {
    std::vector<std::set<int>> strata(5);
    std::set<int> grid;
    for (int k = 0; k < 1024; ++k) {
      s.uniforms(static_cast<std::uint64_t>(r * 1024 + k), inputs, u.data());
      for (auto i : inputs) strata[i].insert(static_cast<int>(u[i] * 1024));
      grid.insert(static_cast<int>(u[0] * 32) * 32 + static_cast<int>(u[1] * 32));
    }
    for (auto i : inputs) CHECK(strata[i].size() == 1024);
    CHECK(grid.size() == 1024);
  }
  // Different replicates are scrambled differently.
  std::vector<double> a(5), b(5);
  s.uniforms(0, inputs, a.data());
  s.uniforms(1024, inputs, b.data());
  CHECK(a[0] != b[0]);
}

TEST_CASE("copula: achieved correlation within four standard errors") {
  // Correlate inputs 0 and 1 at rho = 0.6; measure Pearson correlation of the normal scores.
  const double rho = 0.6;
  const GaussianCopula copula({Correlation{0, 1, rho}}, [](std::size_t i) { return std::to_string(i); });
  const Sampler s(SamplerKind::random, 3, 100000, false, 2);
  const std::vector<std::size_t> inputs{0, 1};
  std::vector<double> u(2), scratch(4);
  double sxy = 0, sxx = 0, syy = 0, sx = 0, sy = 0;
  const int n = 100000;
  for (int p = 0; p < n; ++p) {
    s.uniforms(static_cast<std::uint64_t>(p), inputs, u.data());
    copula.apply(u.data(), scratch.data());
    // Inverse of Phi via the identity Phi^-1(u) = -sqrt(2) erfc^-1(2u) is not in <cmath>;
    // the copula's own output is uniform, so use the ranks' normal scores through erfc:
    // z = sqrt(2) * inverse-erf(2u - 1), computed by Newton on std::erf.
    auto inv = [](double v) {
      double z = 0;
      for (int it = 0; it < 60; ++it) {
        const double f = 0.5 * std::erfc(-z / std::sqrt(2.0)) - v;
        z -= f / (std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI));
      }
      return z;
    };
    const double x = inv(u[0]), y = inv(u[1]);
    sx += x, sy += y, sxy += x * y, sxx += x * x, syy += y * y;
  }
  const double r = (sxy / n - sx / n * sy / n) /
                   std::sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
  const double se = (1 - rho * rho) / std::sqrt(static_cast<double>(n));  // large-sample se of r
  INFO("achieved " << r << ", expected " << rho << ", se " << se);
  CHECK(std::abs(r - rho) < 4 * se);
}

TEST_CASE("copula: a matrix that is not positive definite names the inputs") {
  const std::vector<Correlation> bad{{0, 1, 0.9}, {1, 2, 0.9}, {0, 2, -0.9}};
  try {
    GaussianCopula(bad, [](std::size_t i) { return std::string("in") + std::to_string(i); });
    FAIL("expected InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("not positive definite") != std::string::npos);
    CHECK(msg.find("in0") != std::string::npos);
    CHECK(msg.find("in1") != std::string::npos);
    CHECK(msg.find("in2") != std::string::npos);
  }
}
