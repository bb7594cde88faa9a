// Non-finite outputs: which may be undefined by design, their names, the warnings.
#include "infersim/non_finite.hpp"

#include "infersim/model.hpp"
#include "infersim/result.hpp"

namespace infersim {

bool may_be_undefined(int index, int horizon_years, int throughput_clusters) {
  const int T = horizon_years;
  for (const Scalar s : {Scalar::irr, Scalar::payback_year, Scalar::mirr}) {
    if (index == metric_index(s, T)) return true;
  }
  const int lcot = metric_index(Series::lcot_player_usd_per_mtok, 0, T);
  if (index >= lcot && index < lcot + T) return true;  // nothing served that year
  const int segments_first = metric_count(T, throughput_clusters);
  if (index >= segments_first) {  // a path-priced segment has no LCOT
    const int series = (index - segments_first) / T % k_segment_series_count;
    return series == static_cast<int>(SegmentSeries::lcot_usd_per_mtok);
  }
  return false;
}

std::string output_name(const RunResult& r, int index) {
  const int T = r.horizon_years();
  const int clusters = static_cast<int>(r.throughput_clusters.size());
  auto year = [&](int t) { return "@" + std::to_string(r.years[static_cast<std::size_t>(t)]); };
  if (index < k_series_count * T) return std::string(k_series_names[static_cast<std::size_t>(index / T)]) + year(index % T);
  if (index < metric_count(T)) return std::string(k_scalar_names[static_cast<std::size_t>(index - k_series_count * T)]);
  if (index < metric_count(T, clusters)) {
    const int k = index - metric_count(T);
    return "clusters." + r.throughput_clusters[static_cast<std::size_t>(k / k_cluster_scalar_count)] + "." +
           std::string(k_cluster_scalar_names[static_cast<std::size_t>(k % k_cluster_scalar_count)]);
  }
  const int k = index - metric_count(T, clusters);
  const int segment = k / (k_segment_series_count * T), series = k / T % k_segment_series_count;
  return std::string(k_segment_series_names[static_cast<std::size_t>(series)]) + "." +
         r.segments[static_cast<std::size_t>(segment)] + year(k % T);  // as the analyses name it
}

std::vector<std::string> non_finite_warnings(const RunResult& r) {
  // A series' consecutive years with the same count share a line: revenue_usd@2030..2035.
  std::vector<std::string> out;
  const auto& bad = r.non_finite;
  for (std::size_t i = 0; i < bad.size();) {
    const auto& [name, count] = bad[i];
    const std::size_t at = name.rfind('@');
    std::size_t j = i + 1;
    if (at != std::string::npos) {
      const std::string series = name.substr(0, at + 1);
      int year = std::stoi(name.substr(at + 1));
      while (j < bad.size() && bad[j].second == count && bad[j].first.rfind(series, 0) == 0 &&
             bad[j].first.size() > series.size() && bad[j].first.find('@', series.size()) == std::string::npos &&
             std::stoi(bad[j].first.substr(series.size())) == year + 1) {
        ++year;
        ++j;
      }
    }
    const std::string what = j == i + 1 ? name : name + ".." + bad[j - 1].first.substr(at + 1);
    const std::string each = j == i + 1 ? "" : " each year";
    out.push_back(count >= r.paths ? what + ": all " + std::to_string(r.paths) + " paths non-finite" + each +
                                         " (its statistics are undefined)"
                                   : what + ": " + std::to_string(count) + " of " + std::to_string(r.paths) +
                                         " paths non-finite" + each + " (left out of its statistics)");
    i = j;
  }
  return out;
}

}  // namespace infersim
