#pragma once
/// Validation that sees the model: inputs that are valid one by one but whose magnitudes
/// make the model's arithmetic overflow (`power_gw: 1.7e308`, `it_life_years: 1e-300`).
#include <string>

namespace infersim {

class Scenario;

/// Evaluate the model at the inputs' medians, then with each uncertain input alone at its
/// extreme quantiles (k_extreme_u, 1 - k_extreme_u): every output except IRR and payback
/// (undefined by design on some paths) must be finite. InputError naming the input (or,
/// at the medians, the largest value in use) otherwise; `where` prefixes the message.
void check_model_finite(const Scenario& scenario, const std::string& where = "");

}  // namespace infersim
