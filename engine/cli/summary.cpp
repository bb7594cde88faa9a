#include "summary.hpp"

#include "infersim/claim_chain.hpp"
#include "infersim/error.hpp"
#include "infersim/non_finite.hpp"

#include <cmath>
#include <iomanip>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace infersim::cli {
namespace {

std::string fixed(double x, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << x;
  return s.str();
}

std::string pct(double x) { return std::isfinite(x) ? fixed(100 * x, 1) + "%" : "n/a"; }

std::string year(double x) { return std::isfinite(x) ? fixed(x, 0) : "n/a"; }

std::string pad(const std::string& s, std::size_t w) {
  // Count UTF-8 code points, not bytes, so that "·" and "≈" align.
  std::size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  return cps >= w ? s : std::string(w - cps, ' ') + s;
}

std::string thousands(std::uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace

std::string money(double usd) {
  if (!std::isfinite(usd)) return "n/a";
  const double a = std::abs(usd);
  const std::string sign = usd < 0 ? "-" : "";
  if (a >= 1e12) return sign + "$" + fixed(a / 1e12, 2) + "T";
  if (a >= 1e9) return sign + "$" + fixed(a / 1e9, a >= 1e11 ? 0 : 1) + "B";
  if (a >= 1e6) return sign + "$" + fixed(a / 1e6, a >= 1e8 ? 0 : 1) + "M";
  if (a >= 1e3) return sign + "$" + fixed(a / 1e3, 1) + "k";
  return sign + "$" + fixed(a, 0);
}

namespace {

/// --quantiles and --threshold: the scalars' extra quantiles, and P(metric > k).
void print_asked_statistics(std::ostream& os, const RunResult& r) {
  const auto T = r.horizon_years();
  auto f = [](const std::string& metric, double x) {
    if (metric.ends_with("_usd")) return money(x);
    if (metric == "irr" || metric == "mirr" || metric == "utilization" || metric == "ebit_ratio") return pct(x);
    return format_number(x);
  };
  if (!r.metrics.empty() && !r.metrics.front().extra.empty()) {
    os << "\n  quantiles asked for\n";
    for (int s = 0; s < k_scalar_count; ++s) {
      const std::string name(k_scalar_names[static_cast<std::size_t>(s)]);
      os << "  " << std::left << std::setw(18) << name << std::right;
      for (const auto& [k, v] : r.metrics[static_cast<std::size_t>(metric_index(static_cast<Scalar>(s), T))].extra) {
        os << "  " << k << " " << f(name, v);
      }
      os << "\n";
    }
  }
  if (r.thresholds.empty()) return;
  os << "\n  thresholds\n";
  for (const auto& t : r.thresholds) {
    os << "  P(" << t.metric << " > " << f(t.metric, t.value) << ")";
    if (t.probability.size() == 1) {
      os << "  " << pct(t.probability[0]) << "\n";
      continue;
    }
    for (std::size_t y = 0; y < t.probability.size(); ++y) os << "  " << r.years[y] << ": " << pct(t.probability[y]);
    os << "\n";
  }
}

/// Each claim with its probability, median and the percentile of the claimed value.
void print_claims(std::ostream& os, const RunResult& r) {
  if (r.claims.empty()) return;
  os << "\n  claims\n";
  for (const auto& c : r.claims) {
    const bool is_money = c.claim.metric.ends_with("_usd");
    const bool is_ratio = c.claim.metric == "utilization" || c.claim.metric == "ebit_ratio" || c.claim.metric == "irr" ||
                          c.claim.metric == "mirr";
    auto f = [&](double x) {
      return is_money ? money(x) : is_ratio ? pct(x) : fixed(x, x == std::floor(x) ? 0 : 3);
    };
    std::string what = c.claim.metric + (c.claim.year ? " " + std::to_string(*c.claim.year) : "") + " " +
                       (c.claim.op == ClaimOp::approx ? "≈" : to_string(c.claim.op)) + " " + f(c.claim.value);
    if (c.claim.op == ClaimOp::approx) what += " ±" + fixed(100 * c.claim.rel_tol, 0) + "%";
    os << "  " << c.claim.id << ": " << what << "\n      P(holds) " << pct(c.probability) << "   median "
       << f(c.median) << "   the claimed value sits at percentile " << fixed(c.value_percentile, 1) << "\n";
  }
}

/// model-v2 §C: MIRR, the terminal value, and the unit economics year by year (medians):
/// EBITDA, the player's cost per Mtok beside the market price, revenue per accelerator-hour.
void print_finance(std::ostream& os, const RunResult& r, std::size_t w) {
  const MetricStats& mirr = r.scalar(Scalar::mirr);
  const MetricStats& tv = r.scalar(Scalar::terminal_value_usd);
  os << "  MIRR             p5 " << pad(pct(mirr.percentile(5)), w) << "  p50 " << pad(pct(mirr.percentile(50)), w)
     << "  p95 " << pad(pct(mirr.percentile(95)), w) << "   defined on " << pct(mirr.defined_fraction) << " of paths\n";
  if (tv.min != 0 || tv.max != 0) {  // 0 on every path: no terminal value
    os << "  terminal value   p5 " << pad(money(tv.percentile(5)), w) << "  p50 " << pad(money(tv.percentile(50)), w)
       << "  p95 " << pad(money(tv.percentile(95)), w) << "   (undiscounted, at the end of the horizon)\n";
  }
  auto unit = [](double x) {  // $0.0412, $1.23, $12.3
    if (!std::isfinite(x)) return std::string("n/a");
    std::ostringstream s;
    s << "$" << std::setprecision(3) << x;
    return s.str();
  };
  os << "\n  unit economics (p50)      EBITDA   cost/Mtok  price/Mtok  revenue/accel-h\n";
  for (int t = 0; t < r.horizon_years(); ++t) {
    os << "  " << r.years[static_cast<std::size_t>(t)] << "            " << pad(money(r.series(Series::ebitda_usd, t).percentile(50)), 12)
       << pad(unit(r.series(Series::lcot_player_usd_per_mtok, t).percentile(50)), 12)
       << pad(unit(r.series(Series::price_usd_per_mtok, t).percentile(50)), 12)
       << pad(unit(r.series(Series::revenue_per_accelerator_hour_usd, t).percentile(50)), 17) << "\n";
  }
  os << "  (cost/Mtok: the player's depreciation, power, opex and lease per million tokens served;\n"
        "   price/Mtok: the market's; the player charges price_ratio times it)\n";
}

/// model-v2 §B: per segment and year, the medians of revenue, price, the reference LCOT
/// (cost-plus segments), the player's share and the tokens served and left unserved.
void print_segments(std::ostream& os, const RunResult& r) {
  if (r.segments.empty()) return;
  auto price = [](double x) { return std::isfinite(x) ? fixed(x, x >= 10 ? 2 : 4) : std::string("n/a"); };
  auto tokens = [](double x) {
    if (!std::isfinite(x)) return std::string("n/a");
    std::ostringstream s;
    s << std::setprecision(3) << x;
    return s.str();
  };
  os << "\n  segments (p50)   revenue   $/Mtok     LCOT    share   served tokens  unserved tokens\n";
  for (std::size_t g = 0; g < r.segments.size(); ++g) {
    os << "  " << r.segments[g] << "\n";
    for (int t = 0; t < r.horizon_years(); ++t) {
      auto p50 = [&](SegmentSeries s) { return r.segment(s, g, t).percentile(50); };
      os << "    " << r.years[static_cast<std::size_t>(t)] << "       " << pad(money(p50(SegmentSeries::revenue_usd)), 9)
         << " " << pad(price(p50(SegmentSeries::price_usd_per_mtok)), 8) << " "
         << pad(price(p50(SegmentSeries::lcot_usd_per_mtok)), 8) << " " << pad(pct(p50(SegmentSeries::share)), 8) << " "
         << pad(tokens(p50(SegmentSeries::served_tokens)), 15) << " " << pad(tokens(p50(SegmentSeries::unserved_tokens)), 16)
         << "\n";
    }
  }
}

}  // namespace

void print_summary(std::ostream& os, const Scenario& sc, const RunResult& r, int threads) {
  const int T = r.horizon_years();
  const double rate = r.elapsed_s > 0 ? static_cast<double>(r.paths) / r.elapsed_s : 0;
  os << sc.name() << ": " << thousands(r.paths) << " paths, seed " << r.seed << ", " << to_string(r.sampler)
     << (r.antithetic ? " (antithetic)" : "") << ", " << (threads > 0 ? std::to_string(threads) : std::string("all"))
     << " threads, " << fixed(r.elapsed_s, 2) << " s (" << thousands(static_cast<std::uint64_t>(rate)) << " paths/s)\n\n";

  struct Col {
    const char* title;
    Series s;
    bool is_money;
  };
  const Col cols[] = {{"revenue = ARR", Series::revenue_usd, true},
                      {"utilization", Series::utilization, false},
                      {"EBIT", Series::ebit_usd, true},
                      {"free cash flow", Series::fcf_usd, true}};
  constexpr std::size_t w = 8;
  os << "        ";
  for (const auto& c : cols) os << " │ " << pad(c.title, 3 * w + 2);
  os << "\n  year  ";
  for (std::size_t i = 0; i < std::size(cols); ++i) os << " │ " << pad("p5", w) << " " << pad("p50", w) << " " << pad("p95", w);
  os << "\n";
  for (int t = 0; t < T; ++t) {
    os << "  " << r.years[static_cast<std::size_t>(t)] << "  ";
    for (const auto& c : cols) {
      const MetricStats& m = r.series(c.s, t);
      auto f = [&](double x) { return c.is_money ? money(x) : pct(x); };
      os << " │ " << pad(f(m.percentile(5)), w) << " " << pad(f(m.percentile(50)), w) << " " << pad(f(m.percentile(95)), w);
    }
    os << "\n";
  }

  const MetricStats& npv = r.scalar(Scalar::npv_usd);
  const MetricStats& irr = r.scalar(Scalar::irr);
  const MetricStats& pay = r.scalar(Scalar::payback_year);
  const MetricStats& capex = r.scalar(Scalar::total_capex_usd);
  const MetricStats& cum = r.scalar(Scalar::cumulative_fcf_usd);
  os << "\n";
  os << "  NPV              p5 " << pad(money(npv.percentile(5)), w) << "  p50 " << pad(money(npv.percentile(50)), w)
     << "  p95 " << pad(money(npv.percentile(95)), w) << "   mean " << money(npv.mean) << " ± " << money(npv.se)
     << "   P(NPV > 0) " << pct(npv.prob_positive) << "\n";
  os << "  IRR              p5 " << pad(pct(irr.percentile(5)), w) << "  p50 " << pad(pct(irr.percentile(50)), w)
     << "  p95 " << pad(pct(irr.percentile(95)), w) << "   defined on " << pct(irr.defined_fraction) << " of paths\n";
  os << "  payback year     p5 " << pad(year(pay.percentile(5)), w) << "  p50 " << pad(year(pay.percentile(50)), w)
     << "  p95 " << pad(year(pay.percentile(95)), w) << "   reached on " << pct(pay.defined_fraction) << " of paths\n";
  os << "  total capex      p5 " << pad(money(capex.percentile(5)), w) << "  p50 " << pad(money(capex.percentile(50)), w)
     << "  p95 " << pad(money(capex.percentile(95)), w) << "\n";
  os << "  cumulative FCF   p5 " << pad(money(cum.percentile(5)), w) << "  p50 " << pad(money(cum.percentile(50)), w)
     << "  p95 " << pad(money(cum.percentile(95)), w) << "\n";
  print_finance(os, r, w);

  // model-v2 §A: the roofline's outputs per cluster; tokens are input + output tokens.
  if (!r.throughput_clusters.empty()) {
    os << "\n  throughput (tokens = input + output)          p5        p50        p95\n";
    auto general = [](double x) {  // 23,950 tokens/s; batch 2,048; 0.01641 s
      if (!std::isfinite(x)) return std::string("n/a");
      if (x >= 1000) return thousands(static_cast<std::uint64_t>(std::llround(x)));
      std::ostringstream s;
      s << std::setprecision(4) << x;
      return s.str();
    };
    for (std::size_t c = 0; c < r.throughput_clusters.size(); ++c) {
      os << "  " << r.throughput_clusters[c] << "\n";
      const std::pair<const char*, ClusterScalar> rows[] = {
          {"tokens/s per accelerator", ClusterScalar::tokens_per_sec_per_accelerator},
          {"batch", ClusterScalar::batch},
          {"seconds per output token", ClusterScalar::seconds_per_output_token}};
      for (const auto& [title, s] : rows) {
        const MetricStats& m = r.cluster(s, c);
        os << "    " << title << std::string(38 - std::string(title).size(), ' ') << pad(general(m.percentile(5)), 10)
           << " " << pad(general(m.percentile(50)), 10) << " " << pad(general(m.percentile(95)), 10) << "\n";
      }
    }
  }

  print_segments(os, r);
  print_claims(os, r);
  print_asked_statistics(os, r);
  if (r.quantile_method == "binned") {
    os << "\n  (percentiles from equal-mass bins; rank error <= "
       << fixed(100 * r.quantile_rank_error, 3) << "%)\n";
  }
  // Non-finite outputs (infinite, or NaN where always defined) are never silent.
  const auto warnings = non_finite_warnings(r);
  if (!warnings.empty()) os << "\n";
  for (const auto& line : warnings) os << "  warning: " << line << "\n";
}

void print_comparison(std::ostream& os, const ComparisonResult& r) {
  const RunResult& b = r.base;
  os << b.scenario << ": " << r.variants.size() << " variant" << (r.variants.size() == 1 ? "" : "s") << " on the same "
     << thousands(b.paths) << " paths (seed " << b.seed << ", common random numbers)\n\n";
  constexpr std::size_t w = 9;
  auto row = [&](const std::string& name, const RunResult& x, const std::vector<MetricStats>* diff) {
    const MetricStats& npv = x.scalar(Scalar::npv_usd);
    os << "  " << std::left << std::setw(24) << name << std::right << pad(money(npv.percentile(5)), w) << " "
       << pad(money(npv.percentile(50)), w) << " " << pad(money(npv.percentile(95)), w) << " "
       << pad(pct(npv.prob_positive), w);
    if (diff) {
      const MetricStats& d = (*diff)[static_cast<std::size_t>(metric_index(Scalar::npv_usd, x.horizon_years()))];
      os << "   " << pad(money(d.mean), w) << " ± " << std::left << std::setw(8) << money(d.se) << std::right
         << pad(money(d.percentile(5)), w) << " " << pad(money(d.percentile(50)), w) << " "
         << pad(money(d.percentile(95)), w) << " " << pad(pct(d.prob_negative), w);
    }
    os << "\n";
  };
  os << "  " << std::left << std::setw(24) << "" << std::right << pad("NPV p5", w) << " " << pad("p50", w) << " "
     << pad("p95", w) << " " << pad("P(>0)", w) << "   " << pad("ΔNPV mean", w) << "   " << std::left << std::setw(8)
     << "se" << std::right << pad("Δ p5", w) << " " << pad("Δ p50", w) << " " << pad("Δ p95", w) << " "
     << pad("P(Δ<0)", w) << "\n";
  row("base", b, nullptr);
  for (const auto& v : r.variants) row(v.name, v.result, &v.difference);
  os << "\n  Δ = variant minus base on the same path; its se is that of the paired difference.\n";
}

void print_chain(std::ostream& os, const Scenario& sc, const RunResult& r) {
  os << sc.name() << ": the claim chain, " << thousands(r.paths) << " paths (seed " << r.seed << ")\n";
  int n = 0;
  for (const ChainStep& s : chain_steps(r)) {
    os << "\n  " << ++n << ". " << s.title << "\n";
    for (const auto& line : s.arithmetic) os << "       " << line << "\n";
    os << "     → " << s.verdict << "\n";
  }
  if (!r.catalog.empty()) {
    os << "\n  figures from the catalog:\n";
    for (const auto& u : r.catalog) {
      // A scaled figure (a share of it, or a unit conversion such as TB/s -> bytes/s) keeps its
      // unit next to the catalog's own value, never next to the scaled one.
      os << "    " << u.json_path << " = " << format_number(u.value);
      if (u.scale == 1) {
        os << " " << u.figure.unit << "  ← " << u.ref << " (";
      } else {
        os << "  ← " << u.ref << " × " << format_number(u.scale) << " (" << format_number(u.figure.value) << " "
           << u.figure.unit << ", ";
      }
      os << u.figure.as_of << ", " << u.figure.confidence << " confidence"
         << (u.figure.unsourced ? ", unsourced estimate" : "") << ")\n";
    }
  }
}

void print_validation(std::ostream& os, const Scenario& sc) {
  const auto uncertain = sc.uncertain_inputs();
  os << sc.name() << ": valid\n";
  if (!sc.description().empty()) os << "  " << sc.description() << "\n";
  os << "  years " << sc.start_year() << "–" << sc.start_year() + sc.horizon_years() - 1 << " (" << sc.horizon_years()
     << "), " << sc.input_paths().size() << " inputs, " << uncertain.size() << " uncertain, "
     << sc.correlations().size() << " correlations, " << sc.claims().size() << " claims, " << sc.stresses().size()
     << " stresses\n";
  const auto& sim = sc.simulation();
  os << "  simulation: " << sim.paths << " paths, seed " << sim.seed << ", " << to_string(sim.sampler)
     << (sim.antithetic ? ", antithetic" : "") << "\n";
  if (!uncertain.empty()) {
    os << "  uncertain inputs:\n";
    for (auto i : uncertain) {
      const Input& in = sc.inputs()[i];
      os << "    " << in.path << " ~ " << in.dist.describe() << "  (median " << format_number(in.dist.median()) << ")\n";
    }
  }
  for (const auto& c : sc.correlations()) {
    os << "  correlation " << sc.inputs()[c.a].path << " ~ " << sc.inputs()[c.b].path << ": rho " << c.rho << "\n";
  }
  for (const auto& s : sc.stresses()) {
    os << "  stress " << s.name << ":";
    for (const auto& [idx, d] : s.overrides) os << " " << sc.inputs()[idx].path << " = " << d.describe() << ";";
    os << "\n";
  }
}

}  // namespace infersim::cli
