// The kernels chosen at run time (isa.hpp): each instruction set gives the portable bits.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "sampling/copula.hpp"
#include "sampling/counter_rng.hpp"
#include "infersim/distribution.hpp"
#include "infersim/isa.hpp"
#include "infersim/result.hpp"
#include "sampling/sampler.hpp"
#include "infersim/simulation.hpp"
#include "isa_scope.hpp"
#include "simd/kernels.hpp"

using namespace infersim;
using testing::IsaScope;

namespace {

double unit(std::uint64_t key, std::uint64_t i) { return bits_to_open_unit(counter_bits(key, i, 5, 0)); }

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same_bits(a[i], b[i])) return false;
  }
  return true;
}

bool same_bits(const Moments& a, const Moments& b) {
  return a.count == b.count && same_bits(a.mean, b.mean) && same_bits(a.m2, b.m2) && same_bits(a.min, b.min) &&
         same_bits(a.max, b.max) && a.positive == b.positive && a.negative == b.negative;
}

/// Values that test the edges of vector code: NaN, signed zeros, infinities, a constant.
double awkward(std::uint64_t i, std::size_t column) {
  const double u = unit(column, i);
  if (column % 5 == 4) return 0.30000000000000004;  // every value equal (their sum / count is an ulp off)
  if (i % 13 == 3) return std::nan("");
  if (i % 17 == 5) return i % 2 ? 0.0 : -0.0;
  if (column == 7 && i == 40) return std::numeric_limits<double>::infinity();
  return (u - 0.3) * std::pow(10.0, static_cast<double>(column % 7));
}

}  // namespace

TEST_CASE("isa: the limit is at most what the processor has, and can be restored") {
  const Isa supported = supported_isa();
  {
    const IsaScope portable(Isa::portable);
    CHECK(active_isa() == Isa::portable);
  }
  limit_isa(Isa::avx512);
  CHECK(active_isa() == supported);
  CHECK(isa_name(Isa::portable) == "portable");
  CHECK(isa_name(Isa::avx512) == "avx512");
  CHECK(isa_name(Isa::avx2) == "avx2");
  MESSAGE("this processor: " << isa_name(supported));
}

TEST_CASE("kernels: tile_to_columns is a transpose") {
  for (std::size_t width : {155u, 8u, 3u, 17u}) {
    for (std::size_t rows : {16u, 9u, 8u, 1u}) {
      std::vector<double> tile(rows * width);
      for (std::size_t i = 0; i < tile.size(); ++i) tile[i] = awkward(i, i % width);
      const std::size_t stride = 40;
      std::vector<double> columns(width * stride, -1.0);
      kernels::tile_to_columns(tile.data(), rows, width, columns.data() + 3, stride);
      bool ok = true;  // each value in its place, nothing written outside
      for (std::size_t k = 0; k < width; ++k) {
        for (std::size_t r = 0; r < stride - 3; ++r) {
          const double want = r < rows ? tile[r * width + k] : -1.0;
          ok = ok && same_bits(columns[k * stride + 3 + r], want);
        }
      }
      INFO("width " << width << " rows " << rows);
      CHECK(ok);
    }
  }
}

TEST_CASE("kernels: TileMoments merges Moments::of of each tile, the same bits on every instruction set") {
  const std::size_t width = 155;
  const std::vector<std::size_t> tile_rows{16, 16, 7, 16, 1, 70};
  std::vector<std::vector<double>> tiles;
  std::uint64_t next = 0;
  for (std::size_t rows : tile_rows) {
    std::vector<double> t(rows * width);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < width; ++k) t[r * width + k] = awkward(next + r, k);
    }
    next += rows;
    tiles.push_back(std::move(t));
  }
  // The definition: per metric, Moments::of a tile's values (64 at most at once), merged in order.
  std::vector<Moments> want(width);
  for (std::size_t t = 0; t < tiles.size(); ++t) {
    for (std::size_t k = 0; k < width; ++k) {
      for (std::size_t done = 0; done < tile_rows[t]; done += 64) {
        std::vector<double> column;
        for (std::size_t r = done; r < std::min<std::size_t>(tile_rows[t], done + 64); ++r) column.push_back(tiles[t][r * width + k]);
        want[k].merge(Moments::of(column.data(), column.size()));
      }
    }
  }
  for (Isa isa : testing::isas()) {
    const IsaScope scope(isa);
    kernels::TileMoments tm;
    tm.reset(width);
    for (std::size_t t = 0; t < tiles.size(); ++t) tm.add_tile(tiles[t].data(), tile_rows[t]);
    std::vector<Moments> got(width);
    tm.store(got.data());
    std::size_t mismatches = 0;
    for (std::size_t k = 0; k < width; ++k) mismatches += !same_bits(got[k], want[k]);
    INFO(isa_name(isa));
    CHECK(mismatches == 0);
    CHECK(got[4].mean == 0.30000000000000004);  // a constant column
    CHECK(got[4].m2 == 0.0);
  }
}

TEST_CASE("kernels: normal_quantile_many and Distribution::quantile_many give quantile()'s bits") {
  // The body and both tails of AS 241 and of the beta tables, their boundaries, the ends.
  std::vector<double> u{0.5, 0.075, 0.925, 0.07499999999999999, 0.925 + 1e-16, 1.0 / 64, 1 - 1.0 / 64,
                        std::nextafter(1.0 / 64, 0.0), 1e-12, 1e-13, 1 - 1e-13, 1e-60, 0x1p-53, 1 - 0x1p-53};
  for (int i = 0; i < 1000; ++i) u.push_back(unit(77, static_cast<std::uint64_t>(i)));
  for (int i = 0; i < 50; ++i) u.push_back(std::pow(10.0, -1 - i * 0.3));
  u.push_back(0.3);  // n not a multiple of 8
  for (Isa isa : testing::isas()) {
    const IsaScope scope(isa);
    INFO(isa_name(isa));
    std::vector<double> z(u.size()), want(u.size());
    normal_quantile_many(u.data(), z.data(), u.size());
    for (std::size_t i = 0; i < u.size(); ++i) want[i] = normal_quantile(u[i]);
    CHECK(same_bits(z, want));
    const std::vector<std::string> specs{
        R"({"dist": "uniform", "min": -2, "max": 7})",
        R"({"dist": "triangular", "min": 1, "mode": 1.5, "max": 4})",
        R"({"dist": "pert", "min": 0.1, "mode": 0.28, "max": 0.5})",
        R"({"dist": "beta", "alpha": 0.7, "beta": 3, "min": 0, "max": 2})",
        R"({"dist": "normal", "mean": 5, "sd": 2})",
        R"({"dist": "normal", "mean": 5, "sd": 2, "min": 4, "max": 9})",
        R"({"dist": "lognormal", "median": 3, "p90": 8})",
        R"({"dist": "discrete", "values": [1, 2, 5], "weights": [0.2, 0.5, 0.3]})",
        "7.5"};
    for (const auto& spec : specs) {
      const Distribution d = Distribution::from_json(nlohmann::json::parse(spec), "x");
      std::vector<double> x(u.size());
      d.quantile_many(u.data(), x.data(), u.size());
      for (std::size_t i = 0; i < u.size(); ++i) want[i] = d.quantile(u[i]);
      INFO(spec);
      CHECK(same_bits(x, want));
    }
  }
}

TEST_CASE("kernels: uniforms_many and the copula's apply_many give the path-by-path bits") {
  const std::size_t dim = 23;
  const std::vector<std::size_t> inputs{0, 1, 2, 5, 8, 9, 13, 20, 21, 22};
  const std::vector<Correlation> correlations{{1, 5, 0.6}, {5, 9, -0.3}, {9, 20, 0.4}};
  const GaussianCopula copula(correlations, [](std::size_t i) { return std::to_string(i); });
  for (SamplerKind kind : {SamplerKind::random, SamplerKind::lhs, SamplerKind::sobol}) {
    for (bool antithetic : {false, true}) {
      const Sampler sampler(kind, 42, 1000, antithetic, dim);
      // Path by path, the reference.
      const std::uint64_t first = 37;  // odd: antithetic pairs split across calls
      const std::size_t count = 13, stride = 16;
      std::vector<double> want(dim * stride, 0.0), row(dim), scratch(2 * dim);
      for (std::size_t k = 0; k < count; ++k) {
        sampler.uniforms(first + k, inputs, row.data());
        copula.apply(row.data(), scratch.data());
        for (std::size_t i : inputs) want[i * stride + k] = row[i];
      }
      for (Isa isa : testing::isas()) {
        const IsaScope scope(isa);
        std::vector<double> got(dim * stride, 0.0), tile_scratch(2 * dim * stride);
        sampler.uniforms_many(first, count, inputs, got.data(), stride);
        copula.apply_many(got.data(), stride, count, tile_scratch.data());
        INFO(isa_name(isa) << " sampler " << static_cast<int>(kind) << " antithetic " << antithetic);
        CHECK(same_bits(got, want));
      }
    }
  }
}

TEST_CASE("kernels: a whole run gives the same result on every instruction set") {
  // Every kind of distribution, correlations, claims.
  const Scenario sc = Scenario::from_file(std::string(INFERSIM_SOURCE_DIR) + "/bench/fixtures/bench-2cluster.json");
  std::vector<std::string> results;
  for (Isa isa : testing::isas()) {
    const IsaScope scope(isa);
    RunOptions options;
    options.paths = 70001;  // a pilot, then binned blocks and a partial one
    RunResult r = run(sc, options);
    r.elapsed_s = 0;
    results.push_back(to_json(r).dump());
  }
  for (std::size_t k = 1; k < results.size(); ++k) CHECK(results[k] == results[0]);
}
