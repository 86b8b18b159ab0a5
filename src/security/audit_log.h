// The connection audit log (audit-log-file): audit records (audit_event.h) appended as JSON
// lines to a file by a background writer thread, so that the I/O threads that produce them
// never wait for a disk.
//
// Thread: thread-safe. Record() is called from the I/O threads: it never touches the disk; it
// appends to a bounded in-memory queue under a short mutex, or drops the record (counted)
// when the queue is full. One writer thread owns the file and drains the queue in batches.
// Open(), SetPath() and Reopen() do one open(2) on the caller's thread, so that a bad path is
// refused at once with the old file kept, then hand the new file to the writer in queue order:
// records submitted before the call go to the old file, records after it to the new one.
// Close() and the destructor block until everything queued is written.
//
// Usage:
//   AuditLog audit;
//   if (absl::Status s = audit.Open("/var/log/redoubt/audit.log"); !s.ok()) { … }
//   audit.Record(ConnectAuditRecord{.client_id = id, …});   // any thread
//   audit.Reopen();                                          // on SIGHUP, after logrotate
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace redoubt::security {

struct AuditLogOptions {
  // The queue between Record() and the writer is bounded by both; a record that would exceed
  // either is dropped. 64k records or 16 MiB is several seconds of connection churn at
  // tens of thousands of connections per second: room for a slow disk, not a dead one.
  size_t max_queued_records = 64 * 1024;
  size_t max_queued_bytes = 16 * 1024 * 1024;
};

// A snapshot of the counters, for INFO. The counters only grow over the object's life.
struct AuditLogStats {
  bool enabled = false;  // a file is open and records are taken
  // Records given to Record() while enabled: each ends up written or dropped, so once the
  // writer has caught up, offered == written + dropped (a test's exact barrier).
  uint64_t records_offered = 0;
  uint64_t records_written = 0;  // records fully written to the file
  // Records given to Record() while enabled that were not written: the queue was full, or
  // the write failed (then write_errors grows too).
  uint64_t records_dropped = 0;
  uint64_t write_errors = 0;  // failed write(2)/writev(2)/close(2) calls
  uint64_t queue_depth = 0;   // records waiting for the writer
  uint64_t queue_bytes = 0;   // their size
};

class AuditLog {
 public:
  explicit AuditLog(AuditLogOptions options = {});
  // Close(): writes what is queued, then stops the writer.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Opens path (append, create with mode 0600, close-on-exec), starts the writer thread if it
  // is not running, and enables the log; if a file was open, the writer switches to the new
  // one after the records queued before this call. On failure ("can't open audit-log-file
  // '/x': Is a directory") nothing changes: an open log keeps its file.
  // Requires: path is not empty. Blocks for one open(2).
  [[nodiscard]] absl::Status Open(const std::string& path);
  // CONFIG SET audit-log-file: Open(path), or, for an empty path, disable the log: records
  // already queued are still written, then the file is closed; the writer thread stays (idle).
  [[nodiscard]] absl::Status SetPath(const std::string& path);
  // Log rotation (SIGHUP): opens the current path again, so that after
  // `mv audit.log audit.log.1` new records go to a new audit.log while those queued before the
  // call still go to audit.log.1. Nothing to do (OK) when the log is disabled. On failure the
  // old file stays in use and the error names the path.
  [[nodiscard]] absl::Status Reopen();
  // Disables the log, writes what is queued, closes the file and joins the writer thread.
  // Blocks on disk I/O: for shutdown, not for an I/O thread. Open() may be called again.
  void Close();

  // Queues one line, normally a record's ToJsonLine() (a missing final '\n' is added; an
  // empty line is ignored). Never blocks on disk I/O: takes a short mutex, or drops the line
  // (counted) when the queue is full. When the log is off this is one relaxed atomic load.
  void Record(std::string line);
  // Formats the record only when the log is enabled, so a disabled log costs no allocation.
  template <typename Event>
  requires requires(const Event& e) {
    { e.ToJsonLine() } -> std::convertible_to<std::string>;
  }
  void Record(const Event& event) {
    if (enabled()) {
      Record(event.ToJsonLine());
    }
  }

  // Waits until every record and file switch queued before the call has been handled by the
  // writer. For tests and shutdown; blocks on disk I/O (and forever while the writer is
  // paused for testing).
  void Flush();

  // Relaxed: a hint for skipping work; Record() decides again under the lock.
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  AuditLogStats Stats() const;
  // The open file's path; empty when the log is disabled.
  std::string path() const;

  // Test hook: while paused, the writer stops after taking a batch off the queue and before
  // writing it, as if write(2) hung on a dead disk. Close() and the destructor resume it.
  void PauseWriterForTesting(bool paused);

 private:
  // A file handed to the writer: it takes effect after the first `position` records of the
  // queue it was queued with (the records submitted before the Open/SetPath/Reopen call).
  struct FileSwitch {
    size_t position = 0;
    int fd = -1;  // -1: close the file, log off
    std::string path;
  };

  // Starts the writer thread if it is not running.
  void StartWriterLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_mu_);
  // Queues a switch to fd (owned from now on by the writer) and sets path_, enabled_.
  void QueueSwitchLocked(int fd, const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The writer thread's functions.
  void WriterLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void WriteRecords(const std::vector<std::string>& batch, size_t begin, size_t end);
  void AdoptFile(FileSwitch& next);
  void CountWriteError(int err);

  // Set at construction, never changed.
  const AuditLogOptions options_;

  // Serialises Open/SetPath/Reopen/Close, so that path_ and the writer thread change in one
  // step each; never taken by Record() or the writer.
  absl::Mutex control_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread writer_ ABSL_GUARDED_BY(control_mu_);

  // The queue and its bookkeeping. Record() holds mu_ for a push_back; the writer holds it
  // only to swap the queue out, never while writing.
  mutable absl::Mutex mu_;
  absl::CondVar work_cv_;    // writer waits: queue, switches or stop
  absl::CondVar done_cv_;    // Flush() waits: ops_done_
  absl::CondVar resume_cv_;  // paused writer waits: paused_for_testing_
  std::vector<std::string> queue_ ABSL_GUARDED_BY(mu_);
  size_t queue_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<FileSwitch> switches_ ABSL_GUARDED_BY(mu_);  // positions ascending
  bool accepting_ ABSL_GUARDED_BY(mu_) = false;            // a file is (or will be) open
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_for_testing_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t ops_queued_ ABSL_GUARDED_BY(mu_) = 0;  // records and switches queued, ever
  uint64_t ops_done_ ABSL_GUARDED_BY(mu_) = 0;    // of those, handled by the writer
  std::string path_ ABSL_GUARDED_BY(mu_);         // changed only under control_mu_ too

  // Only on the writer thread (and in Close() after joining it).
  int fd_ = -1;
  std::string fd_path_;
  bool torn_line_ = false;  // a failed write left part of a line: start the next with '\n'
  bool failing_ = false;    // the last write failed: log once per failing stretch

  // Read by INFO from any thread; relaxed because they are statistics (enabled_: see enabled()).
  std::atomic<bool> enabled_{false};
  std::atomic<uint64_t> records_offered_{0};
  std::atomic<uint64_t> records_written_{0};
  std::atomic<uint64_t> records_dropped_{0};
  std::atomic<uint64_t> write_errors_{0};
  std::atomic<uint64_t> queue_depth_{0};  // mirror of queue_.size(), stored under mu_
  std::atomic<uint64_t> queue_bytes_stat_{0};
};

}  // namespace redoubt::security
