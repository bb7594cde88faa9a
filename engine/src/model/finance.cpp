// model-v2 §C: the modified internal rate of return.
#include <cmath>
#include <limits>

#include "infersim/model.hpp"

namespace infersim {

double modified_internal_rate_of_return(std::span<const double> fcf, double wacc) {
  // MIRR = (sum_{FCF_t > 0} FCF_t (1 + wacc)^(T-1-t) / sum_{FCF_t < 0} -FCF_t (1 + wacc)^-(t+1))^(1/T) - 1.
  // Since (1 + wacc)^(T-1-t) = (1 + wacc)^T (1 + wacc)^-(t+1), both sums are present values
  // with the same discount factors, and MIRR = (1 + wacc) (PV+ / PV-)^(1/T) - 1: one pow a path.
  const double per_year_discount = 1.0 / (1.0 + wacc);
  double discount = 1, pv_in = 0, pv_out = 0;
  for (const double x : fcf) {
    discount *= per_year_discount;
    if (x > 0) pv_in += x * discount;
    if (x < 0) pv_out -= x * discount;
  }
  if (!(pv_in > 0) || !(pv_out > 0)) return std::numeric_limits<double>::quiet_NaN();
  return (1.0 + wacc) * std::pow(pv_in / pv_out, 1.0 / static_cast<double>(fcf.size())) - 1.0;
}

}  // namespace infersim
