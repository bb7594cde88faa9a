#include "model/throughput.hpp"

#include <algorithm>
#include <cmath>

#include "infersim/error.hpp"
#include "infersim/model.hpp"

namespace infersim {
namespace {

// Keeps batches far below 2^53, where doubles stop holding every integer and the search's
// midpoints could repeat; no server schedules a billion sequences at once.
constexpr double k_max_batch_limit = 1e9;

struct Triple {
  ThroughputModel m;
  ThroughputAccelerator a;
  ThroughputServing s;
};

Triple split(const ClusterThroughput& c) {
  Triple t{{c.params_total, c.params_active, c.experts, c.experts_active, c.bytes_per_param, c.kv_bytes_per_token},
           {c.peak_flops, c.hbm_bandwidth_bytes_per_s, c.hbm_bytes},
           {}};
  t.s.accelerators_per_replica = c.accelerators_per_replica;
  t.s.max_batch = c.max_batch;
  t.s.input_tokens_per_request = c.input_tokens_per_request;
  t.s.output_tokens_per_request = c.output_tokens_per_request;
  t.s.max_seconds_per_output_token = c.max_seconds_per_output_token;
  t.s.bandwidth_efficiency = c.bandwidth_efficiency;
  t.s.compute_efficiency = c.compute_efficiency;
  t.s.hbm_usable_fraction = c.hbm_usable_fraction;
  return t;
}

double gb(double bytes) { return bytes / 1e9; }

// model-v2 §A: the replica's usable memory, and what the weights and one sequence need.
std::string fit_message(double usable_bytes, double weight_bytes, double kv_bytes_per_sequence) {
  return "model does not fit: needs " + format_number(gb(weight_bytes + kv_bytes_per_sequence)) +
         " GB of weights + KV for one sequence (" + format_number(gb(weight_bytes)) + " + " +
         format_number(gb(kv_bytes_per_sequence)) + "), replica has " + format_number(gb(usable_bytes)) +
         " GB usable";
}

}  // namespace

Roofline::Roofline(const ThroughputModel& m, const ThroughputAccelerator& a, const ThroughputServing& s)
    : n_(s.accelerators_per_replica),
      i_(s.input_tokens_per_request),
      o_(s.output_tokens_per_request),
      t_max_(s.max_seconds_per_output_token) {
  const double ctx = i_ + o_ / 2;           // model-v2 §A: mean context held while decoding
  const double w = m.bytes_per_param * m.params_total;  // model-v2 §A: W = β P
  kv_bytes_per_sequence_ = m.kv_bytes_per_token * ctx;
  const double usable = n_ * a.hbm_bytes * s.hbm_usable_fraction;
  b_mem_ = std::floor((usable - w) / kv_bytes_per_sequence_);  // model-v2 §A: b_mem
  if (!(b_mem_ >= 1)) throw InputError(fit_message(usable, w, kv_bytes_per_sequence_));
  b_hi_ = std::min(std::floor(s.max_batch), b_mem_);

  // model-v2 §A: expert parameters P_x = (P − P_a) / (1 − k/E), shared P_s = P − P_x.
  double p_experts = 0;
  if (m.experts > m.experts_active) {
    const double q = m.experts_active / m.experts;
    p_experts = (m.params_total - m.params_active) / (1 - q);
    // (1 − q)^b as exp(b log1p(−q)): log1p keeps the digits of q that 1 − q would round
    // away (std::pow(1 − q, b) loses them, b times over). 1 − e^{bL} then has an absolute
    // error of a few 1e-16, negligible beside P_s + P_x.
    log_miss_ = std::log1p(-q);
  } else {
    log_miss_ = 0;
  }
  w_shared_ = m.bytes_per_param * (m.params_total - p_experts);
  w_experts_ = m.bytes_per_param * p_experts;

  mem_bytes_per_s_ = n_ * a.hbm_bandwidth_bytes_per_s * s.bandwidth_efficiency;
  flops_per_s_ = n_ * a.peak_flops * s.compute_efficiency;
  flops_per_token_ = 2 * m.params_active;
  prefill_tokens_per_s_ = a.peak_flops * s.compute_efficiency / flops_per_token_;  // model-v2 §A: τ_pre
}

double Roofline::step_seconds(double b) const {
  // model-v2 §A: W_b = β (P_s + P_x (1 − (1 − k/E)^b)), the weights one step reads: every
  // expert that at least one of the b sequences is routed to.
  const double touched = 1 - std::exp(b * log_miss_);
  const double bytes = w_shared_ + w_experts_ * touched + b * kv_bytes_per_sequence_;
  // model-v2 §A: t(b) = max((W_b + b κ ctx) / (n B η_b), 2 P_a b / (n F η_c))
  return std::max(bytes / mem_bytes_per_s_, flops_per_token_ * b / flops_per_s_);
}

double Roofline::continuous_root() const {
  // Where t(x) = T_max for a real x: the smaller of the compute root (linear) and the
  // bandwidth root. Only a starting point for solve(), which checks integers with t itself.
  const double compute_root = t_max_ * flops_per_s_ / flops_per_token_;
  const double budget = t_max_ * mem_bytes_per_s_ - w_shared_;  // bytes a step may read beyond P_s
  double x;
  if (log_miss_ == 0 || budget <= 0) {
    x = budget / kv_bytes_per_sequence_;  // MoE with budget <= 0: the root is <= 0 (g(0) = 0)
  } else {
    // g(x) = w_x (1 − e^{xL}) + x κ ctx is concave and increasing: Newton from its tangent at
    // 0 (which lies above g, so the start is below the root) climbs monotonically to the root.
    x = budget / (kv_bytes_per_sequence_ - log_miss_ * w_experts_);
    for (int i = 0; i < 3; ++i) {
      const double miss = std::exp(x * log_miss_);
      const double g = w_experts_ * (1 - miss) + x * kv_bytes_per_sequence_;
      x += (budget - g) / (kv_bytes_per_sequence_ - log_miss_ * w_experts_ * miss);
    }
  }
  return std::min(compute_root, x);
}

ThroughputResult Roofline::solve() const {
  // model-v2 §A: b* = the largest b in [1, b_hi] with t(b) <= T_max (1 if none; no T_max:
  // b_hi). t is non-decreasing in b, so b* is where the predicate t(b) <= T_max flips. Start
  // next to the real root, gallop to bracket the flip, bisect: usually 2-3 evaluations of t
  // besides t(b_hi), and never more than about 2 log2(b_hi).
  double b = b_hi_;
  if (b_hi_ > 1 && t_max_ < std::numeric_limits<double>::infinity() && step_seconds(b_hi_) > t_max_) {
    auto meets = [&](double x) { return step_seconds(x) <= t_max_; };
    const double root = std::floor(continuous_root());
    const double guess = root >= 1 ? std::min(root, b_hi_ - 1) : 1;
    double lo = 0, hi = b_hi_;  // meets(lo) (0 stands for "none": then b* = 1), !meets(hi)
    double step = 1;
    if (meets(guess)) {
      lo = guess;
      for (; lo + step < hi; step *= 2) {
        if (!meets(lo + step)) {
          hi = lo + step;
          break;
        }
        lo += step;
      }
    } else {
      hi = guess;
      for (; hi - step >= 1; step *= 2) {
        if (meets(hi - step)) {
          lo = hi - step;
          break;
        }
        hi -= step;
      }
    }
    while (hi - lo > 1) {
      const double mid = std::floor(lo + (hi - lo) / 2);
      (meets(mid) ? lo : hi) = mid;
    }
    b = std::max(lo, 1.0);
  }

  ThroughputResult r;
  r.batch = b;
  r.b_mem = b_mem_;
  r.seconds_per_output_token = step_seconds(b);
  r.decode_tokens_per_sec = b / (n_ * r.seconds_per_output_token);  // model-v2 §A: τ_dec
  r.prefill_tokens_per_sec = prefill_tokens_per_s_;
  // model-v2 §A: τ = (i + o) / (i / τ_pre + o / τ_dec), input + output tokens per second.
  r.tokens_per_sec_per_accelerator =
      (i_ + o_) / (i_ / r.prefill_tokens_per_sec + o_ / r.decode_tokens_per_sec);
  return r;
}

ThroughputResult roofline_throughput(const ThroughputModel& m, const ThroughputAccelerator& a,
                                     const ThroughputServing& s) {
  return Roofline(m, a, s).solve();
}

void validate_throughput(const ThroughputModel& m, const ThroughputAccelerator& a, const ThroughputServing& s,
                         const std::string& where) {
  auto fail = [&](const char* field, const std::string& rule, double got) {
    throw InputError(where + "." + field + ": " + rule + ", got " + format_number(got));
  };
  auto positive = [&](const char* field, double x) {
    if (!(x > 0 && std::isfinite(x))) fail(field, "must be a positive finite number", x);
  };
  auto fraction = [&](const char* field, double x) {
    if (!(x > 0 && x <= 1)) fail(field, "must be in (0, 1]", x);
  };

  positive("model.params_total", m.params_total);
  positive("model.params_active", m.params_active);
  if (m.params_active > m.params_total)
    fail("model.params_active", "must be <= params_total (" + format_number(m.params_total) + ")", m.params_active);
  positive("model.experts", m.experts);
  positive("model.experts_active", m.experts_active);
  if (m.experts_active > m.experts)
    fail("model.experts_active", "must be <= experts (" + format_number(m.experts) + ")", m.experts_active);
  if (m.experts > m.experts_active) {
    // model-v2 §A: P_s = P − (P − P_a) / (1 − k/E) >= 0, i.e. P_a >= P k / E: the active
    // parameters include at least the k experts' share. A relative 1e-12 absorbs rounding
    // when P_a is exactly that share.
    const double shared = m.params_total - (m.params_total - m.params_active) / (1 - m.experts_active / m.experts);
    if (shared < -1e-12 * m.params_total)
      fail("model.params_active",
           "must be >= params_total * experts_active / experts (" +
               format_number(m.params_total * m.experts_active / m.experts) +
               ") so that the shared parameters are not negative",
           m.params_active);
  }
  positive("model.bytes_per_param", m.bytes_per_param);
  positive("model.kv_bytes_per_token", m.kv_bytes_per_token);

  positive("accelerator.peak_flops", a.peak_flops);
  positive("accelerator.hbm_bandwidth_bytes_per_s", a.hbm_bandwidth_bytes_per_s);
  positive("accelerator.hbm_bytes", a.hbm_bytes);

  positive("serving.accelerators_per_replica", s.accelerators_per_replica);
  if (!(s.max_batch >= 1 && s.max_batch <= k_max_batch_limit))
    fail("serving.max_batch", "must be in [1, " + format_number(k_max_batch_limit) + "]", s.max_batch);
  positive("serving.input_tokens_per_request", s.input_tokens_per_request);
  positive("serving.output_tokens_per_request", s.output_tokens_per_request);
  if (!std::isnan(s.max_seconds_per_output_token) && !(s.max_seconds_per_output_token > 0))
    fail("serving.max_seconds_per_output_token", "must be > 0 (or absent: no target)", s.max_seconds_per_output_token);
  fraction("serving.bandwidth_efficiency", s.bandwidth_efficiency);
  fraction("serving.compute_efficiency", s.compute_efficiency);
  fraction("serving.hbm_usable_fraction", s.hbm_usable_fraction);

  // model-v2 §A: b_mem >= 1, the same arithmetic as Roofline's.
  const double ctx = s.input_tokens_per_request + s.output_tokens_per_request / 2;
  const double w = m.bytes_per_param * m.params_total;
  const double kv = m.kv_bytes_per_token * ctx;
  const double usable = s.accelerators_per_replica * a.hbm_bytes * s.hbm_usable_fraction;
  if (!(std::floor((usable - w) / kv) >= 1)) throw InputError(where + ": " + fit_message(usable, w, kv));
}

ThroughputResult roofline_throughput(const ClusterThroughput& c) {
  const Triple t = split(c);
  return Roofline(t.m, t.a, t.s).solve();
}

void validate_throughput(const ClusterThroughput& c, const std::string& where) {
  const Triple t = split(c);
  validate_throughput(t.m, t.a, t.s, where);
}

}  // namespace infersim
