#pragma once
// The AVX-512 kernels' common ground (private to the engine): the intrinsics, and the
// target attribute that compiles one function for AVX-512 F, VL, BW and DQ while the rest
// of the engine stays portable. A kernel runs only when active_isa() says so (isa.hpp),
// and gives the bits of its portable twin: no contraction (the engine is compiled with
// -ffp-contract=off), the same operations in the same order, lane for lane.
#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12 warns that the "undefined" registers its own intrinsics start from may be used
// uninitialized (they are not: every lane is written); silenced for the header's lines
// only, so include this file before anything else that includes <immintrin.h>.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#define INFERSIM_HAVE_AVX512 1
#define INFERSIM_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))
#define INFERSIM_AVX2 __attribute__((target("avx2")))
#endif

#include "infersim/isa.hpp"

/// The one dispatch of a kernel between its AVX-512 version and its portable twin, which
/// sit side by side in the kernel's file: `INFERSIM_DISPATCH(k_avx512(...), k_portable(...))`
/// evaluates the first when AVX-512 is compiled in and active (isa.hpp), else the second.
/// Both give the same bits (tests/engine/test_kernels.cpp runs each pair on both).
#ifdef INFERSIM_HAVE_AVX512
#define INFERSIM_DISPATCH(vector, portable) \
  (::infersim::active_isa() == ::infersim::Isa::avx512 ? (vector) : (portable))
/// The same among three versions: AVX-512, AVX2 (processors without AVX-512, such as AMD's
/// before Zen 4), portable.
#define INFERSIM_DISPATCH3(wide, narrow, portable)                                  \
  (::infersim::active_isa() == ::infersim::Isa::avx512 ? (wide)                     \
   : ::infersim::active_isa() == ::infersim::Isa::avx2 ? (narrow)                   \
                                                       : (portable))
#else
#define INFERSIM_DISPATCH(vector, portable) (portable)
#define INFERSIM_DISPATCH3(wide, narrow, portable) (portable)
#endif
