// Goal seeking and sweeps over full runs with common random numbers.
#include "infersim/analysis.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/tools/roots.hpp>

#include "infersim/error.hpp"
#include "json/strict_json.hpp"

namespace infersim {
namespace {

Scenario with_value(const Scenario& sc, const std::string& input, double x, const std::string& where) {
  return sc.with_overrides({{input, Distribution::fixed(x)}}, where);
}

}  // namespace

SolveResult solve(const Scenario& sc, const std::string& input, double lo, double hi, const StatisticRef& stat,
                  double target, const RunOptions& options, double x_tolerance, int max_runs) {
  if (!(lo < hi)) {
    throw InputError("solve: the range must have lo < hi, got [" + format_number(lo) + ", " + format_number(hi) + "]");
  }
  (void)sc.input_index(input, "solve --input");
  SolveResult out;
  out.input = input;
  out.statistic = stat;
  out.target = target;
  auto f = [&](double x) {
    const RunResult r = run(with_value(sc, input, x, "solve"), options);
    const double v = stat.of(r);
    out.trace.push_back({{x}, {v}});
    if (!std::isfinite(v)) {
      throw InputError("solve: " + stat.to_string() + " is undefined at " + input + " = " + format_number(x) +
                       " (no path defines it)");
    }
    return v - target;
  };
  const double f_lo = f(lo), f_hi = f(hi);
  if (f_lo == 0 || f_hi == 0) {
    out.root = f_lo == 0 ? lo : hi;
  } else {
    if ((f_lo > 0) == (f_hi > 0)) {
      throw InputError("solve: the target " + stat.to_string() + " = " + format_number(target) +
                       " is not bracketed by " + input + " in [" + format_number(lo) + ", " + format_number(hi) +
                       "]: " + stat.to_string() + " is " + format_number(f_lo + target) + " at " + format_number(lo) +
                       " and " + format_number(f_hi + target) + " at " + format_number(hi));
    }
    const double tol = x_tolerance > 0 ? x_tolerance : 1e-6 * (hi - lo);
    std::uintmax_t iterations = static_cast<std::uintmax_t>(std::max(1, max_runs - 2));
    const auto [a, b] = boost::math::tools::toms748_solve(
        f, lo, hi, f_lo, f_hi, [tol](double x, double y) { return std::abs(x - y) <= tol; }, iterations);
    out.lo = a;
    out.hi = b;
    // The end of the bracket closer to the target: a statistic of a finite sample can be
    // a step function of the input, so no interior point need meet the target exactly.
    double best = a, best_gap = std::numeric_limits<double>::infinity();
    for (const auto& e : out.trace) {
      if (e.inputs[0] >= a && e.inputs[0] <= b && std::abs(e.values[0] - target) < best_gap) {
        best = e.inputs[0];
        best_gap = std::abs(e.values[0] - target);
      }
    }
    out.root = best;
  }
  if (out.lo == 0 && out.hi == 0) out.lo = out.hi = out.root;
  for (const auto& e : out.trace) {
    if (e.inputs[0] == out.root) out.achieved = e.values[0];
  }
  return out;
}

SweepResult sweep(const Scenario& sc, const std::vector<std::pair<std::string, std::vector<double>>>& grid,
                  const std::vector<StatisticRef>& statistics, const RunOptions& options) {
  if (grid.empty() || grid.size() > 2) {
    throw InputError("sweep: give one or two inputs, got " + std::to_string(grid.size()));
  }
  if (statistics.empty()) throw InputError("sweep: give at least one statistic (e.g. npv_usd:p50)");
  SweepResult out;
  out.statistics = statistics;
  for (const auto& [input, values] : grid) {
    (void)sc.input_index(input, "sweep --input");
    if (values.empty()) throw InputError("sweep --input " + input + ": no values");
    out.inputs.push_back(input);
  }
  const std::vector<double> second = grid.size() == 2 ? grid[1].second : std::vector<double>{std::nan("")};
  for (double x : grid[0].second) {
    for (double y : second) {
      std::vector<std::pair<std::string, Distribution>> overrides{{grid[0].first, Distribution::fixed(x)}};
      Evaluation e;
      e.inputs.push_back(x);
      if (grid.size() == 2) {
        overrides.emplace_back(grid[1].first, Distribution::fixed(y));
        e.inputs.push_back(y);
      }
      const RunResult r = run(sc.with_overrides(overrides, "sweep"), options);
      for (const auto& s : statistics) e.values.push_back(s.of(r));
      out.points.push_back(std::move(e));
    }
  }
  return out;
}

namespace {
nlohmann::ordered_json number(double x) { return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(); }
}  // namespace

nlohmann::ordered_json to_json(const SolveResult& r) {
  nlohmann::ordered_json j;
  j["input"] = r.input;
  j["statistic"] = r.statistic.to_string();
  j["target"] = r.target;
  j["root"] = r.root;
  j["achieved"] = number(r.achieved);
  j["bracket"] = {r.lo, r.hi};
  j["runs"] = r.trace.size();
  j["trace"] = nlohmann::ordered_json::array();
  for (const auto& e : r.trace) j["trace"].push_back({{"input", e.inputs[0]}, {"value", number(e.values[0])}});
  return j;
}

ComparisonResult run_stresses(const Scenario& sc, const std::vector<std::string>& names, const RunOptions& options) {
  std::vector<std::pair<std::string, Scenario>> variants;
  if (names.empty()) {
    if (sc.stresses().empty()) throw InputError(sc.name() + ": the scenario defines no stresses");
    for (const auto& s : sc.stresses()) variants.emplace_back(s.name, sc.with_stress(s.name));
  } else {
    for (const auto& n : names) variants.emplace_back(n, sc.with_stress(n));
  }
  return run_compared(sc, variants, options);
}

nlohmann::ordered_json to_json(const ComparisonResult& r) {
  nlohmann::ordered_json j;
  j["base"] = infersim::to_json(r.base);
  j["variants"] = nlohmann::ordered_json::array();
  for (const auto& v : r.variants) {
    nlohmann::ordered_json o;
    o["name"] = v.name;
    o["result"] = infersim::to_json(v.result);
    o["difference"] = metrics_to_json(v.difference, v.result.horizon_years(), true);
    j["variants"].push_back(o);
  }
  return j;
}

nlohmann::ordered_json to_json(const SweepResult& r) {
  nlohmann::ordered_json j;
  j["inputs"] = r.inputs;
  nlohmann::ordered_json stats = nlohmann::ordered_json::array();
  for (const auto& s : r.statistics) stats.push_back(s.to_string());
  j["statistics"] = stats;
  j["points"] = nlohmann::ordered_json::array();
  for (const auto& e : r.points) {
    nlohmann::ordered_json p;
    for (std::size_t i = 0; i < r.inputs.size(); ++i) p[r.inputs[i]] = e.inputs[i];
    for (std::size_t i = 0; i < r.statistics.size(); ++i) p[r.statistics[i].to_string()] = number(e.values[i]);
    j["points"].push_back(p);
  }
  return j;
}

}  // namespace infersim
