#pragma once
/// Naming a metric: `npv_usd` (a scalar, one value a path), `revenue_usd@2028` (a series
/// in one year), `revenue_usd` (a whole series, for kept samples), and a statistic of one,
/// `npv_usd:p50`. One parse and one set of messages for claims, kept samples, analyses,
/// the command line and Python.
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace infersim {

/// The percentiles every metric reports (p1 ... p99).
inline constexpr std::array<int, 9> k_percentiles{1, 5, 10, 25, 50, 75, 90, 95, 99};

/// The statistic's name of a quantile level: 0.025 -> "p2.5", 0.5 -> "p50".
std::string percentile_name(double level);

class Scenario;
struct RunResult;

/// A metric by name: a series (one value a year) or a scalar (one value a path), and its
/// position in k_series_names or k_scalar_names (model.hpp).
struct MetricKind {
  bool series = false;
  int index = 0;
};

/// What a metric is (metrics.cpp, k_metric_table): its unit (`USD`, `USD/yr`, `fraction`,
/// ...), a readable label, a short label for tight places, and its kind, which says how
/// its values are written: money, price, fraction, ratio, count, year or number.
struct MetricInfo {
  std::string_view name, unit, label, short_label, kind;
};
/// One row a metric: the series, the scalars, then the per-cluster scalars (model.hpp's
/// orders). Adding a metric to model.hpp without its row here does not compile.
std::span<const MetricInfo> metric_table();
/// The row of `name`, or InputError at `where` as require_metric().
const MetricInfo& metric_info(std::string_view name, const std::string& where = "metric");
/// The unit of a statistic of a metric: the metric's own, except `fraction` for shares of
/// paths (prob_positive, prob_negative, defined_fraction, P(> k)) and `years` for the
/// spread (sd, se) or a difference (diff_*) of a calendar year.
std::string_view statistic_unit(std::string_view metric, std::string_view statistic);

/// The metric called `name`, or nothing if there is none.
std::optional<MetricKind> find_metric(std::string_view name);
/// The metric called `name`, or InputError at `where`: "unknown metric "npv"; did you
/// mean "npv_usd"?" (a near miss or a name it begins), else the list of metrics.
MetricKind require_metric(const std::string& name, const std::string& where);
/// Every metric name: the scalars (what people usually mean), then the series.
std::vector<std::string> metric_names();

/// A metric of one path: a scalar (`npv_usd`) or a series in one year (`revenue_usd@2028`);
/// or, from parse_whole(), a scalar or a whole series.
struct MetricRef {
  std::string metric;
  std::optional<int> year;  ///< the year of a series; absent for scalars and whole series
  int index = 0;            ///< first value in a path's outputs (model.hpp metric_index)
  int width = 1;            ///< values from index: 1, or the horizon for a whole series

  /// Parse `METRIC[@YEAR]`; `where` names the option or key in errors.
  static MetricRef parse(const std::string& text, const Scenario& scenario, const std::string& where);
  static MetricRef parse(const std::string& text, int start_year, int horizon_years, const std::string& where);
  /// A metric by name alone: a scalar, or a series with every year.
  static MetricRef parse_whole(const std::string& name, int horizon_years, const std::string& where);
  /// The same, and a segment's series by SERIES.SEGMENT (revenue_usd.small-open, model-v2 §B).
  static MetricRef parse_whole(const std::string& name, const Scenario& scenario, const std::string& where);
  std::string to_string() const;
};

/// A statistic of a metric: `npv_usd:p50`, `revenue_usd@2028:mean`, `npv_usd:prob_positive`.
struct StatisticRef {
  MetricRef metric;
  std::string statistic;  ///< mean, sd, se, min, max, p1..p99, prob_positive, defined_fraction
  /// Parse `METRIC[@YEAR]:STAT`; `where` names the option or key in errors.
  static StatisticRef parse(const std::string& text, const Scenario& scenario, const std::string& where);
  std::string to_string() const;
  double of(const RunResult& r) const;
};

}  // namespace infersim
