// The result JSON (docs/scenario-format.md, "Result").
#include "infersim/result.hpp"

#include "infersim/claim_chain.hpp"

#include <cmath>
#include <stdexcept>

namespace infersim {
namespace {

using json = nlohmann::ordered_json;

json number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// (name, value) of every statistic, in the order they are written.
std::vector<std::pair<std::string, double>> fields(const MetricStats& s) {
  std::vector<std::pair<std::string, double>> f;
  for (const auto& name : statistic_names()) f.emplace_back(name, s.get(name));
  return f;
}

}  // namespace

json metrics_to_json(const std::vector<MetricStats>& metrics, int T, bool with_negative) {
  json j;
  auto& scalars = j["scalars"] = json::object();
  for (int s = 0; s < k_scalar_count; ++s) {
    const MetricStats& st = metrics[static_cast<std::size_t>(metric_index(static_cast<Scalar>(s), T))];
    auto& o = scalars[std::string(k_scalar_names[s])] = json::object();
    for (const auto& [k, v] : fields(st)) o[k] = number(v);
    for (const auto& [k, v] : st.extra) o[k] = number(v);
    if (with_negative) o["prob_negative"] = number(st.prob_negative);
  }
  auto& series = j["series"] = json::object();
  for (int s = 0; s < k_series_count; ++s) {
    auto& o = series[std::string(k_series_names[s])] = json::object();
    for (int t = 0; t < T; ++t) {
      const MetricStats& st = metrics[static_cast<std::size_t>(metric_index(static_cast<Series>(s), t, T))];
      for (const auto& [k, v] : fields(st)) o[k].push_back(number(v));
      for (const auto& [k, v] : st.extra) o[k].push_back(number(v));
      if (with_negative) o["prob_negative"].push_back(number(st.prob_negative));
    }
  }
  return j;
}

json metric_table_json(bool with_clusters, bool with_segments) {
  json j = json::object();
  auto add = [&](std::string_view name, const char* shape) {
    const MetricInfo& m = metric_info(name);
    j[std::string(name)] = {{"unit", m.unit}, {"label", m.label}, {"short", m.short_label}, {"kind", m.kind}, {"shape", shape}};
  };
  for (auto n : k_scalar_names) add(n, "scalar");
  for (auto n : k_series_names) add(n, "series");
  if (with_clusters) {
    for (auto n : k_cluster_scalar_names) add(n, "cluster");
  }
  if (with_segments) {  // model-v2 §B: the segment series not already listed as series
    for (auto n : k_segment_series_names) {
      if (!j.contains(std::string(n))) add(n, "segment");
    }
  }
  return j;
}

const std::vector<std::string>& statistic_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n{"mean", "sd", "se", "min", "max"};
    for (int p : k_percentiles) n.push_back("p" + std::to_string(p));
    n.emplace_back("prob_positive");
    n.emplace_back("defined_fraction");
    return n;
  }();
  return names;
}

double MetricStats::get(const std::string& name) const {
  if (name == "mean") return mean;
  if (name == "sd") return sd;
  if (name == "se") return se;
  if (name == "min") return min;
  if (name == "max") return max;
  if (name == "prob_positive") return prob_positive;
  if (name == "prob_negative") return prob_negative;
  if (name == "defined_fraction") return defined_fraction;
  for (const auto& [k, v] : extra) {
    if (k == name) return v;
  }
  for (std::size_t i = 0; i < k_percentiles.size(); ++i) {
    if (name == "p" + std::to_string(k_percentiles[i])) return percentiles[i];
  }
  throw std::out_of_range("unknown statistic \"" + name + "\"");
}

double MetricStats::percentile(int p) const {
  for (std::size_t i = 0; i < k_percentiles.size(); ++i) {
    if (k_percentiles[i] == p) return percentiles[i];
  }
  return std::nan("");
}

namespace {

/// A run to a target precision (--target-se): only in its results.
json precision_to_json(const PrecisionReport& p) {
  json o;
  o["met"] = p.met;
  o["step_paths"] = p.step;
  o["max_paths"] = p.max_paths;
  auto& targets = o["targets"] = json::array();
  for (const auto& t : p.targets) {
    targets.push_back(json{{"statistic", t.statistic}, {"target", t.value}, {"relative", t.relative},
                           {"limit", number(t.limit)}, {"se", number(t.se)}, {"met", t.met}});
  }
  return o;
}

}  // namespace

nlohmann::ordered_json to_json(const RunResult& r) {
  // Keys in the order of the format document, so that a file reads top to bottom.
  json j;
  j["scenario"] = r.scenario;
  j["engine_version"] = r.engine_version;
  j["paths"] = r.paths;
  j["seed"] = r.seed;
  j["sampler"] = to_string(r.sampler);
  j["antithetic"] = r.antithetic;
  j["replicates"] = r.replicates;
  j["quantile_method"] = r.quantile_method;
  j["quantile_rank_error"] = r.quantile_rank_error;
  j["years"] = r.years;
  const auto stats = metrics_to_json(r.metrics, r.horizon_years());
  j["scalars"] = stats["scalars"];
  j["series"] = stats["series"];
  // model-v2 §A: per-cluster scalars, only when some cluster has a throughput block.
  if (!r.throughput_clusters.empty()) {
    auto& clusters = j["clusters"] = json::object();
    for (std::size_t c = 0; c < r.throughput_clusters.size(); ++c) {
      auto& cj = clusters[r.throughput_clusters[c]] = json::object();
      for (int s = 0; s < k_cluster_scalar_count; ++s) {
        auto& o = cj[std::string(k_cluster_scalar_names[static_cast<std::size_t>(s)])] = json::object();
        for (const auto& [k, v] : fields(r.cluster(static_cast<ClusterScalar>(s), c))) o[k] = number(v);
      }
    }
  }
  j["metrics"] = metric_table_json(!r.throughput_clusters.empty(), !r.segments.empty());
  // model-v2 §B: per-segment series, only when the market has segments; laid out like "series".
  if (!r.segments.empty()) {
    auto& segments = j["segments"] = json::object();
    for (std::size_t g = 0; g < r.segments.size(); ++g) {
      auto& gj = segments[r.segments[g]] = json::object();
      for (int s = 0; s < k_segment_series_count; ++s) {
        auto& o = gj[std::string(k_segment_series_names[static_cast<std::size_t>(s)])] = json::object();
        for (int t = 0; t < r.horizon_years(); ++t) {
          for (const auto& [k, v] : fields(r.segment(static_cast<SegmentSeries>(s), g, t))) o[k].push_back(number(v));
        }
      }
    }
  }
  auto& claims = j["claims"] = json::array();
  for (const auto& c : r.claims) {
    json o;
    o["id"] = c.claim.id;
    o["metric"] = c.claim.metric;
    if (c.claim.year) o["year"] = *c.claim.year;
    o["op"] = to_string(c.claim.op);
    o["value"] = c.claim.value;
    if (c.claim.op == ClaimOp::approx) o["rel_tol"] = c.claim.rel_tol;
    o["probability"] = number(c.probability);
    o["median"] = number(c.median);
    o["value_percentile"] = number(c.value_percentile);
    claims.push_back(o);
  }
  if (!r.thresholds.empty()) {
    auto& thresholds = j["thresholds"] = json::array();
    for (const auto& t : r.thresholds) {
      json o{{"metric", t.metric}, {"value", t.value}};
      if (t.probability.size() == 1) {
        o["probability"] = number(t.probability[0]);
      } else {
        for (double p : t.probability) o["probability"].push_back(number(p));
      }
      thresholds.push_back(o);
    }
  }
  if (r.claim_chain) j["claim_chain"] = chain_to_json(r);
  if (r.precision) j["target_se"] = precision_to_json(*r.precision);
  if (!r.catalog.empty()) j["catalog"] = json::parse(to_json(r.catalog).dump());
  if (!r.non_finite.empty()) {  // non_finite.hpp: only when some output was not finite
    auto& bad = j["non_finite"] = json::object();
    for (const auto& [name, count] : r.non_finite) bad[name] = count;
  }
  j["elapsed_s"] = r.elapsed_s;
  return j;
}

}  // namespace infersim
