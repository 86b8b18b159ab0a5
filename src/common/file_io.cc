// Writing and reading whole files; see file_io.h.
#include "common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace redoubt::common {

bool WriteAll(int fd, std::string_view* bytes) {
  while (!bytes->empty()) {
    ssize_t n = write(fd, bytes->data(), bytes->size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    bytes->remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

namespace {

int ReplaceFileSynced(const std::string& path, std::string_view content, mode_t mode, bool sync) {
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  unlink(tmp.c_str());  // left by a crash of an earlier process with our pid
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    return errno;
  }
  int err = 0;
  // fchmod: the mode asked for exactly, whatever the umask took from open's.
  if (!WriteAll(fd, &content) || fchmod(fd, mode) != 0 || (sync && fsync(fd) != 0)) {
    err = errno != 0 ? errno : EIO;
  }
  if (close(fd) != 0 && err == 0) {
    err = errno;
  }
  if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
  }
  if (err != 0) {
    unlink(tmp.c_str());
    return err;
  }
  if (!sync) {
    return 0;
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)fsync(dir_fd);  // a failure here loses nothing but the rename's durability
    close(dir_fd);
  }
  return 0;
}

}  // namespace

int ReplaceFileDurably(const std::string& path, std::string_view content, mode_t mode) {
  return ReplaceFileSynced(path, content, mode, /*sync=*/true);
}

int ReplaceFile(const std::string& path, std::string_view content, mode_t mode) {
  return ReplaceFileSynced(path, content, mode, /*sync=*/false);
}

absl::Status ReadSmallFile(const std::string& path, size_t max_bytes, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int err = errno;
    return err == ENOENT ? absl::NotFoundError("no such file")
                         : absl::UnavailableError(std::strerror(err));
  }
  struct stat st {};
  absl::Status status;
  if (fstat(fd, &st) != 0) {
    status = absl::UnavailableError(std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    status = absl::FailedPreconditionError("not a regular file");
  } else if (static_cast<size_t>(st.st_size) > max_bytes) {
    status = absl::FailedPreconditionError("larger than " + std::to_string(max_bytes) + " bytes");
  } else {
    out->resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < out->size()) {
      ssize_t n = read(fd, out->data() + done, out->size() - done);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        status = absl::UnavailableError(n < 0 ? std::strerror(errno) : "file shrank while read");
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  close(fd);
  return status;
}

}  // namespace redoubt::common
