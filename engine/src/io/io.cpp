// Reading JSON files, and file output that never leaves a half-written file.
#include "infersim/io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infersim/error.hpp"
#include "json/strict_json.hpp"

namespace infersim {
namespace fs = std::filesystem;



nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file (" + std::strerror(errno) + ")");
  std::stringstream buf;
  buf << in.rdbuf();
  return detail::parse_strict(buf.str(), path);
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const fs::path target(path_);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError(path_ + ": cannot write output: directory " + dir.string() + " does not exist");
  }
  if (fs::is_directory(target, ec)) throw InputError(path_ + ": cannot write output: it is a directory");
  // The temporary lives next to the target so that rename() is atomic (same file system).
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    throw InputError(path_ + ": cannot write output in " + dir.string() + " (" + std::strerror(errno) + ")");
  }
  ::close(fd);
  tmp_ = name.data();
}

AtomicFile::~AtomicFile() {
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::commit(const std::string& contents) {
  {
    std::ofstream out(tmp_, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) throw std::runtime_error(path_ + ": write failed");
  }
  const int fd = ::open(tmp_.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  // mkstemp creates 0600; give the result the usual permissions.
  ::chmod(tmp_.c_str(), 0644);
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error(path_ + ": cannot rename temporary file (" + std::strerror(errno) + ")");
  }
  committed_ = true;
}

}  // namespace infersim
