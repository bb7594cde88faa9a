// Run-time choice of the hot loops' instruction set (see isa.hpp).
#include "infersim/isa.hpp"

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace infersim {

namespace {

Isa detect() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq")) {
    return Isa::avx512;
  }
  if (__builtin_cpu_supports("avx2")) return Isa::avx2;
#endif
  return Isa::portable;
}

Isa from_environment(Isa supported) {
  const char* v = std::getenv("INFERSIM_ISA");
  if (v != nullptr && std::string_view(v) == "portable") return Isa::portable;
  if (v != nullptr && std::string_view(v) == "avx2" && supported == Isa::avx512) return Isa::avx2;
  return supported;
}

std::atomic<int>& limit() {
  static std::atomic<int> level{static_cast<int>(from_environment(supported_isa()))};
  return level;
}

}  // namespace

Isa supported_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() { return static_cast<Isa>(limit().load(std::memory_order_relaxed)); }

void limit_isa(Isa isa) {
  const int best = static_cast<int>(supported_isa());
  limit().store(static_cast<int>(isa) < best ? static_cast<int>(isa) : best, std::memory_order_relaxed);
}

std::string_view isa_name(Isa isa) {
  return isa == Isa::avx512 ? "avx512" : isa == Isa::avx2 ? "avx2" : "portable";
}

}  // namespace infersim
