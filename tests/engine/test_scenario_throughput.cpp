// A cluster's `throughput` block (model-v2 §A) read from a scenario and run: its leaves are
// input slots after the v1 ones, the model's τ is the roofline's on the path's values, and a
// v1 scenario with the same tokens/s gives the same results.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "fixtures.hpp"
#include "infersim/catalog.hpp"
#include "infersim/error.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"
#include "model/throughput.hpp"

using namespace infersim;
using fixtures::check_close;
using fixtures::error_of;
using json = nlohmann::json;

namespace {

// A dense 8B model in BF16 on one 80 GB accelerator, in the hand scenario's cluster.
json block() { return fixtures::roofline_block(); }
json with_block(json b = block()) { return fixtures::with_roofline(std::move(b)); }

ThroughputResult by_hand() {
  ThroughputServing s;
  s.accelerators_per_replica = 1;
  s.max_batch = 256;
  s.input_tokens_per_request = 1000;
  s.output_tokens_per_request = 200;
  s.max_seconds_per_output_token = 0.03;
  s.bandwidth_efficiency = 0.8;
  s.compute_efficiency = 0.4;
  return roofline_throughput({8e9, 8e9, 1, 1, 2, 131072}, {1e15, 3.35e12, 80e9}, s);
}

}  // namespace

TEST_CASE("throughput block: slots after the v1 inputs, paths, defaults, canonical JSON") {
  const Scenario v1 = Scenario::from_json(fixtures::hand_scenario());
  const Scenario sc = Scenario::from_json(with_block());
  // The v1 slots (sections 0-2), then the block's 17, then model-v2 §C's (sections 4-5).
  std::size_t n1 = 0;
  while (n1 < v1.inputs().size() && v1.inputs()[n1].section <= 2) ++n1;
  const std::size_t n_finance = v1.inputs().size() - n1;
  REQUIRE(sc.inputs().size() == n1 + 17 + n_finance);
  for (std::size_t i = 0; i < n1; ++i) CHECK(sc.inputs()[i].path == v1.inputs()[i].path);  // v1 indices hold
  for (std::size_t i = 0; i < n_finance; ++i) CHECK(sc.inputs()[n1 + 17 + i].path == v1.inputs()[n1 + i].path);
  CHECK(sc.input_index("clusters.C.throughput.model.params_total", "x") == n1);
  const auto eff = sc.input_index("clusters.C.throughput.serving.bandwidth_efficiency", "x");
  CHECK(sc.inputs()[eff].json_path == "clusters[0].throughput.serving.bandwidth_efficiency");
  CHECK(sc.metric_count() == metric_count(6) + 3);
  CHECK(sc.throughput_clusters() == std::vector<std::string>{"C"});
  CHECK(v1.metric_count() == metric_count(6));

  const ModelInputs m = sc.base_inputs();
  CHECK(m.clusters[0].has_throughput);
  CHECK(m.clusters[0].throughput.experts == 1);               // default: dense
  CHECK(m.clusters[0].throughput.hbm_usable_fraction == 0.9);  // default
  CHECK(m.clusters[0].throughput.peak_flops == 1e15);

  // The v1 slot is unused; a stress cannot set it, but may set the block's leaves.
  CHECK_THROWS_WITH_AS(sc.with_overrides({{"clusters.C.tokens_per_sec_per_accelerator", Distribution::fixed(5)}}),
                       doctest::Contains("not used, because the cluster has a throughput block"), InputError);
  const Scenario tight =
      sc.with_overrides({{"clusters.C.throughput.serving.max_seconds_per_output_token", Distribution::fixed(0.02)}});
  CHECK(tight.base_inputs().clusters[0].throughput.max_seconds_per_output_token == 0.02);

  // Canonical JSON reads back to the same inputs.
  const Scenario again = Scenario::from_json(sc.to_json());
  CHECK(again.input_paths() == sc.input_paths());
  CHECK(again.to_json() == sc.to_json());

  // Without a target, max_seconds_per_output_token is +inf (none) and not written.
  json b = block();
  b["serving"].erase("max_seconds_per_output_token");
  const Scenario open = Scenario::from_json(with_block(b));
  CHECK(std::isinf(open.base_inputs().clusters[0].throughput.max_seconds_per_output_token));
  CHECK_FALSE(open.to_json()["clusters"][0]["throughput"]["serving"].contains("max_seconds_per_output_token"));
}

TEST_CASE("throughput block: tau is the roofline's, and v1 with that tau gives the same results") {
  const ThroughputResult expected = by_hand();
  REQUIRE(expected.tokens_per_sec_per_accelerator > 0);
  const Scenario sc = Scenario::from_json(with_block());
  const ModelInputs m = sc.base_inputs();
  ModelWorkspace ws;
  std::vector<double> out(static_cast<std::size_t>(sc.metric_count()));
  evaluate(m, ws, out);
  const int T = 6;
  CHECK(out[static_cast<std::size_t>(metric_index(ClusterScalar::tokens_per_sec_per_accelerator, 0, T))] ==
        expected.tokens_per_sec_per_accelerator);
  CHECK(out[static_cast<std::size_t>(metric_index(ClusterScalar::batch, 0, T))] == expected.batch);
  CHECK(out[static_cast<std::size_t>(metric_index(ClusterScalar::seconds_per_output_token, 0, T))] ==
        expected.seconds_per_output_token);

  // The v1 twin: the same scenario with tokens/s = tau, uncertain inputs on the same streams.
  json j2 = with_block();
  json j1 = fixtures::hand_scenario();
  j1["clusters"][0]["tokens_per_sec_per_accelerator"] = expected.tokens_per_sec_per_accelerator;
  for (json* j : {&j1, &j2}) {
    (*j)["market"]["spend_growth"] = json::parse(R"({"dist": "uniform", "min": 0.1, "max": 0.3})");
    (*j)["clusters"][0]["power_price_usd_per_mwh"] = json::parse(R"({"dist": "uniform", "min": 30, "max": 70})");
  }
  RunOptions opt;
  opt.paths = 5000;
  opt.threads = 2;
  const RunResult r1 = run(Scenario::from_json(j1), opt);
  const RunResult r2 = run(Scenario::from_json(j2), opt);
  REQUIRE(r2.metrics.size() == r1.metrics.size() + 3);
  for (std::size_t i = 0; i < r1.metrics.size(); ++i) {
    CAPTURE(i);
    // NaN where a metric is never defined (model-v2 §C's lcot_player in a year with nothing served).
    auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    CHECK(same(r1.metrics[i].mean, r2.metrics[i].mean));
    for (std::size_t k = 0; k < k_percentiles.size(); ++k) {
      CHECK(same(r1.metrics[i].percentiles[k], r2.metrics[i].percentiles[k]));
    }
  }
  CHECK(r2.throughput_clusters == std::vector<std::string>{"C"});
  CHECK(r2.cluster(ClusterScalar::tokens_per_sec_per_accelerator, 0).percentile(50) ==
        expected.tokens_per_sec_per_accelerator);
  const auto doc = to_json(r2);
  CHECK(doc["clusters"]["C"]["batch"]["p50"].get<double>() == expected.batch);
  CHECK_FALSE(to_json(r1).contains("clusters"));
}

TEST_CASE("throughput block: uncertain leaves move tau path by path") {
  json b = block();
  b["serving"]["compute_efficiency"] = json::parse(R"({"dist": "uniform", "min": 0.3, "max": 0.5})");
  b["serving"].erase("max_seconds_per_output_token");
  const Scenario sc = Scenario::from_json(with_block(b));
  RunOptions opt;
  opt.paths = 2000;
  const RunResult r = run(sc, opt);
  const MetricStats& tau = r.cluster(ClusterScalar::tokens_per_sec_per_accelerator, 0);
  CHECK(tau.percentile(5) < tau.percentile(95));
  CHECK(tau.defined_fraction == 1);
}

TEST_CASE("throughput block: bad input names the JSON path") {
  json both = with_block();
  both["clusters"][0]["tokens_per_sec_per_accelerator"] = 1000;
  CHECK(error_of(both) == "clusters[0]: give either tokens_per_sec_per_accelerator or throughput, not both");
  json neither = with_block();
  neither["clusters"][0].erase("throughput");
  CHECK(error_of(neither) ==
        "clusters[0].tokens_per_sec_per_accelerator: required key is missing (or give a throughput block)");

  json b = block();
  b["model"]["experts"] = 8;
  b["model"]["experts_active"] = 9;
  CHECK(error_of(with_block(b)) ==
        "clusters[0].throughput.model.experts_active: must be <= experts (8), got 9");
  b = block();
  b["serving"]["compute_efficiency"] = 1.2;
  CHECK(error_of(with_block(b)) == "clusters[0].throughput.serving.compute_efficiency: must be in (0, 1], got 1.2");
  b = block();
  b["accelerator"]["hbm_bytes"] = 10e9;
  CHECK(error_of(with_block(b)).starts_with("clusters[0].throughput: model does not fit: needs 16."));
  // Fits at the median, not at the support's low end: an error, not a silent zero on some paths.
  b = block();
  b["accelerator"]["hbm_bytes"] = json::parse(R"({"dist": "uniform", "min": 10e9, "max": 150e9})");
  CHECK(error_of(with_block(b)).starts_with("clusters[0].throughput: model does not fit on every path"));
  b = block();
  b["model"]["experts"] = json::parse(R"({"dist": "uniform", "min": 4, "max": 16})");
  b["model"]["experts_active"] = 8;
  b["model"]["params_active"] = 7.5e9;
  CHECK(error_of(with_block(b)) ==
        "clusters[0].throughput.model.experts_active: can reach 8, above the smallest value of model.experts (4); "
        "experts_active <= experts must hold on every path");
  b = block();
  b["serving"]["batch"] = 4;
  CHECK(error_of(with_block(b)).starts_with("clusters[0].throughput.serving.batch: unknown key (allowed here: "
                                            "accelerators_per_replica, max_batch,"));
  b = block();
  b["model"].erase("params_total");
  CHECK(error_of(with_block(b)) == "clusters[0].throughput.model.params_total: required key is missing");
}

TEST_CASE("throughput block: catalog names for the model and the accelerator") {
  json b = block();
  b["model"] = json{{"name", "deepseek_v3"}, {"bytes_per_param", 1}};
  b["accelerator"] = "gb200";
  b["serving"]["accelerators_per_replica"] = 8;
  const Scenario sc = Scenario::from_json(with_block(b));
  const ModelInputs base = sc.base_inputs();  // kept: t refers into it
  const ClusterThroughput& t = base.clusters[0].throughput;
  CHECK(t.params_total == 671e9);
  CHECK(t.params_active == 37e9);
  CHECK(t.experts == 256);
  CHECK(t.experts_active == 8);
  CHECK(t.kv_bytes_per_token == 70272);  // the catalog's BF16 figure unless overridden
  CHECK(t.peak_flops == doctest::Approx(5e15));  // FP8 dense, by bytes_per_param 1
  CHECK(t.hbm_bandwidth_bytes_per_s == doctest::Approx(8e12));
  bool cited = false;
  for (const auto& u : sc.catalog_uses()) cited |= u.json_path == "clusters[0].throughput.accelerator.peak_flops";
  CHECK(cited);

  b["model"] = "deepseek_v4";
  CHECK_THROWS_WITH_AS(Scenario::from_json(with_block(b)),
                       doctest::Contains("clusters[0].throughput.model: unknown model \"deepseek_v4\" in the catalog; "
                                         "nearest: deepseek_v3"),
                       InputError);
  b["model"] = json{{"name", "llama_3_1_70b"}, {"bytes_per_param", 0.5}};
  b["accelerator"] = "h100";
  CHECK_THROWS_WITH_AS(Scenario::from_json(with_block(b)),
                       doctest::Contains("clusters[0].throughput.accelerator: the catalog has no fp4_dense_tflops"),
                       InputError);
}
