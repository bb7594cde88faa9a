// Batches of scenarios (batch.hpp): folder expansion and the summary table.
#include "batch.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "infersim/error.hpp"
#include "infersim/metric.hpp"
#include "infersim/model.hpp"

namespace infersim::cli {
namespace fs = std::filesystem;

std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& arg : args) {
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) throw InputError("File does not exist: " + arg);  // CLI11's words, as for validate
    if (!fs::is_directory(st)) {
      files.push_back(arg);
      continue;
    }
    std::vector<std::string> found;
    for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code fec;
      if (it->path().extension() == ".json" && it->is_regular_file(fec)) found.push_back(it->path().string());
    }
    if (ec) throw InputError(arg + ": cannot list the folder (" + ec.message() + ")");
    if (found.empty()) throw InputError(arg + ": a folder without *.json scenario files");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void check_summary_path(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".parquet" || ext == ".pq") {
    throw InputError("--summary: " + path +
                     ": the command line writes CSV only (Parquet needs Apache Arrow, which this build does not "
                     "have); write summary.csv, or use Python: infersim.run_many(...).to_parquet(path) with "
                     "pyarrow or fastparquet installed");
  }
}

namespace {

/// A CSV field, quoted when it must be (RFC 4180 §2.6-2.7).
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string value_text(double x) { return std::isfinite(x) ? format_number(x) : std::string(); }

}  // namespace

void SummaryTable::add(const RunResult& r, const std::string& source) {
  const int T = r.horizon_years();
  const std::string head = field(r.scenario) + "," + field(source) + ",";
  auto row = [&](std::string_view metric, std::string year, const std::string& statistic, double value) {
    rows_ += head + field(std::string(metric)) + "," + year + "," + field(statistic) + "," + value_text(value) + "," +
             field(std::string(statistic_unit(metric, statistic))) + "\r\n";
  };
  auto stats = [&](std::string_view metric, const std::string& year, const MetricStats& m) {
    for (const auto& s : statistic_names()) row(metric, year, s, m.get(s));
    for (const auto& [k, v] : m.extra) row(metric, year, k, v);
  };
  for (int s = 0; s < k_scalar_count; ++s) {
    stats(k_scalar_names[static_cast<std::size_t>(s)], "", r.scalar(static_cast<Scalar>(s)));
  }
  for (int s = 0; s < k_series_count; ++s) {
    for (int t = 0; t < T; ++t) {
      stats(k_series_names[static_cast<std::size_t>(s)], std::to_string(r.years[static_cast<std::size_t>(t)]),
            r.series(static_cast<Series>(s), t));
    }
  }
  for (const auto& th : r.thresholds) {
    const std::string statistic = "P(>" + format_number(th.value) + ")";
    if (th.probability.size() == 1) {
      row(th.metric, "", statistic, th.probability[0]);
      continue;
    }
    for (std::size_t t = 0; t < th.probability.size(); ++t) {
      row(th.metric, std::to_string(r.years[t]), statistic, th.probability[t]);
    }
  }
}

std::string SummaryTable::csv() const { return "scenario,source,metric,year,statistic,value,unit\r\n" + rows_; }

}  // namespace infersim::cli
