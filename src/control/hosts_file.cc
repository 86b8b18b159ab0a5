// The hosts file's managed block; see hosts_file.h.
#include "control/hosts_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errno_text.h"
#include "common/file_io.h"

namespace redoubt::control {

std::string HostsFile::WithBlock(const std::string& text,
                                 const std::vector<HostsEntry>& entries) const {
  const std::string begin = "# BEGIN redoubt-control " + tag_ + "\n";
  const std::string end = "# END redoubt-control " + tag_ + "\n";
  std::string out;
  size_t pos = 0;
  // Everything outside our block, as it was.
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    eol = eol == std::string::npos ? text.size() : eol + 1;
    std::string line = text.substr(pos, eol - pos);
    if (line == begin || line + "\n" == begin) {
      const size_t close = text.find(end, eol);
      pos = close == std::string::npos ? text.size() : close + end.size();
      continue;
    }
    out += line;
    pos = eol;
  }
  if (!out.empty() && out.back() != '\n') {
    out += '\n';
  }
  if (!entries.empty()) {
    out += begin;
    for (const HostsEntry& entry : entries) {
      out += entry.address + " " + entry.name + "\n";
    }
    out += end;
  }
  return out;
}

absl::Status HostsFile::Publish(const std::vector<HostsEntry>& entries) {
  std::lock_guard lock(mu_);
  const int fd = open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError("cannot open " + path_ + ": " + common::ErrnoText(errno));
  }
  // Another control plane (or a test cleaning up) may be rewriting the file: one at a time.
  if (flock(fd, LOCK_EX) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError("cannot lock " + path_ + ": " + common::ErrnoText(err));
  }
  std::string text;
  char buf[8192];
  ssize_t n;
  off_t offset = 0;
  while ((n = pread(fd, buf, sizeof buf, offset)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  absl::Status status;
  const std::string updated = WithBlock(text, entries);
  if (updated != text) {
    std::string_view rest = updated;
    if (lseek(fd, 0, SEEK_SET) != 0 || !common::WriteAll(fd, &rest) ||
        ftruncate(fd, static_cast<off_t>(updated.size())) != 0) {
      status = absl::UnavailableError("cannot write " + path_ + ": " + common::ErrnoText(errno));
    }
  }
  close(fd);  // releases the lock
  return status;
}

}  // namespace redoubt::control
