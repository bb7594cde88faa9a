// Partial runs (engine/include/infersim/partial.hpp): the pilot, block ranges and their
// merge, with calibrations and parts as bytes, for infersim.distributed.
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "infersim/partial.hpp"

namespace infersim::bindings {
namespace {

using Thresholds = std::vector<std::pair<std::string, std::vector<double>>>;

}  // namespace

void register_partial(py::module_& m) {
  m.def(
      "run_layout",
      [](const Scenario& scenario, std::optional<std::int64_t> paths, std::optional<std::int64_t> seed,
         const std::optional<std::string>& sampler, std::optional<bool> antithetic,
         const std::vector<std::string>& keep_samples, const std::vector<double>& quantiles, const Thresholds& thresholds) {
        RunOptions opt = run_options(paths, seed, sampler, antithetic, 0);
        opt.keep_samples = keep_samples;
        opt.quantiles = quantiles;
        opt.thresholds = thresholds;
        const RunLayout l = infersim::run_layout(scenario, opt);
        return py::make_tuple(l.paths, l.blocks, l.pilot_blocks);
      },
      py::arg("scenario"), py::kw_only(), py::arg("paths") = py::none(), py::arg("seed") = py::none(),
      py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(),
      py::arg("keep_samples") = std::vector<std::string>{},
      py::arg("quantiles") = std::vector<double>{}, py::arg("thresholds") = Thresholds{},
      "(paths, blocks, pilot_blocks) of a run: the pilot is blocks [0, pilot_blocks).");

  m.def(
      "run_pilot",
      [](const Scenario& scenario, std::optional<std::int64_t> paths, std::optional<std::int64_t> seed,
         const std::optional<std::string>& sampler, std::optional<bool> antithetic, int threads,
         const std::vector<std::string>& keep_samples, const std::vector<double>& quantiles, const Thresholds& thresholds) {
        RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
        opt.keep_samples = keep_samples;
        opt.quantiles = quantiles;
        opt.thresholds = thresholds;
        (void)resolve_settings(scenario, opt);  // checked with the GIL held
        std::optional<Pilot> pilot;
        call_with_progress(opt, py::none(), [&] { pilot = infersim::run_pilot(scenario, opt); });
        return py::make_tuple(py::bytes(pilot->calibration.to_bytes()), py::bytes(pilot->part.to_bytes()));
      },
      py::arg("scenario"), py::kw_only(), py::arg("paths") = py::none(), py::arg("seed") = py::none(),
      py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(), py::arg("threads") = 0,
      py::arg("keep_samples") = std::vector<std::string>{},
      py::arg("quantiles") = std::vector<double>{}, py::arg("thresholds") = Thresholds{},
      "Run the pilot blocks: (calibration bytes, partial-run bytes).");

  m.def(
      "run_blocks",
      [](const Scenario& scenario, const py::bytes& calibration, std::uint64_t first, std::uint64_t last,
         std::optional<std::int64_t> paths, std::optional<std::int64_t> seed, const std::optional<std::string>& sampler,
         std::optional<bool> antithetic, int threads, const std::vector<std::string>& keep_samples, const std::vector<double>& quantiles, const Thresholds& thresholds) {
        RunOptions opt = run_options(paths, seed, sampler, antithetic, threads);
        opt.keep_samples = keep_samples;
        opt.quantiles = quantiles;
        opt.thresholds = thresholds;
        (void)resolve_settings(scenario, opt);
        const Calibration cal = Calibration::from_bytes(std::string(calibration));
        std::optional<PartialRun> part;
        call_with_progress(opt, py::none(), [&] { part = infersim::run_blocks(scenario, opt, cal, first, last); });
        return py::bytes(part->to_bytes());
      },
      py::arg("scenario"), py::arg("calibration"), py::arg("first"), py::arg("last"), py::kw_only(),
      py::arg("paths") = py::none(), py::arg("seed") = py::none(), py::arg("sampler") = py::none(),
      py::arg("antithetic") = py::none(), py::arg("threads") = 0, py::arg("keep_samples") = std::vector<std::string>{},
      py::arg("quantiles") = std::vector<double>{}, py::arg("thresholds") = Thresholds{},
      "Run blocks [first, last) (after the pilot) against the pilot's calibration: partial-run bytes.");

  m.def(
      "merge_partials",
      [](const Scenario& scenario, const py::bytes& calibration, const std::vector<py::bytes>& parts,
         std::optional<std::int64_t> paths, std::optional<std::int64_t> seed, const std::optional<std::string>& sampler,
         std::optional<bool> antithetic, const std::vector<std::string>& keep_samples, const std::vector<double>& quantiles, const Thresholds& thresholds) {
        RunOptions opt = run_options(paths, seed, sampler, antithetic, 0);
        opt.keep_samples = keep_samples;
        opt.quantiles = quantiles;
        opt.thresholds = thresholds;
        (void)resolve_settings(scenario, opt);
        const Calibration cal = Calibration::from_bytes(std::string(calibration));
        std::vector<PartialRun> runs;
        runs.reserve(parts.size());
        for (const auto& p : parts) runs.push_back(PartialRun::from_bytes(std::string(p)));
        RunResult merged;
        without_gil([&] { merged = infersim::merge(scenario, opt, cal, runs); });
        return merged;
      },
      py::arg("scenario"), py::arg("calibration"), py::arg("parts"), py::kw_only(), py::arg("paths") = py::none(),
      py::arg("seed") = py::none(), py::arg("sampler") = py::none(), py::arg("antithetic") = py::none(),
      py::arg("keep_samples") = std::vector<std::string>{},
      py::arg("quantiles") = std::vector<double>{}, py::arg("thresholds") = Thresholds{},
      "The Result of the pilot's part and the parts after it, in block order: run()'s bits.");

  m.def(
      "assess_precision",
      [](const Scenario& scenario, RunResult result, const std::vector<std::string>& target_se,
         std::optional<std::uint64_t> target_step, std::uint64_t max_paths) {
        const PrecisionOptions p = precision_options(scenario, target_se, target_step);
        result.precision = assess_precision(result, p, max_paths);
        const bool met = result.precision->met;
        return py::make_tuple(met, std::move(result));
      },
      py::arg("scenario"), py::arg("result"), py::kw_only(), py::arg("target_se"), py::arg("target_step") = py::none(),
      py::arg("max_paths"),
      "(met, the result with its target_se report): a checkpoint of a run to a target precision.");

  m.def(
      "precision_step",
      [](const Scenario& scenario, const std::vector<std::string>& target_se, std::optional<std::uint64_t> target_step) {
        return precision_options(scenario, target_se, target_step).step;
      },
      py::arg("scenario"), py::kw_only(), py::arg("target_se"), py::arg("target_step") = py::none(),
      "The paths between checkpoints of a run to these targets, after checking them.");
}

}  // namespace infersim::bindings
