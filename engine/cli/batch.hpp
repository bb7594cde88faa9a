#pragma once
// Batches of scenarios: folders expanded to their files, and one tidy summary table (CSV)
// across the scenarios of a run (docs/scenario-format.md, "Summary table").
#include <iosfwd>
#include <string>
#include <vector>

#include "infersim/result.hpp"

namespace infersim::cli {

/// The scenario files of the command line: a folder stands for its `*.json` files (not
/// those of its subfolders), in name order; a file stands for itself. InputError for a
/// path that does not exist or a folder without scenario files.
std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& args);

/// InputError unless `path` names a summary this build can write: CSV (any name but
/// `*.parquet`/`*.pq`, whose writer is not in the engine; see the message).
void check_summary_path(const std::string& path);

/// The summary table: one row a statistic of a metric (of a year, for a series) of a run.
class SummaryTable {
public:
  /// Adds every statistic of `r`: the scalars, then the series year by year, then the
  /// thresholds (statistic `P(>k)`); `source` is the scenario's file.
  void add(const RunResult& r, const std::string& source);
  /// The table as CSV (RFC 4180: CRLF line ends, fields with `,` `"` or line breaks quoted),
  /// columns scenario, source, metric, year, statistic, value, unit; year and value are
  /// empty for a scalar and for an undefined value.
  std::string csv() const;

private:
  std::string rows_;
};

}  // namespace infersim::cli
