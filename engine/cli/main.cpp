// The `infersim` command: run and validate scenario files.
// Exit codes: 0 success, 1 internal error, 2 bad input, 130 interrupted.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <algorithm>
#include <memory>
#include <optional>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

#include "infersim/analysis.hpp"
#include "infersim/cancel.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "infersim/isa.hpp"
#include "infersim/precision.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"
#include "batch.hpp"
#include "common.hpp"
#include "safe_text.hpp"
#include "summary.hpp"

namespace {

using namespace infersim;
using namespace infersim::cli;

extern "C" void on_interrupt(int) { cli::g_cancel.store(true); }

/// A one-line progress bar on stderr, shown only on a terminal and only once a run has
/// taken more than a second.
class ProgressBar {
public:
  explicit ProgressBar(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  ~ProgressBar() { clear(); }

  void update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < 1.0 || done >= total) return;
    const double frac = static_cast<double>(done) / static_cast<double>(total);
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    std::cerr << "\r  [" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << static_cast<int>(100 * frac)
              << "%  " << static_cast<std::uint64_t>(static_cast<double>(done) / elapsed) << " paths/s  ETA "
              << static_cast<int>(eta + 0.5) << " s   " << std::flush;
    shown_ = true;
  }
  void clear() {
    if (shown_) std::cerr << "\r" << std::string(78, ' ') << "\r" << std::flush;
    shown_ = false;
  }

private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

struct RunArgs {
  std::vector<std::string> scenarios;
  std::optional<std::string> paths, seed;
  std::optional<std::string> sampler;
  bool antithetic = false;
  int threads = 0;
  std::string out, out_dir, stress, data;
  std::string quantiles;               // --quantiles 0.025,0.975
  std::vector<std::string> thresholds;  // --threshold npv_usd=0,1e10 (repeatable)
  std::vector<std::string> target_se;   // --target-se npv_usd:mean=1e8 (repeatable)
  std::optional<std::string> target_step, max_paths;
  std::string summary;  // --summary FILE: the tidy CSV across the scenarios
  bool keep_going = false;
  bool quiet = false;
  bool chain = false;  // `claims`: print the claim chain instead of the summary
};

/// A scenario of a batch that failed: its file and the message.
struct Failure {
  std::string path, message;
};

/// "path: message", unless the message names the path already.
std::string with_path(const std::string& path, const std::string& message) {
  return message.rfind(path, 0) == 0 ? message : path + ": " + message;
}

/// How a --target-se run ended: the paths used and each target's se against its limit.
void print_precision(std::ostream& os, const RunResult& r) {
  const PrecisionReport& p = *r.precision;
  os << "\n  target se " << (p.met ? "met" : "NOT met") << " at " << r.paths << " paths (checkpoints every " << p.step
     << ", at most " << p.max_paths << ")\n";
  auto short_number = [](double x) {
    std::ostringstream s;
    s << std::setprecision(4) << x;
    return s.str();
  };
  for (const auto& t : p.targets) {
    os << "    " << t.statistic << ": se " << short_number(t.se) << (t.met ? " <= " : " > ") << short_number(t.limit)
       << (t.relative ? " (" + short_number(100 * t.value) + "% of |mean|)" : "") << "\n";
  }
}

int cmd_run(const RunArgs& a) {
  const std::vector<std::string> files = expand_scenario_paths(a.scenarios);
  if (files.size() > 1 && !a.out.empty()) {
    throw InputError("--out: one output file for " + std::to_string(files.size()) +
                     " scenarios; use --out-dir DIR to write one result per scenario");
  }
  if (!a.summary.empty()) check_summary_path(a.summary);
  if (a.summary == "-" && a.out == "-") throw InputError("--summary -: stdout already takes the result (--out -)");
  RunOptions opt;
  if (a.paths) opt.paths = static_cast<std::int64_t>(parse_count(*a.paths, "--paths", 0, INT64_MAX));
  if (a.seed) opt.seed = parse_count(*a.seed, "--seed", 0, std::numeric_limits<std::uint64_t>::max());
  if (a.sampler) opt.sampler = parse_sampler(*a.sampler, "--sampler");
  if (a.antithetic) opt.antithetic = true;
  if (!a.quantiles.empty()) opt.quantiles = parse_values(a.quantiles, "--quantiles");
  for (const auto& spec : a.thresholds) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos) throw InputError("--threshold: expected METRIC=v1,v2,..., got \"" + spec + "\"");
    opt.thresholds.emplace_back(spec.substr(0, eq), parse_values(spec.substr(eq + 1), "--threshold " + spec.substr(0, eq)));
  }
  opt.threads = a.threads;
  opt.cancel = &cli::g_cancel;
  // A run to a target precision: --max-paths (or --paths) caps it.
  PrecisionOptions precision;
  if (a.target_se.empty() && (a.target_step || a.max_paths)) {
    throw InputError(std::string(a.target_step ? "--target-step" : "--max-paths") + ": only with --target-se");
  }
  if (a.max_paths) {
    if (a.paths) throw InputError("--max-paths: give --paths or --max-paths (the cap of a --target-se run), not both");
    opt.paths = static_cast<std::int64_t>(parse_count(*a.max_paths, "--max-paths", 0, INT64_MAX));
  }
  if (a.target_step) precision.step = parse_count(*a.target_step, "--target-step", 0, std::numeric_limits<std::uint64_t>::max());

  // Where each result goes: two inputs with one stem would write one file (an error
  // before anything runs, --keep-going or not), and no result may be the summary.
  std::vector<std::string> targets(files.size(), a.out);
  std::map<std::string, std::string> claimed;  // canonical output -> the input writing it
  auto claim = [&](const std::string& target, const std::string& by) {
    std::error_code ec;  // /dev/stdout onto a pipe has no canonical name: the name as given
    const auto canonical = std::filesystem::weakly_canonical(target, ec);
    const auto [it, fresh] = claimed.emplace(ec ? target : canonical.string(), by);
    if (!fresh) {
      throw InputError(by + ": its output " + target + " would overwrite " +
                       (it->second == "--summary" ? "the --summary table; write the summary elsewhere"
                                                  : "the result of " + it->second +
                                                        "; scenarios in one --out-dir run need distinct file names"));
    }
  };
  if (!a.summary.empty() && a.summary != "-") claim(a.summary, "--summary");
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!a.out_dir.empty()) {
      targets[i] = (std::filesystem::path(a.out_dir) / (std::filesystem::path(files[i]).stem().string() + ".result.json")).string();
    }
    if (!targets[i].empty()) claim(targets[i], files[i]);
  }

  // Load and check every scenario before running any; with --keep-going, a bad one is
  // set aside with its message and the others go on.
  std::vector<std::string> inputs = catalog_files(a.data);
  inputs.insert(inputs.end(), files.begin(), files.end());
  std::vector<Failure> failures;
  std::vector<std::optional<Scenario>> scenarios(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i];
    try {
      Scenario sc = cli::load_scenario(path, a.data);
      if (!a.stress.empty()) sc = sc.with_stress(a.stress);
      if (a.chain && !sc.claim_chain()) {
        throw InputError(path + ": has no \"claim_chain\" to check (see docs/scenario-format.md)");
      }
      (void)resolve_settings(sc, opt);  // every run's settings checked before the first runs
      if (!a.target_se.empty()) {
        PrecisionOptions p{{}, precision.step};
        for (const auto& spec : a.target_se) p.targets.push_back(SeTarget::parse(spec, sc, "--target-se"));
        check_precision(p, "--target-step");
      }
      scenarios[i] = std::move(sc);
    } catch (const InputError& e) {
      if (!a.keep_going) throw InputError(with_path(path, e.what()));
      failures.push_back({path, with_path(path, e.what())});
    }
  }
  // Then claim every output file (the folder made first), so that an unwritable one fails early.
  if (!a.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec || !std::filesystem::is_directory(a.out_dir)) {
      throw InputError("--out-dir: cannot create directory " + a.out_dir + (ec ? " (" + ec.message() + ")" : ""));
    }
  }
  std::unique_ptr<AtomicFile> summary_file = a.summary.empty() ? nullptr : std::make_unique<AtomicFile>(a.summary, inputs);
  std::vector<std::unique_ptr<AtomicFile>> outputs(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (scenarios[i] && !targets[i].empty()) outputs[i] = std::make_unique<AtomicFile>(targets[i], inputs);
  }
  // With the result (or the summary) on stdout, the text goes to stderr.
  const bool stdout_taken = (summary_file && summary_file->to_stdout()) ||
                            (outputs.size() == 1 && outputs[0] && outputs[0]->to_stdout());
  std::ostream& text = stdout_taken ? std::cerr : std::cout;
  SummaryTable table;
  bool first = true;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!scenarios[i]) continue;
    ProgressBar bar(!a.quiet && ::isatty(STDERR_FILENO));
    opt.progress = [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
    RunResult result;
    try {
      if (a.target_se.empty()) {
        result = run(*scenarios[i], opt);
      } else {
        precision.targets.clear();
        for (const auto& spec : a.target_se) precision.targets.push_back(SeTarget::parse(spec, *scenarios[i], "--target-se"));
        result = run_to_precision(*scenarios[i], opt, precision);
      }
    } catch (const InputError& e) {
      // Options that conflict with the scenario (odd paths with antithetic pairs, ...).
      if (!a.keep_going) throw InputError(with_path(files[i], e.what()));
      bar.clear();
      failures.push_back({files[i], with_path(files[i], e.what())});
      continue;
    }
    bar.clear();
    if (!a.quiet) {
      if (!first) text << "\n";
      if (a.chain) {
        cli::print_chain(text, *scenarios[i], result);
      } else {
        cli::print_summary(text, *scenarios[i], result, a.threads);
      }
      if (result.precision) print_precision(text, result);
    }
    first = false;
    if (outputs[i]) {
      outputs[i]->commit(to_json(result).dump(2) + "\n");
      if (!a.quiet && !outputs[i]->to_stdout()) text << "\n  result written to " << outputs[i]->path() << "\n";
    }
    if (summary_file) table.add(result, files[i]);
  }
  if (summary_file) {
    summary_file->commit(table.csv());
    if (!a.quiet && !summary_file->to_stdout()) text << "\n  summary table written to " << summary_file->path() << "\n";
  }
  if (failures.empty()) return 0;
  std::cerr << "infersim: error: " << failures.size() << " of " << files.size() << " scenario"
            << (files.size() == 1 ? "" : "s") << " failed (the others ran):\n";
  for (const auto& f : failures) std::cerr << "  " << f.message << "\n";
  return 2;
}

int cmd_solve(const AnalysisArgs& a) {
  const Scenario sc = analysis_scenario(a);
  const auto eq = a.target.rfind('=');
  if (eq == std::string::npos) {
    throw InputError("--target: expected METRIC[@YEAR]:STATISTIC=VALUE such as npv_usd:p50=0, got \"" + a.target + "\"");
  }
  const StatisticRef stat = StatisticRef::parse(a.target.substr(0, eq), sc, "--target");
  const double target = parse_double(a.target.substr(eq + 1), "--target");
  std::unique_ptr<AtomicFile> out = a.out.empty() ? nullptr : std::make_unique<AtomicFile>(a.out, input_files(a));
  std::ostream& text = out && out->to_stdout() ? std::cerr : std::cout;
  const SolveResult r = solve(sc, a.input, a.range.at(0), a.range.at(1), stat, target, analysis_options(a));
  text << sc.name() << ": " << stat.to_string() << " = " << format_number(target) << " when " << a.input
            << " = " << format_number(r.root) << "  (" << stat.to_string() << " there: " << format_number(r.achieved)
            << "; " << r.trace.size() << " runs with common random numbers)\n";
  for (const auto& e : r.trace) {
    text << "    " << a.input << " = " << format_number(e.inputs[0]) << "  ->  " << format_number(e.values[0]) << "\n";
  }
  if (out) out->commit(to_json(r).dump(2) + "\n");
  return 0;
}

int cmd_sweep(const AnalysisArgs& a) {
  const Scenario sc = analysis_scenario(a);
  std::vector<std::pair<std::string, std::vector<double>>> grid;
  for (const auto& spec : a.inputs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos) {
      throw InputError("--input: expected PATH=lo:hi:n or PATH=v1,v2,..., got \"" + spec + "\"");
    }
    grid.emplace_back(spec.substr(0, eq), parse_values(spec.substr(eq + 1), "--input " + spec.substr(0, eq)));
  }
  std::vector<StatisticRef> stats;
  for (const auto& m : a.metrics) stats.push_back(StatisticRef::parse(m, sc, "--metric"));
  std::unique_ptr<AtomicFile> out = a.out.empty() ? nullptr : std::make_unique<AtomicFile>(a.out, input_files(a));
  std::ostream& text = out && out->to_stdout() ? std::cerr : std::cout;
  const SweepResult r = sweep(sc, grid, stats, analysis_options(a));
  // A table: one row a point.
  for (const auto& in : r.inputs) text << std::setw(24) << in;
  for (const auto& st : r.statistics) text << std::setw(28) << st.to_string();
  text << "\n";
  for (const auto& e : r.points) {
    for (double x : e.inputs) text << std::setw(24) << format_number(x);
    for (double v : e.values) text << std::setw(28) << format_number(v);
    text << "\n";
  }
  if (out) out->commit(to_json(r).dump(2) + "\n");
  return 0;
}

/// `stress` (the scenario's stresses) and `compare` (other scenarios), common random numbers.
struct CompareArgs {
  AnalysisArgs common;
  std::vector<std::string> only;    // stress: names to run (default all)
  std::vector<std::string> others;  // compare: the other scenario files
};

int cmd_compare(const CompareArgs& a, bool stresses) {
  const Scenario sc = analysis_scenario(a.common);
  std::vector<std::string> inputs = input_files(a.common);
  inputs.insert(inputs.end(), a.others.begin(), a.others.end());
  std::unique_ptr<AtomicFile> out = a.common.out.empty() ? nullptr : std::make_unique<AtomicFile>(a.common.out, inputs);
  ComparisonResult r;
  if (stresses) {
    r = run_stresses(sc, a.only, analysis_options(a.common));
  } else {
    std::vector<std::pair<std::string, Scenario>> variants;
    for (const auto& f : a.others) {
      Scenario other = cli::load_scenario(f, a.common.data);
      variants.emplace_back(other.name(), std::move(other));
    }
    r = run_compared(sc, variants, analysis_options(a.common));
  }
  cli::print_comparison(out && out->to_stdout() ? std::cerr : std::cout, r);
  if (out) out->commit(to_json(r).dump(2) + "\n");
  return 0;
}

int cmd_validate(const std::vector<std::string>& args, const std::string& data) {
  for (const auto& f : expand_scenario_paths(args)) {
    const Scenario sc = cli::load_scenario(f, data);
    cli::print_validation(std::cout, sc);
  }
  return 0;
}



/// run, claims, solve, sweep, stress, compare and validate: each subcommand with its
/// options, and what runs when it is given (the arguments live as long as the handler).
void register_commands(CLI::App& app, Commands& commands) {
  auto add_run_options = [](CLI::App* cmd, RunArgs& a) {
    cmd->add_option("scenario", a.scenarios,
                    "Scenario JSON files, or folders: a folder runs its *.json files in name order (not those of "
                    "its subfolders)")
        ->required();
    cmd->add_option("--paths,-n", a.paths, "Number of Monte Carlo paths, e.g. 200000 or 2e5 (default: the scenario's)");
    cmd->add_option("--seed,-s", a.seed, "Random seed (default: the scenario's)");
    cmd->add_option("--sampler", a.sampler, "random | lhs | sobol (default: the scenario's)");
    cmd->add_flag("--antithetic", a.antithetic, "Pair each path with its mirror 1 - u");
    cmd->add_option("--threads,-j", a.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    auto* out = cmd->add_option("--out,-o", a.out, "Write the result JSON here (atomically; - for stdout)");
    cmd->add_option("--out-dir", a.out_dir,
                    "Write <file stem>.result.json for each scenario into this directory (created if needed)")
        ->excludes(out);
    cmd->add_option("--summary", a.summary,
                    "Write one tidy CSV across the scenarios: scenario, source, metric, year, statistic, value, unit "
                    "(atomically; - for stdout)");
    cmd->add_flag("--keep-going,-k", a.keep_going,
                  "Run every valid scenario; report the bad ones (file and message) at the end and exit 2");
    cmd->add_option("--stress", a.stress, "Apply one of the scenario's named stresses");
    cmd->add_option("--data", a.data, "Reference catalog directory (default: $INFERSIM_DATA, else the repository's data/)");
    cmd->add_option("--quantiles", a.quantiles, "Quantile levels beyond p1..p99, e.g. 0.025,0.975 (p2.5, p97.5)");
    cmd->add_option("--threshold", a.thresholds, "METRIC=k1,k2,...: P(METRIC > k), e.g. npv_usd=0,1e10 (repeatable)");
    cmd->add_option("--target-se", a.target_se,
                    "METRIC[@YEAR]:mean=SE or =PERCENT%: add paths in steps until the mean's standard error is "
                    "within it, e.g. npv_usd:mean=1e8 or npv_usd:mean=1% (repeatable: every target)");
    cmd->add_option("--target-step", a.target_step,
                    "With --target-se: paths added between checkpoints, a multiple of 4096 (default 65536)");
    cmd->add_option("--max-paths", a.max_paths, "With --target-se: at most this many paths (default: --paths, else the scenario's)");
    cmd->add_flag("--quiet,-q", a.quiet, "No summary and no progress bar");
  };
  auto ra = std::make_shared<RunArgs>();
  add_run_options(app.add_subcommand("run", "Run scenarios and print a summary; --out writes the result JSON"), *ra);
  commands.add(app.get_subcommand("run"), [ra] { return cmd_run(*ra); });
  auto ca = std::make_shared<RunArgs>();
  ca->chain = true;
  add_run_options(app.add_subcommand("claims", "Check a scenario's claim chain step by step: claimed vs computed"), *ca);
  commands.add(app.get_subcommand("claims"), [ca] { return cmd_run(*ca); });

  auto sa = std::make_shared<AnalysisArgs>();
  auto* solve_cmd = app.add_subcommand(
      "solve", "Goal seek: the value of one input at which a statistic reaches a target (TOMS 748, common random numbers)");
  add_analysis_options(solve_cmd, *sa);
  solve_cmd->add_option("--input", sa->input, "Input to vary, e.g. player.share_end")->required();
  solve_cmd->add_option("--range", sa->range, "Bracket to search: LO HI")->required()->expected(2);
  solve_cmd->add_option("--target", sa->target, "METRIC[@YEAR]:STATISTIC=VALUE, e.g. npv_usd:p50=0")->required();
  commands.add(solve_cmd, [sa] { return cmd_solve(*sa); });
  auto wa = std::make_shared<AnalysisArgs>();
  auto* sweep_cmd = app.add_subcommand("sweep", "Full runs over a grid of one or two inputs (common random numbers)");
  add_analysis_options(sweep_cmd, *wa);
  sweep_cmd->add_option("--input", wa->inputs, "PATH=lo:hi:n or PATH=v1,v2,... (once or twice)")->required();
  sweep_cmd->add_option("--metric", wa->metrics, "METRIC[@YEAR]:STATISTIC to report, e.g. npv_usd:p50 (repeatable)")->required();
  commands.add(sweep_cmd, [wa] { return cmd_sweep(*wa); });

  auto sta = std::make_shared<CompareArgs>();
  auto* stress_cmd = app.add_subcommand(
      "stress", "Run a scenario's stresses beside it on the same paths; report each and its difference from the base");
  add_analysis_options(stress_cmd, sta->common);
  stress_cmd->add_option("--only", sta->only, "Stresses to run (default: all)");
  commands.add(stress_cmd, [sta] { return cmd_compare(*sta, true); });
  auto cma = std::make_shared<CompareArgs>();
  auto* compare_cmd = app.add_subcommand(
      "compare", "Run other scenarios beside a base on the same paths (the same inputs are needed)");
  add_analysis_options(compare_cmd, cma->common);
  compare_cmd->add_option("--with", cma->others, "Scenario file(s) to compare with the base")
      ->required()
      ->check(CLI::ExistingFile);
  commands.add(compare_cmd, [cma] { return cmd_compare(*cma, false); });

  // Subcommands defined in their own files (sensitivity, ...).
  register_sensitivity_commands(app, commands);

  auto va = std::make_shared<std::pair<std::vector<std::string>, std::string>>();  // files, --data
  auto* val_cmd = app.add_subcommand("validate", "Check scenario files and explain their inputs; runs nothing");
  val_cmd->add_option("scenario", va->first, "Scenario JSON files, or folders (their *.json files, in name order)")
      ->required();
  val_cmd->add_option("--data", va->second, "Reference catalog directory");
  commands.add(val_cmd, [va] { return cmd_validate(va->first, va->second); });
}

/// Parse the command line; an exit code when it should end here (help, version, errors).
std::optional<int> parse_arguments(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what == "A subcommand is required" && argc > 1 && argv[1][0] != '-') {
      what = std::string("unknown command \"") + argv[1] + "\"; expected run, claims, stress, compare, solve, sweep, tornado, spearman, sobol or validate";
    }
    std::cerr << "infersim: error: " << what << "\n";
    return 2;
  }
  return std::nullopt;
}

/// --threads holds for the whole command, scenario loading (its distribution tables are
/// built in parallel) included, not just the runs.
void limit_threads(const CLI::App& app, std::optional<tbb::global_control>& limit) {
  for (const CLI::App* sub : app.get_subcommands()) {
    const CLI::Option* opt = sub->get_option_no_throw("--threads");
    if (opt != nullptr && opt->count() > 0 && opt->as<int>() > 0) {
      limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(opt->as<int>()));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Names and ids come from scenario files and arguments: no escape sequence of theirs reaches a terminal.
  // (stderr's guard first: stdout may be sent to stderr, so it must be restored last.)
  const EscapeControls safe_err(std::cerr, true), safe_out(std::cout, false);
  CLI::App app{"infersim: Monte Carlo simulation of AI inference businesses and the clusters that serve them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("infersim ") + INFERSIM_VERSION + " (vector kernels: " +
                                        std::string(isa_name(active_isa())) + ")");
  Commands commands;
  register_commands(app, commands);
  if (const auto code = parse_arguments(app, argc, argv)) return *code;

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  std::signal(SIGHUP, on_interrupt);  // a closed terminal stops a run like Ctrl-C
  std::optional<tbb::global_control> thread_limit;
  limit_threads(app, thread_limit);
  // Loading polls g_cancel too: a scenario with hundreds of beta/PERT tables loads for seconds.
  const CancelScope cancel_loading(&cli::g_cancel);
  try {
    for (const auto& [cmd, handler] : commands.list) {
      if (*cmd) return handler();
    }
  } catch (const Cancelled&) {
    std::cerr << "\ninfersim: interrupted; no output written\n";
    return 130;
  } catch (const InputError& e) {
    std::cerr << "infersim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "infersim: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
