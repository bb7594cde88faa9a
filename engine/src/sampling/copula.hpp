#pragma once
/// The Gaussian copula that correlates uncertain inputs (model.md §8).
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "infersim/scenario.hpp"  // Correlation

namespace infersim {

/// z = Phi^-1(u), z' = L z, u' = Phi(z') over the inputs named in the correlations,
/// L the Cholesky factor of their correlation matrix. Inputs not named are untouched.
class GaussianCopula {
public:
  GaussianCopula() = default;
  /// Throws InputError naming the inputs involved when the matrix is not positive
  /// definite. `name_of(index)` gives an input's dotted path for that message.
  GaussianCopula(const std::vector<Correlation>& correlations,
                 const std::function<std::string(std::size_t)>& name_of);

  bool empty() const { return members_.empty(); }
  /// Input indices the copula acts on, ascending.
  const std::vector<std::size_t>& members() const { return members_; }
  /// The correlation matrix over members(), and its Cholesky factor.
  const Eigen::MatrixXd& matrix() const { return matrix_; }
  const Eigen::MatrixXd& cholesky() const { return lower_; }

  /// Transform in place the uniforms of members(); `u[i]` is input i's uniform.
  /// `scratch` must hold 2 * members().size() doubles.
  void apply(double* u, double* scratch) const;
  /// apply() for `count` paths at once, input i's uniform of path k at u[i * stride + k]:
  /// the same bits. `scratch` must hold 2 * members().size() * count doubles.
  void apply_many(double* u, std::size_t stride, std::size_t count, double* scratch) const;

private:
  std::vector<std::size_t> members_;
  Eigen::MatrixXd matrix_, lower_;
};

}  // namespace infersim
