// The Monte Carlo driver. Paths are processed in fixed blocks of k_block_paths; blocks
// run in parallel in waves and their statistics are merged serially in block order, so
// the floating-point reductions, and therefore the result bits, never depend on the
// number of threads. Memory is bounded: moments and quantile bins do not grow with paths.
#include "infersim/simulation.hpp"

#include "kernels.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <memory>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "infersim/copula.hpp"
#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "infersim/sampler.hpp"
#include "infersim/statistics.hpp"

namespace infersim {
namespace {

constexpr std::uint64_t k_wave_blocks = 16;          // blocks in flight between serial merges
constexpr std::size_t k_tile_paths = 16;             // paths written row by row before a transpose
constexpr std::uint64_t k_pilot_max_paths = 32768;   // paths that calibrate the quantile bins
constexpr std::uint64_t k_pilot_min_paths = 4096;
constexpr std::uint64_t k_pilot_max_values = 1u << 23;  // 64 MB of pilot values at most

/// One scenario evaluated on every path. Variant 0 is the base; the others (stresses,
/// comparisons) see the same uniforms on the same path: common random numbers.
struct Variant {
  const Scenario* scenario = nullptr;
  GaussianCopula copula;
  std::vector<std::size_t> uncertain;
  // Inputs whose uniforms are drawn: the uncertain ones and every input of the copula,
  // fixed or not, so that a stress that fixes one correlated input leaves its partners'
  // draws exactly as in the base run (common random numbers).
  std::vector<std::size_t> sampled;
  std::vector<Distribution> dists;  // by input index
};

/// A claim, and where its metric sits among the run's metrics.
struct PlannedClaim {
  Claim claim;          ///< metric_index relative to its variant
  std::size_t variant;  ///< whose outputs it reads
  bool chain;           ///< from the variant's claim chain
  std::size_t index;    ///< into all metrics of a path
};

/// Everything a block needs, fixed for the run.
struct Plan {
  std::vector<Variant> variants;
  Sampler sampler;
  std::vector<PlannedClaim> claims;
  int horizon = 0;
  int model_metrics = 0;  // one variant's outputs: metric_count(horizon)
  int metrics = 0;        // all metrics of a path: every variant's, then each difference from the base
  std::uint64_t paths = 0;
  bool pair_units = false;  // antithetic plain Monte Carlo: se from pair means
  std::size_t replicates = 1;
  std::uint64_t pilot_paths = 0;
  struct Kept {
    std::string name;
    int first_metric, width;
    std::vector<double>* store;
  };
  std::vector<Kept> kept;
};

/// Statistics of one block, merged into the run's totals in block order.
struct BlockResult {
  std::vector<Moments> moments;       // per metric
  std::vector<Moments> unit_moments;  // per metric, over antithetic pair means
  std::size_t rep_first = 0, rep_count_touched = 0;
  std::vector<double> rep_sum;        // replicates touched x metrics
  std::vector<std::uint64_t> rep_n;
  std::vector<std::uint64_t> claim_holds, claim_le, claim_defined;
};

/// Scratch memory of one thread. Move-only: `slots` point into `inputs`.
struct Workspace {
  Workspace() = default;
  Workspace(Workspace&&) = default;
  Workspace& operator=(Workspace&&) = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  std::vector<ModelInputs> inputs;  // one per variant
  std::vector<std::vector<Scenario::InputSlot>> slots;  // per variant: where its uncertain inputs go in `inputs`
  ModelWorkspace model;
  std::size_t dim = 0;                 // input slots of the scenario
  std::vector<double> u, x, scratch;  // uniforms and input values of a tile of paths, per variant
  std::vector<double> tile;    // path-major: the outputs of path j at [(j % k_tile_paths) * metrics]
  std::unique_ptr<double[]> values;  // metric-major: metric m of path j at columns[m * k_block_paths + j]
  double* columns = nullptr;
  std::vector<std::uint32_t> cells;  // scratch of BinnedQuantiles::add_many
  kernels::TileMoments moments;      // the block's moments, tile by tile
};

Workspace make_workspace(const Plan& plan) {
  Workspace ws;
  std::size_t copula_size = 0;
  for (const auto& v : plan.variants) {
    ws.inputs.push_back(v.scenario->base_inputs());
    copula_size = std::max(copula_size, v.copula.members().size());
  }
  // After the last push_back, so the addresses hold (a Workspace moves, never copies).
  ws.slots.resize(plan.variants.size());
  for (std::size_t vi = 0; vi < plan.variants.size(); ++vi) {
    for (std::size_t i : plan.variants[vi].uncertain) ws.slots[vi].push_back(plan.variants[vi].scenario->slot(ws.inputs[vi], i));
  }
  ws.model.reserve(plan.horizon, ws.inputs.front().clusters.size());
  // Uniforms and input values of a tile of paths: variant v's input i of tile path r at
  // [(v * inputs + i) * k_tile_paths + r].
  ws.dim = std::max<std::size_t>(1, plan.variants.front().scenario->inputs().size());
  ws.u.assign(plan.variants.size() * k_tile_paths * ws.dim, 0.5);
  ws.x.assign(ws.u.size(), 0.0);
  ws.scratch.assign(2 * copula_size * k_tile_paths + 1, 0.0);
  ws.tile.assign(static_cast<std::size_t>(plan.metrics) * k_tile_paths, 0.0);
  // Not zero-filled (5 MB): a block writes every value it reads. Aligned to a cache line.
  ws.values = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(plan.metrics) * k_block_paths + 8);
  ws.columns = ws.values.get() + (8 - (reinterpret_cast<std::uintptr_t>(ws.values.get()) / 8) % 8) % 8;
  return ws;
}

/// Evaluate the paths of block `b` and reduce them. Quantile data go either to the pilot
/// store (first blocks) or to this thread's bin counts.
void process_block(const Plan& plan, std::uint64_t b, Workspace& ws, BlockResult& br, double* pilot,
                   const BinnedQuantiles* bins, BinnedQuantiles::Counts* counts) {
  const std::uint64_t start = b * k_block_paths;
  const std::size_t n = static_cast<std::size_t>(std::min(k_block_paths, plan.paths - start));
  const auto M = static_cast<std::size_t>(plan.metrics);
  const auto& claims = plan.claims;
  br.claim_holds.assign(claims.size(), 0);
  br.claim_le.assign(claims.size(), 0);
  br.claim_defined.assign(claims.size(), 0);

  const auto Mv = static_cast<std::size_t>(plan.model_metrics);
  const std::size_t K = plan.variants.size();
  // A path's outputs are written contiguously to a small tile (rows of M values, in the
  // first-level cache); each full tile is then copied into the block's columns (one per
  // metric, k_block_paths long) and its moments merged into the block's.
  ws.moments.reset(M);
  auto flush_tile = [&](std::size_t end) {
    const std::size_t first = (end - 1) / k_tile_paths * k_tile_paths;
    kernels::tile_to_columns(ws.tile.data(), end - first, M, ws.columns + first, k_block_paths);
    ws.moments.add_tile(ws.tile.data(), end - first);
  };
  const std::size_t dim = ws.dim;
  for (std::size_t j = 0; j < n; ++j) {
    const std::uint64_t path = start + j;
    const std::span<double> all(ws.tile.data() + (j % k_tile_paths) * M, M);
    if (j % k_tile_paths == 0) {
      // model.md §8: uniforms -> copula -> inverse CDFs, for the tile's paths at once, input
      // by input (input i of the tile's path r at [i * k_tile_paths + r], per variant). The
      // uniforms are a function of (seed, path, input) alone, so every variant sees the same.
      const std::size_t count = std::min(k_tile_paths, n - j);
      for (std::size_t vi = 0; vi < K; ++vi) {
        const Variant& v = plan.variants[vi];
        double* u = ws.u.data() + vi * k_tile_paths * dim;
        double* x = ws.x.data() + vi * k_tile_paths * dim;
        plan.sampler.uniforms_many(path, count, v.sampled, u, k_tile_paths);
        if (!v.copula.empty()) v.copula.apply_many(u, k_tile_paths, count, ws.scratch.data());
        for (std::size_t i : v.uncertain) v.dists[i].quantile_many(u + i * k_tile_paths, x + i * k_tile_paths, count);
      }
    }
    for (std::size_t vi = 0; vi < K; ++vi) {
      const Variant& v = plan.variants[vi];
      // The model, path by path.
      const double* x = ws.x.data() + vi * k_tile_paths * dim + j % k_tile_paths;
      ModelInputs& in = ws.inputs[vi];
      const auto& slots = ws.slots[vi];
      for (std::size_t k = 0; k < v.uncertain.size(); ++k) slots[k].set(x[v.uncertain[k] * k_tile_paths]);
      v.scenario->finish(in);
      evaluate(in, ws.model, all.subspan(vi * Mv, Mv));
    }
    for (std::size_t vi = 1; vi < K; ++vi) {  // each variant minus the base, path by path
      for (std::size_t m = 0; m < Mv; ++m) all[(K - 1 + vi) * Mv + m] = all[vi * Mv + m] - all[m];
    }
    for (std::size_t c = 0; c < claims.size(); ++c) {
      const double x = all[claims[c].index];
      br.claim_holds[c] += claims[c].claim.holds(x);
      if (!std::isnan(x)) {
        ++br.claim_defined[c];
        br.claim_le[c] += x <= claims[c].claim.value;
      }
    }
    for (const auto& k : plan.kept) {
      std::copy_n(all.begin() + k.first_metric, k.width, k.store->begin() + static_cast<std::ptrdiff_t>(path * k.width));
    }
    if ((j + 1) % k_tile_paths == 0 || j + 1 == n) flush_tile(j + 1);
  }

  br.moments.assign(M, Moments{});
  if (plan.pair_units) br.unit_moments.assign(M, Moments{});
  if (plan.replicates > 1) {
    br.rep_first = plan.sampler.replicate_of(start);
    br.rep_count_touched = plan.sampler.replicate_of(start + n - 1) - br.rep_first + 1;
    br.rep_sum.assign(br.rep_count_touched * M, 0.0);
    br.rep_n.assign(br.rep_count_touched * M, 0);
  }
  ws.moments.store(br.moments.data());
  for (std::size_t m = 0; m < M; ++m) {
    const double* v = ws.columns + m * k_block_paths;
    if (plan.pair_units) {
      for (std::size_t j = 0; j + 1 < n; j += 2) {
        const bool a = !std::isnan(v[j]), c = !std::isnan(v[j + 1]);
        if (a && c) {
          br.unit_moments[m].add(0.5 * (v[j] + v[j + 1]));
        } else if (a || c) {
          br.unit_moments[m].add(a ? v[j] : v[j + 1]);
        }
      }
    }
    if (plan.replicates > 1) {
      for (std::size_t j = 0; j < n; ++j) {
        if (std::isnan(v[j])) continue;
        const std::size_t r = plan.sampler.replicate_of(start + j) - br.rep_first;
        br.rep_sum[r * M + m] += v[j];
        ++br.rep_n[r * M + m];
      }
    }
    if (pilot) {
      std::copy_n(v, n, pilot + m * plan.pilot_paths + start);
    } else {
      bins->add_many(*counts, static_cast<int>(m), v, n, ws.cells);
    }
  }
}

/// Running totals, merged block by block in order.
struct Totals {
  std::vector<Moments> moments, unit_moments;
  std::vector<double> rep_sum;
  std::vector<std::uint64_t> rep_n;
  std::vector<std::uint64_t> claim_holds, claim_le, claim_defined;

  void merge(const BlockResult& br, std::size_t M) {
    for (std::size_t m = 0; m < M; ++m) moments[m].merge(br.moments[m]);
    for (std::size_t m = 0; m < br.unit_moments.size(); ++m) unit_moments[m].merge(br.unit_moments[m]);
    for (std::size_t r = 0; r < br.rep_count_touched; ++r) {
      for (std::size_t m = 0; m < M; ++m) {
        rep_sum[(br.rep_first + r) * M + m] += br.rep_sum[r * M + m];
        rep_n[(br.rep_first + r) * M + m] += br.rep_n[r * M + m];
      }
    }
    for (std::size_t c = 0; c < claim_holds.size(); ++c) {
      claim_holds[c] += br.claim_holds[c];
      claim_le[c] += br.claim_le[c];
      claim_defined[c] += br.claim_defined[c];
    }
  }
};

std::uint64_t pilot_size(std::uint64_t paths, int metrics) {
  const std::uint64_t by_memory = std::bit_floor(std::max<std::uint64_t>(1, k_pilot_max_values / metrics));
  const std::uint64_t cap = std::clamp(by_memory, k_pilot_min_paths, k_pilot_max_paths);
  return std::min(paths, cap);
}

}  // namespace

ComparisonResult run_compared(const Scenario& scenario, const std::vector<std::pair<std::string, Scenario>>& others,
                              const RunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const SimulationSettings& sim = scenario.simulation();
  const std::uint64_t paths = options.paths.value_or(sim.paths);
  const std::uint64_t seed = options.seed.value_or(sim.seed);
  const SamplerKind kind = options.sampler.value_or(sim.sampler);
  const bool antithetic = options.antithetic.value_or(sim.antithetic);
  if (paths == 0) throw InputError("paths: must be >= 1, got 0");
  if (paths > BinnedQuantiles::k_max_paths) {
    throw InputError("paths: at most " + std::to_string(BinnedQuantiles::k_max_paths) + " a run, got " + std::to_string(paths));
  }
  if (options.threads < 0) throw InputError("threads: must be >= 0, got " + std::to_string(options.threads));
  for (const auto& [name, other] : others) {
    // Common random numbers need the same input slots: the same inputs in the same places.
    if (other.horizon_years() != scenario.horizon_years() || other.start_year() != scenario.start_year() ||
        other.input_paths() != scenario.input_paths()) {
      throw InputError(name + ": cannot be compared path by path with " + scenario.name() +
                       ": the years or the inputs differ (same clusters, in the same order, are needed)");
    }
  }

  const int T = scenario.horizon_years();
  const int Mv = metric_count(T);
  const std::size_t K = 1 + others.size();
  const int M = Mv * static_cast<int>(2 * K - 1);
  Plan plan{{}, Sampler(kind, seed, paths, antithetic, scenario.inputs().size()), {}, T, Mv, M, paths,
            antithetic && kind == SamplerKind::random, 1, pilot_size(paths, M), {}};
  plan.replicates = plan.sampler.replicates();
  for (std::size_t vi = 0; vi < K; ++vi) {
    const Scenario& sc = vi == 0 ? scenario : others[vi - 1].second;
    Variant v;
    v.scenario = &sc;
    v.copula = GaussianCopula(sc.correlations(), [&](std::size_t i) { return sc.inputs()[i].path; });
    v.uncertain = sc.uncertain_inputs();
    v.sampled = v.uncertain;
    v.sampled.insert(v.sampled.end(), v.copula.members().begin(), v.copula.members().end());
    std::sort(v.sampled.begin(), v.sampled.end());
    v.sampled.erase(std::unique(v.sampled.begin(), v.sampled.end()), v.sampled.end());
    for (const auto& in : sc.inputs()) v.dists.push_back(in.dist);
    for (const auto* list : {&sc.claims(), &sc.chain_claims()}) {
      for (const Claim& c : *list) {
        plan.claims.push_back({c, vi, list == &sc.chain_claims(),
                               vi * static_cast<std::size_t>(Mv) + static_cast<std::size_t>(c.metric_index)});
      }
    }
    plan.variants.push_back(std::move(v));
  }

  RunResult result;
  for (const auto& name : options.keep_samples) {
    const auto kind = find_metric(name);
    if (!kind) throw InputError("keep_samples: unknown metric \"" + name + "\"");
    const int first = kind->series ? metric_index(static_cast<Series>(kind->index), 0, T)
                                   : metric_index(static_cast<Scalar>(kind->index), T);
    const int width = kind->series ? T : 1;
    auto& store = result.samples[name];
    store.assign(paths * static_cast<std::uint64_t>(width), 0.0);
    plan.kept.push_back({name, first, width, &store});
  }

  const auto Mz = static_cast<std::size_t>(M);
  Totals totals;
  totals.moments.assign(Mz, Moments{});
  if (plan.pair_units) totals.unit_moments.assign(Mz, Moments{});
  totals.rep_sum.assign(plan.replicates * Mz, 0.0);
  totals.rep_n.assign(plan.replicates * Mz, 0);
  totals.claim_holds.assign(plan.claims.size(), 0);
  totals.claim_le.assign(plan.claims.size(), 0);
  totals.claim_defined.assign(plan.claims.size(), 0);

  // An explicit thread count is honoured even above the core count (oversubscription is
  // the caller's choice; results are the same either way).
  std::optional<tbb::global_control> allow;
  if (options.threads > 0) {
    allow.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(options.threads));
  }
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  tbb::enumerable_thread_specific<Workspace> workspaces([&] { return make_workspace(plan); });
  // Every pilot value is written by the pilot blocks: no need to zero 40 MB first.
  std::unique_ptr<double[]> pilot = std::make_unique_for_overwrite<double[]>(Mz * plan.pilot_paths);
  BinnedQuantiles bins;
  std::unique_ptr<tbb::enumerable_thread_specific<BinnedQuantiles::Counts>> counts;

  const std::uint64_t n_blocks = (paths + k_block_paths - 1) / k_block_paths;
  const std::uint64_t pilot_blocks = (plan.pilot_paths + k_block_paths - 1) / k_block_paths;
  std::vector<BlockResult> wave(k_wave_blocks);
  std::atomic<bool> stopped{false};

  auto run_blocks = [&](std::uint64_t first, std::uint64_t last, bool to_pilot) {
    for (std::uint64_t w0 = first; w0 < last; w0 += k_wave_blocks) {
      const std::uint64_t w1 = std::min(last, w0 + k_wave_blocks);
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::uint64_t>(w0, w1, 1), [&](const auto& range) {
          for (std::uint64_t b = range.begin(); b != range.end(); ++b) {
            if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
              stopped = true;
              return;
            }
            process_block(plan, b, workspaces.local(), wave[b - w0], to_pilot ? pilot.get() : nullptr, &bins,
                          to_pilot ? nullptr : &counts->local());
          }
        });
      });
      if (stopped) throw Cancelled();
      for (std::uint64_t b = w0; b < w1; ++b) totals.merge(wave[b - w0], Mz);
      if (options.progress) options.progress(std::min(paths, w1 * k_block_paths), paths);
    }
  };

  // Phase 1: the pilot paths, kept whole. When they are all the paths, quantiles are exact.
  run_blocks(0, pilot_blocks, true);
  const bool exact = plan.pilot_paths == paths;
  // Sort each metric's defined pilot values in place (NaN moved past the end).
  std::vector<std::size_t> defined(Mz);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, Mz, [&](std::size_t m) {
      double* v = pilot.get() + m * plan.pilot_paths;
      double* end = std::partition(v, v + plan.pilot_paths, [](double x) { return !std::isnan(x); });
      sort_values({v, end});
      defined[m] = static_cast<std::size_t>(end - v);
    });
  });
  auto pilot_values = [&](std::size_t m) {
    return std::span<const double>(pilot.get() + m * plan.pilot_paths, defined[m]);
  };

  // Phase 2: the remaining paths into bins calibrated on the pilot.
  BinnedQuantiles::Counts merged;
  if (!exact) {
    std::vector<std::span<const double>> sorted(Mz);
    for (std::size_t m = 0; m < Mz; ++m) sorted[m] = pilot_values(m);
    bins = BinnedQuantiles(sorted);
    merged = bins.make_counts();
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, Mz, [&](std::size_t m) { bins.add_sorted(merged, static_cast<int>(m), sorted[m]); });
    });
    pilot.reset();
    counts = std::make_unique<tbb::enumerable_thread_specific<BinnedQuantiles::Counts>>([&] { return bins.make_counts(); });
    run_blocks(pilot_blocks, n_blocks, false);
    for (const auto& c : *counts) merged.merge(c);
  }

  // Final statistics of every metric of a path, then split by variant.
  std::vector<MetricStats> stats(Mz);
  double rank_error = 0;
  const double nan = std::nan("");
  for (std::size_t m = 0; m < Mz; ++m) {
    const Moments& mo = totals.moments[m];
    MetricStats& st = stats[m];
    const bool any = mo.count > 0;
    st.mean = any ? mo.mean : nan;
    st.sd = std::sqrt(mo.variance());
    st.min = any ? mo.min : nan;
    st.max = any ? mo.max : nan;
    st.prob_positive = any ? static_cast<double>(mo.positive) / static_cast<double>(mo.count) : nan;
    st.prob_negative = any ? static_cast<double>(mo.negative) / static_cast<double>(mo.count) : nan;
    st.defined_fraction = static_cast<double>(mo.count) / static_cast<double>(paths);
    if (plan.replicates > 1) {
      // se from the spread of independent replicate means.
      Moments reps;
      for (std::size_t r = 0; r < plan.replicates; ++r) {
        const std::uint64_t n = totals.rep_n[r * Mz + m];
        if (n > 0) reps.add(totals.rep_sum[r * Mz + m] / static_cast<double>(n));
      }
      st.se = std::sqrt(reps.variance() / static_cast<double>(reps.count));
    } else if (plan.pair_units) {
      const Moments& u = totals.unit_moments[m];
      st.se = std::sqrt(u.variance() / static_cast<double>(u.count));
    } else {
      st.se = st.sd / std::sqrt(static_cast<double>(mo.count));
    }
    for (std::size_t i = 0; i < k_percentiles.size(); ++i) {
      const double p = k_percentiles[i] / 100.0;
      st.percentiles[i] = exact ? quantile_sorted(pilot_values(m), p) : bins.quantile(merged, static_cast<int>(m), p, mo.min, mo.max);
    }
    if (!exact) rank_error = std::max(rank_error, bins.rank_error_bound(merged, static_cast<int>(m)));
  }

  ComparisonResult out;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t vi = 0; vi < K; ++vi) {
    const Scenario& sc = *plan.variants[vi].scenario;
    RunResult r = vi == 0 ? std::move(result) : RunResult{};
    r.scenario = sc.name();
    r.engine_version = INFERSIM_VERSION;
    r.paths = paths;
    r.seed = seed;
    r.sampler = kind;
    r.antithetic = antithetic;
    r.replicates = plan.replicates;
    r.years = sc.years();
    r.quantile_method = exact ? "exact" : "binned";
    r.quantile_rank_error = rank_error;
    r.metrics.assign(stats.begin() + static_cast<std::ptrdiff_t>(vi * Mv),
                     stats.begin() + static_cast<std::ptrdiff_t>((vi + 1) * Mv));
    for (std::size_t c = 0; c < plan.claims.size(); ++c) {
      const PlannedClaim& pc = plan.claims[c];
      if (pc.variant != vi) continue;
      ClaimResult cr;
      cr.claim = pc.claim;
      cr.probability = static_cast<double>(totals.claim_holds[c]) / static_cast<double>(paths);
      cr.median = stats[pc.index].percentile(50);
      cr.value_percentile = totals.claim_defined[c] == 0 ? nan
                                                         : 100.0 * static_cast<double>(totals.claim_le[c]) /
                                                               static_cast<double>(totals.claim_defined[c]);
      (pc.chain ? r.chain_claims : r.claims).push_back(cr);
    }
    r.claim_chain = sc.claim_chain();
    r.catalog = sc.catalog_uses();
    r.elapsed_s = elapsed;
    if (vi == 0) {
      out.base = std::move(r);
    } else {
      VariantResult v;
      v.name = others[vi - 1].first;
      v.result = std::move(r);
      v.difference.assign(stats.begin() + static_cast<std::ptrdiff_t>((K - 1 + vi) * Mv),
                          stats.begin() + static_cast<std::ptrdiff_t>((K + vi) * Mv));
      out.variants.push_back(std::move(v));
    }
  }
  return out;
}

RunResult run(const Scenario& scenario, const RunOptions& options) {
  return std::move(run_compared(scenario, {}, options).base);
}

}  // namespace infersim
