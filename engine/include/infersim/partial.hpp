#pragma once
/// A run split into parts that can run on different machines and merge into the same bits
/// as a whole run (docs/distributed.md). A run's blocks (k_block_paths paths each) are cut
/// into ranges of whole blocks: the pilot (the first blocks, whose values calibrate the
/// quantile bins) runs first and yields the Calibration; every later range runs against it
/// and yields a PartialRun; merge() replays the parts' block statistics in block order, as
/// a whole run merges them, and adds their bin counts. Both travel as compact, versioned,
/// little-endian bytes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "infersim/result.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

namespace infersim {

/// How a run splits: blocks [0, pilot_blocks) are the pilot, [pilot_blocks, blocks) the rest
/// (none when the pilot is every path: its quantiles are then exact).
struct RunLayout {
  std::uint64_t paths = 0;
  std::uint64_t blocks = 0;
  std::uint64_t pilot_blocks = 0;
};
/// The layout of a run; throws InputError for bad options, as run() would.
RunLayout run_layout(const Scenario& scenario, const RunOptions& options);

/// Bytes with a header: a magic, a format version, then the body. from_bytes() checks the
/// header and the body's framing, throwing InputError naming `what` when they are wrong.
class PartialRun {
public:
  static PartialRun from_bytes(std::string bytes);
  const std::string& to_bytes() const { return bytes_; }
  std::uint64_t first_block() const { return first_; }
  std::uint64_t last_block() const { return last_; }

private:
  friend struct PartialAccess;
  std::string bytes_;
  std::uint64_t first_ = 0, last_ = 0;
};

/// The quantile bins of a run, made from its pilot: the bin edges and point masses, a few
/// hundred values a metric (not the pilot's values).
class Calibration {
public:
  static Calibration from_bytes(std::string bytes);
  const std::string& to_bytes() const { return bytes_; }

private:
  friend struct PartialAccess;
  std::string bytes_;
};

struct Pilot {
  Calibration calibration;
  PartialRun part;  ///< blocks [0, pilot_blocks)
};

/// Run the pilot blocks. `options.progress` and `options.cancel` work as in run().
Pilot run_pilot(const Scenario& scenario, const RunOptions& options);
/// Run blocks [first, last), which must lie after the pilot, against its calibration.
PartialRun run_blocks(const Scenario& scenario, const RunOptions& options, const Calibration& calibration,
                      std::uint64_t first, std::uint64_t last);
/// The result of the pilot and the parts that follow it, in block order, covering every
/// block once: the same RunResult as run(scenario, options) (elapsed_s apart). Throws
/// InputError when the parts do not fit together or belong to another run.
RunResult merge(const Scenario& scenario, const RunOptions& options, const Calibration& calibration,
                std::span<const PartialRun> parts);

}  // namespace infersim
