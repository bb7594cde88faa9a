// The path generator: uniforms -> copula -> inverse CDFs -> input slots (model.md §8).
#include "sampling/path_generator.hpp"

#include <algorithm>

namespace infersim {

PathGenerator::PathGenerator(const Scenario& sc)
    : scenario_(&sc),
      copula_(sc.correlations(), [&](std::size_t i) { return sc.inputs()[i].path; }),
      dimension_(std::max<std::size_t>(1, sc.inputs().size())),
      uncertain_(sc.uncertain_inputs()) {
  sampled_ = uncertain_;
  sampled_.insert(sampled_.end(), copula_.members().begin(), copula_.members().end());
  std::sort(sampled_.begin(), sampled_.end());
  sampled_.erase(std::unique(sampled_.begin(), sampled_.end()), sampled_.end());
  for (const auto& in : sc.inputs()) dists_.push_back(in.dist);
}

void PathGenerator::draw(const Sampler& sampler, std::uint64_t first, std::size_t count, double* u, double* x,
                         double* scratch) const {
  sampler.uniforms_many(first, count, sampled_, u, k_tile_paths);
  if (!copula_.empty()) copula_.apply_many(u, k_tile_paths, count, scratch);
  for (std::size_t i : uncertain_) dists_[i].quantile_many(u + i * k_tile_paths, x + i * k_tile_paths, count);
}

PathInputs::PathInputs(const PathGenerator& g)
    : scenario_(&g.scenario()),
      uncertain_(g.uncertain()),
      inputs_(std::make_unique<ModelInputs>(g.scenario().base_inputs())) {
  for (std::size_t i : uncertain_) slots_.push_back(scenario_->slot(*inputs_, i));
}

}  // namespace infersim
