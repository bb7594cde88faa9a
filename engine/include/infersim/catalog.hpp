#pragma once
/// The reference catalog (data/*.json): sourced figures that scenarios can take values
/// from, by dotted path (`companies.meta.fy2024.operating_income_usd`).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim {

/// One figure of the catalog with its provenance.
struct Figure {
  std::string path;  ///< dotted: namespace.key.key...
  double value = 0;
  std::string unit, as_of, confidence, note;
  nlohmann::json sources = nlohmann::json::array();  ///< [{"title", "url"}], empty when unsourced
  bool unsourced = false;
};

class Catalog {
public:
  /// Read every `*.json` of a directory. Throws InputError if it is missing or malformed.
  static Catalog load(const std::string& dir);
  /// The catalog of `dir`, loaded on first use and kept for the process: every command or
  /// Python object that names the same directory shares one load, and two directories give
  /// two catalogs side by side.
  static std::shared_ptr<const Catalog> cached(const std::string& dir);
  /// Where scenarios look when no catalog is given: `$INFERSIM_DATA` if set, else the
  /// repository's data/ (compiled in).
  static std::string default_dir();

  /// The figure at a dotted path, or InputError naming `where` and the nearest paths.
  const Figure& at(const std::string& path, const std::string& where) const;
  bool contains(const std::string& path) const { return figures_.count(path) > 0; }
  /// Dotted paths of all figures, sorted.
  std::vector<std::string> paths() const;
  const std::string& dir() const { return dir_; }

private:
  std::string dir_;
  std::map<std::string, Figure> figures_;
};

/// A value a scenario took from the catalog: where it went and where it came from.
struct CatalogUse {
  std::string json_path;  ///< e.g. `player.baseline_ebit_usd`
  std::string ref;        ///< the figure's dotted path
  double scale = 1;
  double value = 0;       ///< value used (figure value times scale)
  Figure figure;
};

/// Replace every `{"ref": PATH[, "scale": k]}` in a scenario by the figure's value, and
/// fill a cluster's `accelerator` defaults; returns what was used. Without a catalog, the
/// default one (Catalog::default_dir()) is loaded, only if the scenario refers to it.
std::vector<CatalogUse> resolve_catalog_references(nlohmann::json& scenario, const Catalog* catalog = nullptr);

/// The `catalog` array of the result JSON.
nlohmann::json to_json(const std::vector<CatalogUse>& uses);

}  // namespace infersim
