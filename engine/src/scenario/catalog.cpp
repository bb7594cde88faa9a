// The reference catalog and the scenario references into it.
#include "infersim/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include "infersim/error.hpp"
#include "infersim/io.hpp"
#include "json/strict_json.hpp"

namespace infersim {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A metadata field of a figure: absent, or of the expected type (a string, a boolean).
template <class T>
T field(const json& node, const char* key, T fallback, const std::string& path, const std::string& file) {
  if (!node.contains(key)) return fallback;
  const json& v = node.at(key);
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) throw InputError(file + ": " + path + "." + key + ": expected true or false, got " + detail::render(v));
  } else {
    if (!v.is_string()) throw InputError(file + ": " + path + "." + key + ": expected a string, got " + detail::render(v));
  }
  return v.get<T>();
}

void collect(const json& node, const std::string& path, const std::string& file, std::map<std::string, Figure>& out) {
  if (!node.is_object()) return;
  if (node.contains("value")) {
    Figure f;
    f.path = path;
    if (!node.at("value").is_number()) {
      throw InputError(file + ": " + path + ".value: expected a number, got " + detail::render(node.at("value")));
    }
    f.value = node.at("value").get<double>();
    f.unit = field<std::string>(node, "unit", "", path, file);
    f.as_of = field<std::string>(node, "as_of", "", path, file);
    f.confidence = field<std::string>(node, "confidence", "", path, file);
    f.note = field<std::string>(node, "note", "", path, file);
    if (node.contains("sources")) f.sources = node.at("sources");
    f.unsourced = field<bool>(node, "unsourced", false, path, file);
    out.emplace(path, std::move(f));
    return;
  }
  for (const auto& [key, child] : node.items()) collect(child, path + "." + key, file, out);
}

}  // namespace

Catalog Catalog::load(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError("catalog: directory " + dir + " does not exist (set INFERSIM_DATA)");
  Catalog c;
  c.dir_ = dir;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const json j = read_json_file(file.string());
    const std::string ns = file.stem().string();
    if (!j.is_object() || !j.contains(ns)) {
      throw InputError(file.string() + ": expected one top-level key \"" + ns + "\"");
    }
    collect(j.at(ns), ns, file.string(), c.figures_);
  }
  return c;
}

std::string Catalog::default_dir() {
  if (const char* env = std::getenv("INFERSIM_DATA"); env && *env) return env;
#ifdef INFERSIM_DATA_DIR
  return INFERSIM_DATA_DIR;
#else
  return "data";
#endif
}

std::shared_ptr<const Catalog> Catalog::cached(const std::string& dir) {
  // Keyed by the directory as given and as resolved, so that "data" and "./data" share one
  // load, while two directories give two catalogs side by side (a server, a notebook).
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Catalog>> loaded;
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(dir, ec);
  const std::string key = ec ? dir : canonical.string();
  std::lock_guard lock(mutex);
  auto& slot = loaded[key];
  if (!slot) slot = std::make_shared<const Catalog>(load(dir));
  return slot;
}

const Figure& Catalog::at(const std::string& path, const std::string& where) const {
  const auto it = figures_.find(path);
  if (it != figures_.end()) return it->second;
  const std::string shown = path.size() > 120 ? path.substr(0, 117) + "..." : path;
  throw InputError(where + ": unknown catalog entry \"" + shown + "\"; nearest: " +
                   detail::join(detail::nearest(path, paths(), 3)));
}

std::vector<std::string> Catalog::paths() const {
  std::vector<std::string> out;
  for (const auto& [p, _] : figures_) out.push_back(p);
  return out;
}

namespace {

struct Resolver {
  const Catalog* catalog;
  std::vector<CatalogUse> uses;
  std::shared_ptr<const Catalog> loaded;  // the default catalog, when none was given

  const Catalog& get() {
    if (!catalog) {
      loaded = Catalog::cached(Catalog::default_dir());
      catalog = loaded.get();
    }
    return *catalog;
  }

  void walk(json& node, const std::string& path) {
    if (node.is_object()) {
      if (node.contains("ref")) {
        node = resolve(node, path);
        return;
      }
      for (auto& [key, child] : node.items()) walk(child, path.empty() ? key : path + "." + key);
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) walk(node[i], path + "[" + std::to_string(i) + "]");
    }
  }

  double resolve(const json& node, const std::string& path) {
    for (const auto& [key, _] : node.items()) {
      if (key != "ref" && key != "scale") {
        throw InputError(path + "." + key + ": unknown key in a catalog reference (allowed: ref, scale)");
      }
    }
    if (!node.at("ref").is_string()) {
      throw InputError(path + ".ref: expected a dotted catalog path, got " + detail::render(node.at("ref")));
    }
    CatalogUse use;
    use.json_path = path;
    use.ref = node.at("ref").get<std::string>();
    if (node.contains("scale")) {
      if (!node.at("scale").is_number()) throw InputError(path + ".scale: expected a number, got " + detail::render(node.at("scale")));
      use.scale = node.at("scale").get<double>();
    }
    use.figure = get().at(use.ref, path + ".ref");
    use.value = use.figure.value * use.scale;
    if (!std::isfinite(use.value)) {
      throw InputError(path + ".scale: " + format_number(use.scale) + " times " + use.ref + " (" +
                       format_number(use.figure.value) + ") is beyond the largest number");
    }
    uses.push_back(use);
    return use.value;
  }

  // `"accelerator": "gb200"` fills the three per-accelerator inputs the cluster leaves out.
  void accelerator(json& cluster, const std::string& path) {
    if (!cluster.is_object() || !cluster.contains("accelerator")) return;
    const json& name = cluster.at("accelerator");
    if (!name.is_string()) throw InputError(path + ".accelerator: expected a name such as \"gb200\", got " + detail::render(name));
    const std::string prefix = "accelerators." + name.get<std::string>() + ".scenario_defaults.";
    const Catalog& cat = get();
    if (!cat.contains(prefix + "watts_per_accelerator")) {
      std::vector<std::string> names;
      for (const auto& p : cat.paths()) {
        const auto pos = p.find(".scenario_defaults.watts_per_accelerator");
        if (p.rfind("accelerators.", 0) == 0 && pos != std::string::npos) names.push_back(p.substr(13, pos - 13));
      }
      throw InputError(path + ".accelerator: unknown accelerator \"" + name.get<std::string>() + "\"; known: " +
                       detail::join(detail::nearest(name.get<std::string>(), names, names.size())));
    }
    for (const char* key : {"watts_per_accelerator", "tokens_per_sec_per_accelerator", "it_cost_usd_per_accelerator"}) {
      if (cluster.contains(key)) continue;  // the scenario's own value wins
      if (cluster.contains("throughput") && std::string(key) == "tokens_per_sec_per_accelerator") continue;
      cluster[key] = resolve(json{{"ref", prefix + key}}, path + "." + key);
    }
    cluster.erase("accelerator");
  }

  // Names of the catalog's entries under `ns` that have a figure `key`.
  std::vector<std::string> names_with(const std::string& ns, const std::string& key) {
    std::vector<std::string> names;
    const std::string tail = "." + key;
    for (const auto& p : get().paths()) {
      if (p.rfind(ns + ".", 0) == 0 && p.size() > ns.size() + tail.size() &&
          p.compare(p.size() - tail.size(), tail.size(), tail) == 0) {
        const std::string middle = p.substr(ns.size() + 1, p.size() - ns.size() - 1 - tail.size());
        if (middle.find('.') == std::string::npos) names.push_back(middle);
      }
    }
    return names;
  }

  // A catalog name in a throughput block: `"deepseek_v3"` or `{"name": "deepseek_v3", ...}`
  // becomes an object whose missing keys are filled from `ns.NAME.figure` (times scale).
  // Returns the name, or "" when the part is written out in full.
  std::string named(json& part, const std::string& path, const std::string& ns, const std::string& probe) {
    if (part.is_string()) part = json{{"name", part.get<std::string>()}};
    if (!part.is_object() || !part.contains("name")) return "";
    const json& name_json = part.at("name");
    if (!name_json.is_string()) {
      throw InputError(path + ".name: expected a catalog name, got " + detail::render(name_json));
    }
    const std::string name = name_json.get<std::string>();
    if (!get().contains(ns + "." + name + "." + probe)) {
      const auto names = names_with(ns, probe);
      throw InputError(path + ": unknown " + (ns == "models" ? "model" : "accelerator") + " \"" + name +
                       "\" in the catalog; nearest: " + detail::join(detail::nearest(name, names, 3)));
    }
    part.erase("name");
    return name;
  }

  void fill(json& part, const std::string& path, const std::string& key, const std::string& ref, double scale) {
    if (part.contains(key)) return;  // the scenario's own value wins
    json r{{"ref", ref}};
    if (scale != 1) r["scale"] = scale;
    part[key] = resolve(r, path + "." + key);
  }

  // model-v2 §A: `model` and `accelerator` of a throughput block may be catalog names. A
  // model's KV bytes are the catalog's BF16 figure, its bytes_per_param 2 unless given; an
  // accelerator's peak FLOP/s is the dense figure at the precision bytes_per_param implies.
  void throughput(json& cluster, const std::string& path) {
    if (!cluster.is_object() || !cluster.contains("throughput") || !cluster.at("throughput").is_object()) return;
    json& tp = cluster.at("throughput");
    const std::string at = path + ".throughput";
    if (tp.contains("model")) {
      json& m = tp.at("model");
      const std::string mp = at + ".model";
      const std::string name = named(m, mp, "models", "params_total");
      if (!name.empty()) {
        const std::string pre = "models." + name + ".";
        for (const char* key : {"params_total", "params_active", "experts", "experts_active"}) {
          fill(m, mp, key, pre + key, 1);
        }
        fill(m, mp, "kv_bytes_per_token", pre + "kv_bytes_per_token_bf16", 1);
        if (!m.contains("bytes_per_param")) m["bytes_per_param"] = 2;
      }
    }
    if (tp.contains("accelerator")) {
      json& a = tp.at("accelerator");
      const std::string ap = at + ".accelerator";
      const std::string name = named(a, ap, "accelerators", "hbm_gb");
      if (name.empty()) return;
      const std::string pre = "accelerators." + name + ".";
      fill(a, ap, "hbm_bandwidth_bytes_per_s", pre + "hbm_bandwidth_tb_s", 1e12);
      fill(a, ap, "hbm_bytes", pre + "hbm_gb", 1e9);
      if (a.contains("peak_flops")) return;
      const json* beta = tp.contains("model") && tp.at("model").is_object() && tp.at("model").contains("bytes_per_param")
                             ? &tp.at("model").at("bytes_per_param")
                             : nullptr;
      const double b = beta && beta->is_number() ? beta->get<double>() : 0;
      const char* key = b == 2 ? "bf16_dense_tflops" : b == 1 ? "fp8_dense_tflops" : b == 0.5 ? "fp4_dense_tflops" : nullptr;
      if (!key) {
        throw InputError(ap + ": a catalog accelerator takes its FLOP/s at the precision of model.bytes_per_param, "
                         "which must then be 2 (BF16), 1 (FP8) or 0.5 (FP4), got " +
                         (beta ? detail::render(*beta) : std::string("nothing")) + "; or give accelerator.peak_flops");
      }
      if (!get().contains(pre + key)) {
        throw InputError(ap + ": the catalog has no " + key + " figure for \"" + name +
                         "\"; give accelerator.peak_flops");
      }
      fill(a, ap, "peak_flops", pre + key, 1e12);
    }
  }
};

}  // namespace

std::vector<CatalogUse> resolve_catalog_references(json& scenario, const Catalog* catalog) {
  Resolver r{catalog, {}, nullptr};
  if (scenario.is_object() && scenario.contains("clusters") && scenario.at("clusters").is_array()) {
    auto& clusters = scenario.at("clusters");
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      // References inside the cluster first, so that an accelerator default never hides one.
      r.walk(clusters[i], "clusters[" + std::to_string(i) + "]");
      r.accelerator(clusters[i], "clusters[" + std::to_string(i) + "]");
      r.throughput(clusters[i], "clusters[" + std::to_string(i) + "]");
    }
  }
  for (auto& [key, child] : scenario.items()) {
    if (key != "clusters") r.walk(child, key);
  }
  // model-v2 §B: a segment's price reference may name its model and accelerator, as a
  // cluster's throughput block does.
  if (scenario.is_object() && scenario.contains("market") && scenario.at("market").is_object() &&
      scenario.at("market").contains("price") && scenario.at("market").at("price").is_object() &&
      scenario.at("market").at("price").contains("reference")) {  // the segment `all`
    r.throughput(scenario.at("market").at("price").at("reference"), "market.price.reference");
  }
  if (scenario.is_object() && scenario.contains("market") && scenario.at("market").is_object() &&
      scenario.at("market").contains("segments") && scenario.at("market").at("segments").is_array()) {
    auto& segments = scenario.at("market").at("segments");
    for (std::size_t j = 0; j < segments.size(); ++j) {
      json& sg = segments[j];
      if (!sg.is_object() || !sg.contains("price") || !sg.at("price").is_object()) continue;
      json& price = sg.at("price");
      if (!price.contains("reference")) continue;
      r.throughput(price.at("reference"), "market.segments[" + std::to_string(j) + "].price.reference");
    }
  }
  return r.uses;
}

json to_json(const std::vector<CatalogUse>& uses) {
  json out = json::array();
  for (const auto& u : uses) {
    json o{{"path", u.json_path}, {"ref", u.ref}, {"value", u.value}, {"unit", u.figure.unit},
           {"as_of", u.figure.as_of}, {"confidence", u.figure.confidence}};
    if (u.scale != 1) o["scale"] = u.scale;
    if (u.figure.unsourced) {
      o["unsourced"] = true;
      o["note"] = u.figure.note;
    } else {
      o["sources"] = u.figure.sources;
    }
    out.push_back(o);
  }
  return out;
}

}  // namespace infersim
