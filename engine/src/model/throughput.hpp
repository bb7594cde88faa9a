#pragma once
/// Tokens per second per accelerator from first principles: the roofline of model-v2 §A
/// (docs/model.md). Plain structs in, plain struct out; no scenario, no sampling. It runs
/// once per Monte Carlo path, so the batch search starts at the real root of t(b) = T_max
/// and gallops and bisects to the integer, rather than scanning.
#include <limits>
#include <string>

namespace infersim {

struct ClusterThroughput;  // infersim/model.hpp: a scenario's throughput block, one path's values

/// The served model. Parameter counts are plain counts (671e9), bytes per token and
/// parameter at the serving precision. experts = experts_active = 1 is a dense model.
struct ThroughputModel {
  double params_total = 0;        ///< P
  double params_active = 0;       ///< P_a, read per token
  double experts = 1;             ///< E, routed experts per MoE layer
  double experts_active = 1;      ///< k, experts each token is routed to
  double bytes_per_param = 0;     ///< β (2 for BF16, 1 for FP8, 0.5 for FP4)
  double kv_bytes_per_token = 0;  ///< κ, KV cache bytes one token of context holds
};

/// One accelerator's spec sheet at the serving precision.
struct ThroughputAccelerator {
  double peak_flops = 0;                 ///< F, dense FLOP/s
  double hbm_bandwidth_bytes_per_s = 0;  ///< B
  double hbm_bytes = 0;                  ///< H
};

/// How the model is served: one replica spans `accelerators_per_replica` accelerators.
struct ThroughputServing {
  double accelerators_per_replica = 1;  ///< n
  double max_batch = 1;                 ///< the largest batch the server schedules
  double input_tokens_per_request = 0;  ///< i
  double output_tokens_per_request = 0; ///< o
  /// T_max, the latency target; NaN or +inf: none.
  double max_seconds_per_output_token = std::numeric_limits<double>::quiet_NaN();
  double bandwidth_efficiency = 1;  ///< η_b, in (0, 1]
  double compute_efficiency = 1;    ///< η_c, in (0, 1]
  double hbm_usable_fraction = 0.9; ///< f_h, in (0, 1]
};

/// What the roofline gives. Token rates are per accelerator.
struct ThroughputResult {
  double tokens_per_sec_per_accelerator = 0;  ///< τ, input + output tokens
  double batch = 0;                           ///< b*
  double seconds_per_output_token = 0;        ///< t(b*), one decode step
  double decode_tokens_per_sec = 0;           ///< τ_dec, output tokens
  double prefill_tokens_per_sec = 0;          ///< τ_pre, input tokens
  double b_mem = 0;                           ///< sequences the replica's memory holds
};

/// The roofline of one (model, accelerator, serving) triple, its constants computed once.
/// Inputs must have passed validate_throughput (the constructor checks only that the model
/// fits, since that depends on every input at once).
class Roofline {
public:
  Roofline(const ThroughputModel& m, const ThroughputAccelerator& a, const ThroughputServing& s);

  /// t(b): seconds per decode step at batch b (b >= 1).
  double step_seconds(double b) const;
  /// b_mem: how many sequences fit beside the weights (>= 1).
  double b_mem() const { return b_mem_; }
  /// The largest batch the search may choose: min(floor(max_batch), b_mem).
  double max_batch() const { return b_hi_; }
  /// b*, t(b*) and the token rates.
  ThroughputResult solve() const;

private:
  double continuous_root() const;  // the real x with t(x) = T_max, a starting guess for b*

  double n_, i_, o_, t_max_;
  double w_shared_, w_experts_;  // β P_s and β P_x, bytes
  double log_miss_;              // log(1 − k/E): one token skips a given expert
  double kv_bytes_per_sequence_; // κ ctx
  double mem_bytes_per_s_;       // n B η_b
  double flops_per_s_;           // n F η_c
  double flops_per_token_;       // 2 P_a
  double prefill_tokens_per_s_;  // τ_pre
  double b_mem_, b_hi_;
};

/// τ, b*, t(b*) of the roofline (model-v2 §A); inputs as for Roofline.
ThroughputResult roofline_throughput(const ThroughputModel& m, const ThroughputAccelerator& a,
                                     const ThroughputServing& s);

/// Throws InputError naming the field under `where` (e.g. `clusters.Hyperion.throughput`) and
/// its value when an input is out of range: sizes <= 0, P_a > P, shared parameters P_s < 0,
/// k > E, efficiencies outside (0, 1], a latency target <= 0, or a model that does not fit in
/// the replica's memory with one sequence of context.
void validate_throughput(const ThroughputModel& m, const ThroughputAccelerator& a, const ThroughputServing& s,
                         const std::string& where = "throughput");

/// The same on a cluster's throughput block (its model, accelerator and serving fields).
ThroughputResult roofline_throughput(const ClusterThroughput& c);
void validate_throughput(const ClusterThroughput& c, const std::string& where);

}  // namespace infersim
