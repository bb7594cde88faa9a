#pragma once
// The path generator (model.md §8): for a tile of consecutive paths, the sampler's
// uniforms, the Gaussian copula, then each uncertain input's inverse CDF; and the model
// inputs of one path written through the scenario's input slots. run(), stresses,
// comparisons and the sensitivity samples all draw through it, so they see the same
// values by construction. Engine-internal.
#include <cstdint>
#include <memory>
#include <vector>

#include "infersim/distribution.hpp"
#include "infersim/model.hpp"
#include "infersim/scenario.hpp"
#include "sampling/copula.hpp"
#include "sampling/sampler.hpp"

namespace infersim {

/// Paths drawn together, input by input: the unit of the vector kernels.
inline constexpr std::size_t k_tile_paths = 16;

/// The draws of one scenario's uncertain inputs. Variants of a scenario (stresses,
/// comparisons) each have their own generator over the same sampler: path i's uniforms
/// are a function of (seed, i, input) alone, so every variant sees the same ones.
class PathGenerator {
public:
  explicit PathGenerator(const Scenario& scenario);

  const Scenario& scenario() const { return *scenario_; }
  /// The inputs that vary, ascending: the ones draw() writes.
  const std::vector<std::size_t>& uncertain() const { return uncertain_; }
  /// Size of the `x` and `u` buffers of draw(): input i of tile path r at [i * k_tile_paths + r].
  std::size_t tile_size() const { return dimension_ * k_tile_paths; }
  /// Doubles of scratch draw() needs.
  std::size_t scratch_size() const { return 2 * copula_.members().size() * k_tile_paths + 1; }

  /// The uncertain inputs of paths first .. first + count - 1 (count <= k_tile_paths)
  /// into x; `u` receives their uniforms.
  void draw(const Sampler& sampler, std::uint64_t first, std::size_t count, double* u, double* x,
            double* scratch) const;

private:
  const Scenario* scenario_;
  GaussianCopula copula_;
  std::size_t dimension_;
  std::vector<std::size_t> uncertain_;
  // Inputs whose uniforms are drawn: the uncertain ones and every input of the copula,
  // fixed or not, so that a stress that fixes one correlated input leaves its partners'
  // draws exactly as in the base run (common random numbers).
  std::vector<std::size_t> sampled_;
  std::vector<Distribution> dists_;  // by input index
};

/// The model inputs of one path: the scenario's fixed values, with the uncertain ones
/// written through slots looked up once. One per thread and variant.
class PathInputs {
public:
  explicit PathInputs(const PathGenerator& generator);

  /// Load path r of a tile drawn by draw() (x as there), and apply the scenario's
  /// dependent defaults (model.md §8 step 4).
  const ModelInputs& load(const double* x, std::size_t r) {
    for (std::size_t k = 0; k < slots_.size(); ++k) slots_[k].set(x[uncertain_[k] * k_tile_paths + r]);
    scenario_->finish(*inputs_);
    return *inputs_;
  }

private:
  const Scenario* scenario_;
  const std::vector<std::size_t>& uncertain_;
  std::unique_ptr<ModelInputs> inputs_;  // on the heap: the slots point into it, and this moves
  std::vector<Scenario::InputSlot> slots_;
};

}  // namespace infersim
