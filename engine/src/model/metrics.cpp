// Metric names and references (metric.hpp): the one parse of METRIC[@YEAR][:STAT] and its
// messages, shared by claims, kept samples, analyses, the command line and Python.
#include "infersim/metric.hpp"

#include <algorithm>
#include <utility>

#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "infersim/result.hpp"
#include "infersim/scenario.hpp"
#include "json/strict_json.hpp"

namespace infersim {
namespace {

// The one table of what each metric is (units as in docs/model.md §9). The result JSON's
// "metrics" block, the CLI's summary CSV, Python's infersim.metrics, the JSON Schema and the
// dashboard all read it: a new metric is one row here (and its name in model.hpp).
//   name                             unit        label                               short            kind
constexpr MetricInfo k_metric_table[] = {
    {"market_spend_usd",               "USD/yr",    "Inference market spend",           "Market",         "money"},
    {"price_usd_per_mtok",             "USD/Mtok",  "Market price per million tokens",  "Price",          "price"},
    {"demand_tokens",                  "tokens/yr", "Market demand for tokens",         "Demand",         "count"},
    {"capacity_tokens",                "tokens/yr", "Token capacity",                   "Capacity",       "count"},
    {"served_tokens",                  "tokens/yr", "Tokens served",                    "Served",         "count"},
    {"unserved_tokens",                "tokens/yr", "Unserved demand (tokens)",         "Unserved",       "count"},
    {"utilization",                    "fraction",  "Utilization",                      "Utilization",    "fraction"},
    {"revenue_usd",                    "USD/yr",    "Revenue (ARR)",                    "ARR",            "money"},
    {"capex_usd",                      "USD/yr",    "Capex",                            "Capex",          "money"},
    {"depreciation_usd",               "USD/yr",    "Depreciation",                     "Depreciation",   "money"},
    {"power_cost_usd",                 "USD/yr",    "Power cost",                       "Power",          "money"},
    {"opex_usd",                       "USD/yr",    "Operating cost",                   "Opex",           "money"},
    {"ebit_usd",                       "USD/yr",    "EBIT",                             "EBIT",           "money"},
    {"fcf_usd",                        "USD/yr",    "Free cash flow",                   "FCF",            "money"},
    {"ebit_ratio",                     "ratio",     "EBIT / baseline EBIT",             "EBIT ratio",     "ratio"},
    // model-v2 §C, the corporate-finance layer.
    {"ebitda_usd",                     "USD/yr",    "EBITDA",                           "EBITDA",         "money"},
    {"lease_cost_usd",                 "USD/yr",    "Lease cost",                       "Lease",          "money"},
    {"fixed_costs_usd",                "USD/yr",    "Fixed (model) costs",              "Fixed costs",    "money"},
    {"tax_usd",                        "USD/yr",    "Tax (negative: relief)",           "Tax",            "money"},
    {"lcot_player_usd_per_mtok",       "USD/Mtok",  "Player's cost per million tokens", "Cost/Mtok",      "price"},
    {"revenue_per_accelerator_hour_usd", "USD/accelerator-hour", "Revenue per accelerator-hour", "Revenue/accel-h", "price"},
    {"npv_usd",                        "USD",       "Net present value",                "NPV",            "money"},
    {"irr",                            "fraction/yr", "Internal rate of return",        "IRR",            "ratio"},
    {"payback_year",                   "year",      "Payback year",                     "Payback",        "year"},
    {"total_capex_usd",                "USD",       "Total capex",                      "Total capex",    "money"},
    {"cumulative_fcf_usd",             "USD",       "Cumulative free cash flow",        "Cumulative FCF", "money"},
    {"mirr",                           "fraction/yr", "Modified internal rate of return", "MIRR",         "ratio"},
    {"terminal_value_usd",             "USD",       "Terminal value (undiscounted)",    "Terminal value", "money"},
    // model.md §A: per cluster with a throughput block; tokens are input + output tokens.
    {"tokens_per_sec_per_accelerator", "tokens/s",  "Tokens/s per accelerator",         "Tokens/s",       "number"},
    {"batch",                          "sequences", "Decode batch",                     "Batch",          "number"},
    {"seconds_per_output_token",       "s",         "Seconds per decode step",          "s/token",        "number"},
    // model-v2 §B: per market segment (its other series share the v1 names).
    {"share",                          "fraction",  "Player's share of the segment",    "Share",          "fraction"},
    {"lcot_usd_per_mtok",              "USD/Mtok",  "Levelized cost of a frontier token", "LCOT",         "price"},
};

constexpr bool in_table(std::string_view name) {
  for (const auto& row : k_metric_table) {
    if (row.name == name) return true;
  }
  return false;
}
template <std::size_t N>
constexpr bool all_in_table(const std::array<std::string_view, N>& names) {
  for (auto n : names) {
    if (!in_table(n)) return false;
  }
  return true;
}
static_assert(all_in_table(k_series_names) && all_in_table(k_scalar_names) && all_in_table(k_cluster_scalar_names) &&
                  all_in_table(k_segment_series_names),
              "a metric of model.hpp has no row in k_metric_table (metrics.cpp): add its unit, label and kind");

}  // namespace

std::span<const MetricInfo> metric_table() { return k_metric_table; }

const MetricInfo& metric_info(std::string_view name, const std::string& where) {
  for (const auto& row : k_metric_table) {
    if (row.name == name) return row;
  }
  (void)require_metric(std::string(name), where);  // the message naming the metrics
  throw InputError(where + ": unknown metric \"" + std::string(name) + "\"");
}

std::string_view statistic_unit(std::string_view metric, std::string_view statistic) {
  const MetricInfo& info = metric_info(metric);
  const bool difference = statistic.starts_with("diff_");
  if (difference) statistic.remove_prefix(5);
  if (statistic == "prob_positive" || statistic == "prob_negative" || statistic == "defined_fraction" ||
      statistic.starts_with("P(")) {
    return "fraction";
  }
  if (info.kind == "year" && (difference || statistic == "sd" || statistic == "se")) return "years";
  return info.unit;
}

std::optional<MetricKind> find_metric(std::string_view name) {
  for (int i = 0; i < k_series_count; ++i) {
    if (k_series_names[static_cast<std::size_t>(i)] == name) return MetricKind{true, i};
  }
  for (int i = 0; i < k_scalar_count; ++i) {
    if (k_scalar_names[static_cast<std::size_t>(i)] == name) return MetricKind{false, i};
  }
  return std::nullopt;
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names(k_scalar_names.begin(), k_scalar_names.end());
  names.insert(names.end(), k_series_names.begin(), k_series_names.end());
  return names;
}

std::string percentile_name(double level) {
  // The level's shortest decimal with the point moved two places ("0.025" -> "2.5"), so
  // that 0.07 is "p7", not the "p7.000000000000001" of 100 * 0.07.
  std::string d = format_number(level);
  if (d.find_first_of("eE") != std::string::npos || d.rfind("0.", 0) != 0) return "p" + format_number(100 * level);
  std::string digits = d.substr(2);
  while (digits.size() < 2) digits += '0';
  std::string whole = digits.substr(0, 2), frac = digits.substr(2);
  while (whole.size() > 1 && whole[0] == '0') whole.erase(0, 1);
  return "p" + whole + (frac.empty() ? "" : "." + frac);
}

MetricKind require_metric(const std::string& name, const std::string& where) {
  if (const auto kind = find_metric(name)) return *kind;
  const std::vector<std::string> names = metric_names();
  // A near miss ("npv_ud"), else a name it begins ("npv"), else the list.
  std::string hint = detail::suggest(name, names);
  for (const auto& n : names) {
    if (hint.empty() && !name.empty() && n.starts_with(name)) hint = "; did you mean \"" + n + "\"?";
  }
  throw InputError(where + ": unknown metric \"" + name + "\"" +
                   (hint.empty() ? "; expected one of " + detail::join(names) : hint));
}

namespace {

/// model-v2 §B: SERIES.SEGMENT (revenue_usd.small-open), a per-segment series of the
/// scenario: the series and the segment, or an error naming them.
std::pair<SegmentSeries, int> segment_series_of(const std::string& name, const Scenario& sc, const std::string& where) {
  const auto dot = name.find('.');
  const std::string series = name.substr(0, dot), segment = name.substr(dot + 1);
  const std::vector<std::string> series_names(k_segment_series_names.begin(), k_segment_series_names.end());
  const auto s = std::find(series_names.begin(), series_names.end(), series);
  if (s == series_names.end()) {
    throw InputError(where + ": \"" + series + "\" is not a per-segment series; expected one of " +
                     detail::join(series_names));
  }
  const std::vector<std::string> segments = sc.segment_names();
  const auto g = std::find(segments.begin(), segments.end(), segment);
  if (g == segments.end()) {
    throw InputError(where + ": unknown segment \"" + segment + "\"" +
                     (segments.empty() ? std::string("; the scenario has no market.segments")
                                       : "; nearest: " + detail::join(detail::nearest(segment, segments, 3))));
  }
  return {static_cast<SegmentSeries>(s - series_names.begin()), static_cast<int>(g - segments.begin())};
}

}  // namespace

MetricRef MetricRef::parse(const std::string& text, const Scenario& sc, const std::string& where) {
  const std::string name = text.substr(0, text.find_first_of("@:"));
  if (name.find('.') == std::string::npos) return parse(text, sc.start_year(), sc.horizon_years(), where);
  // model-v2 §B: a segment's series in one year, SERIES.SEGMENT@YEAR (revenue_usd.small-open@2030).
  if (const auto colon = text.find(':'); colon != std::string::npos) {
    throw InputError(where + ": expected a metric of one path, not a statistic; remove \"" + text.substr(colon) + "\"");
  }
  const auto [series, segment] = segment_series_of(name, sc, where);
  // The year, checked as for a market-wide series.
  const std::string year = text.size() > name.size() ? text.substr(name.size()) : std::string();
  if (year.empty()) {
    throw InputError(where + ": \"" + name + "\" is a series; name a year, e.g. " + name + "@" +
                     std::to_string(sc.start_year()));
  }
  MetricRef m = parse("revenue_usd" + year, sc.start_year(), sc.horizon_years(), where);
  m.metric = name;
  m.index = metric_index(series, segment, *m.year - sc.start_year(), sc.horizon_years(),
                         static_cast<int>(sc.throughput_clusters().size()));
  return m;
}

MetricRef MetricRef::parse_whole(const std::string& name, const Scenario& sc, const std::string& where) {
  if (name.find('.') == std::string::npos) return parse_whole(name, sc.horizon_years(), where);
  if (name.find_first_of("@:") != std::string::npos) {
    throw InputError(where + ": expected a metric by name, every year of a series (" +
                     name.substr(0, name.find_first_of("@:")) + "), got \"" + name + "\"");
  }
  const auto [series, segment] = segment_series_of(name, sc, where);
  MetricRef m;
  m.metric = name;
  m.index = metric_index(series, segment, 0, sc.horizon_years(), static_cast<int>(sc.throughput_clusters().size()));
  m.width = sc.horizon_years();
  return m;
}

MetricRef MetricRef::parse(const std::string& text, int start_year, int T, const std::string& where) {
  if (const auto colon = text.find(':'); colon != std::string::npos) {
    throw InputError(where + ": expected a metric of one path, METRIC or METRIC@YEAR such as npv_usd, not a "
                     "statistic; remove \"" + text.substr(colon) + "\"");
  }
  MetricRef m;
  m.metric = text;
  if (const auto at = text.find('@'); at != std::string::npos) {
    m.metric = text.substr(0, at);
    const std::string year = text.substr(at + 1);
    try {
      std::size_t used = 0;
      m.year = std::stoi(year, &used);
      if (used != year.size()) throw std::invalid_argument(year);
    } catch (const std::exception&) {
      throw InputError(where + ": expected a year after '@', got \"" + year + "\"");
    }
  }
  const MetricKind kind = require_metric(m.metric, where);
  if (!kind.series) {
    if (m.year) throw InputError(where + ": \"" + m.metric + "\" is a scalar; remove \"@" + std::to_string(*m.year) + "\"");
    m.index = metric_index(static_cast<Scalar>(kind.index), T);
    return m;
  }
  if (!m.year) {
    throw InputError(where + ": \"" + m.metric + "\" is a series; name a year, e.g. " + m.metric + "@" +
                     std::to_string(start_year));
  }
  if (*m.year < start_year || *m.year >= start_year + T) {
    throw InputError(where + ": year " + std::to_string(*m.year) + " is outside the horizon " +
                     std::to_string(start_year) + ".." + std::to_string(start_year + T - 1));
  }
  m.index = metric_index(static_cast<Series>(kind.index), *m.year - start_year, T);
  return m;
}

MetricRef MetricRef::parse_whole(const std::string& name, int T, const std::string& where) {
  const MetricKind kind = require_metric(name, where);
  MetricRef m;
  m.metric = name;
  m.index = kind.series ? metric_index(static_cast<Series>(kind.index), 0, T) : metric_index(static_cast<Scalar>(kind.index), T);
  m.width = kind.series ? T : 1;
  return m;
}

std::string MetricRef::to_string() const { return metric + (year ? "@" + std::to_string(*year) : ""); }

StatisticRef StatisticRef::parse(const std::string& text, const Scenario& sc, const std::string& where) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw InputError(where + ": expected METRIC[@YEAR]:STATISTIC such as npv_usd:p50, got \"" + text + "\"");
  }
  StatisticRef s;
  s.metric = MetricRef::parse(text.substr(0, colon), sc, where);
  s.statistic = text.substr(colon + 1);
  const auto& stats = statistic_names();
  if (std::find(stats.begin(), stats.end(), s.statistic) == stats.end()) {
    throw InputError(where + ": unknown statistic \"" + s.statistic + "\"" +
                     detail::suggest(s.statistic, stats, "; expected one of " + detail::join(stats)));
  }
  return s;
}

std::string StatisticRef::to_string() const { return metric.to_string() + ":" + statistic; }

double StatisticRef::of(const RunResult& r) const { return r.metrics[static_cast<std::size_t>(metric.index)].get(statistic); }

}  // namespace infersim
