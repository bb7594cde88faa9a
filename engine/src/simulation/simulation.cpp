// The Monte Carlo driver (model.md §8, §10), assembled from the pipeline's parts: the
// path generator draws a tile of paths (sampling/path_generator.hpp), the model evaluates
// each path, the accumulator reduces a block and merges it in block order
// (simulation/accumulator.hpp), and the block runner runs blocks in parallel waves
// (simulation/block_runner.hpp). Blocks are fixed in size, so the floating-point
// reductions, and therefore the result bits, never depend on the number of threads.
#include "infersim/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>

#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "infersim/non_finite.hpp"
#include "sampling/path_generator.hpp"
#include "simd/kernels.hpp"
#include "simulation/accumulator.hpp"
#include "simulation/block_runner.hpp"
#include "simulation/driver.hpp"

namespace infersim {
namespace {

constexpr std::uint64_t k_wave_blocks = 16;  // blocks in flight between serial merges
// Scratch memory of all threads together (model.md §10): a run uses at most as many
// threads as this budget holds workspaces, so memory does not grow with the thread count.
constexpr std::size_t k_workspace_budget = std::size_t{512} << 20;

/// Scratch memory of one thread.
struct Workspace {
  std::vector<PathInputs> inputs;  // per variant
  ModelWorkspace model;
  std::size_t tile = 0;               // doubles of one variant's tile of draws
  std::vector<double> u, x, scratch;  // uniforms and input values of a tile of paths, per variant
  std::vector<double> rows;           // path-major: the values of tile path r at [r * metrics]
  std::unique_ptr<double[]> values;   // metric-major: metric m of path j at columns[m * k_block_paths + j]
  double* columns = nullptr;
  std::vector<std::uint32_t> cells;   // scratch of the bin lookup
  kernels::TileMoments moments;       // the block's moments, tile by tile
  BinnedQuantiles::Counts counts;     // this thread's bin counts, from its first block after the pilot
};

Workspace make_workspace(const Plan& plan) {
  Workspace ws;
  std::size_t scratch = 0;
  for (const auto& v : plan.variants) {
    ws.inputs.emplace_back(v);
    scratch = std::max(scratch, v.scratch_size());
  }
  const Scenario& sc = plan.variants.front().scenario();
  ws.model.reserve(sc.horizon_years(), sc.base_inputs().clusters.size());
  ws.tile = plan.variants.front().tile_size();
  ws.u.assign(plan.variants.size() * ws.tile, 0.5);
  ws.x.assign(ws.u.size(), 0.0);
  ws.scratch.assign(scratch, 0.0);
  ws.rows.assign(static_cast<std::size_t>(plan.metrics) * k_tile_paths, 0.0);
  // Not zero-filled (5 MB): a block writes every value it reads. Aligned to a cache line.
  ws.values = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(plan.metrics) * k_block_paths + 8);
  ws.columns = ws.values.get() + (8 - (reinterpret_cast<std::uintptr_t>(ws.values.get()) / 8) % 8) % 8;
  return ws;
}

/// Evaluate one path of a tile: every variant's model, then each variant minus the base.
void evaluate_path(const Plan& plan, Workspace& ws, std::size_t r, double* all) {
  const auto Mv = static_cast<std::size_t>(plan.model_metrics);
  const std::size_t K = plan.variants.size();
  for (std::size_t vi = 0; vi < K; ++vi) {
    const ModelInputs& in = ws.inputs[vi].load(ws.x.data() + vi * ws.tile, r);
    evaluate(in, ws.model, std::span<double>(all + vi * Mv, Mv));
  }
  for (std::size_t vi = 1; vi < K; ++vi) {
    for (std::size_t m = 0; m < Mv; ++m) all[(K - 1 + vi) * Mv + m] = all[vi * Mv + m] - all[m];
  }
}

/// Evaluate the paths of block `b` and reduce them: statistics into `bs`, quantile data to
/// the pilot (first blocks) or to this thread's bin counts.
void process_block(const Plan& plan, std::uint64_t b, Workspace& ws, const Accumulator& acc, BlockStatistics& bs,
                   QuantileAccumulator& quantiles, bool pilot) {
  const std::uint64_t start = b * k_block_paths;
  const std::size_t n = static_cast<std::size_t>(std::min(k_block_paths, plan.settings.paths - start));
  const auto M = static_cast<std::size_t>(plan.metrics);
  acc.begin_block(bs);
  // A path's values are written contiguously to a small tile of rows (in the first-level
  // cache); each full tile is then copied into the block's columns (one per metric,
  // k_block_paths long) and its moments merged into the block's.
  ws.moments.reset(M);
  for (std::size_t t0 = 0; t0 < n; t0 += k_tile_paths) {
    const std::size_t count = std::min(k_tile_paths, n - t0);
    for (std::size_t vi = 0; vi < plan.variants.size(); ++vi) {
      plan.variants[vi].draw(plan.sampler, start + t0, count, ws.u.data() + vi * ws.tile, ws.x.data() + vi * ws.tile,
                             ws.scratch.data());
    }
    for (std::size_t r = 0; r < count; ++r) {
      double* all = ws.rows.data() + r * M;
      evaluate_path(plan, ws, r, all);
      acc.screen_path(bs, all);
      acc.add_path(bs, all);
      for (const auto& k : plan.kept) {
        const std::uint64_t path = start + t0 + r;
        if (path < k.first_path || path - k.first_path >= k.store->size() / static_cast<std::size_t>(k.width)) continue;
        std::copy_n(all + k.first, k.width, k.store->begin() + static_cast<std::ptrdiff_t>((path - k.first_path) * k.width));
      }
    }
    kernels::tile_to_columns(ws.rows.data(), count, M, ws.columns + t0, k_block_paths);
    ws.moments.add_tile(ws.rows.data(), count);
  }
  acc.end_block(bs, start, n, ws.moments, ws.columns, k_block_paths);
  if (!plan.quantiles) return;
  if (!pilot && ws.counts.count.empty()) ws.counts = quantiles.make_counts();
  for (std::size_t m = 0; m < M; ++m) {
    const double* v = ws.columns + m * k_block_paths;
    if (pilot) {
      quantiles.store_pilot(m, start, v, n);
    } else {
      quantiles.add(ws.counts, m, v, n, ws.cells);
    }
  }
}

/// Common random numbers need the same input slots: the same inputs in the same places.
void check_comparable(const Scenario& base, const std::vector<std::pair<std::string, Scenario>>& others) {
  for (const auto& [name, other] : others) {
    if (other.horizon_years() != base.horizon_years() || other.start_year() != base.start_year() ||
        other.input_paths() != base.input_paths()) {
      throw InputError(name + ": cannot be compared path by path with " + base.name() +
                       ": the years or the inputs differ (same clusters, in the same order, are needed)");
    }
  }
}

/// The claims of every variant, with the index of their metric among a path's values.
std::vector<ClaimTally> plan_claims(const Plan& plan, std::vector<PlannedClaim>& where) {
  std::vector<ClaimTally> claims;
  for (std::size_t vi = 0; vi < plan.variants.size(); ++vi) {
    const Scenario& sc = plan.variants[vi].scenario();
    for (const auto* list : {&sc.claims(), &sc.chain_claims()}) {
      for (const Claim& c : *list) {
        claims.push_back({c, vi * static_cast<std::size_t>(plan.model_metrics) + static_cast<std::size_t>(c.metric_index)});
        where.push_back({vi, list == &sc.chain_claims()});
      }
    }
  }
  return claims;
}

/// Bytes of one thread's workspace at most: the block's columns, and bin counts as large
/// as the bins can be.
std::size_t workspace_bytes(const Plan& plan) {
  const auto M = static_cast<std::size_t>(plan.metrics);
  return M * k_block_paths * sizeof(double) + M * (BinnedQuantiles::k_max_bins + 3) * 2 * sizeof(std::uint32_t);
}

/// The threads a run uses: those asked for (0: every core), at most as many as the
/// workspace budget holds. Results do not depend on it.
int bounded_threads(const Plan& plan) {
  const std::size_t asked = plan.settings.threads > 0 ? static_cast<std::size_t>(plan.settings.threads)
                                                      : static_cast<std::size_t>(tbb::info::default_concurrency());
  const std::size_t fit = std::max<std::size_t>(1, k_workspace_budget / workspace_bytes(plan));
  if (asked <= fit) return plan.settings.threads;
  return static_cast<int>(fit);
}

/// The run's result for variant vi: its metrics, claims and provenance.
RunResult variant_result(const Plan& plan, std::size_t vi, const std::vector<MetricStats>& stats,
                         const Accumulator& acc, const std::vector<PlannedClaim>& where, double rank_error, bool exact) {
  const Scenario& sc = plan.variants[vi].scenario();
  const auto Mv = static_cast<std::ptrdiff_t>(plan.model_metrics);
  const RunSettings& s = plan.settings;
  RunResult r;
  r.scenario = sc.name();
  r.engine_version = INFERSIM_VERSION;
  r.paths = s.paths;
  r.seed = s.seed;
  r.sampler = s.sampler;
  r.antithetic = s.antithetic;
  r.replicates = plan.sampler.replicates();
  r.years = sc.years();
  r.quantile_method = exact ? "exact" : "binned";
  r.quantile_rank_error = rank_error;
  r.metrics.assign(stats.begin() + static_cast<std::ptrdiff_t>(vi) * Mv, stats.begin() + static_cast<std::ptrdiff_t>(vi + 1) * Mv);
  r.throughput_clusters = sc.throughput_clusters();
  r.segments = sc.segment_names();
  // Non-finite outputs (non_finite.hpp): infinities, and NaN where a metric is always defined.
  for (std::ptrdiff_t k = 0; k < Mv; ++k) {
    const auto m = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(vi) * Mv + k);
    const bool undefined_ok = may_be_undefined(static_cast<int>(k), sc.horizon_years(), static_cast<int>(r.throughput_clusters.size()));
    const std::uint64_t bad = undefined_ok ? acc.infinite(m) : s.paths - acc.moments(m).count;
    if (bad > 0) r.non_finite.emplace_back(output_name(r, static_cast<int>(k)), bad);
  }
  const double nan = std::nan("");
  for (std::size_t c = 0; c < where.size(); ++c) {
    if (where[c].variant != vi) continue;
    const ClaimTally& t = acc.shape().claims[c];
    const ClaimCounts& n = acc.claim(c);
    ClaimResult cr;
    cr.claim = t.claim;
    cr.probability = static_cast<double>(n.holds) / static_cast<double>(s.paths);
    cr.median = stats[t.index].percentile(50);
    cr.value_percentile =
        n.defined == 0 ? nan : 100.0 * static_cast<double>(n.at_most_value) / static_cast<double>(n.defined);
    (where[c].chain ? r.chain_claims : r.claims).push_back(cr);
  }
  r.claim_chain = sc.claim_chain();
  r.catalog = sc.catalog_uses();
  return r;
}

/// P(metric > k) of every threshold, in the order asked (exceedances were laid out so).
std::vector<ThresholdResult> threshold_results(const RunSettings& settings, const Accumulator& acc) {
  std::vector<ThresholdResult> out;
  std::size_t e = 0;
  for (const auto& t : settings.thresholds) {
    ThresholdResult r{t.metric.metric, t.value, {}};
    for (int w = 0; w < t.metric.width; ++w) r.probability.push_back(acc.exceedance(e++));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::unique_ptr<RunState> plan_run(const Scenario& scenario, const std::vector<std::pair<std::string, Scenario>>& others,
                                   const RunOptions& options) {
  const RunSettings settings = resolve_settings(scenario, options);
  check_comparable(scenario, others);
  const int Mv = scenario.metric_count();
  const std::size_t K = 1 + others.size();
  auto run = std::unique_ptr<RunState>(new RunState{
      Plan{settings, Sampler(settings.sampler, settings.seed, settings.paths, settings.antithetic, scenario.inputs().size()),
           {}, Mv, Mv * static_cast<int>(2 * K - 1), {}},
      {}, std::nullopt, std::nullopt, {}, 0, 0});
  Plan& plan = run->plan;
  plan.variants.reserve(K);
  plan.variants.emplace_back(scenario);
  for (const auto& [name, other] : others) plan.variants.emplace_back(other);

  for (const MetricRef& ref : settings.keep_samples) plan.kept.push_back({ref.index, ref.width, 0, &run->samples[ref.metric]});

  std::vector<std::pair<std::size_t, double>> exceedances;  // the base's values, k
  for (const auto& t : settings.thresholds) {
    for (int w = 0; w < t.metric.width; ++w) exceedances.emplace_back(static_cast<std::size_t>(t.metric.index + w), t.value);
  }
  run->acc.emplace(AccumulatorShape{static_cast<std::size_t>(plan.metrics), settings.paths,
                                    settings.antithetic && settings.sampler == SamplerKind::random, &plan.sampler,
                                    plan_claims(plan, run->where), std::move(exceedances)});
  run->quantiles.emplace(static_cast<std::size_t>(plan.metrics), settings.paths, settings.quantiles);
  run->blocks = (settings.paths + k_block_paths - 1) / k_block_paths;
  run->pilot_blocks = (run->quantiles->pilot_paths() + k_block_paths - 1) / k_block_paths;
  return run;
}

void keep_blocks(RunState& run, std::uint64_t first, std::uint64_t last) {
  const std::uint64_t paths = run.plan.settings.paths;
  const std::uint64_t first_path = std::min(paths, first * k_block_paths);
  const std::uint64_t last_path = std::max(first_path, std::min(paths, last * k_block_paths));
  for (Kept& k : run.plan.kept) {
    k.first_path = first_path;
    k.store->assign((last_path - first_path) * static_cast<std::uint64_t>(k.width), 0.0);
  }
}

void run_range(RunState& run, const RunOptions& options, std::uint64_t first, std::uint64_t last,
               const std::function<void(const BlockStatistics&)>& merge) {
  const Plan& plan = run.plan;
  const std::uint64_t paths = plan.settings.paths;
  const Accumulator& acc = *run.acc;
  QuantileAccumulator& quantiles = *run.quantiles;
  BlockRunner runner(bounded_threads(plan), options.cancel);
  tbb::enumerable_thread_specific<Workspace> workspaces([&] { return make_workspace(plan); });
  std::vector<BlockStatistics> wave(k_wave_blocks);
  auto blocks = [&](std::uint64_t b0, std::uint64_t b1, bool pilot) {
    runner.waves(
        b0, b1, k_wave_blocks,
        [&](std::uint64_t b) { process_block(plan, b, workspaces.local(), acc, wave[(b - b0) % k_wave_blocks], quantiles, pilot); },
        [&](std::uint64_t b) { merge(wave[(b - b0) % k_wave_blocks]); },
        [&](std::uint64_t w1) {
          if (options.progress) options.progress(std::min(paths, w1 * k_block_paths), paths);
        });
  };
  // The pilot blocks first (kept whole), then, when there are more paths, the rest into
  // bins calibrated on the pilot.
  const std::uint64_t pilot_end = std::min(last, run.pilot_blocks);
  if (first < pilot_end) {
    blocks(first, pilot_end, true);
    if (plan.quantiles && first == 0 && pilot_end == run.pilot_blocks) quantiles.calibrate([&](std::size_t n, auto&& f) { runner.each(n, f); });
  }
  const std::uint64_t rest = std::max(first, run.pilot_blocks);
  if (rest < last) {
    blocks(rest, last, false);
    for (const auto& ws : workspaces) quantiles.merge_counts(ws.counts);
  }
}

ComparisonResult finish_run(RunState& run, const std::vector<std::pair<std::string, Scenario>>& others,
                            double elapsed_s) {
  const Plan& plan = run.plan;
  const Accumulator& acc = *run.acc;
  const QuantileAccumulator& quantiles = *run.quantiles;
  const auto Mv = static_cast<std::size_t>(plan.model_metrics);
  const std::size_t K = plan.variants.size();
  // Final statistics of every value of a path, then split by variant.
  std::vector<MetricStats> stats(static_cast<std::size_t>(plan.metrics));
  for (std::size_t m = 0; m < stats.size(); ++m) {
    stats[m] = acc.statistics(m);
    for (std::size_t i = 0; i < k_percentiles.size(); ++i) {
      stats[m].percentiles[i] = quantiles.quantile(m, k_percentiles[i] / 100.0, acc.moments(m));
    }
    for (const double p : plan.settings.quantiles) {
      stats[m].extra.emplace_back(percentile_name(p), quantiles.quantile(m, p, acc.moments(m)));
    }
  }
  const double rank_error = quantiles.rank_error();
  ComparisonResult out;
  for (std::size_t vi = 0; vi < K; ++vi) {
    RunResult r = variant_result(plan, vi, stats, acc, run.where, rank_error, quantiles.exact());
    r.elapsed_s = elapsed_s;
    if (vi == 0) {
      r.samples = std::move(run.samples);
      r.thresholds = threshold_results(plan.settings, acc);
      out.base = std::move(r);
      continue;
    }
    VariantResult v;
    v.name = others[vi - 1].first;
    v.result = std::move(r);
    v.difference.assign(stats.begin() + static_cast<std::ptrdiff_t>((K - 1 + vi) * Mv),
                        stats.begin() + static_cast<std::ptrdiff_t>((K + vi) * Mv));
    out.variants.push_back(std::move(v));
  }
  return out;
}

ComparisonResult run_compared(const Scenario& scenario, const std::vector<std::pair<std::string, Scenario>>& others,
                              const RunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  auto run = plan_run(scenario, others, options);
  keep_blocks(*run, 0, run->blocks);
  run_range(*run, options, 0, run->blocks, [&](const BlockStatistics& b) { run->acc->merge(b); });
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto out = finish_run(*run, others, elapsed);
  return out;
}

RunResult run(const Scenario& scenario, const RunOptions& options) {
  return std::move(run_compared(scenario, {}, options).base);
}

}  // namespace infersim
