// Reading JSON files: bounded in size, parsed by the strict reader (json/strict_json.hpp).
// Writing files is output_file.cpp.
#include "infersim/io.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "infersim/error.hpp"
#include "json/strict_json.hpp"

namespace infersim {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file (" + std::strerror(errno) + ")");
  // Read at most one byte more than the limit: /dev/zero or a runaway FIFO ends here.
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (in && text.size() <= k_max_json_bytes) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError(path + ": cannot read file (" + std::strerror(errno) + ")");
  if (text.size() > k_max_json_bytes) {
    throw InputError(path + ": larger than " + std::to_string(k_max_json_bytes >> 20) +
                     " MB; scenario and catalog files are far smaller");
  }
  return detail::parse_strict(text, path);
}

nlohmann::json parse_json_text(const std::string& text, const std::string& path) {
  return detail::parse_strict(text, path);
}

}  // namespace infersim
