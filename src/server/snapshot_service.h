// RDB snapshots for the server: loading dir/dbfilename at start-up, SAVE, BGSAVE (a background
// thread; commands go on, see persistence/rdb_snapshot.h), `save` points checked by the cron,
// the snapshot at SHUTDOWN, and what LASTSAVE and INFO persistence report.
//
// Thread: thread-safe. One snapshot runs at a time (mu_ guards the state); the background
// thread is joined by the next snapshot, the cron, or the destructor.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "persistence/encryption_keys.h"
#include "persistence/rdb_snapshot.h"
#include "persistence/snapshot_slot.h"
#include "storage/keyspace.h"

namespace redoubt::server {

// BGSAVE (or SAVE) while an AOF rewrite holds the keyspace's snapshot, as Redis 7.0 answers
// BGSAVE while its rewrite child runs.
inline constexpr std::string_view kErrAofRewriteRunning =
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE "
    "in order to schedule a BGSAVE whenever possible.";

struct SnapshotSettings {
  std::string path;  // dbfilename, relative to the working directory (dir)
  bool compress = true;
  bool checksum = true;
  bool stop_writes_on_error = true;  // stop-writes-on-bgsave-error
  int64_t key_save_delay_us = 0;     // rdb-key-save-delay
  std::string save_points;           // "3600 1 300 100", as the save directive shows them
  // rdb-encryption-key-file and -old-key-files: snapshots are written with the current key
  // and loaded with whichever the file names; null: plaintext.
  std::shared_ptr<const persistence::EncryptionKeyring> keys;
};

struct SnapshotStatus {
  bool in_progress = false;
  int64_t last_save_seconds = 0;  // Unix time of the last successful save (or start-up)
  bool last_bgsave_ok = true;
  int64_t last_bgsave_seconds = -1;
  int64_t current_bgsave_seconds = -1;
  uint64_t saves = 0;
  uint64_t changes_since_last_save = 0;
  uint64_t last_keys = 0;
  uint64_t last_cow_bytes = 0;  // bytes kept for keys changed during the last snapshot
  uint64_t loaded_keys = 0;     // by the load at start-up
  uint64_t loaded_keys_expired = 0;
  std::string loaded_key_id;        // the key the start-up load decrypted with; empty: plaintext
  std::string key_id;               // of rdb-encryption-key-file: the next snapshot's key
  std::string last_save_key_id;     // the key of the last snapshot written; empty: plaintext
  int64_t last_begin_usec = -1;     // all shards held to start the last snapshot
  int64_t last_max_step_usec = -1;  // longest hold of one shard by its walk
};

class SnapshotService {
 public:
  // settings() is read at each snapshot (CONFIG SET applies to the next); dirty() is the
  // server's running count of changes (INFO's rdb_changes_since_last_save counts from it).
  SnapshotService(storage::Keyspace& keyspace, commands::RuntimeSettings& runtime,
                  commands::ScriptingServices& functions, persistence::SnapshotSlot& slot,
                  std::function<SnapshotSettings()> settings, std::function<uint64_t()> dirty,
                  std::function<uint64_t()> used_memory);
  ~SnapshotService();

  // Loads the snapshot file when there is one; an error (a corrupt file) must stop start-up.
  absl::Status LoadAtStartup();
  // SAVE, and the save at SHUTDOWN: written on the calling thread, which must hold no shard
  // lock; other clients are served meanwhile.
  absl::Status Save();
  // BGSAVE: starts a background save; an error when one is already running.
  absl::Status StartBackgroundSave();
  // BGSAVE SCHEDULE when another snapshot (an AOF rewrite) holds the keyspace: the cron starts
  // the save once it is free, as Redis's rdb_bgsave_scheduled. An error when a save already
  // runs (a replica's full sync counts as one, as Redis's replication child does).
  absl::Status ScheduleBackgroundSave();
  // Called by the server cron: reaps a finished background save, starts one when a save
  // point is reached.
  void Cron();
  SnapshotStatus status();
  // Sets RuntimeSettings::refuse_writes_after_failed_save from the last background save and
  // the settings (after a save, and when save or stop-writes-on-bgsave-error change).
  void UpdateWriteRefusal() ABSL_LOCKS_EXCLUDED(mu_) { UpdateWriteRefusal(settings_()); }
  // With the settings about to take effect (a CONFIG SET applier runs before they are live).
  void UpdateWriteRefusal(const SnapshotSettings& s) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status Write(const SnapshotSettings& settings);
  // The refusal when another snapshot holds the keyspace's slot.
  absl::Status SlotBusyError() const;
  void Finished(bool ok, uint64_t dirty_at_start, int64_t started_ms) ABSL_LOCKS_EXCLUDED(mu_);
  void JoinFinished() ABSL_LOCKS_EXCLUDED(mu_);

  storage::Keyspace& keyspace_;
  commands::RuntimeSettings& runtime_;
  commands::ScriptingServices& functions_;  // the function libraries, saved and loaded too
  persistence::SnapshotSlot& slot_;         // shared with the AOF rewrite
  const std::function<SnapshotSettings()> settings_;
  const std::function<uint64_t()> dirty_;
  const std::function<uint64_t()> used_memory_;

  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool background_done_ ABSL_GUARDED_BY(mu_) = false;
  bool scheduled_ ABSL_GUARDED_BY(mu_) = false;  // BGSAVE SCHEDULE waits for the slot
  std::thread background_ ABSL_GUARDED_BY(mu_);
  int64_t started_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_save_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_attempt_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  bool last_ok_ ABSL_GUARDED_BY(mu_) = true;
  int64_t last_bgsave_seconds_ ABSL_GUARDED_BY(mu_) = -1;
  uint64_t saves_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dirty_at_last_save_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_keys_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_cow_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_begin_usec_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t last_max_step_usec_ ABSL_GUARDED_BY(mu_) = -1;
  uint64_t loaded_keys_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t loaded_keys_expired_ ABSL_GUARDED_BY(mu_) = 0;
  std::string loaded_key_id_ ABSL_GUARDED_BY(mu_);
  std::string last_save_key_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace redoubt::server
