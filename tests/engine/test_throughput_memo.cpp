// The roofline memo of ModelWorkspace (model/throughput_memo.hpp): a workspace solves a
// cluster's roofline again only when the block's values change, so a block without uncertain
// leaves is solved once; every output is bit for bit that of a fresh workspace.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "fixtures.hpp"
#include "infersim/model.hpp"
#include "infersim/scenario.hpp"
#include "model/throughput.hpp"

using namespace infersim;
using json = nlohmann::json;

namespace {

ModelInputs roofline_inputs() {
  return Scenario::from_json(fixtures::with_roofline()).base_inputs();
}

std::vector<double> evaluated(const ModelInputs& in, ModelWorkspace& ws) {
  std::vector<double> out(static_cast<std::size_t>(metric_count(in)));
  evaluate(in, ws, out);
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("throughput memo: a reused workspace gives a fresh workspace's bits, whatever came before") {
  const ModelInputs a = roofline_inputs();
  ModelInputs b = a, c = a, d = a;
  b.clusters[0].throughput.compute_efficiency = 0.3;                          // another τ
  c.clusters[0].throughput.max_seconds_per_output_token = 0.005;              // another b*
  d.clusters[0].throughput.bandwidth_efficiency = std::nextafter(0.8, 1.0);  // one ulp away

  const int T = a.horizon_years;
  const auto tau_at = static_cast<std::size_t>(metric_index(ClusterScalar::tokens_per_sec_per_accelerator, 0, T));
  const auto batch_at = static_cast<std::size_t>(metric_index(ClusterScalar::batch, 0, T));
  const ModelInputs* const all[] = {&a, &b, &c, &d};
  std::vector<std::vector<double>> fresh;
  for (const ModelInputs* in : all) {
    ModelWorkspace ws;
    fresh.push_back(evaluated(*in, ws));
  }
  // The four blocks give four different rooflines, so a stale memo would show.
  CHECK(fresh[0][tau_at] == roofline_throughput(a.clusters[0].throughput).tokens_per_sec_per_accelerator);
  CHECK(fresh[1][tau_at] != fresh[0][tau_at]);
  CHECK(fresh[2][batch_at] < fresh[0][batch_at]);
  CHECK(fresh[3][tau_at] != fresh[0][tau_at]);

  ModelWorkspace shared;
  const int order[] = {0, 0, 1, 0, 2, 2, 3, 0, 1, 3, 3, 0};
  for (const int k : order) {
    CAPTURE(k);
    CHECK(same_bits(evaluated(*all[k], shared), fresh[static_cast<std::size_t>(k)]));
  }
}

TEST_CASE("throughput memo: a fixed block's outputs are the roofline's own, pass after pass") {
  // The benchmark's roofline scenario with every leaf of its block fixed: the memo is hit on
  // every pass after the first.
  const Scenario sc = Scenario::from_file(INFERSIM_SOURCE_DIR "/bench/fixtures/hyperion-roofline-fixed.json");
  const ModelInputs in = sc.base_inputs();
  const ThroughputResult r = roofline_throughput(in.clusters[0].throughput);
  const int T = in.horizon_years;
  ModelWorkspace ws;
  std::vector<double> out;
  for (int pass = 0; pass < 3; ++pass) {
    out = evaluated(in, ws);
    CHECK(out[static_cast<std::size_t>(metric_index(ClusterScalar::tokens_per_sec_per_accelerator, 0, T))] ==
          r.tokens_per_sec_per_accelerator);
    CHECK(out[static_cast<std::size_t>(metric_index(ClusterScalar::batch, 0, T))] == r.batch);
    CHECK(out[static_cast<std::size_t>(metric_index(ClusterScalar::seconds_per_output_token, 0, T))] ==
          r.seconds_per_output_token);
  }
}
