// The append-only file, as Redis 7.0 keeps it (appendonly yes): every applied write reaches the
// command log (commands::CommandLog, which this implements) and is appended to the current
// incremental file of the multi-part AOF in `appenddirname`, synced to disk by `appendfsync`;
// a rewrite (BGREWRITEAOF, the automatic one, CONFIG SET appendonly yes) writes a new RDB base
// from a point-in-time snapshot while writes go on into a new incremental file, then swaps the
// manifest and deletes the files it replaced.
//
// Threads and order:
//   - Append runs on the command threads, under the changed keys' shard locks, and only copies
//     the bytes into a buffer under log_mu_ (one short critical section per write batch).
//   - Each I/O thread, after a batch of events and before it waits again (Redis's beforeSleep),
//     writes the buffer to the incremental file (under `always` it also syncs it), and only
//     then sends the replies its connections held back: no reply follows a write that is not in
//     the file (on disk, with always), and the commands of a whole batch (of both threads, when
//     their turns meet) share one write and one fdatasync. A writer thread writes what other
//     threads appended (the cron's expiries) and syncs once a second under `everysec`, on a
//     descriptor of its own so that writes go on meanwhile; `no` never syncs.
//   - A rewrite cuts the stream at the snapshot's start, while every shard is locked: what
//     was appended before goes to the old incremental file, what follows to the new one, and
//     the snapshot holds exactly the state at the cut.
//   - mu_ guards the manifest and the rewrite's state; file_mu_ the descriptor being written.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "commands/command_log.h"
#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "persistence/aof_loader.h"
#include "persistence/aof_manifest.h"
#include "persistence/snapshot_slot.h"
#include "storage/keyspace.h"

namespace redoubt::server {

enum class AofFsync { kAlways, kEverysec, kNo };
// From appendfsync's number as Redis's config numbers it (0 no, 1 always, 2 everysec).
inline AofFsync AofFsyncOf(int appendfsync) {
  return appendfsync == 1   ? AofFsync::kAlways
         : appendfsync == 0 ? AofFsync::kNo
                            : AofFsync::kEverysec;
}

struct AofSettings {
  bool enabled = false;                   // appendonly
  std::string dirname = "appendonlydir";  // appenddirname, relative to dir
  std::string filename = "appendonly.aof";
  AofFsync fsync = AofFsync::kEverysec;
  bool load_truncated = true;
  int64_t auto_rewrite_percentage = 100;
  int64_t auto_rewrite_min_size = 64 << 20;
  bool rdb_compression = true;
  bool rdb_checksum = true;
  // aof-use-rdb-preamble: the base is an RDB file (.base.rdb), or else commands (.base.aof).
  bool use_rdb_preamble = true;
  bool timestamps = false;        // aof-timestamp-enabled, for a command-form base
  int64_t key_save_delay_us = 0;  // rdb-key-save-delay, for the rewrite's snapshot too
};

// What INFO persistence shows.
struct AofStatus {
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  int64_t last_rewrite_seconds = -1;
  int64_t current_rewrite_seconds = -1;
  bool last_rewrite_ok = true;
  uint64_t rewrites = 0;
  uint64_t rewrites_consecutive_failures = 0;
  bool last_write_ok = true;
  uint64_t last_cow_bytes = 0;
  uint64_t current_size = 0;
  uint64_t base_size = 0;
  uint64_t buffer_length = 0;
};

class AofService final : public commands::CommandLog {
 public:
  AofService(storage::Keyspace& keyspace, commands::RuntimeSettings& runtime,
             commands::ScriptingServices& functions, persistence::SnapshotSlot& slot,
             std::function<AofSettings()> settings);
  ~AofService() override;

  // Start-up, before clients are served. With appendonly yes: loads the AOF the manifest lists
  // (run executes its commands), or, when there is none, makes a base from the current
  // dataset; then opens the incremental file and starts appending. NotFound is never returned:
  // a missing AOF is an empty one, as in Redis 7.0.
  absl::Status Start(const persistence::AofCommandRunner& run);

  // CONFIG SET appendonly yes: the cron starts a rewrite that makes the base, and the log is
  // live from its cut. Takes no shard lock (a CONFIG SET may run inside EXEC).
  void Enable();
  // CONFIG SET appendonly no: stops appending (what is buffered is written and synced first).
  void Disable();
  // CONFIG SET appendfsync.
  // aof-timestamp-enabled: a "#TS:<unix seconds>" line before the first command appended in
  // each new second, as Redis 7.0 writes it (loaders skip it; redis-check-aof can truncate a
  // file at one).
  void SetTimestamps(bool on) { timestamps_.store(on, std::memory_order_relaxed); }
  void SetFsync(AofFsync fsync);
  // BGREWRITEAOF: the reply's text, or an error.
  absl::StatusOr<std::string> StartRewrite();
  // The server cron: starts a scheduled or automatic rewrite, reaps a finished one.
  void Cron();
  // Waits for a running rewrite to end (shutdown, before its snapshot: the keyspace holds one
  // snapshot at a time).
  void WaitForRewrite();
  // At shutdown: waits for a rewrite, writes and syncs what is buffered, stops the writer.
  void Shutdown();

  // Called by each I/O thread after a batch of events, before it waits again (Redis's
  // beforeSleep): writes what the log holds to the file — with appendfsync always, also syncs
  // it — so that the replies the thread held back (reply_must_wait) can go. Cheap when another
  // thread's turn already covered everything.
  void WriteBeforeSleep();
  // Whether a reply ready now must wait for its thread's WriteBeforeSleep: the AOF is on and
  // holds appended writes not yet in the file (on disk, with always). As Redis writes the AOF
  // before it sends an event loop's replies, no reply leaves before a write it may follow;
  // with nothing pending (a read-only stretch) replies go at once. One load when the AOF is off.
  bool reply_must_wait() const {
    if (!active_.load(std::memory_order_relaxed)) {
      return false;
    }
    const std::atomic<uint64_t>& done =
        await_durable_.load(std::memory_order_relaxed) ? durable_ : written_;
    return done.load(std::memory_order_acquire) < appended_.load(std::memory_order_acquire);
  }

  bool active() const override { return active_.load(std::memory_order_relaxed); }
  void Append(int db, int end_db, std::string_view commands) override;

  AofStatus status();

 private:
  // The manifest path and a file's path in the AOF directory.
  std::string DirPath(const AofSettings& s) const;
  std::string PathOf(const AofSettings& s, const std::string& name) const;
  absl::Status PersistManifest(const AofSettings& s, const persistence::AofManifest& m);
  void DeleteHistory(const AofSettings& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Opens (creating) a file for appending; -1 with errno on failure.
  static int OpenForAppend(const std::string& path);

  // What a rewrite is for: the live AOF's new base (a new increment is cut at its start); the
  // first base of CONFIG SET appendonly yes (the log goes live at its start, and its files
  // count once it succeeds); or, with appendonly no, a new base alone (BGREWRITEAOF), as Redis
  // writes one without switching the AOF on.
  enum class RewriteKind { kLive, kSwitchingOn, kBaseOnly };
  RewriteKind NextRewriteKind() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the rewrite thread.
  absl::Status BeginRewrite(const AofSettings& s, RewriteKind kind)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RewriteFinished(const AofSettings& s, bool ok, const std::string& temp_path,
                       int64_t base_seq, int64_t new_incr_seq, RewriteKind kind, uint64_t cow_bytes)
      ABSL_LOCKS_EXCLUDED(mu_);
  void JoinRewrite() ABSL_LOCKS_EXCLUDED(mu_);

  // Starts the writer on fd; the log goes live now when `activate`, else at a rewrite's cut.
  void StartWriter(int fd, AofFsync fsync, bool activate) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopWriter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriterLoop();
  // Writes the log's buffer (and a rewrite's cut) to the file, and syncs it when `sync`;
  // false on a write error (what is left is kept for the next call).
  bool DrainLocked(bool sync) ABSL_EXCLUSIVE_LOCKS_REQUIRED(file_mu_);

  storage::Keyspace& keyspace_;
  commands::RuntimeSettings& runtime_;
  commands::ScriptingServices& functions_;  // the function libraries, in bases and loads
  persistence::SnapshotSlot& slot_;
  const std::function<AofSettings()> settings_;

  // ---- The log: appended by command threads, written by the I/O threads and the writer. ----
  absl::Mutex log_mu_;
  std::atomic<bool> active_{false};
  std::atomic<bool> await_durable_{false};  // active with appendfsync always
  std::string buffer_ ABSL_GUARDED_BY(log_mu_);
  int selected_db_ ABSL_GUARDED_BY(log_mu_) = -1;
  std::atomic<bool> timestamps_{false};
  int64_t last_timestamp_ ABSL_GUARDED_BY(log_mu_) = 0;  // of the last "#TS:" line
  std::atomic<uint64_t> appended_{0};  // bytes ever appended (advanced under log_mu_)
  // A rewrite's cut: the bytes before it, still for the old file, and the new file's fd.
  std::string before_cut_ ABSL_GUARDED_BY(log_mu_);
  int cut_fd_ ABSL_GUARDED_BY(log_mu_) = -1;
  bool stop_writer_ ABSL_GUARDED_BY(log_mu_) = false;
  AofFsync fsync_ ABSL_GUARDED_BY(log_mu_) = AofFsync::kEverysec;

  // ---- The file: whoever writes holds file_mu_ (taken before log_mu_, never after). ----
  absl::Mutex file_mu_;
  int fd_ ABSL_GUARDED_BY(file_mu_) = -1;
  std::string retry_ ABSL_GUARDED_BY(file_mu_);  // what a failed write left
  std::string spare_ ABSL_GUARDED_BY(file_mu_);  // swapped with buffer_ at each write
  bool unsynced_ ABSL_GUARDED_BY(file_mu_) = false;
  int64_t last_fsync_us_ ABSL_GUARDED_BY(file_mu_) = 0;
  std::atomic<uint64_t> written_{0};  // log offset written to the file
  std::atomic<uint64_t> durable_{0};  // log offset written and synced
  std::atomic<bool> last_write_ok_{true};
  std::atomic<uint64_t> current_size_{0};
  std::atomic<uint64_t> base_size_{0};
  std::thread writer_;

  // ---- Files and rewrites. ----
  absl::Mutex mu_;
  persistence::AofManifest manifest_ ABSL_GUARDED_BY(mu_);
  bool rewrite_running_ ABSL_GUARDED_BY(mu_) = false;
  bool rewrite_done_ ABSL_GUARDED_BY(mu_) = false;
  bool rewrite_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool enabling_ ABSL_GUARDED_BY(mu_) = false;  // the first rewrite of CONFIG SET appendonly yes
  bool abandon_rewrite_ ABSL_GUARDED_BY(mu_) = false;
  std::thread rewriter_ ABSL_GUARDED_BY(mu_);
  int64_t rewrite_started_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_rewrite_seconds_ ABSL_GUARDED_BY(mu_) = -1;
  bool last_rewrite_ok_ ABSL_GUARDED_BY(mu_) = true;
  uint64_t rewrites_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rewrite_failures_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_cow_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rewrite_base_size_ ABSL_GUARDED_BY(mu_) = 0;  // aof_rewrite_base_size
};

}  // namespace redoubt::server
