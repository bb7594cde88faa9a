// Output files written the way careful tools write them (io.hpp, AtomicFile): complete or
// untouched, through symlinks, never renamed over a device, a FIFO or an input.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infersim/catalog.hpp"
#include "infersim/error.hpp"
#include "infersim/io.hpp"

namespace infersim {
namespace fs = std::filesystem;

namespace {

/// Errors whose cause is on the user's side (a full disk, a read-only mount, no
/// permission, a bad path): bad input, exit code 2. Anything else is internal.
bool user_side(int err) {
  switch (err) {
    case ENOSPC: case EDQUOT: case EACCES: case EPERM: case EROFS: case EFBIG: case ENOENT:
    case ENOTDIR: case EISDIR: case ENAMETOOLONG: case ELOOP: case ENXIO: case ETXTBSY: case EEXIST:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  const std::string text = path + ": cannot write output" + (what.empty() ? "" : " " + what) + " (" +
                           std::strerror(err) + ")";
  if (user_side(err)) throw InputError(text);
  throw std::runtime_error(text);
}

void write_all(int fd, const std::string& contents, const std::string& path) {
  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

/// `/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`: the descriptor they name, else -1. These
/// are written through the descriptor itself (a shell's `> f` or `>> f` keeps its meaning).
int named_descriptor(const std::string& path) {
  if (path == "-" || path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string pre(prefix);
    if (path.rfind(pre, 0) == 0 && path.size() > pre.size() && path.size() - pre.size() < 9 &&
        path.find_first_not_of("0123456789", pre.size()) == std::string::npos) {
      return std::stoi(path.substr(pre.size()));
    }
  }
  return -1;
}

/// The file a path names once every symlink is followed, even a dangling one (its target
/// is then created). Relative link targets are relative to the link's directory.
std::string follow_links(const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::vector<char> buf(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 255) + 1);
    const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0) fail(path, "through the link " + p, errno);
    const fs::path link(std::string(buf.data(), static_cast<std::size_t>(n)));
    p = link.is_absolute() ? link.string() : (fs::path(p).parent_path() / link).string();
  }
  fail(path, "", ELOOP);
}

/// A short random name in `dir`: fits whatever the target's name length.
std::string temp_name(const fs::path& dir) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char k_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string name = ".infersim-";
  for (int i = 0; i < 8; ++i) name += k_chars[gen() % (sizeof k_chars - 1)];
  return (dir / name).string();
}

mode_t default_mode() {
  const mode_t mask = ::umask(0);  // read it back: there is no other portable way
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

std::vector<std::string> catalog_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir.empty() ? Catalog::default_dir() : dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") files.push_back(it->path().string());
  }
  return files;
}

AtomicFile::AtomicFile(std::string path, const std::vector<std::string>& inputs) : path_(std::move(path)) {
  if (path_.empty()) throw InputError("output path is empty");
  direct_fd_ = named_descriptor(path_);
  if (direct_fd_ >= 0) {
    if (::fcntl(direct_fd_, F_GETFD) < 0) fail(path_, "", errno);
    return;
  }
  target_ = follow_links(path_);
  struct stat st {};
  const bool exists = ::stat(target_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw InputError(path_ + ": cannot write output: it is a directory");
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or a FIFO is written in place; replacing it would destroy it (/dev/null).
    if (::access(target_.c_str(), W_OK) != 0) fail(path_, "", errno);
    direct_open_ = true;
    return;
  }
  if (exists) {
    for (const auto& in : inputs) {
      struct stat is {};
      if (::stat(in.c_str(), &is) == 0 && is.st_dev == st.st_dev && is.st_ino == st.st_ino) {
        throw InputError(path_ + ": is an input of this command (" + in +
                         "); writing the result there would destroy it");
      }
    }
  }
  const fs::path dir = fs::path(target_).has_parent_path() ? fs::path(target_).parent_path() : fs::path(".");
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode)) {
    throw InputError(path_ + ": cannot write output: directory " + dir.string() + " does not exist");
  }
  // An unnamed temporary in the target's directory: nothing is left behind, even on SIGKILL.
  tmp_fd_ = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (tmp_fd_ >= 0) return;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) fail(path_, "in " + dir.string(), errno);
  // No O_TMPFILE here: check now that a temporary can be made; commit() makes its own.
  const std::string probe = temp_name(dir);
  const int fd = ::open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) fail(path_, "in " + dir.string(), errno);
  ::close(fd);
  ::unlink(probe.c_str());
}

AtomicFile::~AtomicFile() {
  if (tmp_fd_ >= 0) ::close(tmp_fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::commit(const std::string& contents) {
  if (direct_fd_ >= 0) {
    write_all(direct_fd_, contents, path_);
    committed_ = true;
    return;
  }
  if (direct_open_) {
    const int fd = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) fail(path_, "", errno);
    try {
      write_all(fd, contents, path_);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0 && errno != EINTR) fail(path_, "", errno);
    committed_ = true;
    return;
  }
  const fs::path dir = fs::path(target_).has_parent_path() ? fs::path(target_).parent_path() : fs::path(".");
  // The target's mode (and owner, where allowed) carries over to its replacement.
  struct stat st {};
  const bool exists = ::stat(target_.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  if (exists && st.st_nlink > 1) {
    // A file with other hard links is rewritten in place, so that every name sees the
    // result; the space is reserved first, so a full disk fails before any byte changes.
    const int fd = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(path_, "", errno);
    try {
      const auto size = static_cast<off_t>(contents.size());
      if (const int err = ::posix_fallocate(fd, 0, size); err != 0 && err != EOPNOTSUPP && err != EINVAL) {
        fail(path_, "", err);
      }
      write_all(fd, contents, path_);
      if (::ftruncate(fd, size) != 0 || ::fsync(fd) != 0) fail(path_, "", errno);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    committed_ = true;
    return;
  }
  const bool unnamed = tmp_fd_ >= 0;
  if (!unnamed) {
    for (int attempt = 0; tmp_fd_ < 0; ++attempt) {
      tmp_ = temp_name(dir);
      tmp_fd_ = ::open(tmp_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
      if (tmp_fd_ < 0 && (errno != EEXIST || attempt > 100)) {
        const int err = errno;
        tmp_.clear();
        fail(path_, "in " + dir.string(), err);
      }
    }
  }
  write_all(tmp_fd_, contents, path_);
  if (::fsync(tmp_fd_) != 0 && errno != EINVAL) fail(path_, "", errno);
  if (exists) {
    if (::fchown(tmp_fd_, st.st_uid, st.st_gid) != 0) {
      // Not the owner's to give away: the file becomes ours, as with any editor.
    }
    if (::fchmod(tmp_fd_, st.st_mode & 07777) != 0) fail(path_, "", errno);
  } else if (!unnamed) {
    if (::fchmod(tmp_fd_, default_mode()) != 0) fail(path_, "", errno);
  }
  if (unnamed) {
    // Give the unnamed file a short name, then rename it over the target.
    const std::string fd_path = "/proc/self/fd/" + std::to_string(tmp_fd_);
    for (int attempt = 0;; ++attempt) {
      tmp_ = temp_name(dir);
      if (::linkat(AT_FDCWD, fd_path.c_str(), AT_FDCWD, tmp_.c_str(), AT_SYMLINK_FOLLOW) == 0) break;
      const int err = errno;
      tmp_.clear();
      if (err != EEXIST || attempt > 100) fail(path_, "in " + dir.string(), err);
    }
  }
  ::close(tmp_fd_);
  tmp_fd_ = -1;
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) fail(path_, "(renaming its temporary)", errno);
  committed_ = true;
}

}  // namespace infersim
