// Sensitivity analysis: tornado diagrams, Spearman rank correlations and Sobol indices.
// Every parallel loop writes each path's (or row's, or resample's) values to its own slot
// and all sums run serially in index order afterwards, so results never depend on the
// number of threads or on the block size.
#include "infersim/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>

#include <tbb/enumerable_thread_specific.h>

#include "sampling/counter_rng.hpp"
#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "sampling/path_generator.hpp"
#include "sampling/sampler.hpp"
#include "simulation/block_runner.hpp"
#include "statistics/moments.hpp"
#include "json/strict_json.hpp"

namespace infersim {
namespace {

constexpr std::uint64_t k_sample_block = 1024;  // paths a task, whole tiles; any size gives the same bits
constexpr std::uint64_t k_sobol_block = 64;     // rows of A and B a task (each d + 2 evaluations)
// Streams of the Sobol design's uniforms, away from the sampler's 0, 1 and 2 (model.md §11).
constexpr std::uint32_t k_stream_a = 0x5A170000u, k_stream_b = 0x5A170001u, k_stream_bootstrap = 0x5A170002u;
// Values kept in memory by a sample or a Sobol design (8 bytes each): 2 GB.
constexpr std::uint64_t k_max_kept_values = std::uint64_t{1} << 28;

/// One thread's memory for evaluating the model at chosen input values.
struct Scratch {
  explicit Scratch(const Scenario& sc)
      : inputs(sc.base_inputs()), out(static_cast<std::size_t>(sc.metric_count())) {
    model.reserve(sc.horizon_years(), inputs.clusters.size());
  }
  /// The metric for `inputs` as assigned so far (model.md §8 step 4, then §2-§7).
  double metric(const Scenario& sc, const MetricRef& m) {
    sc.finish(inputs);
    evaluate(inputs, model, out);
    return out[static_cast<std::size_t>(m.index)];
  }
  ModelInputs inputs;
  ModelWorkspace model;
  std::vector<double> out;
};

/// The value the model uses for a draw `x` of `in` (whole-number inputs are rounded).
double used_value(const Input& in, double x) { return in.whole ? std::nearbyint(x) : x; }

void require_uncertain(const Scenario& sc, const std::string& what) {
  if (sc.uncertain_inputs().empty()) {
    throw InputError(what + ": scenario \"" + sc.name() +
                     "\" has no uncertain inputs (every input is a plain number), so nothing can move the metric");
  }
}

/// The scenario's correlations between two uncertain inputs, described for a warning:
/// "3 pairs of uncertain inputs (e.g. market.spend_growth and market.price_decline, rho 0.5)".
std::string correlated_pairs(const Scenario& sc) {
  const auto uncertain = sc.uncertain_inputs();
  auto is_uncertain = [&](std::size_t i) { return std::binary_search(uncertain.begin(), uncertain.end(), i); };
  std::size_t n = 0;
  std::string example;
  for (const auto& c : sc.correlations()) {
    if (c.rho == 0 || !is_uncertain(c.a) || !is_uncertain(c.b)) continue;
    if (n++ == 0) {
      example = sc.inputs()[c.a].path + " and " + sc.inputs()[c.b].path + ", rho " + format_number(c.rho);
    }
  }
  if (n == 0) return "";
  return std::to_string(n) + (n == 1 ? " pair" : " pairs") + " of uncertain inputs (e.g. " + example + ")";
}

/// Largest of a field first; NaN last; ties keep their order (input order).
template <class T, class Key>
void sort_descending(std::vector<T>& v, Key key) {
  std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) {
    const double x = key(a), y = key(b);
    if (std::isnan(y)) return !std::isnan(x);
    return x > y;
  });
}

/// Mid-ranks, 1-based: tied values share the mean of the ranks they occupy.
std::vector<double> mid_ranks(std::span<const double> v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double r = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = r;
    i = j + 1;
  }
  return rank;
}

/// Pearson correlation; NaN when either side is constant.
double pearson(std::span<const double> a, std::span<const double> b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa == 0 || sbb == 0) return std::nan("");
  return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}

/// Paths of a sample on which the metric is defined, in path order.
std::vector<std::uint64_t> defined_paths(const PathSample& s) {
  std::vector<std::uint64_t> keep;
  keep.reserve(s.y.size());
  for (std::uint64_t p = 0; p < s.paths; ++p) {
    if (!std::isnan(s.y[p])) keep.push_back(p);
  }
  return keep;
}

SampleInfo info_of(const PathSample& s, std::uint64_t defined) {
  return {s.paths, defined, s.seed, s.sampler, s.antithetic};
}

nlohmann::ordered_json number(double x) { return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(); }

nlohmann::ordered_json to_json(const SampleInfo& s) {
  return {{"paths", s.paths},
          {"defined_paths", s.defined_paths},
          {"seed", s.seed},
          {"sampler", to_string(s.sampler)},
          {"antithetic", s.antithetic}};
}

// ---- Sobol ----

/// f(A), f(B) and f(AB_i) for every row.
struct Design {
  std::uint64_t n = 0;
  std::size_t d = 0;
  std::vector<double> fa, fb, fab;  // fab[i * n + row]
};

struct Estimates {
  double mean = 0, variance = 0;
  std::vector<double> first, total;
};

/// The estimators over the rows `rows[0 .. n - 1]` of the design (all rows when null).
/// f is centred on the mean of f(A) and f(B) first: the first-order estimator's
/// expectation does not change (E f(AB_i) = E f(A)) and its variance falls when |mean| is
/// large compared with the spread, as for an NPV in dollars.
Estimates estimate(const Design& e, const std::uint64_t* rows) {
  const std::uint64_t n = e.n;
  auto row = [&](std::uint64_t j) { return rows ? rows[j] : j; };
  Estimates out;
  double sum = 0;
  for (std::uint64_t j = 0; j < n; ++j) sum += e.fa[row(j)] + e.fb[row(j)];
  out.mean = sum / static_cast<double>(2 * n);
  double ss = 0;
  for (std::uint64_t j = 0; j < n; ++j) {
    const double a = e.fa[row(j)] - out.mean, b = e.fb[row(j)] - out.mean;
    ss += a * a + b * b;
  }
  out.variance = ss / static_cast<double>(2 * n - 1);
  out.first.assign(e.d, std::nan(""));
  out.total.assign(e.d, std::nan(""));
  if (!(out.variance > 0)) return out;
  for (std::size_t i = 0; i < e.d; ++i) {
    const double* fab = e.fab.data() + i * n;
    double s = 0, t = 0;
    for (std::uint64_t j = 0; j < n; ++j) {
      const std::uint64_t r = row(j);
      const double delta = fab[r] - e.fa[r];
      s += (e.fb[r] - out.mean) * delta;  // Saltelli et al. (2010), table 2 (b)
      t += delta * delta;                 // Jansen (1999), table 2 (f)
    }
    out.first[i] = s / static_cast<double>(n) / out.variance;
    out.total[i] = t / static_cast<double>(2 * n) / out.variance;
  }
  return out;
}

double design_uniform(std::uint64_t seed, std::uint64_t row, std::size_t column, std::uint32_t stream) {
  return bits_to_open_unit(counter_bits(seed, row, static_cast<std::uint32_t>(column), stream));
}

void check_sobol_options(std::size_t d, const SobolOptions& o) {
  const std::uint64_t n = o.base_rows;
  if (d == 0) throw InputError("sobol: no inputs");
  if (n < 2) throw InputError("sobol: base rows must be >= 2, got " + std::to_string(n));
  if (n > k_max_kept_values / (d + 2)) {
    throw InputError("sobol: " + std::to_string(n) + " base rows x (" + std::to_string(d) +
                     " inputs + 2) evaluations are more than the " + std::to_string(k_max_kept_values) +
                     " kept in memory; use at most " + std::to_string(k_max_kept_values / (d + 2)) + " base rows");
  }
  if (!(o.confidence > 0 && o.confidence < 1)) {
    throw InputError("sobol: confidence must be in (0, 1), got " + format_number(o.confidence));
  }
  if (o.threads < 0) throw InputError("threads: must be >= 0, got " + std::to_string(o.threads));
}

/// Saltelli's design: rows of A and B are independent uniform points; AB_i is A with
/// column i from B. A row is a pure function of (seed, row), so of neither threads nor n.
/// Evaluate rows [first, last) of the design into `e`, whose row r - first they fill.
void evaluate_rows(std::size_t d, const std::function<double(const double*)>& f, const SobolOptions& o,
                   BlockRunner& runner, std::uint64_t first, std::uint64_t last, Design& e) {
  const std::uint64_t n = last - first;
  e.n = n;
  e.d = d;
  e.fa.resize(n);
  e.fb.resize(n);
  e.fab.resize(d * n);
  tbb::enumerable_thread_specific<std::vector<double>> buffers([&] { return std::vector<double>(3 * d); });
  runner.chunks(n, k_sobol_block, [&](std::uint64_t c0, std::uint64_t c1) {
    double* a = buffers.local().data();
    double* b = a + d;
    double* ab = b + d;
    for (std::uint64_t j = c0; j < c1; ++j) {
      const std::uint64_t r = first + j;
      for (std::size_t i = 0; i < d; ++i) {
        a[i] = design_uniform(o.seed, r, i, k_stream_a);
        b[i] = design_uniform(o.seed, r, i, k_stream_b);
      }
      e.fa[j] = f(a);
      e.fb[j] = f(b);
      std::copy_n(a, d, ab);
      for (std::size_t i = 0; i < d; ++i) {
        ab[i] = b[i];
        e.fab[i * n + j] = f(ab);
        ab[i] = a[i];
      }
    }
  });
}

/// Every value of the design must be defined.
void check_design(const Design& e, const std::string& label) {
  const std::uint64_t n = e.n;
  const std::size_t d = e.d;
  const auto bad = std::count_if(e.fa.begin(), e.fa.end(), [](double x) { return !std::isfinite(x); }) +
                   std::count_if(e.fb.begin(), e.fb.end(), [](double x) { return !std::isfinite(x); }) +
                   std::count_if(e.fab.begin(), e.fab.end(), [](double x) { return !std::isfinite(x); });
  if (bad > 0) {
    throw InputError("sobol: " + label + " is undefined on " + std::to_string(bad) + " of " +
                     std::to_string(n * (d + 2)) +
                     " evaluations; Sobol indices need a metric defined everywhere (irr and payback_year can be "
                     "undefined; use npv_usd or cumulative_fcf_usd)");
  }
}

/// Percentile bootstrap intervals of every index: resample the N rows with replacement
/// (each row keeps its f(A), f(B) and f(AB_i) together); resample k draws row
/// counter_bits(seed, k, j) mod N, whose bias is below N / 2^64.
void bootstrap_intervals(const Design& e, const SobolOptions& o, BlockRunner& runner, std::vector<SobolIndex>& out) {
  const std::size_t nb = o.bootstrap, d = e.d;
  const std::uint64_t n = e.n;
  std::vector<double> boot_first(nb * d), boot_total(nb * d);
  tbb::enumerable_thread_specific<std::vector<std::uint64_t>> picks([&] { return std::vector<std::uint64_t>(n); });
  runner.chunks(nb, 1, [&](std::uint64_t k, std::uint64_t) {
    auto& rows = picks.local();
    for (std::uint64_t j = 0; j < n; ++j) {
      rows[j] = counter_bits(o.seed, k, static_cast<std::uint32_t>(j), k_stream_bootstrap) % n;
    }
    const Estimates est = estimate(e, rows.data());
    std::copy(est.first.begin(), est.first.end(), boot_first.begin() + static_cast<std::ptrdiff_t>(k * d));
    std::copy(est.total.begin(), est.total.end(), boot_total.begin() + static_cast<std::ptrdiff_t>(k * d));
  });
  auto interval = [&](const std::vector<double>& boot, std::size_t i) {
    std::vector<double> v;
    for (std::size_t k = 0; k < nb; ++k) {
      if (!std::isnan(boot[k * d + i])) v.push_back(boot[k * d + i]);
    }
    std::sort(v.begin(), v.end());
    const double tail = (1 - o.confidence) / 2;
    return std::pair{quantile_sorted(v, tail), quantile_sorted(v, 1 - tail)};
  };
  for (std::size_t i = 0; i < d; ++i) {
    std::tie(out[i].first_lo, out[i].first_hi) = interval(boot_first, i);
    std::tie(out[i].total_lo, out[i].total_hi) = interval(boot_total, i);
  }
}

SobolResult sobol_of_design(const std::vector<std::string>& names, const Design& e, const SobolOptions& o,
                            BlockRunner& runner, const std::string& label);

/// The Sobol analysis of `f` with named inputs; `label` names f in messages.
SobolResult sobol_core(const std::vector<std::string>& names, const std::function<double(const double*)>& f,
                       const SobolOptions& o, const std::string& label) {
  const std::size_t d = names.size();
  check_sobol_options(d, o);
  BlockRunner runner(o.threads, o.cancel);
  Design e;
  evaluate_rows(d, f, o, runner, 0, o.base_rows, e);
  return sobol_of_design(names, e, o, runner, label);
}

/// The indices and their intervals from the whole design, checked.
SobolResult sobol_of_design(const std::vector<std::string>& names, const Design& e, const SobolOptions& o,
                            BlockRunner& runner, const std::string& label) {
  const std::size_t d = names.size();
  check_design(e, label);
  const Estimates point = estimate(e, nullptr);
  SobolResult out;
  out.metric = label;
  out.base_rows = o.base_rows;
  out.evaluations = o.base_rows * (d + 2);
  out.seed = o.seed;
  out.bootstrap = o.bootstrap;
  out.confidence = o.confidence;
  out.mean = point.mean;
  out.variance = point.variance;
  if (!(point.variance > 0)) out.warnings.push_back(label + " does not vary over the design, so no index is defined");
  for (std::size_t i = 0; i < d; ++i) {
    SobolIndex s;
    s.input = names[i];
    s.first = point.first[i];
    s.total = point.total[i];
    out.indices.push_back(s);
  }
  bootstrap_intervals(e, o, runner, out.indices);
  return out;
}

}  // namespace

// ---- metrics ----


// ---- the Monte Carlo sample ----

PathSample sample_paths(const Scenario& sc, const MetricRef& metric, const RunOptions& options) {
  require_uncertain(sc, "sample");
  const RunSettings settings = resolve_settings(sc, options);
  PathSample s;
  s.scenario = sc.name();
  s.metric = metric;
  s.inputs = sc.uncertain_inputs();
  s.paths = settings.paths;
  s.seed = settings.seed;
  s.sampler = settings.sampler;
  s.antithetic = settings.antithetic;
  const std::size_t d = s.inputs.size();
  if (s.paths < 2) throw InputError("paths: a sensitivity analysis needs at least 2 paths, got " + std::to_string(s.paths));
  if (s.paths > k_max_kept_values / (d + 1)) {
    throw InputError("paths: every path's " + std::to_string(d) + " inputs and metric are kept in memory; at most " +
                     std::to_string(k_max_kept_values / (d + 1)) + " paths, got " + std::to_string(s.paths));
  }
  // The draws of run(), through the same path generator, tile by tile (a block is a whole
  // number of tiles, so the tiles are run()'s too).
  const Sampler sampler(s.sampler, s.seed, s.paths, s.antithetic, sc.inputs().size());
  const PathGenerator generator(sc);
  s.x.resize(d * s.paths);
  s.y.resize(s.paths);
  struct Workspace {
    PathInputs inputs;
    ModelWorkspace model;
    std::vector<double> u, x, scratch, out;
  };
  tbb::enumerable_thread_specific<Workspace> workspaces([&] {
    Workspace ws{PathInputs(generator), {}, std::vector<double>(generator.tile_size(), 0.5),
                 std::vector<double>(generator.tile_size()), std::vector<double>(generator.scratch_size()),
                 std::vector<double>(static_cast<std::size_t>(sc.metric_count()))};
    ws.model.reserve(sc.horizon_years(), sc.base_inputs().clusters.size());
    return ws;
  });
  BlockRunner(settings.threads, options.cancel).chunks(s.paths, k_sample_block, [&](std::uint64_t first, std::uint64_t last) {
    Workspace& ws = workspaces.local();
    for (std::uint64_t t0 = first; t0 < last; t0 += k_tile_paths) {
      const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(k_tile_paths, last - t0));
      generator.draw(sampler, t0, count, ws.u.data(), ws.x.data(), ws.scratch.data());
      for (std::size_t r = 0; r < count; ++r) {
        evaluate(ws.inputs.load(ws.x.data(), r), ws.model, ws.out);
        s.y[t0 + r] = ws.out[static_cast<std::size_t>(metric.index)];
        for (std::size_t k = 0; k < d; ++k) {
          s.x[k * s.paths + t0 + r] = used_value(sc.inputs()[s.inputs[k]], ws.x[s.inputs[k] * k_tile_paths + r]);
        }
      }
    }
  });
  return s;
}

// ---- tornado ----

const char* to_string(TornadoMethod m) { return m == TornadoMethod::deterministic ? "deterministic" : "montecarlo"; }

TornadoResult tornado(const Scenario& sc, const MetricRef& metric) {
  require_uncertain(sc, "tornado");
  TornadoResult r;
  r.scenario = sc.name();
  r.metric = metric.to_string();
  r.method = TornadoMethod::deterministic;
  Scratch scratch(sc);
  const ModelInputs base = scratch.inputs;
  r.base = scratch.metric(sc, metric);
  auto at = [&](std::size_t i, double x) {
    scratch.inputs = base;
    sc.assign(scratch.inputs, i, x);
    return scratch.metric(sc, metric);
  };
  for (std::size_t i : sc.uncertain_inputs()) {
    const Input& in = sc.inputs()[i];
    TornadoBar bar;
    bar.input = in.path;
    bar.low_input = used_value(in, in.dist.quantile(0.1));
    bar.high_input = used_value(in, in.dist.quantile(0.9));
    bar.low = at(i, bar.low_input);
    bar.high = at(i, bar.high_input);
    bar.swing = std::abs(bar.high - bar.low);
    r.bars.push_back(bar);
  }
  sort_descending(r.bars, [](const TornadoBar& b) { return b.swing; });
  if (const std::string pairs = correlated_pairs(sc); !pairs.empty()) {
    r.warnings.push_back("the scenario correlates " + pairs +
                         "; a one-at-a-time tornado ignores correlations: each input moves alone while the others "
                         "stay at their medians");
  }
  return r;
}

TornadoResult tornado(const Scenario& sc, const PathSample& s) {
  const std::vector<std::uint64_t> keep = defined_paths(s);
  TornadoResult r;
  r.scenario = s.scenario;
  r.metric = s.metric.to_string();
  r.method = TornadoMethod::montecarlo;
  r.sample = info_of(s, keep.size());
  double sum = 0;
  for (std::uint64_t p : keep) sum += s.y[p];
  r.base = keep.empty() ? std::nan("") : sum / static_cast<double>(keep.size());
  std::vector<double> sorted;
  for (std::size_t k = 0; k < s.inputs.size(); ++k) {
    const double* x = s.x.data() + k * s.paths;
    sorted.clear();
    for (std::uint64_t p : keep) sorted.push_back(x[p]);
    std::sort(sorted.begin(), sorted.end());
    TornadoBar bar;
    bar.input = sc.inputs()[s.inputs[k]].path;
    bar.low_input = quantile_sorted(sorted, 0.1);
    bar.high_input = quantile_sorted(sorted, 0.9);
    double low = 0, high = 0;
    for (std::uint64_t p : keep) {
      if (x[p] <= bar.low_input) low += s.y[p], ++bar.low_paths;
      if (x[p] >= bar.high_input) high += s.y[p], ++bar.high_paths;
    }
    bar.low = bar.low_paths ? low / static_cast<double>(bar.low_paths) : std::nan("");
    bar.high = bar.high_paths ? high / static_cast<double>(bar.high_paths) : std::nan("");
    bar.swing = std::abs(bar.high - bar.low);
    r.bars.push_back(bar);
  }
  sort_descending(r.bars, [](const TornadoBar& b) { return b.swing; });
  if (const std::string pairs = correlated_pairs(sc); !pairs.empty()) {
    r.warnings.push_back("the scenario correlates " + pairs +
                         "; an input's decile means also carry the effect of the inputs correlated with it");
  }
  return r;
}

// ---- Spearman ----

SpearmanResult spearman(const Scenario& sc, const PathSample& s) {
  const std::vector<std::uint64_t> keep = defined_paths(s);
  SpearmanResult r;
  r.scenario = s.scenario;
  r.metric = s.metric.to_string();
  r.sample = info_of(s, keep.size());
  if (keep.size() < 2) {
    r.warnings.push_back(r.metric + " is defined on " + std::to_string(keep.size()) + " of " +
                         std::to_string(s.paths) + " paths; rank correlations need at least 2");
  }
  std::vector<double> values(keep.size());
  for (std::size_t j = 0; j < keep.size(); ++j) values[j] = s.y[keep[j]];
  const std::vector<double> y_ranks = mid_ranks(values);
  double sum_sq = 0;
  for (std::size_t k = 0; k < s.inputs.size(); ++k) {
    for (std::size_t j = 0; j < keep.size(); ++j) values[j] = s.x[k * s.paths + keep[j]];
    RankCorrelation c;
    c.input = sc.inputs()[s.inputs[k]].path;
    c.rho = keep.size() < 2 ? std::nan("") : pearson(mid_ranks(values), y_ranks);
    if (!std::isnan(c.rho)) sum_sq += c.rho * c.rho;
    r.inputs.push_back(c);
  }
  for (auto& c : r.inputs) c.contribution = sum_sq > 0 ? c.rho * c.rho / sum_sq : std::nan("");
  sort_descending(r.inputs, [](const RankCorrelation& c) { return std::abs(c.rho); });
  if (const std::string pairs = correlated_pairs(sc); !pairs.empty()) {
    r.warnings.push_back("the scenario correlates " + pairs +
                         "; an input's rank correlation also carries the effect of the inputs correlated with it");
  }
  return r;
}

// ---- Sobol ----

SobolResult sobol_indices(std::size_t dimension, const std::function<double(const double*)>& f,
                          const SobolOptions& options) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < dimension; ++i) names.push_back("x" + std::to_string(i + 1));
  return sobol_core(names, f, options, "f");
}

namespace {

/// Call body(names, f) with a scenario's uncertain inputs and f(u): each input drawn from
/// its own distribution (inverse CDF of u_k, no copula), the others at their medians.
template <class Body>
auto with_scenario_function(const Scenario& sc, const MetricRef& metric, Body&& body) {
  require_uncertain(sc, "sobol");
  const std::vector<std::size_t> uncertain = sc.uncertain_inputs();
  std::vector<std::string> names;
  for (std::size_t i : uncertain) names.push_back(sc.inputs()[i].path);
  tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(sc); });
  const std::function<double(const double*)> f = [&](const double* u) {
    Scratch& s = scratch.local();
    for (std::size_t k = 0; k < uncertain.size(); ++k) {
      sc.assign(s.inputs, uncertain[k], sc.inputs()[uncertain[k]].dist.quantile(u[k]));
    }
    return s.metric(sc, metric);
  };
  return body(names, f);
}

/// A scenario's indices, largest total first, with a warning when it correlates inputs.
SobolResult scenario_result(SobolResult r, const Scenario& sc) {
  r.scenario = sc.name();
  sort_descending(r.indices, [](const SobolIndex& s) { return s.total; });
  if (const std::string pairs = correlated_pairs(sc); !pairs.empty()) {
    r.warnings.push_back("the scenario correlates " + pairs +
                         "; Sobol indices assume independent inputs, so these were computed with the correlations "
                         "removed: they describe the model's response to each input on its own, not how this "
                         "scenario's variance splits");
  }
  return r;
}

}  // namespace

SobolResult sobol_indices(const Scenario& sc, const MetricRef& metric, const SobolOptions& options) {
  return scenario_result(with_scenario_function(sc, metric,
                                                [&](const std::vector<std::string>& names, const auto& f) {
                                                  return sobol_core(names, f, options, metric.to_string());
                                                }),
                         sc);
}

std::vector<double> sobol_design_rows(const Scenario& sc, const MetricRef& metric, const SobolOptions& options,
                                      std::uint64_t first, std::uint64_t last) {
  return with_scenario_function(sc, metric, [&](const std::vector<std::string>& names, const auto& f) {
    const std::size_t d = names.size();
    check_sobol_options(d, options);
    if (first >= last || last > options.base_rows) {
      throw InputError("sobol: rows [" + std::to_string(first) + ", " + std::to_string(last) + ") are not a range within [0, " +
                       std::to_string(options.base_rows) + ")");
    }
    BlockRunner runner(options.threads, options.cancel);
    Design e;
    evaluate_rows(d, f, options, runner, first, last, e);
    // Row by row: f(A), f(B), then f(AB_i) for each input.
    std::vector<double> rows;
    rows.reserve(e.n * (d + 2));
    for (std::uint64_t j = 0; j < e.n; ++j) {
      rows.push_back(e.fa[j]);
      rows.push_back(e.fb[j]);
      for (std::size_t i = 0; i < d; ++i) rows.push_back(e.fab[i * e.n + j]);
    }
    return rows;
  });
}

SobolResult sobol_from_rows(const Scenario& sc, const MetricRef& metric, const SobolOptions& options,
                            std::span<const double> rows) {
  require_uncertain(sc, "sobol");
  std::vector<std::string> names;
  for (std::size_t i : sc.uncertain_inputs()) names.push_back(sc.inputs()[i].path);
  const std::size_t d = names.size();
  check_sobol_options(d, options);
  const std::uint64_t n = options.base_rows;
  if (rows.size() != n * (d + 2)) {
    throw InputError("sobol: " + std::to_string(rows.size()) + " design values where " + std::to_string(n) + " rows x (" +
                     std::to_string(d) + " inputs + 2) = " + std::to_string(n * (d + 2)) + " are needed");
  }
  Design e;
  e.n = n;
  e.d = d;
  e.fa.resize(n);
  e.fb.resize(n);
  e.fab.resize(d * n);
  for (std::uint64_t j = 0; j < n; ++j) {
    const double* row = rows.data() + j * (d + 2);
    e.fa[j] = row[0];
    e.fb[j] = row[1];
    for (std::size_t i = 0; i < d; ++i) e.fab[i * n + j] = row[2 + i];
  }
  BlockRunner runner(options.threads, options.cancel);
  return scenario_result(sobol_of_design(names, e, options, runner, metric.to_string()), sc);
}

// ---- JSON ----

nlohmann::ordered_json to_json(const TornadoResult& r) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["metric"] = r.metric;
  j["method"] = to_string(r.method);
  j["base"] = number(r.base);
  if (r.sample) j["sample"] = to_json(*r.sample);
  j["warnings"] = r.warnings;
  j["inputs"] = nlohmann::ordered_json::array();
  for (const auto& b : r.bars) {
    nlohmann::ordered_json x{{"input", b.input},       {"low_input", b.low_input}, {"high_input", b.high_input},
                             {"low", number(b.low)},   {"high", number(b.high)},   {"swing", number(b.swing)}};
    if (r.sample) {
      x["low_paths"] = b.low_paths;
      x["high_paths"] = b.high_paths;
    }
    j["inputs"].push_back(x);
  }
  return j;
}

nlohmann::ordered_json to_json(const SpearmanResult& r) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["metric"] = r.metric;
  j["sample"] = to_json(r.sample);
  j["warnings"] = r.warnings;
  j["inputs"] = nlohmann::ordered_json::array();
  for (const auto& c : r.inputs) {
    j["inputs"].push_back({{"input", c.input},
                           {"rank_correlation", number(c.rho)},
                           {"contribution_to_variance", number(c.contribution)}});
  }
  return j;
}

nlohmann::ordered_json to_json(const SobolResult& r) {
  nlohmann::ordered_json j;
  if (!r.scenario.empty()) j["scenario"] = r.scenario;
  j["metric"] = r.metric;
  j["base_rows"] = r.base_rows;
  j["evaluations"] = r.evaluations;
  j["seed"] = r.seed;
  j["bootstrap"] = r.bootstrap;
  j["confidence"] = r.confidence;
  j["mean"] = number(r.mean);
  j["variance"] = number(r.variance);
  j["warnings"] = r.warnings;
  j["inputs"] = nlohmann::ordered_json::array();
  for (const auto& s : r.indices) {
    j["inputs"].push_back({{"input", s.input},
                           {"first_order", number(s.first)},
                           {"first_order_interval", {number(s.first_lo), number(s.first_hi)}},
                           {"total", number(s.total)},
                           {"total_interval", {number(s.total_lo), number(s.total_hi)}}});
  }
  return j;
}

}  // namespace infersim
