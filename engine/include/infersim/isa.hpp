#pragma once
/// The instruction sets the engine's hot loops may use. Every kernel has a portable
/// version (SSE2 on x86-64) and, where it pays, an AVX2 or AVX-512 one chosen at run time;
/// all give the same bits, so a result does not depend on the machine's vector width.
#include <string_view>

namespace infersim {

/// In increasing order: a level includes the ones below it.
enum class Isa { portable, avx2, avx512 };

/// The best this processor supports (AVX-512 F, VL, BW and DQ; AVX2; or portable).
Isa supported_isa();
/// The one in use: supported_isa(), unless limited by limit_isa() or by the environment
/// variable INFERSIM_ISA=portable or avx2 (read once, at first use).
Isa active_isa();
/// Use at most `isa` from now on (e.g. Isa::portable to compare kernels or time them);
/// a level the processor lacks is never used.
void limit_isa(Isa isa);
std::string_view isa_name(Isa isa);

}  // namespace infersim
