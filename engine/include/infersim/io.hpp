#pragma once
/// Reading scenario files and writing results without ever leaving a partial file.
#include <cstddef>
#include <string>
#include <vector>

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
  /// True when the contents go to this process's standard output (`-`, `/dev/stdout`).
  bool to_stdout() const { return direct_fd_ == 1; }

private:
  std::string path_;    // as given, for messages
  std::string target_;  // the file replaced on commit (symlinks followed)
  std::string tmp_;     // fallback temporary's name, when O_TMPFILE is not supported
  int tmp_fd_ = -1;     // O_TMPFILE descriptor held from construction to commit
  int direct_fd_ = -1;  // write to this descriptor (stdout, /dev/fd/N)
  bool direct_open_ = false;  // open path_ itself on commit (device, FIFO)
  bool committed_ = false;
};

/// The catalog files a command may read (`*.json` of Catalog::default_dir()), for
/// AtomicFile's check that no output replaces an input.
std::vector<std::string> catalog_files();

}  // namespace infersim
