// The audit log's queue and writer thread (see audit_log.h for the threading contract).
#include "security/audit_log.h"

#include <absl/status/statusor.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/errno_text.h"
#include "common/log.h"

namespace redoubt::security {
namespace {

// writev accepts at most IOV_MAX (1024 on Linux) buffers per call.
constexpr size_t kMaxIov = IOV_MAX;

// Opens an audit file for appending. O_APPEND: every write lands at the current end even if
// another process (a careless logrotate copytruncate) shrinks the file. 0600: the log names
// users and addresses, so a new file is the server user's alone.
absl::StatusOr<int> OpenAuditFile(const std::string& path) {
  // O_NONBLOCK only for the open: opening a FIFO that has no reader for writing would block
  // the calling thread (an I/O thread, for CONFIG SET) forever; with it, open fails with ENXIO.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) {
    return absl::InvalidArgumentError("can't open audit-log-file '" + path +
                                      "': " + common::ErrnoText(errno));
  }
  // Writes may block from now on: only the writer thread makes them.
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
    int err = errno;
    close(fd);
    return absl::InvalidArgumentError("can't open audit-log-file '" + path +
                                      "': " + common::ErrnoText(err));
  }
  return fd;
}

}  // namespace

AuditLog::AuditLog(AuditLogOptions options) : options_(options) {}

AuditLog::~AuditLog() {
  Close();
}

absl::Status AuditLog::Open(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("audit-log-file: the path is empty");
  }
  absl::MutexLock control(&control_mu_);
  // Open before touching anything, so that a failure leaves the current file in use.
  absl::StatusOr<int> fd = OpenAuditFile(path);
  if (!fd.ok()) {
    return fd.status();
  }
  StartWriterLocked();
  QueueSwitchLocked(*fd, path);
  return absl::OkStatus();
}

absl::Status AuditLog::SetPath(const std::string& path) {
  if (!path.empty()) {
    return Open(path);
  }
  absl::MutexLock control(&control_mu_);
  if (writer_.joinable()) {
    // Not Close(): CONFIG SET runs on an I/O thread, which must not wait for the disk. The
    // writer writes what is queued, then closes the file.
    QueueSwitchLocked(-1, "");
  }
  return absl::OkStatus();
}

absl::Status AuditLog::Reopen() {
  absl::MutexLock control(&control_mu_);
  // path_ changes only under control_mu_, which we hold.
  std::string path = this->path();
  if (path.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<int> fd = OpenAuditFile(path);
  if (!fd.ok()) {
    return absl::Status(fd.status().code(),
                        std::string(fd.status().message()) + "; still writing to the old file");
  }
  QueueSwitchLocked(*fd, path);
  return absl::OkStatus();
}

void AuditLog::Close() {
  absl::MutexLock control(&control_mu_);
  if (!writer_.joinable()) {
    return;
  }
  enabled_.store(false, std::memory_order_relaxed);
  {
    absl::MutexLock lock(&mu_);
    accepting_ = false;
    path_.clear();
    stop_requested_ = true;
    // A test that failed while the writer was paused must still be able to finish.
    paused_for_testing_ = false;
  }
  work_cv_.Signal();
  resume_cv_.Signal();
  writer_.join();
  absl::MutexLock lock(&mu_);
  stop_requested_ = false;
}

void AuditLog::Record(std::string line) {
  if (!enabled()) {
    return;
  }
  if (line.empty()) {
    return;
  }
  // The file must stay one record per line whatever the caller passed.
  if (line.back() != '\n') {
    line.push_back('\n');
  }
  bool wake_writer = false;
  {
    absl::MutexLock lock(&mu_);
    // The log may have been turned off since the relaxed check above.
    if (!accepting_) {
      return;
    }
    records_offered_.fetch_add(1, std::memory_order_relaxed);
    // queue_bytes_ never exceeds max_queued_bytes, so the subtraction cannot wrap.
    if (queue_.size() >= options_.max_queued_records ||
        line.size() > options_.max_queued_bytes - queue_bytes_) {
      records_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // The writer only ever waits with both empty, so waking it on this transition suffices.
    wake_writer = queue_.empty() && switches_.empty();
    queue_bytes_ += line.size();
    queue_.push_back(std::move(line));
    ++ops_queued_;
    queue_depth_.store(queue_.size(), std::memory_order_relaxed);
    queue_bytes_stat_.store(queue_bytes_, std::memory_order_relaxed);
  }
  if (wake_writer) {
    work_cv_.Signal();
  }
}

void AuditLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = ops_queued_;
  while (ops_done_ < target) {
    done_cv_.Wait(&mu_);
  }
}

AuditLogStats AuditLog::Stats() const {
  return {
      .enabled = enabled_.load(std::memory_order_relaxed),
      .records_offered = records_offered_.load(std::memory_order_relaxed),
      .records_written = records_written_.load(std::memory_order_relaxed),
      .records_dropped = records_dropped_.load(std::memory_order_relaxed),
      .write_errors = write_errors_.load(std::memory_order_relaxed),
      .queue_depth = queue_depth_.load(std::memory_order_relaxed),
      .queue_bytes = queue_bytes_stat_.load(std::memory_order_relaxed),
  };
}

std::string AuditLog::path() const {
  absl::MutexLock lock(&mu_);
  return path_;
}

void AuditLog::PauseWriterForTesting(bool paused) {
  {
    absl::MutexLock lock(&mu_);
    paused_for_testing_ = paused;
  }
  resume_cv_.SignalAll();
}

void AuditLog::StartWriterLocked() {
  if (!writer_.joinable()) {
    writer_ = std::thread(&AuditLog::WriterLoop, this);
  }
}

void AuditLog::QueueSwitchLocked(int fd, const std::string& path) {
  {
    absl::MutexLock lock(&mu_);
    // Records already queued were submitted before this call: they belong to the old file.
    switches_.push_back({.position = queue_.size(), .fd = fd, .path = path});
    ++ops_queued_;
    accepting_ = fd >= 0;
    path_ = path;
  }
  enabled_.store(fd >= 0, std::memory_order_relaxed);
  work_cv_.Signal();
}

void AuditLog::WriterLoop() {
  pthread_setname_np(pthread_self(), "audit-log");
  // Swapped with queue_ each round, so both vectors keep their capacity and Record() does not
  // reallocate in the steady state.
  std::vector<std::string> batch;
  std::vector<FileSwitch> switches;
  for (;;) {
    uint64_t batch_end = 0;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && switches_.empty() && !stop_requested_) {
        work_cv_.Wait(&mu_);
      }
      batch.swap(queue_);
      switches.swap(switches_);
      queue_bytes_ = 0;
      queue_depth_.store(0, std::memory_order_relaxed);
      queue_bytes_stat_.store(0, std::memory_order_relaxed);
      batch_end = ops_queued_;
      // Close() stops taking records before it sets stop_requested_, so this batch is the last.
      stop = stop_requested_;
      while (paused_for_testing_) {
        resume_cv_.Wait(&mu_);
      }
    }

    size_t next = 0;
    for (FileSwitch& file : switches) {
      WriteRecords(batch, next, file.position);
      next = file.position;
      AdoptFile(file);
    }
    WriteRecords(batch, next, batch.size());
    // Freed here, outside mu_.
    batch.clear();
    switches.clear();
    if (stop) {
      FileSwitch none;
      AdoptFile(none);
    }

    {
      absl::MutexLock lock(&mu_);
      ops_done_ = batch_end;
    }
    done_cv_.SignalAll();
    if (stop) {
      return;
    }
  }
}

// Writes records [begin, end) of batch with writev, up to kMaxIov buffers per call, finishing
// partial writes. On an error the rest of [begin, end) is dropped: retrying would let a full
// disk hold the writer, and the queue behind it, forever.
void AuditLog::WriteRecords(const std::vector<std::string>& batch, size_t begin, size_t end) {
  if (begin >= end) {
    return;
  }
  if (fd_ < 0) {
    records_dropped_.fetch_add(end - begin, std::memory_order_relaxed);
    return;
  }
  static const char kNewline = '\n';
  std::array<iovec, kMaxIov> iov;
  size_t next = begin;
  while (next < end) {
    size_t n = 0;
    if (torn_line_) {
      iov[n++] = {const_cast<char*>(&kNewline), 1};
    }
    const size_t first_record = n;
    const size_t count = std::min(end - next, kMaxIov - n);
    for (size_t k = 0; k < count; ++k) {
      const std::string& line = batch[next + k];
      iov[n++] = {const_cast<char*>(line.data()), line.size()};
    }

    size_t done = 0;    // iov entries fully written
    size_t offset = 0;  // bytes of iov[done] written
    int err = 0;
    while (done < n) {
      iov[done].iov_base = static_cast<char*>(iov[done].iov_base) + offset;
      iov[done].iov_len -= offset;
      ssize_t written = writev(fd_, &iov[done], static_cast<int>(n - done));
      iov[done].iov_base = static_cast<char*>(iov[done].iov_base) - offset;
      iov[done].iov_len += offset;
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        // 0 for a non-empty buffer only happens when the file cannot grow; call it ENOSPC.
        err = written < 0 ? errno : ENOSPC;
        break;
      }
      size_t bytes = static_cast<size_t>(written);
      while (done < n && offset + bytes >= iov[done].iov_len) {
        bytes -= iov[done].iov_len - offset;
        offset = 0;
        ++done;
      }
      offset += bytes;
    }

    const size_t records_done = done > first_record ? done - first_record : 0;
    records_written_.fetch_add(records_done, std::memory_order_relaxed);
    if (err != 0) {
      // A line cut in the middle would run into the next record: end it before that.
      torn_line_ = (offset > 0) || (first_record > 0 && done == 0);
      records_dropped_.fetch_add(end - next - records_done, std::memory_order_relaxed);
      CountWriteError(err);
      return;
    }
    torn_line_ = false;
    if (failing_) {
      failing_ = false;
      common::Log(common::LogLevel::kNotice, "audit log: writing to '" + fd_path_ + "' again");
    }
    next += count;
  }
}

void AuditLog::AdoptFile(FileSwitch& file) {
  // close(2) can report a write the kernel failed to complete (NFS, quota).
  if (fd_ >= 0 && close(fd_) != 0) {
    CountWriteError(errno);
  }
  fd_ = file.fd;
  fd_path_ = std::move(file.path);
  file.fd = -1;
  torn_line_ = false;
  failing_ = false;
}

void AuditLog::CountWriteError(int err) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  // Once per failing stretch: a full disk fails every batch, and the server log is no place
  // to repeat that thousands of times a second.
  if (!failing_) {
    failing_ = true;
    common::Log(common::LogLevel::kWarning, "audit log: can't write to '" + fd_path_ +
                                                "': " + common::ErrnoText(err) +
                                                "; records are dropped until writes succeed");
  }
}

}  // namespace redoubt::security
