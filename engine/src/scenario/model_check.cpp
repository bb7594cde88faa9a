// Validation that sees the model (model_check.hpp).
#include "scenario/model_check.hpp"

#include <cmath>
#include <vector>

#include "infersim/cancel.hpp"
#include "infersim/distribution.hpp"
#include "infersim/error.hpp"
#include "infersim/model.hpp"
#include "infersim/scenario.hpp"

namespace infersim {
namespace {

/// The first output that must be finite and is not: its name (with the year), else empty.
std::string first_non_finite(const std::vector<double>& out, int start_year, int horizon) {
  for (int s = 0; s < k_series_count; ++s) {
    // model-v2 §C: the player's cost per token is undefined (NaN) in a year with nothing served.
    if (s == static_cast<int>(Series::lcot_player_usd_per_mtok)) continue;
    for (int t = 0; t < horizon; ++t) {
      const double v = out[static_cast<std::size_t>(metric_index(static_cast<Series>(s), t, horizon))];
      if (!std::isfinite(v)) {
        return std::string(k_series_names[static_cast<std::size_t>(s)]) + " in " + std::to_string(start_year + t) +
               " is " + format_number(v);
      }
    }
  }
  for (const Scalar s : {Scalar::npv_usd, Scalar::total_capex_usd, Scalar::cumulative_fcf_usd}) {
    const double v = out[static_cast<std::size_t>(metric_index(s, horizon))];
    if (!std::isfinite(v)) return std::string(k_scalar_names[static_cast<std::size_t>(s)]) + " is " + format_number(v);
  }
  return {};
}

}  // namespace

void check_model_finite(const Scenario& sc, const std::string& where) {
  const int horizon = sc.horizon_years();
  const auto& inputs = sc.inputs();
  ModelWorkspace ws;
  ws.reserve(horizon, static_cast<std::size_t>(sc.base_inputs().clusters.size()));
  std::vector<double> out(static_cast<std::size_t>(sc.metric_count()));
  const ModelInputs base = sc.base_inputs();
  evaluate(base, ws, out);
  if (const auto bad = first_non_finite(out, sc.start_year(), horizon); !bad.empty()) {
    // No single input to blame: name the largest magnitude, the usual culprit.
    std::size_t largest = 0;
    double magnitude = -1;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].present) continue;
      const double m = std::abs(inputs[i].dist.median());
      const double r = m >= 1 ? m : (m > 0 ? 1 / m : 0);  // 1e-300 is as suspect as 1e300
      if (r > magnitude) magnitude = r, largest = i;
    }
    throw InputError(where + "at the inputs' medians the model's " + bad + "; an input is beyond any meaningful " +
                     "magnitude (the most extreme: " + inputs[largest].json_path + " = " +
                     format_number(inputs[largest].dist.median()) + ")");
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    throw_if_cancelled();  // each input evaluates the model twice: seconds for 1,000 clusters
    const Input& in = inputs[i];
    if (!in.present || in.dist.is_fixed()) continue;
    for (const double u : {k_extreme_u, 1 - k_extreme_u}) {
      ModelInputs m = base;
      const double x = in.dist.quantile(u);
      sc.assign(m, i, x);
      sc.finish(m);
      evaluate(m, ws, out);
      if (const auto bad = first_non_finite(out, sc.start_year(), horizon); !bad.empty()) {
        throw InputError(where + in.json_path + ": " + in.dist.describe() + " draws " + format_number(x) +
                         ", at which the model's " + bad + "; narrow it to meaningful magnitudes");
      }
    }
  }
}

}  // namespace infersim
