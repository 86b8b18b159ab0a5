// Writing files; see file_io.h.
#include "common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

int ReplaceFileDurably(const std::string& path, std::string_view content, mode_t mode) {
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  unlink(tmp.c_str());  // left by a crash of an earlier process with our pid
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    return errno;
  }
  int err = 0;
  // fchmod: the mode asked for exactly, whatever the umask took from open's.
  if (!WriteAll(fd, &content) || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
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
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)fsync(dir_fd);  // a failure here loses nothing but the rename's durability
    close(dir_fd);
  }
  return 0;
}

}  // namespace redoubt::common
