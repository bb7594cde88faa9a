#pragma once
/// Reading scenario files and writing results without ever leaving a partial file.
#include <string>

#include <nlohmann/json.hpp>

namespace infersim {

/// Parse a JSON file; syntax errors become InputError with `file:line:col`.
nlohmann::json read_json_file(const std::string& path);

/// A file written all at once: contents go to a temporary next to the target and are
/// renamed over it on commit(). Created before a long run so that an unwritable
/// destination fails early; destroyed without commit, it leaves the target untouched.
class AtomicFile {
public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void commit(const std::string& contents);
  const std::string& path() const { return path_; }

private:
  std::string path_;
  std::string tmp_;
  bool committed_ = false;
};

}  // namespace infersim
