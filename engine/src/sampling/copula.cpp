// Gaussian copula (model.md §8) with Eigen's Cholesky factorization.
#include "sampling/copula.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "infersim/distribution.hpp"
#include "infersim/error.hpp"
#include "json/strict_json.hpp"

namespace infersim {

GaussianCopula::GaussianCopula(const std::vector<Correlation>& correlations,
                               const std::function<std::string(std::size_t)>& name_of) {
  for (const auto& c : correlations) {
    members_.push_back(c.a);
    members_.push_back(c.b);
  }
  std::sort(members_.begin(), members_.end());
  members_.erase(std::unique(members_.begin(), members_.end()), members_.end());
  const auto n = static_cast<Eigen::Index>(members_.size());
  if (n == 0) return;
  auto pos = [&](std::size_t input) {
    return static_cast<Eigen::Index>(std::lower_bound(members_.begin(), members_.end(), input) - members_.begin());
  };
  matrix_ = Eigen::MatrixXd::Identity(n, n);
  for (const auto& c : correlations) {
    matrix_(pos(c.a), pos(c.b)) = c.rho;
    matrix_(pos(c.b), pos(c.a)) = c.rho;
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(matrix_);
  // LLT succeeds on matrices that are positive semi-definite to rounding; require a
  // margin so that the copula never divides by a vanishing pivot.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(matrix_);
  const double min_eigen = eig.eigenvalues()(0);
  if (llt.info() != Eigen::Success || !(min_eigen > 1e-10)) {
    // Name the inputs that carry the offending direction: the largest components of the
    // eigenvector of the smallest eigenvalue.
    const Eigen::VectorXd v = eig.eigenvectors().col(0);
    std::vector<std::string> names;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (std::abs(v(i)) > 0.1) names.push_back(name_of(members_[static_cast<std::size_t>(i)]));
    }
    throw InputError("correlations: the correlation matrix is not positive definite (smallest eigenvalue " +
                     format_number(min_eigen) + "); the correlations among " + detail::join(names) +
                     " cannot hold together");
  }
  lower_ = llt.matrixL();
}

namespace {

/// u' = Phi(z'), kept inside (0, 1): Phi of a large |z'| rounds to 0 or 1 in double.
double correlated_uniform(double z) { return std::clamp(normal_cdf(z), 1e-300, 1.0 - 0x1p-53); }

}  // namespace

void GaussianCopula::apply(double* u, double* scratch) const {
  const std::size_t n = members_.size();
  double* z = scratch;
  double* zc = scratch + n;
  for (std::size_t i = 0; i < n; ++i) z[i] = normal_quantile(u[members_[i]]);
  for (std::size_t i = 0; i < n; ++i) {
    double acc = 0;
    for (std::size_t k = 0; k <= i; ++k) acc += lower_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) * z[k];
    zc[i] = acc;
  }
  for (std::size_t i = 0; i < n; ++i) {
    u[members_[i]] = correlated_uniform(zc[i]);
  }
}

void GaussianCopula::apply_many(double* u, std::size_t stride, std::size_t count, double* scratch) const {
  const std::size_t n = members_.size();
  double* z = scratch;           // z of member i, path k at z[i * count + k]
  double* zc = scratch + n * count;
  for (std::size_t i = 0; i < n; ++i) normal_quantile_many(u + members_[i] * stride, z + i * count, count);
  for (std::size_t i = 0; i < n; ++i) {
    double* acc = zc + i * count;
    std::fill(acc, acc + count, 0.0);
    for (std::size_t m = 0; m <= i; ++m) {  // apply()'s sums, path by path, in its order
      const double l = lower_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(m));
      for (std::size_t k = 0; k < count; ++k) acc[k] += l * z[m * count + k];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    double* out = u + members_[i] * stride;
    for (std::size_t k = 0; k < count; ++k) out[k] = correlated_uniform(zc[i * count + k]);
  }
}

}  // namespace infersim
