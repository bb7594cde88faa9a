// The engine's metric table (metric.hpp, metrics.cpp): one row a metric, units by statistic.
#include <algorithm>
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "infersim/error.hpp"
#include "infersim/metric.hpp"
#include "infersim/model.hpp"

using namespace infersim;

TEST_CASE("every metric has one row with a unit, labels and a known kind") {
  const std::set<std::string_view> kinds{"money", "price", "fraction", "ratio", "count", "year", "number"};
  std::set<std::string_view> names;
  for (const MetricInfo& m : metric_table()) {
    CAPTURE(std::string(m.name));
    CHECK(names.insert(m.name).second);
    CHECK(!m.unit.empty());
    CHECK(!m.label.empty());
    CHECK(!m.short_label.empty());
    CHECK(kinds.count(m.kind) == 1);
  }
  std::size_t segment_only = 0;  // segment series without a yearly total of the same name
  for (const auto n : k_segment_series_names) {
    segment_only += std::find(k_series_names.begin(), k_series_names.end(), n) == k_series_names.end();
  }
  CHECK(segment_only == 2);  // share, lcot_usd_per_mtok
  CHECK(names.size() == k_series_count + k_scalar_count + k_cluster_scalar_count + segment_only);
  CHECK(metric_info("npv_usd").unit == "USD");
  CHECK(metric_info("revenue_usd").unit == "USD/yr");
  CHECK(metric_info("irr").unit == "fraction/yr");
  CHECK(metric_info("batch").unit == "sequences");
}

TEST_CASE("a statistic's unit: shares of paths are fractions, spreads of a year are years") {
  CHECK(statistic_unit("npv_usd", "p50") == "USD");
  CHECK(statistic_unit("npv_usd", "sd") == "USD");
  CHECK(statistic_unit("revenue_usd", "prob_positive") == "fraction");
  CHECK(statistic_unit("revenue_usd", "diff_prob_negative") == "fraction");
  CHECK(statistic_unit("npv_usd", "P(>1e+10)") == "fraction");
  CHECK(statistic_unit("payback_year", "p50") == "year");
  CHECK(statistic_unit("payback_year", "se") == "years");
  CHECK(statistic_unit("payback_year", "diff_mean") == "years");
  CHECK_THROWS_WITH_AS(metric_info("npv"), doctest::Contains("did you mean \"npv_usd\""), InputError);
}
