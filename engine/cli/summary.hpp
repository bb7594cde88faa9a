#pragma once
// Human-readable output of the CLI.
#include <iosfwd>
#include <string>

#include "infersim/result.hpp"
#include "infersim/scenario.hpp"
#include "infersim/simulation.hpp"

namespace infersim::cli {

/// "$13.0B", "-$450M", "$2.10/Mtok"-style compact money.
std::string money(double usd);

/// The run summary: series by year at p5/p50/p95, value metrics, claims.
void print_summary(std::ostream& os, const Scenario& scenario, const RunResult& r, int threads);

/// What `stress` and `compare` print: each variant beside the base, and the path-by-path
/// differences (common random numbers).
void print_comparison(std::ostream& os, const ComparisonResult& r);

/// What `claims` prints: the claim chain, step by step.
void print_chain(std::ostream& os, const Scenario& scenario, const RunResult& r);

/// What `validate` prints: the scenario's shape and its uncertain inputs.
void print_validation(std::ostream& os, const Scenario& scenario);

}  // namespace infersim::cli
