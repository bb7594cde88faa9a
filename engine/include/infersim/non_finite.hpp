#pragma once
/// Non-finite outputs, never silent (docs/hardening.md): a path whose model output is
/// infinite, or NaN where the metric is always defined, is left out of the metric's
/// statistics and counted; a run reports the counts (RunResult::non_finite, the result
/// JSON's `non_finite`, a warning in the CLI summary and in Python). IRR, payback year,
/// MIRR and the costs per token served are undefined by design on some paths: their NaN
/// is reported by `defined_fraction`, not here (their infinities are).
#include <cstdint>
#include <string>
#include <vector>

namespace infersim {

struct RunResult;

/// Whether output `index` of a path (metric_index order; `throughput_clusters` clusters
/// with a throughput block) may be undefined (NaN) by design.
bool may_be_undefined(int index, int horizon_years, int throughput_clusters);

/// The name of output `index` of a result's paths, as the non-finite report writes it:
/// `npv_usd`, `revenue_usd@2028`, `clusters.NAME.batch`, and a segment's series as the
/// analyses name it, `revenue_usd.SEGMENT@2028`.
std::string output_name(const RunResult& r, int index);

/// One line a metric with non-finite values: "npv_usd: all 10000 paths non-finite (its
/// statistics are undefined)" or "revenue_usd@2028: 12 of 10000 paths non-finite (left
/// out of its statistics)"; a series' consecutive years with the same count share a line
/// ("revenue_usd@2028..2035: ... each year"). Empty when there are none.
std::vector<std::string> non_finite_warnings(const RunResult& r);

}  // namespace infersim
