// Sensitivity subcommands: tornado, spearman, sobol (being written).
#include "common.hpp"

namespace infersim::cli {

void register_sensitivity_commands(CLI::App&, Commands&) {}

}  // namespace infersim::cli
