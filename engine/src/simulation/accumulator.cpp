// The accumulator: block statistics merged in order, quantiles from pilot and bins.
#include "simulation/accumulator.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "infersim/model.hpp"

namespace infersim {
namespace {

constexpr std::uint64_t k_pilot_max_paths = 32768;      // paths that calibrate the quantile bins
constexpr std::uint64_t k_pilot_min_paths = 4096;
// 64 MB of pilot values at most for v1's 15 series a year, scaled with the series the model
// writes now (model-v2 §C adds 6, and 2 scalars: 21T + 7 = 1.4 (15T + 5) metrics). A v1
// scenario's pilot, and so its quantiles, stay what they were, bit for bit.
constexpr double k_pilot_max_values = static_cast<double>(1u << 23) * k_series_count / 15;

std::uint64_t pilot_size(std::uint64_t paths, std::size_t metrics) {
  const auto by_memory =
      std::bit_floor(std::max<std::uint64_t>(1, static_cast<std::uint64_t>(k_pilot_max_values / static_cast<double>(metrics))));
  const std::uint64_t cap = std::clamp(by_memory, k_pilot_min_paths, k_pilot_max_paths);
  return std::min(paths, cap);
}

}  // namespace

Accumulator::Accumulator(AccumulatorShape shape) : shape_(std::move(shape)) {
  const std::size_t M = shape_.metrics;
  replicates_ = shape_.sampler->replicates();
  moments_.assign(M, Moments{});
  if (shape_.pair_units) unit_moments_.assign(M, Moments{});
  rep_sum_.assign(replicates_ * M, 0.0);
  rep_n_.assign(replicates_ * M, 0);
  claims_.assign(shape_.claims.size(), ClaimCounts{});
  exceed_.assign(shape_.exceedances.size(), 0);
}

void Accumulator::begin_block(BlockStatistics& b) const {
  b.claim_holds.assign(shape_.claims.size(), 0);
  b.claim_le.assign(shape_.claims.size(), 0);
  b.claim_defined.assign(shape_.claims.size(), 0);
  b.exceed.assign(shape_.exceedances.size(), 0);
  b.infinite.clear();
}

void Accumulator::count_infinite(BlockStatistics& b, double* values) const {
  if (b.infinite.empty()) b.infinite.assign(shape_.metrics, 0);
  for (std::size_t m = 0; m < shape_.metrics; ++m) {
    if (std::fabs(values[m]) != k_infinity) continue;
    values[m] = std::numeric_limits<double>::quiet_NaN();
    ++b.infinite[m];
  }
}

void Accumulator::add_path(BlockStatistics& b, const double* values) const {
  for (std::size_t c = 0; c < shape_.claims.size(); ++c) {
    const ClaimTally& t = shape_.claims[c];
    const double x = values[t.index];
    b.claim_holds[c] += t.claim.holds(x);
    if (!std::isnan(x)) {
      ++b.claim_defined[c];
      b.claim_le[c] += x <= t.claim.value;
    }
  }
  for (std::size_t e = 0; e < shape_.exceedances.size(); ++e) {
    b.exceed[e] += values[shape_.exceedances[e].first] > shape_.exceedances[e].second;  // NaN: not above
  }
}

void Accumulator::end_block(BlockStatistics& b, std::uint64_t first, std::size_t n, const kernels::TileMoments& tiles,
                            const double* columns, std::size_t stride) const {
  const std::size_t M = shape_.metrics;
  const Sampler& sampler = *shape_.sampler;
  b.moments.assign(M, Moments{});
  if (shape_.pair_units) b.unit_moments.assign(M, Moments{});
  if (replicates_ > 1) {
    b.rep_first = sampler.replicate_of(first);
    b.rep_count_touched = sampler.replicate_of(first + n - 1) - b.rep_first + 1;
    b.rep_sum.assign(b.rep_count_touched * M, 0.0);
    b.rep_n.assign(b.rep_count_touched * M, 0);
  }
  tiles.store(b.moments.data());
  for (std::size_t m = 0; m < M; ++m) {
    const double* v = columns + m * stride;
    if (shape_.pair_units) {
      for (std::size_t j = 0; j + 1 < n; j += 2) {
        const bool a = !std::isnan(v[j]), c = !std::isnan(v[j + 1]);
        if (a && c) {
          b.unit_moments[m].add(0.5 * (v[j] + v[j + 1]));
        } else if (a || c) {
          b.unit_moments[m].add(a ? v[j] : v[j + 1]);
        }
      }
    }
    if (replicates_ > 1) {
      for (std::size_t j = 0; j < n; ++j) {
        if (std::isnan(v[j])) continue;
        const std::size_t r = sampler.replicate_of(first + j) - b.rep_first;
        b.rep_sum[r * M + m] += v[j];
        ++b.rep_n[r * M + m];
      }
    }
  }
}

void Accumulator::merge(const BlockStatistics& b) {
  const std::size_t M = shape_.metrics;
  for (std::size_t m = 0; m < M; ++m) moments_[m].merge(b.moments[m]);
  for (std::size_t m = 0; m < b.unit_moments.size(); ++m) unit_moments_[m].merge(b.unit_moments[m]);
  for (std::size_t r = 0; r < b.rep_count_touched; ++r) {
    for (std::size_t m = 0; m < M; ++m) {
      rep_sum_[(b.rep_first + r) * M + m] += b.rep_sum[r * M + m];
      rep_n_[(b.rep_first + r) * M + m] += b.rep_n[r * M + m];
    }
  }
  for (std::size_t c = 0; c < claims_.size(); ++c) {
    claims_[c].holds += b.claim_holds[c];
    claims_[c].at_most_value += b.claim_le[c];
    claims_[c].defined += b.claim_defined[c];
  }
  for (std::size_t e = 0; e < exceed_.size(); ++e) exceed_[e] += b.exceed[e];
  if (!b.infinite.empty()) {
    if (infinite_.empty()) infinite_.assign(M, 0);
    for (std::size_t m = 0; m < M; ++m) infinite_[m] += b.infinite[m];
  }
}

double Accumulator::exceedance(std::size_t e) const {
  const std::uint64_t n = moments_[shape_.exceedances[e].first].count;
  return n == 0 ? std::nan("") : static_cast<double>(exceed_[e]) / static_cast<double>(n);
}

double Accumulator::standard_error(std::size_t m, double sd) const {
  const std::size_t M = shape_.metrics;
  if (replicates_ > 1) {
    // se from the spread of independent replicate means.
    Moments reps;
    for (std::size_t r = 0; r < replicates_; ++r) {
      const std::uint64_t n = rep_n_[r * M + m];
      if (n > 0) reps.add(rep_sum_[r * M + m] / static_cast<double>(n));
    }
    return std::sqrt(reps.variance() / static_cast<double>(reps.count));
  }
  if (shape_.pair_units) {
    const Moments& u = unit_moments_[m];
    return std::sqrt(u.variance() / static_cast<double>(u.count));
  }
  return sd / std::sqrt(static_cast<double>(moments_[m].count));
}

MetricStats Accumulator::statistics(std::size_t m) const {
  const Moments& mo = moments_[m];
  const bool any = mo.count > 0;
  const double nan = std::nan("");
  MetricStats st;
  st.mean = any ? mo.mean : nan;
  st.sd = std::sqrt(mo.variance());
  st.min = any ? mo.min : nan;
  st.max = any ? mo.max : nan;
  st.prob_positive = any ? static_cast<double>(mo.positive) / static_cast<double>(mo.count) : nan;
  st.prob_negative = any ? static_cast<double>(mo.negative) / static_cast<double>(mo.count) : nan;
  st.defined_fraction = static_cast<double>(mo.count) / static_cast<double>(shape_.paths);
  st.se = standard_error(m, st.sd);
  return st;
}

QuantileAccumulator::QuantileAccumulator(std::size_t metrics, std::uint64_t paths, std::vector<double> extra_levels)
    : metrics_(metrics),
      extra_levels_(std::move(extra_levels)),
      pilot_paths_(pilot_size(paths, metrics)),
      exact_(pilot_paths_ == paths),
      // Every pilot value is written by the pilot blocks: no need to zero 40 MB first.
      pilot_(std::make_unique_for_overwrite<double[]>(metrics * pilot_paths_)),
      defined_(metrics, 0) {}

void QuantileAccumulator::sort_pilot(std::size_t m) {
  // The defined values first, sorted; NaN moved past the end.
  double* v = pilot_.get() + m * pilot_paths_;
  double* end = std::partition(v, v + pilot_paths_, [](double x) { return !std::isnan(x); });
  sort_values({v, end});
  defined_[m] = static_cast<std::size_t>(end - v);
}

void QuantileAccumulator::build_bins() {
  std::vector<std::span<const double>> sorted(metrics_);
  for (std::size_t m = 0; m < metrics_; ++m) sorted[m] = pilot_values(m);
  layout_ = BinnedQuantiles::layout(sorted, BinnedQuantiles::reported_levels(extra_levels_));
  bins_ = BinnedQuantiles(layout_);
  counts_ = bins_.make_counts();
}

double QuantileAccumulator::quantile(std::size_t m, double p, const Moments& mo) const {
  return exact_ ? quantile_sorted(pilot_values(m), p) : bins_.quantile(counts_, static_cast<int>(m), p, mo.min, mo.max);
}

double QuantileAccumulator::rank_error() const {
  double bound = 0;
  if (exact_) return bound;
  for (std::size_t m = 0; m < metrics_; ++m) bound = std::max(bound, bins_.rank_error_bound(counts_, static_cast<int>(m)));
  return bound;
}

}  // namespace infersim
