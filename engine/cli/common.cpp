// Pieces shared by the CLI's subcommands.
#include "common.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "infersim/error.hpp"
#include "infersim/io.hpp"

namespace infersim::cli {

std::atomic<bool> g_cancel{false};

std::uint64_t parse_count(const std::string& text, const std::string& option, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    double x = 0;
    auto [p2, ec2] = std::from_chars(text.data(), end, x);
    if (ec2 != std::errc() || p2 != end || x != std::floor(x) || x < 0 || x > 1.8e19) {
      throw InputError(option + ": expected a whole number, got \"" + text + "\"");
    }
    value = static_cast<std::uint64_t>(x);
  }
  if (value < lo || value > hi) {
    throw InputError(option + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text);
  }
  return value;
}

RunOptions analysis_options(const AnalysisArgs& a) {
  RunOptions opt;
  // Whole numbers here; their ranges are the engine's (resolve_settings).
  if (a.paths) opt.paths = static_cast<std::int64_t>(parse_count(*a.paths, "--paths", 0, INT64_MAX));
  if (a.seed) opt.seed = parse_count(*a.seed, "--seed", 0, std::numeric_limits<std::uint64_t>::max());
  if (a.sampler) opt.sampler = parse_sampler(*a.sampler, "--sampler");
  opt.threads = a.threads;
  opt.cancel = &g_cancel;
  return opt;
}

Scenario load_scenario(const std::string& path, const std::string& data) {
  // The catalog of --data, loaded once for the command; else the default one, if needed.
  const std::shared_ptr<const Catalog> catalog = data.empty() ? nullptr : Catalog::cached(data);
  return Scenario::from_file(path, catalog.get());
}

Scenario analysis_scenario(const AnalysisArgs& a) {
  Scenario sc = load_scenario(a.scenario, a.data);
  return a.stress.empty() ? sc : sc.with_stress(a.stress);
}

std::vector<std::string> input_files(const AnalysisArgs& a) {
  std::vector<std::string> files = catalog_files(a.data);
  files.push_back(a.scenario);
  return files;
}

double parse_double(const std::string& text, const std::string& where) {
  double x = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(x)) {
    throw InputError(where + ": expected a number, got \"" + text + "\"");
  }
  return x;
}

void add_analysis_options(CLI::App* cmd, AnalysisArgs& a) {
  cmd->add_option("scenario", a.scenario, "Scenario JSON file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--paths,-n", a.paths, "Paths per run (default: the scenario's)");
  cmd->add_option("--seed,-s", a.seed, "Seed shared by every run (default: the scenario's)");
  cmd->add_option("--sampler", a.sampler, "random | lhs | sobol");
  cmd->add_option("--threads,-j", a.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("--stress", a.stress, "Apply one of the scenario's named stresses first");
  cmd->add_option("--data", a.data, "Reference catalog directory");
  cmd->add_option("--out,-o", a.out, "Write the result JSON here (atomically; - for stdout)");
};
std::vector<double> parse_values(const std::string& spec, const std::string& where) {
  // lo:hi:n (n evenly spaced points) or v1,v2,...
  std::vector<double> values;
  if (std::count(spec.begin(), spec.end(), ':') == 2) {
    const auto c1 = spec.find(':'), c2 = spec.rfind(':');
    const double lo = parse_double(spec.substr(0, c1), where), hi = parse_double(spec.substr(c1 + 1, c2 - c1 - 1), where);
    const auto n = parse_count(spec.substr(c2 + 1), where + " (number of points)", 2, 1000);
    for (std::uint64_t i = 0; i < n; ++i) values.push_back(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1));
    return values;
  }
  std::size_t start = 0;
  while (start <= spec.size()) {
    const auto comma = spec.find(',', start);
    values.push_back(parse_double(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start), where));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

}  // namespace infersim::cli
