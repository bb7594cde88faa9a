// Run settings resolved once: options merged with the scenario's `simulation` block and
// checked in one place, for the command line, Python and the analyses alike.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "infersim/error.hpp"
#include "infersim/simulation.hpp"
#include "sampling/sampler.hpp"

namespace infersim {

namespace {

void resolve_quantiles(const Scenario& scenario, const RunOptions& options, RunSettings& s) {
  for (const double p : options.quantiles) {
    if (!(p > 0 && p < 1)) throw InputError("quantiles: each level must be in (0, 1), got " + format_number(p));
    // p1 ... p99 are always reported.
    const bool reported = std::any_of(k_percentiles.begin(), k_percentiles.end(), [&](int pc) { return pc / 100.0 == p; });
    if (!reported) s.quantiles.push_back(p);
  }
  std::sort(s.quantiles.begin(), s.quantiles.end());
  s.quantiles.erase(std::unique(s.quantiles.begin(), s.quantiles.end()), s.quantiles.end());
  for (const auto& [name, values] : options.thresholds) {
    const MetricRef metric = MetricRef::parse_whole(name, scenario, "thresholds");
    if (values.empty()) throw InputError("thresholds." + name + ": no values");
    for (const double k : values) {
      if (!std::isfinite(k)) throw InputError("thresholds." + name + ": must be finite, got " + format_number(k));
      s.thresholds.push_back({metric, k});
    }
  }
}

}  // namespace

RunSettings resolve_settings(const Scenario& scenario, const RunOptions& options) {
  const SimulationSettings& sim = scenario.simulation();
  RunSettings s;
  const std::int64_t paths =
      options.paths.value_or(static_cast<std::int64_t>(std::min<std::uint64_t>(sim.paths, INT64_MAX)));
  if (paths < 1) throw InputError("paths: must be >= 1, got " + std::to_string(paths));
  if (paths > k_max_paths) {
    throw InputError("paths: at most " + std::to_string(k_max_paths) + " a run, got " + std::to_string(paths));
  }
  s.paths = static_cast<std::uint64_t>(paths);
  s.seed = options.seed.value_or(sim.seed);
  s.sampler = options.sampler.value_or(sim.sampler);
  s.antithetic = options.antithetic.value_or(sim.antithetic);
  if (options.threads < 0) throw InputError("threads: must be >= 0, got " + std::to_string(options.threads));
  s.threads = options.threads;
  s.horizon_years = scenario.horizon_years();
  // The sampler's own rules: even paths with antithetic pairs, Sobol's limits.
  (void)Sampler(s.sampler, s.seed, s.paths, s.antithetic, scenario.inputs().size());
  for (const auto& name : options.keep_samples) {
    s.keep_samples.push_back(MetricRef::parse_whole(name, scenario, "keep_samples"));
  }
  resolve_quantiles(scenario, options, s);
  return s;
}

void check_simulation(const Scenario& scenario) {
  try {
    (void)resolve_settings(scenario, {});
  } catch (const InputError& e) {
    throw InputError(std::string("simulation.") + e.what());
  }
}

}  // namespace infersim
