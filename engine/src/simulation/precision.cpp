// Runs to a target precision: checkpoints every `step` paths, each judged by the se a run
// of that many paths reports, and the run of the first checkpoint that meets every target
// (or of the cap) as the result. Nothing depends on threads: a checkpoint ends a block,
// and a block's statistics are merged in block order, as in a whole run.
#include "infersim/precision.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <cmath>

#include "infersim/error.hpp"
#include "simulation/driver.hpp"

namespace infersim {
namespace {

double parse_positive(const std::string& text, const std::string& where, const std::string& spec) {
  double x = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(x) || !(x > 0)) {
    throw InputError(where + ": the target of \"" + spec + "\" must be a positive number (an se) or percentage (of |mean|), got \"" +
                     text + "\"");
  }
  return x;
}

/// The first checkpoint from `paths` on: step, 2 step, ..., and the cap last.
std::uint64_t next_checkpoint(std::uint64_t paths, std::uint64_t step, std::uint64_t cap) {
  return std::min(cap, (paths / step + 1) * step);
}

PrecisionReport report_of(const PrecisionOptions& precision, std::uint64_t max_paths,
                          const std::function<MetricStats(const SeTarget&)>& stats) {
  PrecisionReport rep;
  rep.step = precision.step;
  rep.max_paths = max_paths;
  rep.met = true;
  for (const SeTarget& t : precision.targets) {
    const MetricStats st = stats(t);
    PrecisionReport::Target r{t.statistic.to_string(), t.value, t.relative, t.limit(st.mean), st.se, false};
    r.met = r.se <= r.limit;  // false when either is NaN
    rep.met = rep.met && r.met;
    rep.targets.push_back(std::move(r));
  }
  return rep;
}

}  // namespace

SeTarget SeTarget::parse(const std::string& text, const Scenario& scenario, const std::string& where) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError(where + ": expected METRIC[@YEAR]:mean=SE or METRIC[@YEAR]:mean=PERCENT% such as npv_usd:mean=1e8 or "
                     "npv_usd:mean=1%, got \"" + text + "\"");
  }
  std::string lhs = text.substr(0, eq);
  if (lhs.find(':') == std::string::npos) lhs += ":mean";  // `npv_usd=1e8`: the mean's se
  SeTarget t;
  t.statistic = StatisticRef::parse(lhs, scenario, where);
  if (t.statistic.statistic != "mean") {
    throw InputError(where + ": \"" + text + "\": only a mean has a standard error to target (METRIC:mean=...), got statistic \"" +
                     t.statistic.statistic + "\"");
  }
  std::string rhs = text.substr(eq + 1);
  t.relative = !rhs.empty() && rhs.back() == '%';
  if (t.relative) rhs.pop_back();
  t.value = parse_positive(rhs, where, text);
  if (t.relative) t.value /= 100;
  return t;
}

double SeTarget::limit(double mean) const { return relative ? value * std::abs(mean) : value; }

void check_precision(const PrecisionOptions& precision, const std::string& step_option) {
  if (precision.targets.empty()) throw InputError("target_se: no target given");
  if (precision.step == 0 || precision.step % k_block_paths != 0) {
    throw InputError(step_option + ": must be a positive multiple of " + std::to_string(k_block_paths) +
                     " (the paths of a block, so that a checkpoint ends one), got " + std::to_string(precision.step));
  }
}

PrecisionReport assess_precision(const RunResult& result, const PrecisionOptions& precision, std::uint64_t max_paths) {
  return report_of(precision, max_paths, [&](const SeTarget& t) {
    return result.metrics.at(static_cast<std::size_t>(t.statistic.metric.index));
  });
}

RunResult run_to_precision(const Scenario& scenario, const RunOptions& options, const PrecisionOptions& precision) {
  check_precision(precision);
  const RunSettings settings = resolve_settings(scenario, options);
  const std::uint64_t cap = settings.paths;
  std::uint64_t paths = next_checkpoint(0, precision.step, cap);
  if (settings.sampler == SamplerKind::random && paths < cap) {
    // A random path's draws do not depend on the paths of the run, so the first n paths of
    // a run of the cap are a run of n paths: one pass of moments finds the checkpoint.
    RunOptions probe = options;
    probe.paths = static_cast<std::int64_t>(cap);
    probe.keep_samples.clear();
    probe.thresholds.clear();
    probe.quantiles.clear();
    auto run = plan_run(scenario, {}, probe);
    run->plan.quantiles = false;
    std::uint64_t done = 0;  // blocks merged
    while (paths < cap) {
      const std::uint64_t last = paths / k_block_paths;
      run_range(*run, probe, done, last, [&](const BlockStatistics& b) { run->acc->merge(b); });
      done = last;
      const PrecisionReport rep = report_of(precision, cap, [&](const SeTarget& t) {
        return run->acc->statistics(static_cast<std::size_t>(t.statistic.metric.index));
      });
      if (rep.met) break;
      paths = next_checkpoint(paths, precision.step, cap);
    }
  }
  // The run of the checkpoint found (random), or of each checkpoint in turn (lhs, sobol).
  for (;;) {
    RunOptions at = options;
    at.paths = static_cast<std::int64_t>(paths);
    RunResult r = run(scenario, at);
    PrecisionReport rep = assess_precision(r, precision, cap);
    if (rep.met || paths == cap || settings.sampler == SamplerKind::random) {
      r.precision = std::move(rep);
      return r;
    }
    paths = next_checkpoint(paths, precision.step, cap);
  }
}

}  // namespace infersim
