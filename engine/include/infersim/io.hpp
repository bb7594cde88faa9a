#pragma once
/// Reading scenario files and writing results without ever leaving a partial file.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim {

/// Limits on what read_json_file() accepts: scenario and catalog files are kilobytes deep
/// and a handful of levels deep; beyond these, input is an error rather than a crash.
inline constexpr std::size_t k_max_json_bytes = std::size_t{64} << 20;
inline constexpr int k_max_json_depth = 64;

/// Parse a JSON file; syntax errors become InputError with `file:line:col`. Files larger
/// than k_max_json_bytes or nested deeper than k_max_json_depth are InputError too.
nlohmann::json read_json_file(const std::string& path);
/// The same for text in memory; `path` names it in errors.
nlohmann::json parse_json_text(const std::string& text, const std::string& path);

/// A file written all at once (output_file.cpp). A regular file (or a new one) gets its
/// contents in an unnamed temporary in the target's directory (`O_TMPFILE`, else a short
/// hidden name) that replaces it on commit(), keeping its mode; a symlink is followed and
/// its target replaced, the link kept. A file with other hard links is rewritten in place
/// once its space is reserved, so that the links stay one file. Character devices, FIFOs, `-` (stdout) and
/// `/dev/stdout`-like names are written directly, never replaced. Created before a long
/// run so that an unwritable destination fails early; destroyed without commit, it leaves
/// the target untouched. Write errors carry the errno text; causes on the user's side
/// (no space, no permission, read-only file system, ...) are InputError.
class AtomicFile {
public:
  /// `inputs`: files the command reads (scenarios, catalog files); a target that is one
  /// of them (same inode, by any name or link) is an InputError.
  explicit AtomicFile(std::string path, const std::vector<std::string>& inputs = {});
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

/// The catalog files a command may read (`*.json` of `dir`, by default
/// Catalog::default_dir()), for AtomicFile's check that no output replaces an input.
std::vector<std::string> catalog_files(const std::string& dir = "");

}  // namespace infersim
