// Partial runs: a run's blocks in ranges, each through the driver's one block loop
// (driver.hpp), their statistics as bytes, merged in block order into the bits of a whole
// run. A range hands back every block's statistics, not their sum: moments merged block by
// block in order are what a whole run computes, and a sum of sums would round differently.
#include "infersim/partial.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <string_view>

#include "infersim/error.hpp"
#include "simulation/driver.hpp"

namespace infersim {

static_assert(std::endian::native == std::endian::little, "the partial-run format is little-endian");

struct PartialAccess {
  static std::string& bytes(PartialRun& p) { return p.bytes_; }
  static std::string& bytes(Calibration& c) { return c.bytes_; }
  static void range(PartialRun& p, std::uint64_t first, std::uint64_t last) {
    p.first_ = first;
    p.last_ = last;
  }
};

namespace {

constexpr char k_part_magic[4] = {'I', 'S', 'P', 'R'};
constexpr char k_calibration_magic[4] = {'I', 'S', 'C', 'B'};
constexpr std::uint32_t k_format_version = 3;  // 2: the calibration carries its quantile levels; 3: a block its infinite values
constexpr std::uint64_t k_max_levels = 65536;

class Writer {
public:
  void raw(const void* p, std::size_t n) {
    if (n > 0) out_.append(static_cast<const char*>(p), n);
  }
  template <class T>
  void put(T v) {
    raw(&v, sizeof v);
  }
  template <class T>
  void put_all(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  /// Bin counts, mostly small and with long runs of zeros (the padding of metrics with few
  /// bins, values exactly at an edge): LEB128 varints, a run of zeros as 0 and its length.
  void put_counts(const std::vector<std::uint32_t>& v) {
    put<std::uint64_t>(v.size());
    for (std::size_t i = 0; i < v.size();) {
      if (v[i] != 0) {
        varint(v[i++]);
        continue;
      }
      std::size_t j = i;
      while (j < v.size() && v[j] == 0) ++j;
      varint(0);
      varint(j - i);
      i = j;
    }
  }
  std::string take() { return std::move(out_); }

private:
  void varint(std::uint64_t x) {
    while (x >= 0x80) {
      out_.push_back(static_cast<char>(x | 0x80));
      x >>= 7;
    }
    out_.push_back(static_cast<char>(x));
  }
  std::string out_;
};

class Reader {
public:
  Reader(std::string_view in, const char* what) : in_(in), what_(what) {}
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, need(sizeof v), sizeof v);
    return v;
  }
  template <class T>
  std::vector<T> get_all(std::uint64_t limit) {
    const auto n = get<std::uint64_t>();
    if (n > limit) fail("a list of " + std::to_string(n) + " items where at most " + std::to_string(limit) + " fit");
    if (n > (in_.size() - pos_) / sizeof(T)) fail("truncated (" + std::to_string(in_.size()) + " bytes)");
    std::vector<T> v(n);
    if (n > 0) std::memcpy(v.data(), need(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    if (n > in_.size()) fail("truncated");
    const char* p = need(n);
    return {p, n};
  }
  /// put_counts()'s encoding of exactly `size` counts.
  std::vector<std::uint32_t> get_counts(std::size_t size) {
    if (get<std::uint64_t>() != size) fail("bin counts of other bins");
    std::vector<std::uint32_t> v(size, 0);
    for (std::size_t i = 0; i < size;) {
      const std::uint64_t x = varint();
      if (x > 0xffffffffu) fail("a bin count out of range");
      if (x != 0) {
        v[i++] = static_cast<std::uint32_t>(x);
        continue;
      }
      const std::uint64_t run = varint();
      if (run == 0 || run > size - i) fail("a run of empty bins out of range");
      i += run;
    }
    return v;
  }
  bool done() const { return pos_ == in_.size(); }
  [[noreturn]] void fail(const std::string& why) const { throw InputError(std::string(what_) + ": " + why); }

private:
  const char* need(std::size_t n) {
    if (n > in_.size() - pos_) fail("truncated (" + std::to_string(in_.size()) + " bytes)");
    const char* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::uint64_t varint() {
    std::uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<std::uint8_t>(*need(1));
      x |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return x;
    }
    fail("a number too long");
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  const char* what_;
};

/// What ties a part to its run: the same scenario name and settings, the same values a path.
struct Fingerprint {
  std::string scenario;
  std::uint64_t paths = 0, seed = 0;
  std::uint8_t sampler = 0, antithetic = 0;
  std::uint32_t metrics = 0;
  bool operator==(const Fingerprint&) const = default;
};

Fingerprint fingerprint(const RunState& run) {
  const RunSettings& s = run.plan.settings;
  return {run.plan.variants.front().scenario().name(), s.paths, s.seed, static_cast<std::uint8_t>(s.sampler),
          static_cast<std::uint8_t>(s.antithetic), static_cast<std::uint32_t>(run.plan.metrics)};
}

void write_header(Writer& w, const char (&magic)[4], const Fingerprint& f) {
  w.raw(magic, 4);
  w.put(k_format_version);
  w.put_string(f.scenario);
  w.put(f.paths);
  w.put(f.seed);
  w.put(f.sampler);
  w.put(f.antithetic);
  w.put(f.metrics);
}

Fingerprint read_header(Reader& r, const char (&magic)[4]) {
  const auto m = r.get<std::uint32_t>();
  if (std::memcmp(&m, magic, 4) != 0) r.fail("not one (wrong magic bytes)");
  const auto version = r.get<std::uint32_t>();
  if (version != k_format_version) {
    r.fail("format version " + std::to_string(version) + ", this engine reads version " + std::to_string(k_format_version));
  }
  Fingerprint f;
  f.scenario = r.get_string();
  f.paths = r.get<std::uint64_t>();
  f.seed = r.get<std::uint64_t>();
  f.sampler = r.get<std::uint8_t>();
  f.antithetic = r.get<std::uint8_t>();
  f.metrics = r.get<std::uint32_t>();
  return f;
}

void check_run(Reader& r, const Fingerprint& got, const RunState& run) {
  const Fingerprint want = fingerprint(run);
  if (got == want) return;
  r.fail("made for another run (scenario \"" + got.scenario + "\", " + std::to_string(got.paths) + " paths, seed " +
         std::to_string(got.seed) + "; this run: \"" + want.scenario + "\", " + std::to_string(want.paths) +
         " paths, seed " + std::to_string(want.seed) + ", or another sampler or antithetic setting)");
}

void put_moments(Writer& w, const Moments& m) {
  w.put(m.count);
  w.put(m.mean);
  w.put(m.m2);
  w.put(m.min);
  w.put(m.max);
  w.put(m.positive);
  w.put(m.negative);
}

Moments get_moments(Reader& r) {
  Moments m;
  m.count = r.get<std::uint64_t>();
  m.mean = r.get<double>();
  m.m2 = r.get<double>();
  m.min = r.get<double>();
  m.max = r.get<double>();
  m.positive = r.get<std::uint64_t>();
  m.negative = r.get<std::uint64_t>();
  return m;
}

void put_block(Writer& w, const BlockStatistics& b) {
  for (const Moments& m : b.moments) put_moments(w, m);
  w.put<std::uint8_t>(!b.unit_moments.empty());
  for (const Moments& m : b.unit_moments) put_moments(w, m);
  w.put<std::uint64_t>(b.rep_first);
  w.put<std::uint64_t>(b.rep_count_touched);
  for (std::size_t i = 0; i < b.rep_count_touched * b.moments.size(); ++i) {
    w.put(b.rep_sum[i]);
    w.put(b.rep_n[i]);
  }
  w.put<std::uint32_t>(static_cast<std::uint32_t>(b.claim_holds.size()));
  for (std::size_t c = 0; c < b.claim_holds.size(); ++c) {
    w.put(b.claim_holds[c]);
    w.put(b.claim_le[c]);
    w.put(b.claim_defined[c]);
  }
  w.put<std::uint32_t>(static_cast<std::uint32_t>(b.exceed.size()));
  for (const std::uint64_t n : b.exceed) w.put(n);
  // Infinite values (version 3): the metrics that had any, with their counts; usually none.
  std::uint32_t metrics_with = 0;
  for (const std::uint64_t n : b.infinite) metrics_with += n != 0;
  w.put(metrics_with);
  for (std::size_t m = 0; m < b.infinite.size(); ++m) {
    if (b.infinite[m] == 0) continue;
    w.put<std::uint64_t>(m);
    w.put(b.infinite[m]);
  }
}

/// A block's statistics, checked against the run's shape so that merging them is safe.
BlockStatistics get_block(Reader& r, const RunState& run) {
  const AccumulatorShape& shape = run.acc->shape();
  const std::size_t M = shape.metrics;
  BlockStatistics b;
  b.moments.resize(M);
  for (auto& m : b.moments) m = get_moments(r);
  const bool units = r.get<std::uint8_t>() != 0;
  if (units != shape.pair_units) r.fail("block statistics of another kind of run (antithetic pairs)");
  if (units) {
    b.unit_moments.resize(M);
    for (auto& m : b.unit_moments) m = get_moments(r);
  }
  b.rep_first = r.get<std::uint64_t>();
  b.rep_count_touched = r.get<std::uint64_t>();
  const std::size_t replicates = shape.sampler->replicates();
  if (replicates == 1 ? b.rep_count_touched != 0
                      : b.rep_first >= replicates || b.rep_count_touched > replicates - b.rep_first) {
    r.fail("replicates out of range");
  }
  b.rep_sum.resize(b.rep_count_touched * M);
  b.rep_n.resize(b.rep_count_touched * M);
  for (std::size_t i = 0; i < b.rep_sum.size(); ++i) {
    b.rep_sum[i] = r.get<double>();
    b.rep_n[i] = r.get<std::uint64_t>();
  }
  const auto claims = r.get<std::uint32_t>();
  if (claims != shape.claims.size()) r.fail("block statistics with another number of claims");
  b.claim_holds.resize(claims);
  b.claim_le.resize(claims);
  b.claim_defined.resize(claims);
  for (std::size_t c = 0; c < claims; ++c) {
    b.claim_holds[c] = r.get<std::uint64_t>();
    b.claim_le[c] = r.get<std::uint64_t>();
    b.claim_defined[c] = r.get<std::uint64_t>();
  }
  const auto exceedances = r.get<std::uint32_t>();
  if (exceedances != shape.exceedances.size()) r.fail("block statistics with another number of thresholds");
  b.exceed.resize(exceedances);
  for (auto& n : b.exceed) n = r.get<std::uint64_t>();
  const auto metrics_with = r.get<std::uint32_t>();
  if (metrics_with > M) r.fail("infinite values of more metrics than the run has");
  if (metrics_with > 0) b.infinite.assign(M, 0);
  for (std::uint32_t k = 0; k < metrics_with; ++k) {
    const auto m = r.get<std::uint64_t>();
    if (m >= M) r.fail("infinite values of a metric out of range");
    b.infinite[m] = r.get<std::uint64_t>();
  }
  return b;
}

/// The run's blocks [first, last) as a part: every block's statistics, the bin counts
/// (none while the quantiles are exact), the kept samples, and an exact run's sorted pilot.
PartialRun run_part(RunState& run, const RunOptions& options, std::uint64_t first, std::uint64_t last) {
  keep_blocks(run, first, last);
  Writer w;
  write_header(w, k_part_magic, fingerprint(run));
  w.put(first);
  w.put(last);
  run_range(run, options, first, last, [&](const BlockStatistics& b) { put_block(w, b); });
  const QuantileAccumulator& q = *run.quantiles;
  w.put<std::uint8_t>(!q.exact());
  if (!q.exact()) {
    w.put_counts(q.counts().count);
    w.put_counts(q.counts().at_edge);
  }
  w.put<std::uint32_t>(static_cast<std::uint32_t>(run.samples.size()));
  for (const auto& [name, values] : run.samples) {
    w.put_string(name);
    w.put_all(values);
  }
  const bool sorted = q.exact() && first == 0;
  w.put<std::uint8_t>(sorted);
  if (sorted) {
    for (std::size_t m = 0; m < static_cast<std::size_t>(run.plan.metrics); ++m) {
      const auto v = q.sorted_pilot(m);
      w.put_all(std::vector<double>(v.begin(), v.end()));
    }
  }
  PartialRun part;
  PartialAccess::bytes(part) = w.take();
  PartialAccess::range(part, first, last);
  return part;
}

/// Merge one part's body (after its header and range) into the run.
void merge_part(Reader& r, RunState& run, std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t b = first; b < last; ++b) run.acc->merge(get_block(r, run));
  QuantileAccumulator& q = *run.quantiles;
  const bool counts = r.get<std::uint8_t>() != 0;
  if (counts != !q.exact()) r.fail("bin counts where the run has none, or none where it has them");
  if (counts) {
    BinnedQuantiles::Counts c;
    const std::size_t size = q.counts().count.size();
    c.count = r.get_counts(size);
    c.at_edge = r.get_counts(size);
    q.merge_counts(c);
  }
  const auto kept = r.get<std::uint32_t>();
  if (kept != run.samples.size()) r.fail("kept samples of other metrics");
  const std::uint64_t paths = run.plan.settings.paths;
  const std::uint64_t first_path = std::min(paths, first * k_block_paths);
  const std::uint64_t last_path = std::min(paths, last * k_block_paths);
  for (auto& [name, store] : run.samples) {
    if (r.get_string() != name) r.fail("kept samples of other metrics");
    std::uint64_t width = 0;
    for (const Kept& k : run.plan.kept) {
      if (k.store == &store) width = static_cast<std::uint64_t>(k.width);
    }
    const auto values = r.get_all<double>((last_path - first_path) * width);
    if (values.size() != (last_path - first_path) * width) r.fail("kept samples of another block range");
    std::copy(values.begin(), values.end(), store.begin() + static_cast<std::ptrdiff_t>(first_path * width));
  }
  const bool sorted = r.get<std::uint8_t>() != 0;
  if (sorted != (q.exact() && first == 0)) r.fail("a pilot's values where none belong, or none where they do");
  if (sorted) {
    for (std::size_t m = 0; m < static_cast<std::size_t>(run.plan.metrics); ++m) {
      const auto v = r.get_all<double>(q.pilot_paths());
      q.load_sorted_pilot(m, v);
    }
  }
  if (!r.done()) r.fail("bytes past the end");
}

std::string calibration_bytes(const RunState& run) {
  Writer w;
  write_header(w, k_calibration_magic, fingerprint(run));
  const QuantileAccumulator& q = *run.quantiles;
  w.put<std::uint8_t>(q.exact());
  if (!q.exact()) {
    const auto& layout = q.layout();
    w.put_all(layout.levels);
    for (std::size_t m = 0; m < layout.edges.size(); ++m) {
      w.put_all(layout.edges[m]);
      w.put_all(layout.atoms[m]);
    }
  }
  return w.take();
}

/// Calibrate the run's bins from a calibration made by its pilot.
void load_calibration(const Calibration& calibration, RunState& run) {
  Reader r(calibration.to_bytes(), "calibration");
  check_run(r, read_header(r, k_calibration_magic), run);
  const bool exact = r.get<std::uint8_t>() != 0;
  if (exact != run.quantiles->exact()) r.fail("exact quantiles where the run has bins, or bins where it is exact");
  if (exact) return;
  BinnedQuantiles::Layout layout;
  layout.levels = r.get_all<double>(k_max_levels);
  if (layout.levels != run.quantiles->reported_levels()) r.fail("made for other quantile levels");
  const auto M = static_cast<std::size_t>(run.plan.metrics);
  layout.edges.resize(M);
  layout.atoms.resize(M);
  for (std::size_t m = 0; m < M; ++m) {
    auto& e = layout.edges[m];
    e = r.get_all<double>(BinnedQuantiles::k_max_bins + 1);
    if (e.size() < 2 || !std::is_sorted(e.begin(), e.end())) r.fail("bin edges that are not ascending");
    layout.atoms[m] = r.get_all<int>(BinnedQuantiles::k_max_atoms);
    for (const int a : layout.atoms[m]) {
      if (a < 0 || static_cast<std::size_t>(a) + 1 >= e.size()) r.fail("a point mass outside the bins");
    }
  }
  if (!r.done()) r.fail("bytes past the end");
  run.quantiles->calibrate_from(std::move(layout));
}

}  // namespace

PartialRun PartialRun::from_bytes(std::string bytes) {
  PartialRun part;
  Reader r(bytes, "partial run");
  (void)read_header(r, k_part_magic);
  part.first_ = r.get<std::uint64_t>();
  part.last_ = r.get<std::uint64_t>();
  if (part.first_ >= part.last_) r.fail("an empty block range");
  part.bytes_ = std::move(bytes);
  return part;
}

Calibration Calibration::from_bytes(std::string bytes) {
  Calibration c;
  Reader r(bytes, "calibration");
  (void)read_header(r, k_calibration_magic);
  c.bytes_ = std::move(bytes);
  return c;
}

RunLayout run_layout(const Scenario& scenario, const RunOptions& options) {
  const auto run = plan_run(scenario, {}, options);
  return {run->plan.settings.paths, run->blocks, run->pilot_blocks};
}

Pilot run_pilot(const Scenario& scenario, const RunOptions& options) {
  auto run = plan_run(scenario, {}, options);
  PartialRun part = run_part(*run, options, 0, run->pilot_blocks);
  Calibration calibration;
  PartialAccess::bytes(calibration) = calibration_bytes(*run);
  return {std::move(calibration), std::move(part)};
}

PartialRun run_blocks(const Scenario& scenario, const RunOptions& options, const Calibration& calibration,
                      std::uint64_t first, std::uint64_t last) {
  auto run = plan_run(scenario, {}, options);
  if (first < run->pilot_blocks || first >= last || last > run->blocks) {
    throw InputError("blocks: [" + std::to_string(first) + ", " + std::to_string(last) + ") is not a range of blocks after the pilot, within [" +
                     std::to_string(run->pilot_blocks) + ", " + std::to_string(run->blocks) + ")");
  }
  load_calibration(calibration, *run);
  return run_part(*run, options, first, last);
}

RunResult merge(const Scenario& scenario, const RunOptions& options, const Calibration& calibration,
                std::span<const PartialRun> parts) {
  const auto t0 = std::chrono::steady_clock::now();
  auto run = plan_run(scenario, {}, options);
  keep_blocks(*run, 0, run->blocks);
  load_calibration(calibration, *run);
  std::uint64_t expected = 0;
  for (const PartialRun& part : parts) {
    Reader r(part.to_bytes(), "partial run");
    check_run(r, read_header(r, k_part_magic), *run);
    const auto first = r.get<std::uint64_t>();
    const auto last = r.get<std::uint64_t>();
    if (first != expected || last > run->blocks) {
      r.fail("blocks [" + std::to_string(first) + ", " + std::to_string(last) + ") where block " + std::to_string(expected) +
             " comes next (parts go in block order, each block once, " + std::to_string(run->blocks) + " blocks)");
    }
    merge_part(r, *run, first, last);
    expected = last;
  }
  if (expected != run->blocks) {
    throw InputError("partial run: blocks [" + std::to_string(expected) + ", " + std::to_string(run->blocks) + ") are missing");
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::move(finish_run(*run, {}, elapsed).base);
}

}  // namespace infersim
