#pragma once
// Scenarios shared by the engine tests.
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "infersim/error.hpp"
#include "infersim/scenario.hpp"

namespace fixtures {

/// The message of the InputError that reading `j` throws, or "no error".
inline std::string error_of(const nlohmann::json& j) {
  try {
    infersim::Scenario::from_json(j);
  } catch (const infersim::InputError& e) {
    return e.what();
  }
  return "no error";
}

/// A hand-worked value: equal to 1e-12 relative, reported with its name and year index.
inline void check_close(double got, double expected, const char* what, int t = -1) {
  INFO(what << (t >= 0 ? " year index " + std::to_string(t) : std::string()) << ": got " << got << ", expected "
            << expected << " (tolerance 1e-12 relative)");
  CHECK(got == doctest::Approx(expected).epsilon(1e-12));
}

/// A small scenario with every input fixed, built so that each formula of the model can
/// be followed by hand (test_model.cpp does): a 6-year horizon, one 1 MW cluster that
/// comes online a year after the start over a 2-year ramp, IT life 2.5 years (so
/// vintages are replaced after 3 years and depreciation has a half year), a share ramp,
/// a year with no capacity, demand-bound years and a capacity-bound year.
inline nlohmann::json hand_scenario() {
  return nlohmann::json::parse(R"({
    "name": "hand", "start_year": 2026, "horizon_years": 6,
    "simulation": {"paths": 16, "seed": 1},
    "market": {"spend0_usd": 1e7, "spend_growth": 0.2, "growth_decay": 0.5,
               "price0_usd_per_mtok": 2.0, "price_decline": 0.5},
    "player": {"name": "P", "share_start": 0.02, "share_end": 0.08, "share_ramp_years": 3,
               "price_ratio": 0.5, "max_utilization": 0.8, "sga_rate": 0.1, "tax_rate": 0.2,
               "wacc": 0.1, "baseline_ebit_usd": 5e5},
    "clusters": [{"name": "C", "power_gw": 0.001, "online_year": 2027, "ramp_years": 2,
      "pue": 1.25, "watts_per_accelerator": 1000, "tokens_per_sec_per_accelerator": 1000,
      "hardware_gain": 1.0, "software_gain": 0.1, "availability": 0.5, "inference_alloc": 0.5,
      "facility_capex_usd_per_gw": 1e9, "facility_life_years": 4,
      "it_cost_usd_per_accelerator": 1000, "it_cost_growth": 0.1, "it_life_years": 2.5,
      "power_price_usd_per_mwh": 50, "idle_power_fraction": 0.25, "opex_rate": 0.02,
      "capex_overrun": 0.2}]
  })");
}

/// The default scenario shipped with the repository.
/// A dense 8B model in BF16 on one 80 GB accelerator: a cluster's `throughput` block.
inline nlohmann::json roofline_block() {
  return nlohmann::json::parse(R"({
    "model": {"params_total": 8e9, "params_active": 8e9, "bytes_per_param": 2, "kv_bytes_per_token": 131072},
    "accelerator": {"peak_flops": 1e15, "hbm_bandwidth_bytes_per_s": 3.35e12, "hbm_bytes": 80e9},
    "serving": {"accelerators_per_replica": 1, "max_batch": 256, "input_tokens_per_request": 1000,
                "output_tokens_per_request": 200, "max_seconds_per_output_token": 0.03,
                "bandwidth_efficiency": 0.8, "compute_efficiency": 0.4}
  })");
}

/// The hand scenario with `block` in place of its cluster's tokens/s.
inline nlohmann::json with_roofline(nlohmann::json block = roofline_block()) {
  nlohmann::json j = hand_scenario();
  j["clusters"][0].erase("tokens_per_sec_per_accelerator");
  j["clusters"][0]["throughput"] = std::move(block);
  return j;
}

inline std::string default_scenario_path() { return std::string(INFERSIM_SOURCE_DIR) + "/scenarios/default.json"; }

}  // namespace fixtures
