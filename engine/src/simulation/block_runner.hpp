#pragma once
// The block runner: work in fixed blocks over oneTBB, inside an arena of the requested
// size, stopped by a cancel flag. Results never depend on the thread count because every
// block writes its own output and merges happen serially, in block order, between waves.
// Engine-internal: oneTBB does not show in the public headers.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "infersim/error.hpp"

namespace infersim {

class BlockRunner {
public:
  /// `threads` 0: all cores. An explicit count is honoured even above the core count
  /// (oversubscription is the caller's choice; results are the same either way).
  BlockRunner(int threads, const std::atomic<bool>* cancel)
      : arena_(threads > 0 ? threads : tbb::task_arena::automatic), cancel_(cancel) {
    if (threads > 0) allow_.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  }

  /// body(b) for every block b in [first, last), in waves of `wave` blocks run in
  /// parallel; after each wave, merge(b) for its blocks in order, then done(end of the
  /// wave). Throws Cancelled, between waves, once the cancel flag is set.
  template <class Body, class Merge, class Done>
  void waves(std::uint64_t first, std::uint64_t last, std::uint64_t wave, Body&& body, Merge&& merge, Done&& done) {
    for (std::uint64_t w0 = first; w0 < last; w0 += wave) {
      const std::uint64_t w1 = std::min(last, w0 + wave);
      blocks(w0, w1, body);
      for (std::uint64_t b = w0; b < w1; ++b) merge(b);
      done(w1);
    }
  }

  /// body(begin, end) over [0, n) in chunks of `chunk`, in parallel; each chunk writes its
  /// own outputs (any chunk size gives the same values).
  template <class Body>
  void chunks(std::uint64_t n, std::uint64_t chunk, Body&& body) {
    blocks(0, (n + chunk - 1) / chunk, [&](std::uint64_t c) { body(c * chunk, std::min(n, (c + 1) * chunk)); });
  }

  /// f(i) for every i in [0, n), in parallel, not cancelled (short work: sorts, tables).
  template <class F>
  void each(std::size_t n, F&& f) {
    arena_.execute([&] { tbb::parallel_for(std::size_t{0}, n, f); });
  }

private:
  template <class Body>
  void blocks(std::uint64_t first, std::uint64_t last, Body&& body) {
    std::atomic<bool> stopped{false};
    arena_.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::uint64_t>(first, last, 1), [&](const auto& range) {
        for (std::uint64_t b = range.begin(); b != range.end(); ++b) {
          if (cancel_ && cancel_->load(std::memory_order_relaxed)) {
            stopped = true;
            return;
          }
          body(b);
        }
      });
    });
    if (stopped) throw Cancelled();
  }

  std::optional<tbb::global_control> allow_;
  tbb::task_arena arena_;
  const std::atomic<bool>* cancel_;
};

}  // namespace infersim
