// The roofline of model-v2 §A (engine/src/model/throughput.hpp) against values worked out by
// hand from the spec. Each expected value is written as the spec's arithmetic on the literal
// inputs; the comments carry the numbers.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "infersim/error.hpp"
#include "model/throughput.hpp"

using namespace infersim;

namespace {

constexpr double k_none = std::numeric_limits<double>::quiet_NaN();

void check_close(double got, double expected, const char* what) {
  INFO(what << ": got " << got << ", expected " << expected << ", tolerance 1e-12 relative");
  CHECK(got == doctest::Approx(expected).epsilon(1e-12));
}

// Llama-3.1-70B-like dense model at FP8 weights and FP8 KV cache: 80 layers x 8 KV heads x
// 128 dims x 2 (K and V) x 1 byte = 163,840 bytes a token.
ThroughputModel dense_70b_fp8() { return {70e9, 70e9, 1, 1, 1.0, 163840}; }

// H100 SXM at FP8: 1,979 TFLOP/s dense, 3.35 TB/s, 80 GB.
ThroughputAccelerator h100_fp8() { return {1979e12, 3.35e12, 80e9}; }

ThroughputServing serving(double max_batch, double i, double o, double t_max) {
  ThroughputServing s;
  s.accelerators_per_replica = 8;
  s.max_batch = max_batch;
  s.input_tokens_per_request = i;
  s.output_tokens_per_request = o;
  s.max_seconds_per_output_token = t_max;
  s.bandwidth_efficiency = 0.7;
  s.compute_efficiency = 0.4;
  s.hbm_usable_fraction = 0.9;
  return s;
}

// The spec's t(b), written out again with std::pow, independent of Roofline's constants.
double spec_step_seconds(const ThroughputModel& m, const ThroughputAccelerator& a, const ThroughputServing& s,
                         double b) {
  const double ctx = s.input_tokens_per_request + s.output_tokens_per_request / 2;
  double px = 0, ps = m.params_total;
  if (m.experts > m.experts_active) {
    px = (m.params_total - m.params_active) / (1 - m.experts_active / m.experts);
    ps = m.params_total - px;
  }
  const double wb = m.bytes_per_param * (ps + px * (1 - std::pow(1 - m.experts_active / m.experts, b)));
  const double n = s.accelerators_per_replica;
  return std::max((wb + b * m.kv_bytes_per_token * ctx) / (n * a.hbm_bandwidth_bytes_per_s * s.bandwidth_efficiency),
                  2 * m.params_active * b / (n * a.peak_flops * s.compute_efficiency));
}

}  // namespace

TEST_CASE("throughput: (a) dense 70B on 8 x H100 at FP8, no latency target: b* = max_batch") {
  const ThroughputServing s = serving(256, 2000, 500, k_none);
  const ThroughputResult r = roofline_throughput(dense_70b_fp8(), h100_fp8(), s);

  // ctx = 2000 + 500/2 = 2250; W = 1 x 70e9; usable = 8 x 80e9 x 0.9 = 576e9.
  // b_mem = floor((576e9 - 70e9) / (163840 x 2250)) = floor(506e9 / 3.6864e8) = floor(1372.6) = 1372.
  CHECK(r.b_mem == 1372);
  // No target: b* = min(256, 1372) = 256.
  CHECK(r.batch == 256);
  // Dense: W_b = W. t(256) = max((70e9 + 256 x 3.6864e8) / (8 x 3.35e12 x 0.7),
  //                              2 x 70e9 x 256 / (8 x 1979e12 x 0.4))
  //                      = max(164.37184e9 / 18.76e12, 3.584e13 / 6.3328e15) = max(0.0087618, 0.0056594)
  const double t = std::max((70e9 + 256 * 3.6864e8) / (8 * 3.35e12 * 0.7), 2 * 70e9 * 256 / (8 * 1979e12 * 0.4));
  check_close(t, 164.37184e9 / 18.76e12, "bandwidth-bound");
  check_close(r.seconds_per_output_token, t, "t(b*)");
  // τ_dec = 256 / (8 t) = 3652.2; τ_pre = 1979e12 x 0.4 / (2 x 70e9) = 5654.29;
  // τ = 2500 / (2000 / τ_pre + 500 / τ_dec) = 5095.6.
  const double dec = 256 / (8 * t), pre = 1979e12 * 0.4 / (2 * 70e9);
  check_close(r.decode_tokens_per_sec, dec, "tau_dec");
  check_close(r.prefill_tokens_per_sec, pre, "tau_pre");
  check_close(r.tokens_per_sec_per_accelerator, 2500 / (2000 / pre + 500 / dec), "tau");
  check_close(r.tokens_per_sec_per_accelerator, 5095.619139345349, "tau, as a number");

  // An infinite target is no target.
  ThroughputServing inf = s;
  inf.max_seconds_per_output_token = std::numeric_limits<double>::infinity();
  CHECK(roofline_throughput(dense_70b_fp8(), h100_fp8(), inf).batch == 256);
}

TEST_CASE("throughput: (b) DeepSeek-V3-like MoE on 8 x B200 with a latency target that binds") {
  // P = 671e9, P_a = 37e9, E = 256 routed experts, k = 8, FP8 weights, KV per token of the
  // MLA cache at BF16: 61 layers x (512 + 64) x 2 bytes = 70,272.
  const ThroughputModel m{671e9, 37e9, 256, 8, 1.0, 70272};
  const ThroughputAccelerator a{4.5e15, 8e12, 192e9};
  const ThroughputServing s = serving(512, 2000, 500, 0.012);
  const ThroughputResult r = roofline_throughput(m, a, s);

  // P_x = (671e9 - 37e9) / (1 - 8/256) = 634e9 x 32/31 = 654.4516e9; P_s = 16.5484e9.
  const double px = 634e9 * 32 / 31, ps = 671e9 - px;
  // b_mem = floor((8 x 192e9 x 0.9 - 671e9) / (70272 x 2250)) = floor(711.4e9 / 158.112e6) = 4499.
  CHECK(r.b_mem == 4499);
  // n B η_b = 8 x 8e12 x 0.7 = 44.8e12 B/s, so t(b) <= 0.012 needs W_b + b κ ctx <= 537.6e9 bytes
  // (the compute term 2 x 37e9 x b / 1.44e16 is 2.5e-4 s at b = 48, far below).
  // b = 48: (31/32)^48 = 0.21789; W_b = 16.548e9 + 654.45e9 x 0.78211 = 528.41e9;
  //         + 48 x 158.112e6 = 7.589e9 -> 536.0e9 bytes, t = 0.011965 s <= 0.012.
  // b = 49: (31/32)^49 = 0.21108; W_b = 532.86e9 + 7.747e9 = 540.6e9 bytes, t = 0.012068 s > 0.012.
  auto t_of = [&](double b) {
    const double wb = ps + px * (1 - std::pow(31.0 / 32.0, b));
    return std::max((wb + b * 70272 * 2250.0) / 44.8e12, 2 * 37e9 * b / (8 * 4.5e15 * 0.4));
  };
  CHECK(t_of(48) <= 0.012);
  CHECK(t_of(49) > 0.012);
  CHECK(r.batch == 48);
  check_close(r.seconds_per_output_token, t_of(48), "t(b*)");
  check_close(r.seconds_per_output_token, 0.011964632204951118, "t(b*), as a number");
  // At b = 1 a step reads exactly the active parameters: P_s + P_x x 8/256 = 37e9.
  check_close(Roofline(m, a, s).step_seconds(1), (37e9 + 70272 * 2250.0) / 44.8e12, "t(1)");
  // τ_dec = 48 / (8 t) = 501.48; τ_pre = 4.5e15 x 0.4 / 74e9 = 24324.3; τ = 2500 / (2000/τ_pre + 500/τ_dec).
  const double dec = 48 / (8 * t_of(48)), pre = 4.5e15 * 0.4 / 74e9;
  check_close(r.decode_tokens_per_sec, dec, "tau_dec");
  check_close(r.prefill_tokens_per_sec, pre, "tau_pre");
  check_close(r.tokens_per_sec_per_accelerator, 2500 / (2000 / pre + 500 / dec), "tau");

  // Without the target the batch goes to max_batch, and tokens/s rise.
  ThroughputServing free = s;
  free.max_seconds_per_output_token = k_none;
  const ThroughputResult rf = roofline_throughput(m, a, free);
  CHECK(rf.batch == 512);
  CHECK(rf.tokens_per_sec_per_accelerator > r.tokens_per_sec_per_accelerator);
  // A target below t(1): no batch meets it, b* = 1.
  ThroughputServing tight = s;
  tight.max_seconds_per_output_token = 1e-4;
  CHECK(roofline_throughput(m, a, tight).batch == 1);
}

TEST_CASE("throughput: (c) memory-bound batch: the KV cache caps b* below max_batch") {
  // The dense 70B at BF16 (β = 2, κ = 327,680) on 8 x H100 at BF16 (989 TFLOP/s), long requests.
  const ThroughputModel m{70e9, 70e9, 1, 1, 2.0, 327680};
  const ThroughputAccelerator a{989e12, 3.35e12, 80e9};
  const ThroughputServing s = serving(512, 8000, 2000, k_none);
  const ThroughputResult r = roofline_throughput(m, a, s);

  // ctx = 8000 + 1000 = 9000; W = 140e9; b_mem = floor((576e9 - 140e9) / (327680 x 9000))
  //     = floor(436e9 / 2.94912e9) = floor(147.84) = 147 < 512.
  CHECK(r.b_mem == 147);
  CHECK(r.batch == 147);
  // t(147) = max((140e9 + 147 x 2.94912e9) / 18.76e12, 2 x 70e9 x 147 / (8 x 989e12 x 0.4))
  //        = max(573.52e9 / 18.76e12, 2.058e13 / 3.1648e15) = max(0.030571, 0.0065028)
  const double t = std::max((140e9 + 147 * 2.94912e9) / 18.76e12, 2 * 70e9 * 147 / (8 * 989e12 * 0.4));
  check_close(r.seconds_per_output_token, t, "t(b*)");
  const double dec = 147 / (8 * t), pre = 989e12 * 0.4 / 140e9;
  check_close(r.tokens_per_sec_per_accelerator, 10000 / (8000 / pre + 2000 / dec), "tau");
  check_close(r.tokens_per_sec_per_accelerator, 1623.732813681774, "tau, as a number");
}

TEST_CASE("throughput: t(b) is the spec's formula and b* equals a linear scan, on random inputs") {
  // Pinned seed; inputs span dense and MoE models, bandwidth- and compute-bound steps, batches
  // capped by memory or by max_batch, targets that bind, do not bind, or cannot be met.
  std::mt19937_64 rng(20261203);
  auto u = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto log_u = [&](double lo, double hi) { return std::exp(u(std::log(lo), std::log(hi))); };
  int checked = 0, binding = 0, moe = 0, compute_bound = 0;
  for (int trial = 0; trial < 1000; ++trial) {
    ThroughputModel m;
    m.params_total = log_u(1e9, 2e12);
    m.experts = trial % 3 == 0 ? 1 : std::round(log_u(4, 512));
    m.experts_active = m.experts == 1 ? 1 : std::round(u(1, std::min(m.experts, 16.0)));
    const double expert_share = m.experts_active / m.experts;
    m.params_active = m.params_total * (expert_share + (1 - expert_share) * u(0, 0.1));
    if (m.experts == m.experts_active) m.params_active = m.params_total;
    m.bytes_per_param = std::array{0.5, 1.0, 2.0}[static_cast<std::size_t>(trial % 3)];
    m.kv_bytes_per_token = log_u(1e4, 1e6);
    const ThroughputAccelerator a{log_u(5e14, 1e16), log_u(2e12, 1e13), log_u(4e10, 3e11)};
    ThroughputServing s = serving(std::round(log_u(1, 2048)), std::round(log_u(50, 20000)),
                                  std::round(log_u(20, 4000)), k_none);
    s.accelerators_per_replica = std::round(log_u(1, 72));
    s.bandwidth_efficiency = u(0.2, 1);
    s.compute_efficiency = u(0.2, 1);
    try {
      validate_throughput(m, a, s);
    } catch (const InputError&) {
      continue;  // a model that does not fit this replica
    }
    const Roofline rl(m, a, s);
    const double hi = rl.max_batch();
    const double t_lo = rl.step_seconds(1), t_hi = rl.step_seconds(hi);
    s.max_seconds_per_output_token = trial % 5 == 0 ? k_none : log_u(t_lo * 0.7, t_hi * 1.2);
    const ThroughputResult r = roofline_throughput(m, a, s);

    double expect = trial % 5 == 0 ? hi : 1;
    if (trial % 5 != 0)
      for (double b = 1; b <= hi; ++b)
        if (rl.step_seconds(b) <= s.max_seconds_per_output_token) expect = b;
    INFO("trial " << trial << ": hi " << hi << ", T_max " << s.max_seconds_per_output_token);
    CHECK(r.batch == expect);
    for (double b : {1.0, std::floor(hi / 3) + 1, hi})
      CHECK(rl.step_seconds(b) == doctest::Approx(spec_step_seconds(m, a, s, b)).epsilon(1e-12));
    ++checked;
    binding += r.batch < hi;
    moe += m.experts > 1;
    compute_bound += 2 * m.params_active * r.batch / (s.accelerators_per_replica * a.peak_flops * s.compute_efficiency) >=
                     r.seconds_per_output_token;
  }
  // The draws must exercise what they claim to.
  CHECK(checked > 700);
  CHECK(binding > 400);
  CHECK(moe > 450);
  CHECK(compute_bound > 30);
}

TEST_CASE("throughput: bad input names the field and the value") {
  const ThroughputModel m{671e9, 37e9, 256, 8, 1.0, 70272};
  const ThroughputAccelerator a{4.5e15, 8e12, 192e9};
  const ThroughputServing s = serving(512, 2000, 500, 0.05);
  CHECK_NOTHROW(validate_throughput(m, a, s));

  ThroughputModel bad = m;
  bad.experts_active = 300;
  CHECK_THROWS_WITH_AS(validate_throughput(bad, a, s),
                       "throughput.model.experts_active: must be <= experts (256), got 300", InputError);
  bad = m;
  bad.params_active = 700e9;
  CHECK_THROWS_WITH_AS(validate_throughput(bad, a, s, "clusters.Hyperion.throughput"),
                       "clusters.Hyperion.throughput.model.params_active: must be <= params_total (6.71e+11), got "
                       "7e+11",
                       InputError);
  bad = m;
  bad.params_active = 10e9;  // less than the 8 experts' share 671e9 x 8/256 = 20.97e9: P_s < 0
  CHECK_THROWS_WITH_AS(validate_throughput(bad, a, s),
                       doctest::Contains("throughput.model.params_active: must be >= params_total * experts_active / "
                                         "experts (20968750000)"),
                       InputError);
  bad = m;
  bad.params_total = 0;
  CHECK_THROWS_WITH_AS(validate_throughput(bad, a, s),
                       "throughput.model.params_total: must be a positive finite number, got 0", InputError);
  bad = m;
  bad.kv_bytes_per_token = -1;
  CHECK_THROWS_WITH_AS(validate_throughput(bad, a, s),
                       "throughput.model.kv_bytes_per_token: must be a positive finite number, got -1", InputError);

  ThroughputAccelerator bad_a = a;
  bad_a.hbm_bandwidth_bytes_per_s = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(validate_throughput(m, bad_a, s),
                       "throughput.accelerator.hbm_bandwidth_bytes_per_s: must be a positive finite number, got nan",
                       InputError);

  ThroughputServing bad_s = s;
  bad_s.bandwidth_efficiency = 1.2;
  CHECK_THROWS_WITH_AS(validate_throughput(m, a, bad_s),
                       "throughput.serving.bandwidth_efficiency: must be in (0, 1], got 1.2", InputError);
  bad_s = s;
  bad_s.compute_efficiency = 0;
  CHECK_THROWS_WITH_AS(validate_throughput(m, a, bad_s),
                       "throughput.serving.compute_efficiency: must be in (0, 1], got 0", InputError);
  bad_s = s;
  bad_s.max_batch = 0.5;
  CHECK_THROWS_WITH_AS(validate_throughput(m, a, bad_s), "throughput.serving.max_batch: must be in [1, 1e+09], got 0.5",
                       InputError);
  bad_s = s;
  bad_s.max_seconds_per_output_token = 0;
  CHECK_THROWS_WITH_AS(validate_throughput(m, a, bad_s),
                       "throughput.serving.max_seconds_per_output_token: must be > 0 (or absent: no target), got 0",
                       InputError);

  // DeepSeek-V3 at FP8 on one B200: 671 GB of weights + 0.158 GB of KV, 192 x 0.9 = 172.8 GB usable.
  bad_s = s;
  bad_s.accelerators_per_replica = 1;
  const char* no_fit =
      "throughput: model does not fit: needs 671.158112 GB of weights + KV for one sequence (671 + 0.158112), "
      "replica has 172.8 GB usable";
  CHECK_THROWS_WITH_AS(validate_throughput(m, a, bad_s), no_fit, InputError);
  // The roofline itself refuses rather than returning a meaningless batch.
  CHECK_THROWS_AS(roofline_throughput(m, a, bad_s), InputError);
}
