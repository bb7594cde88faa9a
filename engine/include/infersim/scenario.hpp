#pragma once
/// A scenario: the inputs of the model, each a number or a distribution, with the run
/// settings, correlations, claims and stresses (docs/scenario-format.md).
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infersim/catalog.hpp"
#include "infersim/distribution.hpp"
#include "infersim/model.hpp"

namespace infersim {

/// `correlations[]`: a pair of inputs (by index) and their correlation (model.md §8).
struct Correlation {
  std::size_t a = 0, b = 0;
  double rho = 0;
};

enum class SamplerKind { random, lhs, sobol };
const char* to_string(SamplerKind k);
/// Parse "random" | "lhs" | "sobol"; `where` names the source in the error.
SamplerKind parse_sampler(const std::string& name, const std::string& where);

/// `simulation`: how many paths, which seed, which sampler.
struct SimulationSettings {
  std::uint64_t paths = 10000;
  std::uint64_t seed = 0;
  SamplerKind sampler = SamplerKind::random;
  bool antithetic = false;
};

/// One numeric leaf of the scenario. Every leaf of the schema has a slot, present or
/// not, so that an input's index (its random-number stream) never depends on which
/// other inputs are uncertain: stresses and comparisons keep common random numbers.
struct Input {
  std::string path;       ///< dotted name: `clusters.Hyperion.power_gw`
  std::string json_path;  ///< where it is written: `clusters[1].power_gw`
  Distribution dist = Distribution::fixed(0.0);
  Interval domain;        ///< values the model accepts
  bool whole = false;     ///< sampled values are rounded to whole numbers (years)
  bool present = false;   ///< written in the scenario (or defaulted), as opposed to unused
  int section = 0;        ///< where assign() writes: 0 market, 1 player, 2 cluster, 3 its throughput block,
                          ///< 4 player's and 5 cluster's corporate-finance keys (model-v2 §C),
                          ///< 6 segment, 7 its price reference, 8 that reference's throughput block (§B)
  int cluster = -1;       ///< cluster index for sections 2, 3 and 5, segment index for 6 to 8
  int leaf = 0;           ///< position in its section's table of fields
};

enum class ClaimOp { approx, at_least, at_most };
const char* to_string(ClaimOp op);

/// `claims[]`: a published statement tested against the distribution of a metric.
struct Claim {
  std::string id;
  std::string metric;       ///< a series or a scalar name (model.md §9)
  std::optional<int> year;  ///< required for series, absent for scalars
  ClaimOp op = ClaimOp::approx;
  double value = 0;
  double rel_tol = 0;       ///< approx only
  int metric_index = 0;     ///< into a path's outputs (model.hpp metric_index)

  /// Whether the claim holds for one path's value (NaN never holds).
  bool holds(double x) const;
};

/// `claim_chain`: a published chain of reasoning, e.g. "8% of the market -> $13B ARR ->
/// $5B profit -> 11% of 2024 EBIT", reproduced step by step by `infersim claims`.
struct ClaimChain {
  struct Alternative {
    std::string label;
    double ebit_usd = 0;
  };
  double share = 0;              ///< claimed share of market spend
  double arr_usd = 0;            ///< claimed ARR
  double profit_usd = 0;         ///< claimed profit (compared with EBIT)
  double ebit_fraction = 0;      ///< claimed profit as a fraction of the baseline EBIT
  double baseline_ebit_usd = 0;  ///< the EBIT the claim names
  std::string baseline_label;
  std::vector<Alternative> alternatives;  ///< other baselines the fraction might have used
  std::string npv_statement;     ///< the claim about value vs the cost of capital
  int year = 0;  ///< first year the implied market (arr / share) is reached at median inputs
};

/// `stresses`: a named set of overrides applied to the base scenario.
struct Stress {
  std::string name;
  std::vector<std::pair<std::size_t, Distribution>> overrides;  ///< input index -> new value
};

class Scenario {
public:
  /// Parse and validate. `source` prefixes nothing; errors name JSON paths.
  static Scenario from_json(const nlohmann::json& j);
  /// The same, resolving catalog references against a given catalog.
  static Scenario from_json(const nlohmann::json& j, const Catalog* catalog);
  /// Read a file, then from_json; syntax errors carry `file:line:col`.
  static Scenario from_file(const std::string& path, const Catalog* catalog = nullptr);

  /// The scenario as JSON in canonical form (defaults written out).
  nlohmann::json to_json() const;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  int start_year() const { return start_year_; }
  int horizon_years() const { return horizon_years_; }
  std::vector<int> years() const;
  const SimulationSettings& simulation() const { return simulation_; }
  SimulationSettings& simulation() { return simulation_; }

  /// Outputs of one path: metric_count(T), then the scalars of each throughput cluster.
  int metric_count() const;
  /// Names of the clusters with a throughput block, in order (their per-cluster scalars).
  std::vector<std::string> throughput_clusters() const;
  /// model-v2 §B: names of the market's segments, in order (their per-segment series);
  /// empty for v1's single market.
  std::vector<std::string> segment_names() const;

  const std::vector<Input>& inputs() const { return inputs_; }
  /// Index of an input by dotted path; InputError listing the nearest names if unknown.
  std::size_t input_index(const std::string& path, const std::string& where) const;
  /// Dotted paths of all inputs in use.
  std::vector<std::string> input_paths() const;
  /// Indices of the inputs that are not fixed.
  std::vector<std::size_t> uncertain_inputs() const;

  const std::vector<Correlation>& correlations() const { return correlations_; }
  const std::vector<Claim>& claims() const { return claims_; }
  /// The claim chain, if the scenario has one, and the claims derived from it (ARR, profit
  /// and EBIT fraction in the chain's year, NPV >= 0), evaluated alongside claims().
  const std::optional<ClaimChain>& claim_chain() const { return chain_; }
  const std::vector<Claim>& chain_claims() const { return chain_claims_; }
  /// Values taken from the reference catalog (data/), with their sources.
  const std::vector<CatalogUse>& catalog_uses() const { return catalog_uses_; }
  const std::vector<Stress>& stresses() const { return stresses_; }
  const Stress& stress(const std::string& name) const;

  /// A copy with some inputs replaced (stresses, sweeps, what-ifs). The overrides are
  /// checked like the scenario's own values; `where` prefixes error paths.
  Scenario with_overrides(const std::vector<std::pair<std::string, Distribution>>& overrides,
                          const std::string& where = "overrides") const;
  /// A copy with a named stress applied.
  Scenario with_stress(const std::string& name) const;

  /// Model inputs with every fixed value filled in and uncertain ones at their medians.
  ModelInputs base_inputs() const;
  /// Write the value of input `index` into `m` (rounding whole-number inputs).
  void assign(ModelInputs& m, std::size_t index, double value) const;
  /// Where assign() writes input `index` in `m`, and whether it rounds to a whole number:
  /// for loops that set the same inputs of the same ModelInputs many times.
  struct InputSlot {
    double* value;
    bool whole;
    void set(double x) const { *value = whole ? std::nearbyint(x) : x; }
  };
  InputSlot slot(ModelInputs& m, std::size_t index) const;
  /// Apply defaults that depend on other inputs (share_start follows share_end).
  void finish(ModelInputs& m) const;

private:
  void check_input(const Input& in, const std::string& json_path) const;
  void check_cross_fields(const std::string& where) const;
  void check_throughput(const std::string& where) const;
  void check_segments(const std::string& where) const;
  // Reading, section by section (docs/scenario-format.md).
  void parse_simulation(const nlohmann::json& j);
  void parse_market(const nlohmann::json& j);
  void parse_player(const nlohmann::json& j);
  void parse_clusters(const nlohmann::json& j, const nlohmann::json& player);
  void parse_throughput(std::size_t cluster, const nlohmann::json& block);
  void parse_finance(const nlohmann::json& player, const nlohmann::json& clusters);
  void parse_segments(const nlohmann::json& list);
  void parse_implicit_segment(const nlohmann::json& market, const nlohmann::json& player);
  void parse_segment(const nlohmann::json& segment, std::size_t index, const std::string& json_path,
                     const std::string& dotted, bool implicit);
  void parse_correlations(const nlohmann::json& j);
  void parse_claims(const nlohmann::json& j);
  void parse_claim_chain(const nlohmann::json& j);
  void parse_stresses(const nlohmann::json& j);

  std::string name_, description_;
  int start_year_ = 0, horizon_years_ = 0;
  SimulationSettings simulation_;
  std::string player_name_;
  std::vector<std::string> cluster_names_;
  TerminalMethod terminal_ = TerminalMethod::none;
  TaxLosses tax_losses_ = TaxLosses::none;  // model-v2 §C
  std::vector<bool> leased_;                // model-v2 §C: per cluster, ownership is a lease
  std::vector<Input> inputs_;
  std::size_t player_first_ = 0;  // index of the first player input
  struct ThroughputBlock {
    std::size_t cluster;  // index into clusters[]
    std::size_t first;    // index of its first input (k_throughput_fields order)
  };
  std::vector<ThroughputBlock> throughput_;  // after every v1 slot, so v1 indices never move
  bool segmented_ = false;  // model-v2 §B: `market.segments` given
  bool implicit_segment_ = false;  // v1's market with a price block, elasticity or share sensitivity
  struct SegmentBlock {
    std::string name;
    std::string json_path;            // market.segments[j], or market for the segment `all`
    std::size_t first = 0;            // its first input (k_segment_fields order)
    bool cost_plus = false;
    std::size_t reference_first = 0;  // cost_plus: its price.reference block's first input
    bool has_throughput = false;      // that block gives a throughput block
    std::size_t throughput_first = 0;
  };
  std::vector<SegmentBlock> segments_;  // after the throughput blocks' slots
  std::vector<Correlation> correlations_;
  std::vector<Claim> claims_;
  std::vector<Stress> stresses_;
  std::optional<ClaimChain> chain_;
  std::vector<Claim> chain_claims_;
  std::vector<CatalogUse> catalog_uses_;
};

}  // namespace infersim
