// Non-finite outputs: the accumulator leaves infinities out of the statistics and counts
// them; which outputs may be undefined by design; the report's names and lines.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "infersim/model.hpp"
#include "infersim/non_finite.hpp"
#include "infersim/result.hpp"
#include "sampling/sampler.hpp"
#include "simd/kernels.hpp"
#include "simulation/accumulator.hpp"

using namespace infersim;

namespace {
constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("accumulator: infinite values are counted per metric and left out of the statistics") {
  // Four paths of three metrics: metric 1 is infinite on three paths, metric 2 undefined on two.
  std::vector<std::vector<double>> paths{{1, k_inf, k_nan}, {2, -k_inf, 5}, {3, 4, k_nan}, {4, k_inf, 6}};
  const Sampler sampler(SamplerKind::random, 1, paths.size(), false, 1);
  Accumulator acc(AccumulatorShape{3, paths.size(), false, &sampler, {}, {{1, 0.0}}});
  BlockStatistics b;
  acc.begin_block(b);
  std::vector<double> rows;
  for (auto& p : paths) {
    acc.screen_path(b, p.data());
    acc.add_path(b, p.data());
    rows.insert(rows.end(), p.begin(), p.end());
  }
  CHECK(std::isnan(paths[0][1]));  // screened: an infinity becomes undefined
  CHECK(paths[2][1] == 4);
  kernels::TileMoments tiles;
  tiles.reset(3);
  tiles.add_tile(rows.data(), paths.size());
  std::vector<double> columns(3 * paths.size());
  kernels::tile_to_columns(rows.data(), paths.size(), 3, columns.data(), paths.size());
  acc.end_block(b, 0, paths.size(), tiles, columns.data(), paths.size());
  acc.merge(b);
  acc.merge(b);  // a second block with the same values: counts add up
  CHECK(acc.infinite(0) == 0);
  CHECK(acc.infinite(1) == 6);
  CHECK(acc.infinite(2) == 0);
  const Moments& m = acc.moments(1);
  CHECK(m.count == 2);
  CHECK(m.mean == 4);
  CHECK(m.min == 4);
  CHECK(m.max == 4);
  const MetricStats st = acc.statistics(1);
  CHECK(std::isfinite(st.mean));
  CHECK(st.defined_fraction == doctest::Approx(0.5));
  CHECK(acc.exceedance(0) == doctest::Approx(1.0));  // P(metric 1 > 0) among its defined values
}

TEST_CASE("accumulator: a block without infinities carries no counts") {
  const Sampler sampler(SamplerKind::random, 1, 2, false, 1);
  const Accumulator acc(AccumulatorShape{2, 2, false, &sampler, {}, {}});
  BlockStatistics b;
  acc.begin_block(b);
  double path[2] = {1e308, k_nan};
  acc.screen_path(b, path);
  CHECK(b.infinite.empty());
  CHECK(path[0] == 1e308);
}

TEST_CASE("non-finite: the outputs undefined by design, and the names of outputs") {
  const int T = 3;
  CHECK(may_be_undefined(metric_index(Scalar::irr, T), T, 0));
  CHECK(may_be_undefined(metric_index(Scalar::payback_year, T), T, 0));
  CHECK(may_be_undefined(metric_index(Scalar::mirr, T), T, 0));
  CHECK(may_be_undefined(metric_index(Series::lcot_player_usd_per_mtok, 2, T), T, 0));
  CHECK_FALSE(may_be_undefined(metric_index(Scalar::npv_usd, T), T, 0));
  CHECK_FALSE(may_be_undefined(metric_index(Series::revenue_usd, 0, T), T, 0));
  CHECK_FALSE(may_be_undefined(metric_index(ClusterScalar::batch, 0, T), T, 1));
  CHECK(may_be_undefined(metric_index(SegmentSeries::lcot_usd_per_mtok, 1, 2, T, 1), T, 1));
  CHECK_FALSE(may_be_undefined(metric_index(SegmentSeries::price_usd_per_mtok, 1, 2, T, 1), T, 1));

  RunResult r;
  r.years = {2026, 2027, 2028};
  r.throughput_clusters = {"c1"};
  r.segments = {"small", "frontier"};
  CHECK(output_name(r, metric_index(Scalar::npv_usd, T)) == "npv_usd");
  CHECK(output_name(r, metric_index(Series::revenue_usd, 1, T)) == "revenue_usd@2027");
  CHECK(output_name(r, metric_index(ClusterScalar::batch, 0, T)) == "clusters.c1.batch");
  CHECK(output_name(r, metric_index(SegmentSeries::share, 1, 2, T, 1)) == "share.frontier@2028");
}

TEST_CASE("non-finite: the warning lines say how many paths, and when all of them") {
  RunResult r;
  r.paths = 10000;
  r.years = {2026, 2027, 2028};
  CHECK(non_finite_warnings(r).empty());
  r.non_finite = {{"revenue_usd@2026", 3}, {"revenue_usd@2027", 3}, {"revenue_usd@2028", 4}, {"npv_usd", 10000}};
  const auto lines = non_finite_warnings(r);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "revenue_usd@2026..2027: 3 of 10000 paths non-finite each year (left out of its statistics)");
  CHECK(lines[1] == "revenue_usd@2028: 4 of 10000 paths non-finite (left out of its statistics)");
  CHECK(lines[2] == "npv_usd: all 10000 paths non-finite (its statistics are undefined)");
}
