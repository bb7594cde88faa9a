// libFuzzer harness: the bytes as one catalog file (tmpfs), loaded with Catalog::load and
// used to resolve references; bad files must be InputError.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "infersim/catalog.hpp"
#include "infersim/error.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path dir = [] {
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    const fs::path d = base / ("infersim-fuzz-catalog-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  {
    std::ofstream out(dir / "companies.json", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const infersim::Catalog catalog = infersim::Catalog::load(dir.string());
    const auto paths = catalog.paths();
    nlohmann::json doc{{"player", {{"baseline_ebit_usd", {{"ref", paths.empty() ? "x" : paths.front()}, {"scale", 2}}}}}};
    (void)infersim::resolve_catalog_references(doc, &catalog);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
