#pragma once
// model-v2 §C, the corporate-finance layer: construction spending before a tranche comes
// online, leases, tax on losses, terminal values. Small inline pieces that evaluate()
// (model.cpp) calls on its hot path; MIRR is in finance.cpp.
#include <algorithm>
#include <cmath>
#include <span>

#include "infersim/model.hpp"

namespace infersim::finance {

/// model-v2 §C `build_years`: a facility tranche `x` coming online in year index `t_on` is
/// spent evenly over the `build_years` years before it; spending that falls before the
/// start year is booked in the start year, and none falls past the horizon (t_on may be up
/// to build_years past it).
inline void book_construction(double x, int t_on, int build_years, std::span<double> capex) {
  const double per_year = x / build_years;
  const int horizon = static_cast<int>(capex.size());
  for (int k = t_on - build_years; k < t_on; ++k) {
    if (k < horizon) capex[static_cast<std::size_t>(std::max(k, 0))] += per_year;
  }
}

/// model-v2 §C `ownership.lease`: a payment of `payment` a year from year index `t` for
/// `term` years; a fractional term pays that fraction of the payment in its last year
/// (as depreciation treats a fractional life, model.md §6). Nothing past the horizon.
inline void book_lease(double payment, int t, double term, std::span<double> lease) {
  if (payment == 0) return;
  const int horizon = static_cast<int>(lease.size());
  const double whole = std::floor(term);
  const int last = whole >= horizon ? horizon : t + static_cast<int>(whole);
  for (int k = t, end = std::min(horizon, last); k < end; ++k) lease[static_cast<std::size_t>(k)] += payment;
  if (term > whole && last < horizon) lease[static_cast<std::size_t>(last)] += payment * (term - whole);
}

/// model-v2 §C `tax_losses`: the tax of each year's EBIT, in year order.
class TaxLedger {
public:
  TaxLedger(TaxLosses rule, double rate) : rule_(rule), rate_(rate) {}

  double tax(double ebit) {
    switch (rule_) {
      case TaxLosses::none: return rate_ * std::max(ebit, 0.0);  // model.md §7
      case TaxLosses::group_relief: return rate_ * ebit;         // a loss earns tax back
      case TaxLosses::carry_forward: {
        if (ebit <= 0) {
          pool_ -= ebit;  // the loss joins the pool (no expiry)
          return 0.0;
        }
        const double used = std::min(pool_, ebit);
        pool_ -= used;
        return rate_ * (ebit - used);
      }
    }
    return 0.0;
  }

private:
  TaxLosses rule_;
  double rate_;
  double pool_ = 0;  // losses not yet used, >= 0
};

/// model-v2 §C: the terminal value at the end of the horizon, undiscounted (0 for `none`).
/// `last_fcf` and `last_ebitda` are year T - 1's; `net_book` is total capex minus total
/// depreciation booked in the horizon.
inline double terminal_value(const PlayerInputs& pl, double last_fcf, double last_ebitda, double net_book) {
  switch (pl.terminal) {
    case TerminalMethod::none: return 0.0;
    // model.md §7: Gordon growth on the last year's cash flow (the v1 expression, bit for bit).
    case TerminalMethod::gordon: return last_fcf * (1.0 + pl.terminal_growth) / (pl.wacc - pl.terminal_growth);
    case TerminalMethod::book_value: return net_book;
    case TerminalMethod::exit_multiple: return pl.terminal_multiple * last_ebitda;
  }
  return 0.0;
}

}  // namespace infersim::finance
