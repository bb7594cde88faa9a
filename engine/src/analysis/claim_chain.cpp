// The claim chain: the seed's reasoning checked step by step against the model.
#include "infersim/claim_chain.hpp"

#include <cmath>
#include <cstdio>

namespace infersim {
namespace {

std::string usd(double x) {
  char buf[64];
  const double a = std::abs(x);
  if (a >= 1e9) {
    std::snprintf(buf, sizeof buf, "%s$%.*fB", x < 0 ? "-" : "", a >= 1e11 ? 0 : (a >= 1e10 ? 1 : 2), a / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%s$%.0fM", x < 0 ? "-" : "", a / 1e6);
  }
  return buf;
}

std::string pct(double x, int digits = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f%%", digits, 100 * x);
  return buf;
}

const ClaimResult* find(const RunResult& r, const std::string& id) {
  for (const auto& c : r.chain_claims) {
    if (c.claim.id == id) return &c;
  }
  return nullptr;
}

// "has median $X (p5 $A, p95 $B)", or "is $X" when every path agrees.
template <class F>
std::string spread(double median, double p5, double p95, F&& fmt) {
  if (p5 == p95) return "is " + fmt(median) + " on every path";
  return "has median " + fmt(median) + " (p5 " + fmt(p5) + ", p95 " + fmt(p95) + ")";
}

// A claim's probability in words.
std::string likelihood(double p) {
  if (p == 1) return "holds";
  if (p == 0) return "does not hold";
  if (p >= 0.5) return "likely";
  if (p >= 0.2) return "plausible";
  if (p >= 0.05) return "unlikely";
  return "very unlikely";
}

}  // namespace

namespace {

/// What every step reads: the run, its chain, the chain's year (index and text).
struct ChainContext {
  const RunResult& r;
  const ClaimChain& c;
  int t;
  std::string year;

  /// The step's metric statistics and its derived claim's probability.
  void fill(ChainStep& s, const MetricStats& m, const char* id) const {
    s.median = m.percentile(50);
    s.p5 = m.percentile(5);
    s.p95 = m.percentile(95);
    const ClaimResult* cr = find(r, id);
    s.probability = cr ? cr->probability : std::nan("");
  }
};

// 1. share -> ARR: the market the claim implies, and the year it is reached.
ChainStep arr_step(const ChainContext& x) {
  const RunResult& r = x.r;
  const ClaimChain& c = x.c;
  const int t = x.t;
  const std::string& year = x.year;
  ChainStep s;
  s.title = pct(c.share, 0) + " share -> " + usd(c.arr_usd) + " ARR";
  s.metric = "revenue_usd " + year;
  s.claimed = c.arr_usd;
  x.fill(s, r.series(Series::revenue_usd, t), "chain-arr");
  const double implied = c.arr_usd / c.share;
  const double market = r.series(Series::market_spend_usd, t).percentile(50);
  s.arithmetic.push_back(usd(c.arr_usd) + " / " + pct(c.share, 0) + " implies a " + usd(implied) +
                         " market; the scenario's median market reaches it in " + year + " (" + usd(market) + ")");
  s.arithmetic.push_back(pct(c.share, 0) + " of that year's median market is " + usd(c.share * market) +
                         "; capacity, not demand, caps ARR on " +
                         pct(r.series(Series::unserved_tokens, t).prob_positive, 0) + " of paths");
  s.verdict = likelihood(s.probability) + ": ARR in " + year + " " + spread(s.median, s.p5, s.p95, usd) +
              "; within 15% of " + usd(c.arr_usd) + " on " + pct(s.probability) + " of paths";
  return s;
}

// 2. ARR -> profit: the margin the claim implies against the model's EBIT margin.
ChainStep profit_step(const ChainContext& x) {
  const RunResult& r = x.r;
  const ClaimChain& c = x.c;
  const int t = x.t;
  const std::string& year = x.year;
  ChainStep s;
  s.title = "-> " + usd(c.profit_usd) + " profit";
  s.metric = "ebit_usd " + year;
  s.claimed = c.profit_usd;
  x.fill(s, r.series(Series::ebit_usd, t), "chain-profit");
  const double revenue = r.series(Series::revenue_usd, t).percentile(50);
  s.arithmetic.push_back(usd(c.profit_usd) + " on " + usd(c.arr_usd) + " is a " + pct(c.profit_usd / c.arr_usd) +
                         " margin; the model's median EBIT margin in " + year + " is " +
                         pct(revenue != 0 ? s.median / revenue : std::nan("")));
  s.verdict = likelihood(s.probability) + ": EBIT in " + year + " " + spread(s.median, s.p5, s.p95, usd) +
              "; within 25% of " + usd(c.profit_usd) + " on " + pct(s.probability) + " of paths";
  return s;
}

// 3. profit -> share of the baseline EBIT: check the claim's own division first.
ChainStep ebit_fraction_step(const ChainContext& x) {
  const RunResult& r = x.r;
  const ClaimChain& c = x.c;
  const int t = x.t;
  const std::string& year = x.year;
  ChainStep s;
  s.title = "-> " + pct(c.ebit_fraction, 0) + " of " + c.baseline_label;
  s.metric = "ebit_ratio " + year;
  s.claimed = c.ebit_fraction;
  x.fill(s, r.series(Series::ebit_ratio, t), "chain-ebit-fraction");
  const double own = c.profit_usd / c.baseline_ebit_usd;
  const bool consistent = std::abs(own - c.ebit_fraction) <= 0.1 * c.ebit_fraction;
  s.arithmetic.push_back(usd(c.profit_usd) + " / " + usd(c.baseline_ebit_usd) + " (" + c.baseline_label + ") = " +
                         pct(own) + (consistent ? ", as claimed" : ", not " + pct(c.ebit_fraction, 0)));
  std::string matches;
  for (const auto& a : c.alternatives) {
    const double ratio = c.profit_usd / a.ebit_usd;
    s.arithmetic.push_back(usd(c.profit_usd) + " / " + usd(a.ebit_usd) + " (" + a.label + ") = " + pct(ratio));
    if (!consistent && std::abs(ratio - c.ebit_fraction) <= 0.1 * c.ebit_fraction) matches = a.label;
  }
  s.verdict = consistent ? "the arithmetic holds; " : "the arithmetic does not hold: " + usd(c.profit_usd) + " is " +
                                                          pct(own) + " of " + c.baseline_label;
  if (!consistent) {
    s.verdict += matches.empty() ? "; no listed baseline gives " + pct(c.ebit_fraction, 0)
                                 : "; " + pct(c.ebit_fraction, 0) + " matches " + matches + " instead";
    s.verdict += ". ";
  }
  s.verdict += "The model's EBIT in " + year + " as a share of " + c.baseline_label + " " +
               spread(s.median, s.p5, s.p95, [](double x) { return pct(x); }) + "; within 15% of " +
               pct(c.ebit_fraction, 0) + " on " + pct(s.probability) + " of paths";
  return s;
}

// 4. value against the cost of capital.
ChainStep npv_step(const ChainContext& x) {
  const ClaimChain& c = x.c;
  ChainStep s;
  s.title = c.npv_statement.empty() ? "NPV at WACC >= 0" : "\"" + c.npv_statement + "\"";
  s.metric = "npv_usd";
  s.claimed = 0;
  x.fill(s, x.r.scalar(Scalar::npv_usd), "chain-npv");
  s.arithmetic.push_back("NPV at WACC " + spread(s.median, s.p5, s.p95, usd));
  const double p = s.probability;
  s.verdict = p < 0.1    ? "consistent: NPV is positive on only " + pct(p) + " of paths, the optimistic tail"
              : p < 0.5  ? "partly: NPV is positive on " + pct(p) + " of paths, more than an optimistic corner"
                         : "contradicted: NPV is positive on " + pct(p) + " of paths";
  return s;
}

}  // namespace

std::vector<ChainStep> chain_steps(const RunResult& r) {
  if (!r.claim_chain) return {};
  const ClaimChain& c = *r.claim_chain;
  const ChainContext x{r, c, c.year - r.years.front(), std::to_string(c.year)};
  return {arr_step(x), profit_step(x), ebit_fraction_step(x), npv_step(x)};
}

nlohmann::ordered_json chain_to_json(const RunResult& r) {
  nlohmann::ordered_json j;
  if (!r.claim_chain) return j;
  const ClaimChain& c = *r.claim_chain;
  j["year"] = c.year;
  j["implied_market_usd"] = c.arr_usd / c.share;
  j["steps"] = nlohmann::ordered_json::array();
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr); };
  for (const auto& s : chain_steps(r)) {
    nlohmann::ordered_json o;
    o["title"] = s.title;
    o["metric"] = s.metric;
    o["claimed"] = s.claimed;
    o["median"] = num(s.median);
    o["p5"] = num(s.p5);
    o["p95"] = num(s.p95);
    o["probability"] = num(s.probability);
    o["arithmetic"] = s.arithmetic;
    o["verdict"] = s.verdict;
    j["steps"].push_back(o);
  }
  return j;
}

}  // namespace infersim
