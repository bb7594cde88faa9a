// Market segments, cost-plus prices, elasticity and a price-sensitive share (model-v2 §B),
// against values worked out by hand from the spec, and the errors bad input gets.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "infersim/error.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"
#include "model/market.hpp"
#include "model/throughput.hpp"

using namespace infersim;
using fixtures::check_close;
using fixtures::error_of;
using json = nlohmann::json;

namespace {

struct Outputs {
  std::vector<double> v;
  int T;
  double operator()(Series s, int t) const { return v[static_cast<std::size_t>(metric_index(s, t, T))]; }
  double operator()(Scalar s) const { return v[static_cast<std::size_t>(metric_index(s, T))]; }
  double operator()(SegmentSeries s, int j, int t) const {
    return v[static_cast<std::size_t>(metric_index(s, j, t, T, 0))];
  }
};

Outputs evaluate_scenario(const json& j) {
  const Scenario sc = Scenario::from_json(j);
  const ModelInputs in = sc.base_inputs();
  ModelWorkspace ws;
  Outputs out{std::vector<double>(static_cast<std::size_t>(sc.metric_count())), in.horizon_years};
  REQUIRE(metric_count(in) == sc.metric_count());
  evaluate(in, ws, out.v);
  return out;
}

// The hand scenario's market and share as one segment: v1's keys moved into market.segments.
json as_one_segment(json j) {
  json seg = j["market"];
  seg["name"] = "all";
  for (const char* key : {"share_start", "share_end", "share_ramp_years", "price_ratio"}) {
    seg[key] = j["player"][key];
    j["player"].erase(key);
  }
  j["market"] = json{{"segments", json::array({seg})}};
  return j;
}

json segment(const std::string& name, double spend0, double price0, double share, double ratio, double weight) {
  return json{{"name", name},         {"spend0_usd", spend0},     {"spend_growth", 0.1}, {"price0_usd_per_mtok", price0},
              {"price_decline", 0.2}, {"share_end", share},       {"price_ratio", ratio}, {"compute_weight", weight}};
}

// A cost-plus price (model-v2 §B) on round reference hardware.
json cost_plus_price() {
  return json::parse(R"({"mode": "cost_plus", "markup0": 1.0, "markup_floor": 0.2, "markup_halflife_years": 2,
    "reference": {"tokens_per_sec_per_accelerator": 1000, "hardware_gain": 0.5, "watts_per_accelerator": 1000,
      "pue": 1.2, "availability": 0.9, "it_cost_usd_per_accelerator": 30000, "it_cost_growth": 0.1,
      "it_life_years": 5, "facility_capex_usd_per_gw": 1e10, "facility_life_years": 20,
      "power_price_usd_per_mwh": 60, "idle_power_fraction": 0.3, "opex_rate": 0.03,
      "utilization": 0.6, "cost_of_capital": 0.08}})");
}

// model-v2 §B by hand: LCOT_t and p_t of cost_plus_price().
double lcot_by_hand(int t) {
  const double crf_it = 0.08 / (1 - std::pow(1.08, -5)), crf_fac = 0.08 / (1 - std::pow(1.08, -20));
  const double k_it = 30000 * std::pow(1.1, t), k_fac = 1e10 * 1000 * 1.2 / 1e9;
  const double a = k_it * crf_it + k_fac * crf_fac + 0.03 * (k_it + k_fac) + 1000 * 1.2 * 8.76e-3 * 60 * (0.3 + 0.7 * 0.6);
  return a / (1000 * std::pow(1.5, t) * 0.9 * 3.1536e7 * 0.6) * 1e6;
}
double price_by_hand(int t) { return lcot_by_hand(t) * (1 + 0.2 + 0.8 * std::pow(0.5, t / 2.0)); }

// A three-year scenario whose one cluster comes online after the horizon: nothing is served,
// so each segment's unserved tokens are the tokens it asks for, Q_j.
json no_capacity(json segments) {
  json j = fixtures::hand_scenario();
  j["horizon_years"] = 3;
  j["clusters"][0]["online_year"] = 2030;
  for (const char* key : {"share_start", "share_end", "share_ramp_years", "price_ratio"}) j["player"].erase(key);
  j["market"] = json{{"segments", std::move(segments)}};
  return j;
}

}  // namespace

TEST_CASE("segments: one segment holding v1's keys gives v1's numbers, bit for bit") {
  const json v1 = fixtures::hand_scenario();
  const Outputs a = evaluate_scenario(v1), b = evaluate_scenario(as_one_segment(v1));
  for (int s = 0; s < k_series_count; ++s) {
    for (int t = 0; t < a.T; ++t) {
      INFO(k_series_names[static_cast<std::size_t>(s)] << " year index " << t);
      const double x = a(static_cast<Series>(s), t), y = b(static_cast<Series>(s), t);
      CHECK(((std::isnan(x) && std::isnan(y)) || x == y));  // undefined in both (nothing served), or equal
    }
  }
  for (const Scalar s : {Scalar::npv_usd, Scalar::total_capex_usd, Scalar::cumulative_fcf_usd, Scalar::irr}) {
    CHECK(a(s) == b(s));
  }
  // The segment's own series are the totals.
  for (int t = 0; t < a.T; ++t) {
    CHECK(b(SegmentSeries::revenue_usd, 0, t) == a(Series::revenue_usd, t));
    CHECK(b(SegmentSeries::served_tokens, 0, t) == a(Series::served_tokens, t));
    CHECK(b(SegmentSeries::price_usd_per_mtok, 0, t) == a(Series::price_usd_per_mtok, t));
    CHECK(std::isnan(b(SegmentSeries::lcot_usd_per_mtok, 0, t)));
  }
}

TEST_CASE("segments: two segments where capacity binds, served in order of revenue per reference token") {
  json j = fixtures::hand_scenario();
  for (const char* key : {"share_start", "share_end", "share_ramp_years", "price_ratio"}) j["player"].erase(key);
  // "bulk": 2 USD/Mtok at list price, weight 1: 2 USD per reference Mtok. "premium": 10 at a
  // ratio of 0.5, weight 2: 2.5 per reference Mtok, so it is served first though listed second.
  j["market"] = json{{"segments", json::array({segment("bulk", 2e9, 2.0, 0.5, 1.0, 1.0),
                                               segment("premium", 1.6e7, 10.0, 0.5, 0.5, 2.0)})}};
  const Outputs o = evaluate_scenario(j);
  const Outputs v1 = evaluate_scenario(fixtures::hand_scenario());  // the same clusters: C_t
  const int T = o.T;
  bool bulk_short = false;
  for (int t = 0; t < T; ++t) {
    const double grow = std::pow(1.1, t), fall = std::pow(0.8, t);
    const double q_bulk = 0.5 * 2e9 * grow / (1.0 * 2.0 * fall) * 1e6;
    const double q_premium = 0.5 * 1.6e7 * grow / (0.5 * 10.0 * fall) * 1e6;
    const double c = v1(Series::capacity_tokens, t);
    check_close(o(Series::capacity_tokens, t), c, "capacity", t);
    double room = 0.8 * c;
    const double s_premium = std::min(q_premium, room / 2.0);
    room -= 2.0 * s_premium;
    const double s_bulk = std::min(q_bulk, room);
    check_close(o(SegmentSeries::served_tokens, 1, t), s_premium, "premium served", t);
    check_close(o(SegmentSeries::served_tokens, 0, t), s_bulk, "bulk served", t);
    check_close(o(SegmentSeries::unserved_tokens, 1, t), q_premium - s_premium, "premium unserved", t);
    check_close(o(SegmentSeries::unserved_tokens, 0, t), q_bulk - s_bulk, "bulk unserved", t);
    check_close(o(SegmentSeries::revenue_usd, 1, t), s_premium * 0.5 * 10.0 * fall / 1e6, "premium revenue", t);
    check_close(o(SegmentSeries::revenue_usd, 0, t), s_bulk * 2.0 * fall / 1e6, "bulk revenue", t);
    check_close(o(Series::served_tokens, t), s_bulk + s_premium, "served", t);
    check_close(o(Series::revenue_usd, t), (s_bulk * 2.0 + s_premium * 5.0) * fall / 1e6, "revenue", t);
    check_close(o(Series::utilization, t), c > 0 ? (s_bulk + 2 * s_premium) / c : 0.0, "utilization", t);
    const double spend = (2e9 + 1.6e7) * grow;
    check_close(o(Series::market_spend_usd, t), spend, "market spend", t);
    check_close(o(Series::demand_tokens, t), (2e9 / 2.0 + 1.6e7 / 10.0) * grow / fall * 1e6, "demand", t);
    check_close(o(Series::price_usd_per_mtok, t), spend / o(Series::demand_tokens, t) * 1e6, "blended price", t);
    // Capacity binds on the segment served last first: a year in which bulk goes short while
    // premium is served in full; and premium goes short only when bulk gets nothing.
    bulk_short = bulk_short || (c > 0 && s_bulk < q_bulk && s_premium == q_premium);
    if (s_premium < q_premium) CHECK(s_bulk == 0);
  }
  CHECK(bulk_short);
  // Listed the other way round, the same order and the same numbers.
  json swapped = j;
  std::swap(swapped["market"]["segments"][0], swapped["market"]["segments"][1]);
  const Outputs s = evaluate_scenario(swapped);
  for (int t = 0; t < T; ++t) CHECK(s(Series::revenue_usd, t) == o(Series::revenue_usd, t));
  // Equal revenue per reference token: the segment listed first is served first.
  json tie = j;
  tie["market"]["segments"][1]["compute_weight"] = 2.5;  // 5 / 2.5 = 2, bulk's value
  const Outputs e = evaluate_scenario(tie);
  for (int t = 1; t < T; ++t) {
    const double c = v1(Series::capacity_tokens, t);
    const double q_bulk = 0.5 * 2e9 * std::pow(1.1, t) / (2.0 * std::pow(0.8, t)) * 1e6;
    check_close(e(SegmentSeries::served_tokens, 0, t), std::min(q_bulk, 0.8 * c), "tie: bulk first", t);
  }
}

TEST_CASE("cost-plus price over three years: LCOT of the reference, markup decaying to its floor") {
  json seg = segment("frontier", 1e9, 5.0, 0.1, 1.0, 1.0);
  seg["price"] = cost_plus_price();
  const Outputs o = evaluate_scenario(no_capacity(json::array({seg})));
  for (int t = 0; t < 3; ++t) {
    check_close(o(SegmentSeries::lcot_usd_per_mtok, 0, t), lcot_by_hand(t), "LCOT", t);
    check_close(o(SegmentSeries::price_usd_per_mtok, 0, t), price_by_hand(t), "price", t);
    check_close(o(Series::price_usd_per_mtok, t), price_by_hand(t), "market price", t);
    // ε = 1 (default): spend is M_t whatever the price; demand follows the price.
    const double m = 1e9 * std::pow(1.1, t);
    check_close(o(Series::market_spend_usd, t), m, "spend", t);
    check_close(o(Series::demand_tokens, t), m / price_by_hand(t) * 1e6, "demand", t);
    check_close(o(SegmentSeries::unserved_tokens, 0, t), 0.1 * m / price_by_hand(t) * 1e6, "asked", t);
  }
  check_close(capital_recovery_factor(0.08, 5), 0.2504564545668364, "CRF(8%, 5)");
  check_close(capital_recovery_factor(0.0, 5.5), 1 / 5.5, "CRF(0, 5.5)");
}

TEST_CASE("elasticity != 1: spend reacts to the price's deviation from the reference path") {
  json seg = segment("frontier", 1e9, 5.0, 0.1, 1.0, 1.0);
  seg["price"] = cost_plus_price();
  seg["price_elasticity"] = 1.5;
  const Outputs o = evaluate_scenario(no_capacity(json::array({seg})));
  for (int t = 0; t < 3; ++t) {
    const double m = 1e9 * std::pow(1.1, t), reference = 5.0 * std::pow(0.8, t), p = price_by_hand(t);
    const double spend = m * std::pow(p / reference, 1 - 1.5);
    check_close(o(Series::market_spend_usd, t), spend, "spend", t);
    check_close(o(Series::demand_tokens, t), spend / p * 1e6, "demand", t);
    check_close(o(SegmentSeries::unserved_tokens, 0, t), 0.1 * spend / p * 1e6, "asked", t);
  }
}

TEST_CASE("price-sensitive share: a logit against the rest of the market") {
  json seg = segment("open", 1e9, 1.0, 0.1, 0.8, 1.0);
  seg["share_start"] = 0.05;
  seg["share_ramp_years"] = 2;
  seg["share_price_sensitivity"] = 2.0;
  const Outputs o = evaluate_scenario(no_capacity(json::array({seg})));
  const double ramp[3] = {0.05, 0.075, 0.1};
  for (int t = 0; t < 3; ++t) {
    const double odds = std::pow(0.8, -2.0);
    const double share = ramp[t] * odds / (ramp[t] * odds + 1 - ramp[t]);
    check_close(o(SegmentSeries::share, 0, t), share, "share", t);
    const double m = 1e9 * std::pow(1.1, t), p = std::pow(0.8, t);
    check_close(o(SegmentSeries::unserved_tokens, 0, t), share * m / (0.8 * p) * 1e6, "asked", t);
  }
}

TEST_CASE("segments: bad input names the JSON path") {
  json j = as_one_segment(fixtures::hand_scenario());
  json both = j;
  both["market"]["spend0_usd"] = 1e9;
  CHECK(error_of(both).find("market.spend0_usd: with market.segments") == 0);
  json share = j;
  share["player"]["share_end"] = 0.1;
  CHECK(error_of(share).find("player.share_end: with market.segments") == 0);
  json dup = j;
  dup["market"]["segments"].push_back(dup["market"]["segments"][0]);
  CHECK(error_of(dup) == "market.segments[1].name: duplicate segment name \"all\"");
  json floor = j;
  floor["market"]["segments"][0]["price"] = cost_plus_price();
  floor["market"]["segments"][0]["price"]["markup_floor"] = 1.5;
  CHECK(error_of(floor).find("market.segments[0].price.markup_floor: must be <= markup0 on every path") == 0);
  json weight = j;
  weight["market"]["segments"][0]["compute_weight"] = 0;
  CHECK(error_of(weight) == "market.segments[0].compute_weight: must be > 0, got 0");
  json path_markup = j;
  path_markup["market"]["segments"][0]["price"] = json{{"mode", "path"}, {"markup0", 1}};
  CHECK(error_of(path_markup) == "market.segments[0].price.markup0: only used with \"mode\": \"cost_plus\"");
  // An unknown segment in an input path: the nearest names.
  const Scenario sc = Scenario::from_json(j);
  try {
    (void)sc.input_index("market.segments.al.share_end", "stresses.x");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("nearest valid names: market.segments.all.share_end") != std::string::npos);
  }
  // The segment's leaves are inputs; v1's market and share slots are not in use.
  const auto paths = sc.input_paths();
  CHECK(std::find(paths.begin(), paths.end(), "market.segments.all.share_start") != paths.end());
  CHECK(std::find(paths.begin(), paths.end(), "market.spend0_usd") == paths.end());
  CHECK(std::find(paths.begin(), paths.end(), "player.share_end") == paths.end());
}

TEST_CASE("segments: uncertain leaves, stresses and the canonical JSON") {
  json seg = segment("frontier", 1e9, 5.0, 0.1, 1.0, 1.0);
  seg["price"] = cost_plus_price();
  seg["price"]["markup0"] = json::parse(R"({"dist": "uniform", "min": 1, "max": 2})");
  json j = no_capacity(json::array({seg}));
  const Scenario sc = Scenario::from_json(j);
  CHECK(sc.segment_names() == std::vector<std::string>{"frontier"});
  // The canonical JSON reads back to the same scenario.
  const Scenario again = Scenario::from_json(sc.to_json());
  CHECK(again.input_paths() == sc.input_paths());
  CHECK(again.to_json() == sc.to_json());
  // Overrides reach the leaves; an override that breaks floor <= markup0 is an error.
  const Scenario cheaper = sc.with_overrides({{"market.segments.frontier.price.markup0", Distribution::fixed(0.5)}});
  ModelInputs m = cheaper.base_inputs();
  CHECK(m.segments[0].markup0 == 0.5);
  CHECK_THROWS_AS(sc.with_overrides({{"market.segments.frontier.price.markup_floor", Distribution::fixed(1.5)}}),
                  InputError);
  CHECK_THROWS_AS(sc.with_overrides({{"market.spend0_usd", Distribution::fixed(1e9)}}), InputError);
  // A run: same seed, same bits on 1 and 2 threads.
  RunOptions one, two;
  one.paths = two.paths = 2000;
  one.threads = 1;
  two.threads = 2;
  const RunResult a = run(sc, one), b = run(sc, two);
  CHECK(a.segments == std::vector<std::string>{"frontier"});
  for (int t = 0; t < 3; ++t) {
    CHECK(a.segment(SegmentSeries::price_usd_per_mtok, 0, t).mean == b.segment(SegmentSeries::price_usd_per_mtok, 0, t).mean);
  }
}

TEST_CASE("segments: v1's market with a cost-plus price is the one segment `all`") {
  // The same market and share written as v1 keys plus market.price and player.share_price_sensitivity,
  // and as one explicit segment: the same numbers, the leaves at their v1-style paths.
  json v1 = fixtures::hand_scenario();
  v1["market"]["price"] = cost_plus_price();
  v1["market"]["price_elasticity"] = 1.5;
  v1["player"]["share_price_sensitivity"] = 2.0;
  json explicit_ = as_one_segment(fixtures::hand_scenario());
  explicit_["market"]["segments"][0]["price"] = cost_plus_price();
  explicit_["market"]["segments"][0]["price_elasticity"] = 1.5;
  explicit_["market"]["segments"][0]["share_price_sensitivity"] = 2.0;
  const Outputs a = evaluate_scenario(v1), b = evaluate_scenario(explicit_);
  REQUIRE(a.v.size() == b.v.size());
  for (std::size_t i = 0; i < a.v.size(); ++i) {
    if (std::isnan(a.v[i])) CHECK(std::isnan(b.v[i]));
    else CHECK(a.v[i] == b.v[i]);
  }
  const Scenario sc = Scenario::from_json(v1);
  CHECK(sc.segment_names() == std::vector<std::string>{"all"});
  const auto paths = sc.input_paths();
  for (const char* p : {"market.spend0_usd", "player.share_end", "market.price_elasticity", "player.share_price_sensitivity",
                        "market.price.markup0", "market.price.reference.hardware_gain"}) {
    INFO(p);
    CHECK(std::find(paths.begin(), paths.end(), p) != paths.end());
  }
  CHECK(std::find(paths.begin(), paths.end(), "market.compute_weight") == paths.end());
  // Overriding a v1 key reaches the segment (finish() copies it in).
  const Scenario richer = sc.with_overrides({{"market.spend0_usd", Distribution::fixed(2e7)}});
  ModelInputs m = richer.base_inputs();
  CHECK(m.segments[0].spend0_usd == 2e7);
  CHECK(Scenario::from_json(sc.to_json()).to_json() == sc.to_json());
  // A segmented market takes no sensitivity in player.
  json both = explicit_;
  both["player"]["share_price_sensitivity"] = 1.0;
  CHECK(error_of(both).find("player.share_price_sensitivity: with market.segments") == 0);
}

TEST_CASE("cost-plus: a price reference with a throughput block takes the roofline's tokens/s") {
  const json block = json::parse(R"({
    "model": {"name": "deepseek_v3", "bytes_per_param": 1, "kv_bytes_per_token": 35136},
    "accelerator": "gb200",
    "serving": {"accelerators_per_replica": 8, "max_batch": 2048, "input_tokens_per_request": 2000,
                "output_tokens_per_request": 500, "max_seconds_per_output_token": 0.02,
                "bandwidth_efficiency": 0.8, "compute_efficiency": 0.41}})");
  json seg = segment("frontier", 1e9, 5.0, 0.1, 1.0, 1.0);
  seg["price"] = cost_plus_price();
  seg["price"]["reference"].erase("tokens_per_sec_per_accelerator");
  seg["price"]["reference"]["throughput"] = block;
  const Scenario sc = Scenario::from_json(no_capacity(json::array({seg})));  // the default catalog
  const ModelInputs in = sc.base_inputs();
  REQUIRE(in.segments[0].reference.has_throughput);
  const double tau = roofline_throughput(in.segments[0].reference.throughput).tokens_per_sec_per_accelerator;
  CHECK(tau > 1000);
  ModelWorkspace ws;
  std::vector<double> out(static_cast<std::size_t>(sc.metric_count()));
  evaluate(in, ws, out);
  for (int t = 0; t < 3; ++t) {
    // LCOT scales as 1/τ: the hand value at τ = 1000, times 1000 / τ.
    const double lcot = out[static_cast<std::size_t>(metric_index(SegmentSeries::lcot_usd_per_mtok, 0, t, 3, 0))];
    check_close(lcot, lcot_by_hand(t) * 1000 / tau, "LCOT from the roofline", t);
  }
  // Its leaves are inputs, at the reference's dotted path.
  const auto paths = sc.input_paths();
  CHECK(std::find(paths.begin(), paths.end(),
                  "market.segments.frontier.price.reference.throughput.serving.compute_efficiency") != paths.end());
  CHECK(std::find(paths.begin(), paths.end(), "market.segments.frontier.price.reference.tokens_per_sec_per_accelerator") ==
        paths.end());
}

TEST_CASE("segments: SERIES.SEGMENT names a whole per-segment series (thresholds, keep_samples)") {
  json j = fixtures::hand_scenario();
  for (const char* key : {"share_start", "share_end", "share_ramp_years", "price_ratio"}) j["player"].erase(key);
  j["market"] = json{{"segments", json::array({segment("bulk", 2e9, 2.0, 0.5, 1.0, 1.0),
                                               segment("premium", 1.6e7, 10.0, 0.5, 0.5, 2.0)})}};
  const Scenario sc = Scenario::from_json(j);
  const int T = sc.horizon_years(), clusters = static_cast<int>(sc.throughput_clusters().size());
  const MetricRef whole = MetricRef::parse_whole("served_tokens.premium", sc, "t");
  CHECK(whole.index == metric_index(SegmentSeries::served_tokens, 1, 0, T, clusters));
  CHECK(whole.width == T);
  CHECK(!whole.year);
  // The year-by-year reference points into the same values.
  const MetricRef year = MetricRef::parse("served_tokens.premium@" + std::to_string(sc.start_year() + 2), sc, "t");
  CHECK(year.index == whole.index + 2);
  // A market-wide name is what it was.
  CHECK(MetricRef::parse_whole("npv_usd", sc, "t").index == MetricRef::parse_whole("npv_usd", T, "t").index);
  auto error = [&](const std::string& name) {
    try {
      (void)MetricRef::parse_whole(name, sc, "thresholds");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error("served_tokens.premum") == "thresholds: unknown segment \"premum\"; nearest: premium, bulk");
  CHECK(error("npv_usd.premium").find("thresholds: \"npv_usd\" is not a per-segment series") == 0);
  CHECK(error("served_tokens.premium@2027").find("thresholds: expected a metric by name") == 0);
  CHECK(error("served_tokens.bulk").empty());
}
