#pragma once
// Running a test under each instruction set the engine can choose (isa.hpp).
#include <vector>

#include "infersim/isa.hpp"

namespace infersim::testing {

/// The instruction sets this machine runs: portable, and AVX2 and AVX-512 where the
/// processor has them.
inline std::vector<Isa> isas() {
  std::vector<Isa> out{Isa::portable};
  if (supported_isa() >= Isa::avx2) out.push_back(Isa::avx2);
  if (supported_isa() == Isa::avx512) out.push_back(Isa::avx512);
  return out;
}

/// Limits the engine to an instruction set for the scope's life, then restores the limit.
class IsaScope {
public:
  explicit IsaScope(Isa isa) : saved_(active_isa()) { limit_isa(isa); }
  ~IsaScope() { limit_isa(saved_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

private:
  Isa saved_;
};

}  // namespace infersim::testing
