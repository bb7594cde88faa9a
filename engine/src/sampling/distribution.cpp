// Distributions and their inverse CDFs (model.md §8, scenario-format "Distributions").
#include "infersim/distribution.hpp"

#include "simd/simd.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <numbers>
#include <numeric>
#include <set>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/policies/policy.hpp>
#include <nlohmann/json.hpp>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "infersim/cancel.hpp"
#include "infersim/error.hpp"
#include "infersim/isa.hpp"
#include "json/strict_json.hpp"

namespace infersim {
namespace {

// Boost.Math evaluates double functions in long double by default; that costs ~10x in
// ibeta_inv and buys nothing we can measure at Monte Carlo precision.
using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>,
                                             boost::math::policies::promote_float<false>>;
using Normal = boost::math::normal_distribution<double, Policy>;
using Beta = boost::math::beta_distribution<double, Policy>;
// Boost's defaults (long double inside): the fallback where the fast policy's root finder
// gives up, e.g. ibeta_inv for (alpha, beta) = (0.5, 2).
using PreciseBeta = boost::math::beta_distribution<double>;

constexpr double k_inf = std::numeric_limits<double>::infinity();

}  // namespace


namespace {

// AS 241's body: q A(r) / B(r), r = 0.180625 - q^2, for |q| = |p - 0.5| <= 0.425. The
// coefficients, highest degree first, are Wichura's (accurate to about 1 part in 1e16).
constexpr double k_as241_a[8] = {2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
                                 4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
                                 1.3314166789178437745e2, 3.3871328727963666080e0};
constexpr double k_as241_b[8] = {5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
                                 2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
                                 4.2313330701600911252e1, 1.0};

double horner(const double (&c)[8], double r) {
  double acc = c[0];
  for (int k = 1; k < 8; ++k) acc = acc * r + c[k];
  return acc;
}

}  // namespace

double normal_quantile(double p) {
  // AS 241: a rational function of q^2 in the body, of sqrt(-log(tail)) in the tails.
  const double q = p - 0.5;
  if (std::abs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * horner(k_as241_a, r) / horner(k_as241_b, r);
  }
  const double tail = q < 0 ? p : 1.0 - p;  // exact: 1 - p for p >= 0.5
  if (!(tail > 0)) return std::isnan(p) ? p : (q < 0 ? -k_inf : k_inf);
  double r = std::sqrt(-std::log(tail));
  double x;
  if (r <= 5.0) {
    r -= 1.6;
    x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r +
              1.27045825245236838258e0) * r + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r +
           4.63033784615654529590e0) * r + 1.42343711074968357734e0) /
        (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r +
              1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r +
           2.05319162663775882187e0) * r + 1.0);
  } else {
    r -= 5.0;
    x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r +
              2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r +
           5.46378491116411436990e0) * r + 6.65790464350110377720e0) /
        (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r +
              7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
           5.99832206555887937690e-1) * r + 1.0);
  }
  return q < 0 ? -x : x;
}

double normal_cdf(double z) { return std::erfc(-z / std::numbers::sqrt2) / 2; }

namespace {

#ifdef INFERSIM_HAVE_AVX512
/// horner() eight values at a time, the same operations.
INFERSIM_AVX512 inline __m512d horner8(const double (&c)[8], __m512d r) {
  __m512d acc = _mm512_set1_pd(c[0]);
  for (int k = 1; k < 8; ++k) acc = _mm512_add_pd(_mm512_mul_pd(acc, r), _mm512_set1_pd(c[k]));
  return acc;
}

/// AS 241's body, q * A(r) / B(r) with r = 0.180625 - q^2, for eight p at once, in
/// normal_quantile()'s order of operations; lanes with |q| > 0.425 are returned in `tail`
/// for the scalar function.
INFERSIM_AVX512 inline __m512d normal_quantile_body(__m512d p, __mmask8& tail) {
  const __m512d q = _mm512_sub_pd(p, _mm512_set1_pd(0.5));
  tail = _mm512_cmp_pd_mask(_mm512_abs_pd(q), _mm512_set1_pd(0.425), _CMP_NLE_UQ);  // also NaN
  const __m512d r = _mm512_sub_pd(_mm512_set1_pd(0.180625), _mm512_mul_pd(q, q));
  return _mm512_div_pd(_mm512_mul_pd(q, horner8(k_as241_a, r)), horner8(k_as241_b, r));
}

INFERSIM_AVX512 void normal_quantile_many_avx512(const double* p, double* z, std::size_t n) {
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    __mmask8 tail;
    _mm512_storeu_pd(z + k, normal_quantile_body(_mm512_loadu_pd(p + k), tail));
    for (unsigned m = tail; m != 0; m &= m - 1) {
      const std::size_t i = k + static_cast<std::size_t>(std::countr_zero(m));
      z[i] = normal_quantile(p[i]);
    }
  }
  for (; k < n; ++k) z[k] = normal_quantile(p[k]);
}
#endif

}  // namespace

void normal_quantile_many_portable(const double* p, double* z, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) z[k] = normal_quantile(p[k]);
}

void normal_quantile_many(const double* p, double* z, std::size_t n) {
  INFERSIM_DISPATCH(normal_quantile_many_avx512(p, z, n), normal_quantile_many_portable(p, z, n));
}

bool Interval::contains(double x) const {
  if (std::isnan(x)) return false;
  if (lo_open ? !(x > lo) : !(x >= lo)) return false;
  if (hi_open ? !(x < hi) : !(x <= hi)) return false;
  return true;
}

std::string Interval::describe() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    return std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
           (hi_open ? ")" : "]");
  }
  if (has_lo) return std::string(lo_open ? "> " : ">= ") + format_number(lo);
  if (has_hi) return std::string(hi_open ? "< " : "<= ") + format_number(hi);
  return "any number";
}

const char* to_string(DistKind k) {
  switch (k) {
    case DistKind::fixed: return "fixed";
    case DistKind::uniform: return "uniform";
    case DistKind::triangular: return "triangular";
    case DistKind::pert: return "pert";
    case DistKind::normal: return "normal";
    case DistKind::lognormal: return "lognormal";
    case DistKind::beta: return "beta";
    case DistKind::discrete: return "discrete";
  }
  return "?";
}

struct Distribution::Impl {
  // Parameters as written in the scenario, in the order written, for to_json/describe.
  std::vector<std::pair<std::string, double>> given;
  std::vector<double> values;   // discrete: sorted values
  std::vector<double> cum;      // discrete: cumulative normalized weights
  std::vector<double> weights;  // discrete: weights as given (for to_json)
  std::vector<double> values_given;
  double a = 0, b = 0, c = 0;   // kind-specific: see quantile()
  double lo = 0, scale = 1;     // affine map for beta/pert
  double cdf_lo = 0, cdf_span = 1;  // truncated normal
  double min = -k_inf, max = k_inf;  // normal's truncation, beta's max: rounding must not leave them
  Beta beta{1, 1};
  // Beta and PERT quantiles need an iterative ibeta inverse (~0.4-2 us a call); a table
  // answers in a few ns. Cubic Hermite splines with exact slopes (Q' = 1/pdf(Q)) on a
  // uniform grid in u over the body, and on grids uniform in log(u) and log(1 - u) in the
  // tails, where Q behaves like a power of u; beyond 1e-12 from either end, the exact
  // inverse. Error below 1e-9 of the range (test_distribution.cpp checks it).
  struct Grid {
    double t0 = 0, inv_step = 0;
    std::size_t cells = 0;
    // Node k's Q and dQ/dt times the step side by side, so that a lookup reads 32
    // contiguous bytes (the tables of a scenario exceed the first-level cache).
    std::vector<double> node;
    template <class Q, class Dq>
    void build(double t0_, double t1, int n_cells, Q&& quantile_at, Dq&& slope_at) {
      t0 = t0_;
      cells = static_cast<std::size_t>(n_cells);
      const double step = (t1 - t0_) / n_cells;
      inv_step = 1.0 / step;
      node.resize(2 * (cells + 1));
      // Each node is independent (an ibeta inverse, ~1 us): the nodes are shared among
      // the cores, with the same values whatever their number.
      tbb::parallel_for(tbb::blocked_range<int>(0, n_cells + 1, 256), [&](const tbb::blocked_range<int>& r) {
        for (int k = r.begin(); k != r.end(); ++k) {
          const double t = t0_ + k * step;
          const double q = quantile_at(t);
          node[2 * static_cast<std::size_t>(k)] = q;
          node[2 * static_cast<std::size_t>(k) + 1] = slope_at(t, q) * step;
        }
      });
      // Fritsch-Carlson: where the exact slopes would make a cell's cubic overshoot (U- and
      // J-shaped betas, whose Q is flat, then steep), they are reduced until the cell is
      // monotone. Smooth tables (every bundled PERT) have no such cell and keep their bits.
      for (std::size_t k = 0; k < cells; ++k) {
        double* n = node.data() + 2 * k;  // q_k, dq_k, q_{k+1}, dq_{k+1}
        const double delta = n[2] - n[0];
        if (delta == 0) {
          n[1] = n[3] = 0;
          continue;
        }
        const double a = n[1] / delta, b = n[3] / delta;  // >= 0 where Q is monotone
        if (!(a >= 0)) n[1] = 0;
        if (!(b >= 0)) n[3] = 0;
        const double r = (a >= 0 ? a * a : 0) + (b >= 0 ? b * b : 0);
        if (r > 9) {
          const double tau = 3 / std::sqrt(r);
          if (a >= 0) n[1] = tau * a * delta;
          if (b >= 0) n[3] = tau * b * delta;
        }
      }
    }
    double at(double t) const {
      const double s = (t - t0) * inv_step;
      const auto k = std::min(static_cast<std::size_t>(s), cells - 1);
      const double x = s - static_cast<double>(k), x2 = x * x, x3 = x2 * x;
      const double* n = node.data() + 2 * k;  // q_k, dq_k, q_{k+1}, dq_{k+1}
      return (2 * x3 - 3 * x2 + 1) * n[0] + (x3 - 2 * x2 + x) * n[1] + (-2 * x3 + 3 * x2) * n[2] + (x3 - x2) * n[3];
    }
  };
  static constexpr double k_body_lo = 1.0 / 64, k_tail_lo = 1e-12;
  /// The three grids of one (alpha, beta), shared by every distribution with those
  /// parameters (a scenario's 200 identical PERTs build them once).
  struct Tables {
    Grid body, lower, upper;
  };
  std::shared_ptr<const Tables> tables;

  void tabulate() { tables = beta_tables(beta); }
  double beta_quantile(double u) const {
    const Tables& t = *tables;
    double x;
    if (u >= k_body_lo && u <= 1 - k_body_lo) {
      x = t.body.at(u);
    } else if (u < k_body_lo && u > k_tail_lo) {
      x = t.lower.at(std::log(u));
    } else if (u > 1 - k_body_lo && 1 - u > k_tail_lo) {
      x = t.upper.at(std::log1p(-u));
    } else {
      x = beta_inverse(beta, u, false);
    }
    // A spline may overshoot by rounding where Q is steep at an end (J and U shapes).
    return std::clamp(x, 0.0, 1.0);
  }

  /// Q(u) of a beta (Q(1 - u) for `complement`): Boost's inverse, with its default
  /// (long double) policy where the fast one fails, and bisection on the CDF as the last
  /// resort. Results where the fast policy succeeds are unchanged (bundled results keep
  /// their bits).
  static double beta_inverse(const Beta& beta, double u, bool complement) {
    try {
      return complement ? boost::math::quantile(boost::math::complement(beta, u)) : boost::math::quantile(beta, u);
    } catch (const std::exception&) {
    }
    const PreciseBeta precise(beta.alpha(), beta.beta());
    try {
      return complement ? boost::math::quantile(boost::math::complement(precise, u))
                        : boost::math::quantile(precise, u);
    } catch (const std::exception&) {
    }
    // CDF (or survival function) bisection: monotone, always inside [0, 1].
    double lo = 0, hi = 1;
    for (int i = 0; i < 200 && hi - lo > 0; ++i) {
      const double mid = lo + (hi - lo) / 2;
      if (mid == lo || mid == hi) break;
      const double c = complement ? boost::math::cdf(boost::math::complement(precise, mid)) : boost::math::cdf(precise, mid);
      if (complement ? c > u : c < u) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo + (hi - lo) / 2;
  }

  static std::shared_ptr<const Tables> beta_tables(const Beta& beta);
};

std::shared_ptr<const Distribution::Impl::Tables> Distribution::Impl::beta_tables(const Beta& beta) {
  throw_if_cancelled();  // ~10 ms a table: Ctrl-C while a scenario loads (infersim/cancel.hpp)
  static std::mutex mutex;
  static std::map<std::pair<double, double>, std::weak_ptr<const Tables>> cache;
  // The last tables built stay alive (~100 KB each): a scenario read again and again
  // (sweeps from Python, a fuzzer) does not rebuild them.
  static std::deque<std::shared_ptr<const Tables>> recent;
  const std::pair<double, double> key{beta.alpha(), beta.beta()};
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) {
      if (auto shared = it->second.lock()) return shared;
    }
  }
  // 1 / pdf, 0 where the density is infinite (Q is flat there).
  auto inv_pdf = [&](double x) {
    try {
      const double f = boost::math::pdf(beta, x);
      return std::isfinite(f) && f > 0 ? 1.0 / f : 0.0;
    } catch (const std::exception&) {
      return 0.0;
    }
  };
  auto t = std::make_shared<Tables>();
  t->body.build(k_body_lo, 1 - k_body_lo, 4096, [&](double u) { return beta_inverse(beta, u, false); },
                [&](double, double x) { return inv_pdf(x); });
  // t = log(u): dQ/dt = u / pdf(Q).
  t->lower.build(std::log(k_tail_lo), std::log(k_body_lo), 1024,
                 [&](double s) { return beta_inverse(beta, std::exp(s), false); },
                 [&](double s, double x) { return std::exp(s) * inv_pdf(x); });
  // t = log(1 - u): dQ/dt = -(1 - u) / pdf(Q).
  t->upper.build(std::log(k_tail_lo), std::log(k_body_lo), 1024,
                 [&](double s) { return beta_inverse(beta, std::exp(s), true); },
                 [&](double s, double x) { return -std::exp(s) * inv_pdf(x); });
  const std::lock_guard<std::mutex> lock(mutex);
  // Drop entries whose tables are gone, so that the cache stays the size of what is in use.
  for (auto it = cache.begin(); it != cache.end();) it = it->second.expired() ? cache.erase(it) : std::next(it);
  auto& slot = cache[key];
  if (auto other = slot.lock()) return other;  // built meanwhile by another thread: the same values
  slot = t;
  recent.push_back(t);
  if (recent.size() > 64) recent.pop_front();
  return t;
}

namespace {

using json = nlohmann::json;
using detail::type_name;

double number_param(const json& obj, const std::string& key, const std::string& path) {
  return detail::number_value(obj.at(key), path + "." + key);
}

[[noreturn]] void bad(const std::string& path, const std::string& what, double got) {
  throw InputError(path + ": " + what + ", got " + format_number(got));
}

constexpr double k_min_shape = 1e-3, k_max_shape = 1e7;  // beta's alpha and beta

void check_extremes(const Distribution& d, const std::string& path) {
  // Parameters can be finite and still give no finite draw (a lognormal with sd 1e300, a
  // normal with sd 1e308): the draws at the extreme quantiles a run can reach must be numbers.
  for (const double u : {k_extreme_u, 0.5, 1 - k_extreme_u}) {
    const double x = d.quantile(u);
    if (!std::isfinite(x)) {
      throw InputError(path + ": " + d.describe() + " gives " + format_number(x) + " at its " + format_number(u) +
                       " quantile; its parameters are beyond what double precision can draw from");
    }
  }
}

/// A bounded distribution's range must be a finite number: max - min is its scale.
void check_range(const std::string& path, double lo, double hi) {
  if (!std::isfinite(hi - lo)) {
    throw InputError(path + ": the range [" + format_number(lo) + ", " + format_number(hi) +
                     "] is wider than the largest number (max - min overflows)");
  }
}

// The parameter keys each kind accepts; `dist` is always allowed.
const std::vector<std::string>& allowed_keys(DistKind k) {
  static const std::vector<std::string> fixed{"value"}, uniform{"min", "max"},
      tri{"min", "mode", "max"}, normal{"mean", "sd", "min", "max"},
      lognormal{"median", "p90", "mu", "sigma", "mean", "sd"}, beta{"alpha", "beta", "min", "max"},
      discrete{"values", "weights"};
  switch (k) {
    case DistKind::fixed: return fixed;
    case DistKind::uniform: return uniform;
    case DistKind::triangular:
    case DistKind::pert: return tri;
    case DistKind::normal: return normal;
    case DistKind::lognormal: return lognormal;
    case DistKind::beta: return beta;
    case DistKind::discrete: return discrete;
  }
  return fixed;
}

DistKind parse_kind(const json& j, const std::string& path) {
  static const std::vector<std::string> names{"fixed", "uniform", "triangular", "pert",
                                              "normal", "lognormal", "beta", "discrete"};
  if (!j.contains("dist")) {
    throw InputError(path + ": a distribution object needs a \"dist\" key (one of " +
                     detail::join(names) + ")");
  }
  const json& d = j.at("dist");
  if (!d.is_string()) throw InputError(path + ".dist: expected a string, got " + detail::render(d));
  const auto s = d.get<std::string>();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (s == names[i]) return static_cast<DistKind>(i);
  }
  throw InputError(path + ".dist: unknown distribution \"" + s + "\"" +
                   detail::suggest(s, names, "; expected one of " + detail::join(names)));
}

}  // namespace

Distribution Distribution::fixed(double value) {
  Distribution d;
  d.kind_ = DistKind::fixed;
  d.support_ = Interval{value, value, false, false};
  auto impl = std::make_shared<Impl>();
  impl->a = value;
  impl->given = {{"value", value}};
  d.impl_ = std::move(impl);
  return d;
}

namespace {

/// The parameters of one distribution object, read strictly: a missing one is an error
/// naming the kind, a present one must be a number.
struct Params {
  const json& j;
  const std::string& path;
  DistKind kind;
  Distribution::Impl& impl;

  bool has(const char* k) const { return j.contains(k); }
  double need(const char* k) const {
    if (!has(k)) {
      throw InputError(path + "." + k + ": required parameter of a " + std::string(to_string(kind)) +
                       " distribution is missing");
    }
    return number_param(j, k, path);
  }
  double opt(const char* k, double dflt) const { return has(k) ? number_param(j, k, path) : dflt; }
  /// Remembers a parameter as written, for to_json() and describe().
  void give(const char* k, double v) const { impl.given.emplace_back(k, v); }
};

// One reader a kind: each fills the parameters and constants, and returns the support.
Interval read_uniform(const Params& p) {
  const double lo = p.need("min"), hi = p.need("max");
  if (!(hi > lo)) bad(p.path + ".max", "must be > min (" + format_number(lo) + ")", hi);
  check_range(p.path, lo, hi);
  p.impl.a = lo;
  p.impl.b = hi - lo;
  p.give("min", lo), p.give("max", hi);
  return Interval{lo, hi, false, false};
}

Interval read_triangular_or_pert(const Params& p) {
  const double lo = p.need("min"), mode = p.need("mode"), hi = p.need("max");
  if (!(hi > lo)) bad(p.path + ".max", "must be > min (" + format_number(lo) + ")", hi);
  check_range(p.path, lo, hi);
  if (mode < lo) bad(p.path + ".mode", "must be >= min (" + format_number(lo) + ")", mode);
  if (mode > hi) bad(p.path + ".mode", "must be <= max (" + format_number(hi) + ")", mode);
  p.impl.lo = lo;
  p.impl.scale = hi - lo;
  p.impl.max = hi;
  p.impl.a = (mode - lo) / (hi - lo);  // triangular: CDF at the mode
  if (p.kind == DistKind::pert) {
    // Beta-PERT with lambda = 4. The ratios first: 4 * (max - mode) overflows for a max near
    // the largest double (fuzz_scenario, docs/hardening.md); 4 * (a / b) and (4 * a) / b are
    // the same double wherever the latter is finite, so no result changes.
    p.impl.beta = Beta(1 + 4 * ((mode - lo) / (hi - lo)), 1 + 4 * ((hi - mode) / (hi - lo)));
    p.impl.tabulate();
  }
  p.give("min", lo), p.give("mode", mode), p.give("max", hi);
  return Interval{lo, hi, false, false};
}

Interval read_normal(const Params& p) {
  const double mean = p.need("mean"), sd = p.need("sd");
  if (!(sd > 0)) bad(p.path + ".sd", "must be > 0", sd);
  const double lo = p.opt("min", -k_inf), hi = p.opt("max", k_inf);
  if (p.has("min") && p.has("max") && !(hi > lo)) {
    bad(p.path + ".max", "must be > min (" + format_number(lo) + ")", hi);
  }
  const Normal n(mean, sd);
  p.impl.a = mean;
  p.impl.b = sd;
  p.impl.cdf_lo = p.has("min") ? boost::math::cdf(n, lo) : 0.0;
  const double cdf_hi = p.has("max") ? boost::math::cdf(n, hi) : 1.0;
  p.impl.cdf_span = cdf_hi - p.impl.cdf_lo;
  if (!(p.impl.cdf_span > 1e-12)) {
    throw InputError(p.path + ": truncation [" + format_number(lo) + ", " + format_number(hi) +
                     "] leaves no probability under normal(mean=" + format_number(mean) +
                     ", sd=" + format_number(sd) + ")");
  }
  p.impl.min = lo;
  p.impl.max = hi;
  p.give("mean", mean), p.give("sd", sd);
  if (p.has("min")) p.give("min", lo);
  if (p.has("max")) p.give("max", hi);
  return Interval{lo, hi, !p.has("min"), !p.has("max")};
}

Interval read_lognormal(const Params& p) {
  const bool by_median = p.has("median") || p.has("p90");
  const bool by_mu = p.has("mu") || p.has("sigma");
  const bool by_mean = p.has("mean") || p.has("sd");
  if (int(by_median) + int(by_mu) + int(by_mean) != 1) {
    throw InputError(p.path + ": a lognormal takes exactly one of {median, p90}, {mu, sigma}, "
                     "{mean, sd}");
  }
  double mu = 0, sigma = 0;
  if (by_median) {
    const double med = p.need("median"), p90 = p.need("p90");
    if (!(med > 0)) bad(p.path + ".median", "must be > 0", med);
    if (!(p90 > med)) bad(p.path + ".p90", "must be > median (" + format_number(med) + ")", p90);
    mu = std::log(med);
    sigma = std::log(p90 / med) / normal_quantile(0.9);
    p.give("median", med), p.give("p90", p90);
  } else if (by_mu) {
    mu = p.need("mu");
    sigma = p.need("sigma");
    if (!(sigma > 0)) bad(p.path + ".sigma", "must be > 0", sigma);
    p.give("mu", mu), p.give("sigma", sigma);
  } else {
    const double mean = p.need("mean"), sd = p.need("sd");
    if (!(mean > 0)) bad(p.path + ".mean", "must be > 0", mean);
    if (!(sd > 0)) bad(p.path + ".sd", "must be > 0", sd);
    sigma = std::sqrt(std::log1p(sd * sd / (mean * mean)));
    mu = std::log(mean) - 0.5 * sigma * sigma;
    p.give("mean", mean), p.give("sd", sd);
  }
  p.impl.a = mu;
  p.impl.b = sigma;
  return Interval{0.0, k_inf, true, true};
}

Interval read_beta(const Params& p) {
  const double al = p.need("alpha"), be = p.need("beta");
  if (!(al > 0)) bad(p.path + ".alpha", "must be > 0", al);
  if (!(be > 0)) bad(p.path + ".beta", "must be > 0", be);
  // Outside these the quantile underflows or overflows in double precision; no
  // uncertain input needs a shape parameter beyond them.
  if (!(al >= k_min_shape && al <= k_max_shape)) bad(p.path + ".alpha", "must be in [1e-3, 1e7]", al);
  if (!(be >= k_min_shape && be <= k_max_shape)) bad(p.path + ".beta", "must be in [1e-3, 1e7]", be);
  const double lo = p.opt("min", 0.0), hi = p.opt("max", 1.0);
  if (!(hi > lo)) bad(p.path + ".max", "must be > min (" + format_number(lo) + ")", hi);
  check_range(p.path, lo, hi);
  p.impl.beta = Beta(al, be);
  p.impl.tabulate();
  p.impl.lo = lo;
  p.impl.scale = hi - lo;
  p.impl.max = hi;
  p.give("alpha", al), p.give("beta", be);
  if (p.has("min")) p.give("min", lo);
  if (p.has("max")) p.give("max", hi);
  return Interval{lo, hi, false, false};
}

Interval read_discrete(const Params& p) {
  if (!p.has("values")) throw InputError(p.path + ".values: required parameter of a discrete distribution is missing");
  const json& vs = p.j.at("values");
  if (!vs.is_array() || vs.empty()) {
    throw InputError(p.path + ".values: expected a non-empty array of numbers, got " + detail::render(vs));
  }
  std::vector<double> values, weights;
  for (std::size_t i = 0; i < vs.size(); ++i) {
    if (!vs[i].is_number()) {
      throw InputError(p.path + ".values[" + std::to_string(i) + "]: expected a number, got " +
                       detail::render(vs[i]));
    }
    values.push_back(vs[i].get<double>());
  }
  if (p.has("weights")) {
    const json& ws = p.j.at("weights");
    if (!ws.is_array() || ws.size() != vs.size()) {
      throw InputError(p.path + ".weights: expected an array of " + std::to_string(vs.size()) +
                       " numbers (one per value), got " + detail::render(ws));
    }
    for (std::size_t i = 0; i < ws.size(); ++i) {
      if (!ws[i].is_number()) {
        throw InputError(p.path + ".weights[" + std::to_string(i) + "]: expected a number, got " +
                         detail::render(ws[i]));
      }
      const double w = ws[i].get<double>();
      if (!(w >= 0)) bad(p.path + ".weights[" + std::to_string(i) + "]", "must be >= 0", w);
      weights.push_back(w);
    }
  } else {
    weights.assign(values.size(), 1.0);
  }
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (!(total > 0)) bad(p.path + ".weights", "must sum to a positive number", total);
  p.impl.values_given = values;
  p.impl.weights = weights;
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return values[x] < values[y]; });
  double acc = 0;
  for (auto i : order) {
    if (weights[i] == 0) continue;
    acc += weights[i];
    p.impl.values.push_back(values[i]);
    p.impl.cum.push_back(acc / total);
  }
  p.impl.cum.back() = 1.0;
  return Interval{p.impl.values.front(), p.impl.values.back(), false, false};
}

}  // namespace

Distribution Distribution::from_json(const json& j, const std::string& path) {
  if (j.is_number()) {
    const double v = j.get<double>();
    if (!std::isfinite(v)) throw InputError(path + ": expected a finite number, got " + detail::render(j));
    return fixed(v);
  }
  if (!j.is_object()) {
    throw InputError(path + ": expected a number or a distribution object such as "
                     "{\"dist\": \"uniform\", \"min\": 0, \"max\": 1}, got " + detail::render(j));
  }
  const DistKind kind = parse_kind(j, path);
  const auto& allowed = allowed_keys(kind);
  for (const auto& [key, _] : j.items()) {
    if (key == "dist") continue;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw InputError(path + "." + key + ": unknown parameter for a " + to_string(kind) +
                       " distribution" + detail::suggest(key, allowed, "; expected " + detail::join(allowed)));
    }
  }
  Distribution d;
  d.kind_ = kind;
  if (kind == DistKind::fixed) {
    if (!j.contains("value")) {
      throw InputError(path + ".value: required parameter of a fixed distribution is missing");
    }
    return fixed(number_param(j, "value", path));
  }
  auto impl = std::make_shared<Impl>();
  const Params p{j, path, kind, *impl};
  switch (kind) {
    case DistKind::fixed: break;  // above
    case DistKind::uniform: d.support_ = read_uniform(p); break;
    case DistKind::triangular:
    case DistKind::pert: d.support_ = read_triangular_or_pert(p); break;
    case DistKind::normal: d.support_ = read_normal(p); break;
    case DistKind::lognormal: d.support_ = read_lognormal(p); break;
    case DistKind::beta: d.support_ = read_beta(p); break;
    case DistKind::discrete: d.support_ = read_discrete(p); break;
  }
  d.impl_ = std::move(impl);
  check_extremes(d, path);
  return d;
}

double Distribution::quantile(double u) const {
  const Impl& p = *impl_;
  switch (kind_) {
    case DistKind::fixed: return p.a;
    case DistKind::uniform: return p.a + u * p.b;
    case DistKind::triangular: {
      // Closed-form inverse of the triangular CDF, scaled to [0, 1] first.
      const double m = p.a;
      const double x = u < m ? std::sqrt(u * m) : 1.0 - std::sqrt((1.0 - u) * (1.0 - m));
      return p.lo + p.scale * x;
    }
    case DistKind::pert:
    case DistKind::beta: return std::min(p.lo + p.scale * p.beta_quantile(u), p.max);  // lo + scale may round past max
    case DistKind::normal: {
      const double v = p.cdf_lo + u * p.cdf_span;
      // Rounding in the CDF and its inverse may step just past a truncation bound.
      return std::clamp(p.a + p.b * normal_quantile(v), p.min, p.max);
    }
    case DistKind::lognormal: return std::exp(p.a + p.b * normal_quantile(u));
    case DistKind::discrete: {
      const auto it = std::lower_bound(p.cum.begin(), p.cum.end(), u);
      const auto i = std::min<std::size_t>(it - p.cum.begin(), p.values.size() - 1);
      return p.values[i];
    }
  }
  return std::nan("");
}

namespace {

#ifdef INFERSIM_HAVE_AVX512
/// Grid::at() for the eight lanes of `active`, the same operations in the same order.
INFERSIM_AVX512 inline __m512d grid_at(const Distribution::Impl::Grid& g, __m512d t, __mmask8 active) {
  const __m512d s = _mm512_mul_pd(_mm512_sub_pd(t, _mm512_set1_pd(g.t0)), _mm512_set1_pd(g.inv_step));
  const __m256i k = _mm256_min_epi32(_mm512_maskz_cvttpd_epi32(active, s), _mm256_set1_epi32(static_cast<int>(g.cells - 1)));
  const __m512d x = _mm512_sub_pd(s, _mm512_cvtepi32_pd(k)), x2 = _mm512_mul_pd(x, x), x3 = _mm512_mul_pd(x2, x);
  const __m256i at = _mm256_add_epi32(k, k);  // node k's value at 2k, its slope at 2k + 1
  const __m512d zero = _mm512_setzero_pd();
  const double* node = g.node.data();
  const __m512d q0 = _mm512_mask_i32gather_pd(zero, active, at, node, 8), d0 = _mm512_mask_i32gather_pd(zero, active, at, node + 1, 8);
  const __m512d q1 = _mm512_mask_i32gather_pd(zero, active, at, node + 2, 8), d1 = _mm512_mask_i32gather_pd(zero, active, at, node + 3, 8);
  const __m512d one = _mm512_set1_pd(1), two = _mm512_set1_pd(2), three = _mm512_set1_pd(3), minus_two = _mm512_set1_pd(-2);
  const __m512d a = _mm512_add_pd(_mm512_sub_pd(_mm512_mul_pd(two, x3), _mm512_mul_pd(three, x2)), one);
  const __m512d b = _mm512_add_pd(_mm512_sub_pd(x3, _mm512_mul_pd(two, x2)), x);
  const __m512d c = _mm512_add_pd(_mm512_mul_pd(minus_two, x3), _mm512_mul_pd(three, x2));
  const __m512d d = _mm512_sub_pd(x3, x2);
  return _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(a, q0), _mm512_mul_pd(b, d0)), _mm512_mul_pd(c, q1)),
                       _mm512_mul_pd(d, d1));
}

/// Distribution::quantile_many() eight uniforms at a time for the kinds whose inverse is
/// arithmetic or a table, with quantile()'s operations in quantile()'s order; the lanes
/// they leave (the tails of a table, of AS 241, and exp) go through the scalar functions.
/// False for a kind left wholly to quantile().
INFERSIM_AVX512 bool quantile_many_avx512(const Distribution& dist, const Distribution::Impl& p, const double* u,
                                          double* x, std::size_t n) {
  const DistKind kind = dist.kind();
  const __m512d lo = _mm512_set1_pd(p.lo), scale = _mm512_set1_pd(p.scale), a = _mm512_set1_pd(p.a),
                b = _mm512_set1_pd(p.b), one = _mm512_set1_pd(1.0);
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m512d v = _mm512_loadu_pd(u + k);
    unsigned scalar = 0;  // lanes to finish with quantile()
    __m512d r;
    switch (kind) {
      case DistKind::fixed: r = a; break;
      case DistKind::uniform: r = _mm512_add_pd(a, _mm512_mul_pd(v, b)); break;
      case DistKind::triangular: {
        const __mmask8 below = _mm512_cmp_pd_mask(v, a, _CMP_LT_OQ);
        const __m512d left = _mm512_sqrt_pd(_mm512_mul_pd(v, a));
        const __m512d right = _mm512_sub_pd(one, _mm512_sqrt_pd(_mm512_mul_pd(_mm512_sub_pd(one, v), _mm512_sub_pd(one, a))));
        r = _mm512_add_pd(lo, _mm512_mul_pd(scale, _mm512_mask_blend_pd(below, right, left)));
        break;
      }
      case DistKind::pert:
      case DistKind::beta: {
        const __mmask8 body = _mm512_cmp_pd_mask(v, _mm512_set1_pd(Distribution::Impl::k_body_lo), _CMP_GE_OQ) &
                              _mm512_cmp_pd_mask(v, _mm512_set1_pd(1 - Distribution::Impl::k_body_lo), _CMP_LE_OQ);
        // quantile()'s clamp to [0, 1] (the bound first: NaN passes through).
        const __m512d q = _mm512_min_pd(one, _mm512_max_pd(_mm512_setzero_pd(), grid_at(p.tables->body, v, body)));
        r = _mm512_min_pd(_mm512_set1_pd(p.max), _mm512_add_pd(lo, _mm512_mul_pd(scale, q)));
        scalar = static_cast<__mmask8>(~body);
        break;
      }
      case DistKind::normal: {
        __mmask8 tail;
        const __m512d w = _mm512_add_pd(_mm512_set1_pd(p.cdf_lo), _mm512_mul_pd(v, _mm512_set1_pd(p.cdf_span)));
        r = _mm512_add_pd(a, _mm512_mul_pd(b, normal_quantile_body(w, tail)));
        r = _mm512_min_pd(_mm512_set1_pd(p.max), _mm512_max_pd(_mm512_set1_pd(p.min), r));  // quantile()'s clamp
        scalar = tail;
        break;
      }
      case DistKind::lognormal: {
        __mmask8 tail;
        r = _mm512_add_pd(a, _mm512_mul_pd(b, normal_quantile_body(v, tail)));
        alignas(64) double t[8];
        _mm512_store_pd(t, r);
        for (unsigned m = static_cast<__mmask8>(~tail); m != 0; m &= m - 1) t[std::countr_zero(m)] = std::exp(t[std::countr_zero(m)]);
        r = _mm512_load_pd(t);
        scalar = tail;
        break;
      }
      case DistKind::discrete: return false;  // a search: quantile() itself
    }
    _mm512_storeu_pd(x + k, r);
    for (unsigned m = scalar & 0xFFu; m != 0; m &= m - 1) {
      const std::size_t i = k + static_cast<std::size_t>(std::countr_zero(m));
      x[i] = dist.quantile(u[i]);
    }
  }
  for (; k < n; ++k) x[k] = dist.quantile(u[k]);
  return true;
}
#endif

}  // namespace

void Distribution::quantile_many(const double* u, double* x, std::size_t n) const {
  // The AVX-512 version handles the kinds it vectorizes and says so.
  if (INFERSIM_DISPATCH(quantile_many_avx512(*this, *impl_, u, x, n), false)) return;
  for (std::size_t k = 0; k < n; ++k) x[k] = quantile(u[k]);
}

nlohmann::json Distribution::to_json() const {
  if (kind_ == DistKind::fixed) return impl_->a;
  json j{{"dist", to_string(kind_)}};
  if (kind_ == DistKind::discrete) {
    j["values"] = impl_->values_given;
    j["weights"] = impl_->weights;
    return j;
  }
  for (const auto& [k, v] : impl_->given) j[k] = v;
  return j;
}

std::string Distribution::describe() const {
  if (kind_ == DistKind::fixed) return format_number(impl_->a);
  std::string s = std::string(to_string(kind_)) + "(";
  if (kind_ == DistKind::discrete) {
    for (std::size_t i = 0; i < impl_->values_given.size(); ++i) {
      s += (i ? ", " : "") + format_number(impl_->values_given[i]) + ":" + format_number(impl_->weights[i]);
    }
    return s + ")";
  }
  for (std::size_t i = 0; i < impl_->given.size(); ++i) {
    s += (i ? ", " : "") + impl_->given[i].first + "=" + format_number(impl_->given[i].second);
  }
  return s + ")";
}

}  // namespace infersim
