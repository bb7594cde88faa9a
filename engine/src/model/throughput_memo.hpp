#pragma once
/// τ computed once for a throughput block that does not change from path to path.
///
/// A cluster's roofline (model/throughput.hpp) depends on its block's 17 values alone. A
/// ModelWorkspace keeps, per cluster, the values it last solved and the outputs it got; a
/// path whose block is bit for bit the same reuses them. A block without uncertain leaves is
/// then solved once per workspace (one per thread), whatever stress or override fixed its
/// values; one with an uncertain leaf is solved on every path, as before. Equal bits in,
/// equal bits out: results do not change (tests/engine/test_throughput_memo.cpp).
#include <cstring>
#include <type_traits>

#include "infersim/model.hpp"
#include "model/throughput.hpp"

namespace infersim {

// memcmp compares every value, and nothing else: the block is doubles without padding.
static_assert(std::is_trivially_copyable_v<ClusterThroughput> && sizeof(ClusterThroughput) == 17 * sizeof(double));

/// The memo's outputs for `block`, solving the roofline only when `block` differs from the
/// values the memo last saw.
inline const RooflineMemo& remembered_roofline(RooflineMemo& memo, const ClusterThroughput& block) {
  if (!memo.valid || std::memcmp(&memo.block, &block, sizeof block) != 0) {
    const ThroughputResult r = roofline_throughput(block);
    memo.block = block;
    memo.tokens_per_sec_per_accelerator = r.tokens_per_sec_per_accelerator;
    memo.batch = r.batch;
    memo.seconds_per_output_token = r.seconds_per_output_token;
    memo.valid = true;
  }
  return memo;
}

}  // namespace infersim
