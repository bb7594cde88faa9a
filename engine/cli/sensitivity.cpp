// Sensitivity subcommands: tornado, spearman, sobol (docs/analysis.md, "Sensitivity").
// Each prints a table sorted by importance and writes the result JSON with --out.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/sensitivity.hpp"
#include "common.hpp"
#include "summary.hpp"

namespace infersim::cli {
namespace {

constexpr std::uint64_t k_default_sobol_rows = 8192;
constexpr std::size_t k_default_bootstrap = 200;

struct SensitivityArgs {
  AnalysisArgs common;
  std::string metric;
  std::string method = "deterministic";      // tornado
  std::optional<std::string> bootstrap;      // sobol
};

/// Whether a metric or input is an amount of dollars (`npv_usd`, `it_cost_usd_per_accelerator`).
bool in_usd(const std::string& name) { return name.find("_usd") != std::string::npos; }

/// A value for a table: money for amounts in USD ("$12.7B", "$48.78"), else a short number.
std::string value_text(double x, bool usd) {
  if (!std::isfinite(x)) return "n/a";
  if (usd && std::abs(x) >= 1e3) return money(x);
  std::ostringstream s;
  if (usd) s << (x < 0 ? "-$" : "$");
  x = usd ? std::abs(x) : x;
  if (std::abs(x) >= 1e4 && std::abs(x) < 1e7) {
    s << std::fixed << std::setprecision(0) << x;
  } else {
    s << std::setprecision(4) << x;
  }
  return s.str();
}

std::string fixed(double x, int digits) {
  if (!std::isfinite(x)) return "n/a";
  if (std::abs(x) < 0.5 * std::pow(10.0, -digits)) x = 0;  // no "-0.000"
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << x;
  return s.str();
}

std::string left(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }
std::string right(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }

/// A bar of `#`: `frac` (in [0, 1]) of 20 characters.
std::string bar(double frac) {
  constexpr int width = 20;
  const int n = std::isfinite(frac) ? static_cast<int>(std::lround(std::clamp(frac, 0.0, 1.0) * width)) : 0;
  return std::string(static_cast<std::size_t>(n), '#');
}

std::string thousands(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

template <class T>
std::size_t name_width(const std::vector<T>& rows) {
  std::size_t w = 5;
  for (const auto& r : rows) w = std::max(w, r.input.size());
  return w + 2;
}

std::string sample_text(const SampleInfo& s) {
  std::string text = thousands(s.paths) + " paths (seed " + std::to_string(s.seed) + ", " + to_string(s.sampler) +
                     (s.antithetic ? ", antithetic" : "") + ")";
  if (s.defined_paths != s.paths) text += ", " + thousands(s.defined_paths) + " of them with the metric defined";
  return text;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cout << "\n  warning: " << w << "\n";
}

/// The scenario, the metric and the output file (claimed before the work starts).
struct Setup {
  Scenario scenario;
  MetricRef metric;
  std::unique_ptr<AtomicFile> out;
};

Setup setup(const SensitivityArgs& a) {
  Scenario sc = analysis_scenario(a.common);
  MetricRef metric = MetricRef::parse(a.metric, sc, "--metric");
  return {std::move(sc), std::move(metric), nullptr};
}

void claim_output(Setup& s, const SensitivityArgs& a) {
  if (a.common.out.empty()) return;
  s.out = std::make_unique<AtomicFile>(a.common.out, input_files(a.common));
  if (s.out->to_stdout()) {
    // The JSON owns stdout: the tables go to stderr.
    std::cout.flush();
    std::cout.rdbuf(std::cerr.rdbuf());
  }
}

void commit(Setup& s, const nlohmann::ordered_json& j) {
  if (s.out) {
    s.out->commit(j.dump(2) + "\n");
    if (!s.out->to_stdout()) std::cout << "\n  result written to " << s.out->path() << "\n";
  }
}

int cmd_tornado(const SensitivityArgs& a) {
  Setup s = setup(a);
  const bool deterministic = a.method == "deterministic";
  if (deterministic) {
    const std::string given = a.common.paths ? "--paths" : a.common.seed ? "--seed" : a.common.sampler ? "--sampler" : "";
    if (!given.empty()) {
      throw InputError(given + ": not used by --method deterministic, which evaluates the model at fixed points; use "
                               "--method montecarlo to sample");
    }
  }
  const RunOptions opt = analysis_options(a.common);
  claim_output(s, a);
  const TornadoResult r = deterministic ? tornado(s.scenario, s.metric)
                                        : tornado(s.scenario, sample_paths(s.scenario, s.metric, opt));
  const bool usd = in_usd(s.metric.metric);
  const std::size_t w = name_width(r.bars);
  const double widest = r.bars.empty() ? 0 : r.bars.front().swing;
  if (deterministic) {
    std::cout << s.scenario.name() << ": tornado of " << r.metric
              << ", one input at a time (its p10 and p90, every other input at its median)\n"
              << "  " << r.metric << " with every input at its median: " << value_text(r.base, usd) << "\n\n"
              << "  " << left("input", w) << right("p10", 12) << right("p90", 12) << right("at p10", 14)
              << right("at p90", 14) << right("swing", 14) << "\n";
  } else {
    std::cout << s.scenario.name() << ": tornado of " << r.metric << " from " << sample_text(*r.sample)
              << ": its mean when an input is in its bottom or top decile\n"
              << "  mean " << r.metric << " over all paths: " << value_text(r.base, usd) << "\n\n"
              << "  " << left("input", w) << right("decile <=", 12) << right("decile >=", 12) << right("mean, bottom", 14)
              << right("mean, top", 14) << right("swing", 14) << "\n";
  }
  for (const auto& b : r.bars) {
    const bool input_usd = in_usd(b.input);
    std::cout << "  " << left(b.input, w) << right(value_text(b.low_input, input_usd), 12)
              << right(value_text(b.high_input, input_usd), 12) << right(value_text(b.low, usd), 14)
              << right(value_text(b.high, usd), 14) << right(value_text(b.swing, usd), 14) << "  "
              << bar(widest > 0 ? b.swing / widest : 0) << "\n";
  }
  print_warnings(r.warnings);
  commit(s, to_json(r));
  return 0;
}

int cmd_spearman(const SensitivityArgs& a) {
  Setup s = setup(a);
  const RunOptions opt = analysis_options(a.common);
  claim_output(s, a);
  const SpearmanResult r = spearman(s.scenario, sample_paths(s.scenario, s.metric, opt));
  const std::size_t w = name_width(r.inputs);
  std::cout << s.scenario.name() << ": Spearman rank correlation of " << r.metric << " with each uncertain input, "
            << sample_text(r.sample) << "\n\n"
            << "  " << left("input", w) << right("rank corr.", 12) << right("contribution", 14) << "\n";
  for (const auto& c : r.inputs) {
    std::cout << "  " << left(c.input, w) << right(fixed(c.rho, 3), 12) << right(fixed(100 * c.contribution, 1) + "%", 14)
              << "  " << bar(c.contribution) << "\n";
  }
  std::cout << "\n  contribution: the squared rank correlations normalized to sum to 100%, as @RISK and Crystal Ball\n"
               "  report \"contribution to variance\"; a ranking aid, not a decomposition of the variance\n";
  print_warnings(r.warnings);
  commit(s, to_json(r));
  return 0;
}

int cmd_sobol(const SensitivityArgs& a) {
  Setup s = setup(a);
  if (a.common.sampler) {
    throw InputError("--sampler: sobol draws its own design (Saltelli's matrices of independent uniforms); remove --sampler");
  }
  const RunOptions run = analysis_options(a.common);
  SobolOptions opt;
  opt.base_rows = run.paths.value_or(k_default_sobol_rows);
  if (opt.base_rows < 2) throw InputError("--paths: sobol needs at least 2 base rows, got " + std::to_string(opt.base_rows));
  opt.seed = run.seed.value_or(s.scenario.simulation().seed);
  opt.bootstrap = a.bootstrap ? parse_count(*a.bootstrap, "--bootstrap", 0, 100000) : k_default_bootstrap;
  opt.threads = run.threads;
  opt.cancel = run.cancel;
  claim_output(s, a);
  const SobolResult r = sobol_indices(s.scenario, s.metric, opt);
  const bool usd = in_usd(s.metric.metric);
  const std::size_t w = name_width(r.indices);
  const std::size_t d = r.indices.size();
  std::cout << s.scenario.name() << ": Sobol indices of " << r.metric << ", " << thousands(r.base_rows)
            << " base rows x (" << d << " inputs + 2) = " << thousands(r.evaluations) << " evaluations (seed " << r.seed
            << ")";
  if (r.bootstrap > 0) {
    std::cout << "; " << fixed(100 * r.confidence, 0) << "% intervals from " << r.bootstrap << " bootstrap resamples";
  }
  std::cout << "\n  " << r.metric << ": mean " << value_text(r.mean, usd) << ", sd " << value_text(std::sqrt(r.variance), usd)
            << " (inputs independent, each from its own distribution)\n\n"
            << "  " << left("input", w) << right("first order", 12) << right("interval", 18) << right("total", 10)
            << right("interval", 18) << "\n";
  auto interval = [&](double lo, double hi) {
    return r.bootstrap > 0 ? "[" + fixed(lo, 3) + ", " + fixed(hi, 3) + "]" : std::string("");
  };
  double sum_first = 0;
  for (const auto& x : r.indices) {
    if (std::isfinite(x.first)) sum_first += x.first;
    std::cout << "  " << left(x.input, w) << right(fixed(x.first, 3), 12) << right(interval(x.first_lo, x.first_hi), 18)
              << right(fixed(x.total, 3), 10) << right(interval(x.total_lo, x.total_hi), 18) << "  " << bar(x.total)
              << "\n";
  }
  std::cout << "\n  sum of first-order indices " << fixed(sum_first, 3)
            << "; the rest of the variance comes from interactions between inputs\n";
  print_warnings(r.warnings);
  commit(s, to_json(r));
  return 0;
}

CLI::App* add_command(CLI::App& app, const char* name, const char* help, SensitivityArgs& a) {
  CLI::App* cmd = app.add_subcommand(name, help);
  add_analysis_options(cmd, a.common);
  cmd->add_option("--metric,-m", a.metric, "Metric of one path: METRIC or METRIC@YEAR, e.g. npv_usd or revenue_usd@2028")
      ->required();
  return cmd;
}

}  // namespace

void register_sensitivity_commands(CLI::App& app, Commands& commands) {
  // CLI11 writes into the arguments while parsing; the handlers own them.
  auto tornado_args = std::make_shared<SensitivityArgs>();
  auto spearman_args = std::make_shared<SensitivityArgs>();
  auto sobol_args = std::make_shared<SensitivityArgs>();

  CLI::App* t = add_command(app, "tornado",
                            "Tornado: the metric with each uncertain input at its p10 and p90 (or, --method montecarlo, "
                            "its mean in the input's bottom and top deciles)",
                            *tornado_args);
  t->add_option("--method", tornado_args->method, "deterministic (one input at a time) | montecarlo (decile means)")
      ->check(CLI::IsMember({"deterministic", "montecarlo"}));
  commands.add(t, [tornado_args] { return cmd_tornado(*tornado_args); });

  CLI::App* s = add_command(app, "spearman",
                            "Rank correlation of each uncertain input with the metric, and its contribution to variance",
                            *spearman_args);
  commands.add(s, [spearman_args] { return cmd_spearman(*spearman_args); });

  CLI::App* b = add_command(app, "sobol",
                            "Sobol first-order and total indices (Saltelli design, Jansen estimators, bootstrap intervals)",
                            *sobol_args);
  b->get_option("--paths")->description("Base rows N of the Saltelli design: N (inputs + 2) evaluations (default 8192)");
  b->get_option("--seed")->description("Seed of the design and of the bootstrap (default: the scenario's)");
  b->get_option("--sampler")->description("Not used: sobol draws its own design");
  b->add_option("--bootstrap", sobol_args->bootstrap, "Bootstrap resamples for the 95% intervals (default 200; 0: none)");
  commands.add(b, [sobol_args] { return cmd_sobol(*sobol_args); });
}

}  // namespace infersim::cli
