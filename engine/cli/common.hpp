#pragma once
// Pieces shared by the CLI's subcommands.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

namespace infersim::cli {

/// Set by SIGINT/SIGTERM; runs stop at the next wave and throw Cancelled.
extern std::atomic<bool> g_cancel;

/// A whole number for --paths or --seed: digits, or a float form such as 1e6 when it is
/// whole. Negative and out-of-range values are errors (CLI11 would wrap them).
std::uint64_t parse_count(const std::string& text, const std::string& option, std::uint64_t lo, std::uint64_t hi);
/// A finite number; `where` names the option in the error.
double parse_double(const std::string& text, const std::string& where);
/// `lo:hi:n` (n evenly spaced points) or `v1,v2,...`.
std::vector<double> parse_values(const std::string& spec, const std::string& where);

/// Options shared by commands that run one scenario many times (solve, sweep, sensitivity).
struct AnalysisArgs {
  std::string scenario, out, data, stress;
  std::optional<std::string> paths, seed, sampler;
  int threads = 0;
  std::string input;                  // solve: the input to vary
  std::vector<double> range;          // solve: lo hi
  std::string target;                 // solve: METRIC[@YEAR]:STAT=VALUE
  std::vector<std::string> inputs;    // sweep: PATH=lo:hi:n or PATH=v1,v2,...
  std::vector<std::string> metrics;   // sweep: METRIC[@YEAR]:STAT
};
/// Adds scenario, --paths, --seed, --sampler, --threads, --stress, --data, --out.
void add_analysis_options(CLI::App* cmd, AnalysisArgs& a);
RunOptions analysis_options(const AnalysisArgs& a);
/// Loads a scenario file with the catalog of `data` (a directory; empty: the default).
Scenario load_scenario(const std::string& path, const std::string& data);
/// Loads the scenario (with --data and --stress applied).
Scenario analysis_scenario(const AnalysisArgs& a);
/// The files the command reads (the scenario, the catalog's files), which no --out may
/// replace; call after analysis_scenario() (which applies --data).
std::vector<std::string> input_files(const AnalysisArgs& a);

/// Subcommands registered by other files: when `cmd` was given, main runs `handler`.
struct Commands {
  std::vector<std::pair<CLI::App*, std::function<int()>>> list;
  void add(CLI::App* cmd, std::function<int()> handler) { list.emplace_back(cmd, std::move(handler)); }
};

/// engine/cli/sensitivity.cpp: tornado, spearman, sobol.
void register_sensitivity_commands(CLI::App& app, Commands& commands);

}  // namespace infersim::cli
