// Snapshots for the server; see snapshot_service.h.
#include "server/snapshot_service.h"

#include <sstream>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "persistence/rdb_loader.h"

namespace redoubt::server {

SnapshotService::SnapshotService(storage::Keyspace& keyspace, commands::RuntimeSettings& runtime,
                                 commands::ScriptingServices& functions,
                                 persistence::SnapshotSlot& slot,
                                 std::function<SnapshotSettings()> settings,
                                 std::function<uint64_t()> dirty,
                                 std::function<uint64_t()> used_memory)
    : keyspace_(keyspace),
      runtime_(runtime),
      functions_(functions),
      slot_(slot),
      settings_(std::move(settings)),
      dirty_(std::move(dirty)),
      used_memory_(std::move(used_memory)) {
  absl::MutexLock lock(&mu_);
  last_save_seconds_ = common::UnixMillis() / 1000;
  last_attempt_seconds_ = last_save_seconds_;
}

SnapshotService::~SnapshotService() {
  std::thread t;
  {
    absl::MutexLock lock(&mu_);
    t = std::move(background_);
  }
  if (t.joinable()) {
    t.join();
  }
}

absl::Status SnapshotService::LoadAtStartup() {
  SnapshotSettings s = settings_();
  persistence::RdbLoadResult result;
  persistence::RdbLoadOptions options{
      .verify_checksum = s.checksum, .keys = s.keys.get(), .functions = &functions_};
  int64_t start = common::MonotonicMicros();
  absl::Status st = persistence::LoadRdbFile(s.path, keyspace_, runtime_, options, &result);
  if (absl::IsNotFound(st)) {
    return absl::OkStatus();
  }
  if (!st.ok()) {
    return st;
  }
  {
    absl::MutexLock lock(&mu_);
    loaded_keys_ = result.keys_loaded;
    loaded_keys_expired_ = result.keys_expired;
    loaded_key_id_ = result.encryption_key_id;
  }
  std::string encryption;
  if (!result.encryption_key_id.empty()) {
    encryption = ", decrypted with the " +
                 std::string(result.read_with_old_key ? "old" : "current") + " key " +
                 result.encryption_key_id;
  } else if (s.keys != nullptr && s.keys->current.has_value()) {
    encryption = ", not encrypted: the next save encrypts it";
  }
  common::Log(
      common::LogLevel::kNotice,
      "DB loaded from disk: " + std::to_string((common::MonotonicMicros() - start) / 1000000.0) +
          " seconds (" + std::to_string(result.keys_loaded) + " keys, " +
          std::to_string(result.keys_expired) + " expired keys skipped" + encryption + ")");
  return absl::OkStatus();
}

absl::Status SnapshotService::Write(const SnapshotSettings& s) {
  persistence::SnapshotOptions options{
      .compress = s.compress,
      .checksum = s.checksum,
      .used_memory = used_memory_(),
      .key_save_delay_us = s.key_save_delay_us,
      .function_libraries = [this] { return functions_.FunctionLibraryCodes(); }};
  persistence::RdbSnapshot snapshot(keyspace_, options);
  snapshot.Begin();
  const persistence::EncryptionKey* key =
      s.keys != nullptr && s.keys->current.has_value() ? &*s.keys->current : nullptr;
  absl::Status st = persistence::SaveSnapshotToFile(snapshot, s.path, key);
  {
    absl::MutexLock lock(&mu_);
    last_keys_ = snapshot.keys_written();
    last_cow_bytes_ = snapshot.copied_bytes();
    last_begin_usec_ = snapshot.begin_micros();
    last_max_step_usec_ = snapshot.max_step_micros();
    if (st.ok()) {
      last_save_key_id_ = key != nullptr ? key->id : "";
    }
  }
  return st;
}

absl::Status SnapshotService::SlotBusyError() const {
  // A replica's full sync is a background save in Redis: BGSAVE finds one running.
  if (slot_.owner() == persistence::SnapshotSlot::Owner::kFullSync) {
    return absl::FailedPreconditionError("ERR Background save already in progress");
  }
  return absl::FailedPreconditionError(std::string(kErrAofRewriteRunning));
}

absl::Status SnapshotService::Save() {
  JoinFinished();
  {
    absl::MutexLock lock(&mu_);
    if (running_) {
      return absl::FailedPreconditionError("ERR Background save already in progress");
    }
    if (!slot_.TryAcquire(persistence::SnapshotSlot::Owner::kSave)) {
      return SlotBusyError();
    }
    running_ = true;
  }
  uint64_t dirty = dirty_();
  int64_t started = common::UnixMillis();
  absl::Status st = Write(settings_());
  slot_.Release();
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
    last_attempt_seconds_ = common::UnixMillis() / 1000;
    if (st.ok()) {
      last_save_seconds_ = started / 1000;
      dirty_at_last_save_ = dirty;
      ++saves_;
      last_ok_ = true;  // as Redis's rdbSave: a good SAVE lifts a MISCONF refusal
    }
  }
  if (st.ok()) {
    common::Log(common::LogLevel::kNotice, "DB saved on disk");
  } else {
    common::Log(common::LogLevel::kWarning, "Error saving DB on disk: " + st.ToString());
  }
  UpdateWriteRefusal();
  return st;
}

void SnapshotService::UpdateWriteRefusal(const SnapshotSettings& s) {
  bool failed;
  {
    absl::MutexLock lock(&mu_);
    failed = !last_ok_;
  }
  runtime_.refuse_writes_after_failed_save.store(
      failed && s.stop_writes_on_error && !s.save_points.empty(), std::memory_order_relaxed);
}

absl::Status SnapshotService::StartBackgroundSave() {
  JoinFinished();
  // Read before mu_ is taken: settings_() takes the server's config lock, and a CONFIG SET
  // applier holds that lock while it calls UpdateWriteRefusal, which takes mu_.
  const SnapshotSettings s = settings_();
  const uint64_t dirty = dirty_();
  absl::MutexLock lock(&mu_);
  if (running_) {
    return absl::FailedPreconditionError("ERR Background save already in progress");
  }
  if (!slot_.TryAcquire(persistence::SnapshotSlot::Owner::kSave)) {
    return SlotBusyError();
  }
  running_ = true;
  background_done_ = false;
  started_ms_ = common::UnixMillis();
  int64_t started = started_ms_;
  common::Log(common::LogLevel::kNotice, "Background saving started");
  background_ = std::thread([this, s, dirty, started] {
    absl::Status st = Write(s);
    slot_.Release();
    if (!st.ok()) {
      common::Log(common::LogLevel::kWarning, "Background saving error: " + st.ToString());
    } else {
      common::Log(common::LogLevel::kNotice, "Background saving terminated with success");
    }
    Finished(st.ok(), dirty, started);
    UpdateWriteRefusal();
  });
  return absl::OkStatus();
}

absl::Status SnapshotService::ScheduleBackgroundSave() {
  absl::MutexLock lock(&mu_);
  if (running_ || slot_.owner() == persistence::SnapshotSlot::Owner::kFullSync) {
    return absl::FailedPreconditionError("ERR Background save already in progress");
  }
  scheduled_ = true;
  return absl::OkStatus();
}

void SnapshotService::Finished(bool ok, uint64_t dirty_at_start, int64_t started_ms) {
  absl::MutexLock lock(&mu_);
  running_ = false;
  background_done_ = true;
  last_ok_ = ok;
  last_attempt_seconds_ = common::UnixMillis() / 1000;
  last_bgsave_seconds_ = (common::UnixMillis() - started_ms) / 1000;
  if (ok) {
    last_save_seconds_ = started_ms / 1000;
    dirty_at_last_save_ = dirty_at_start;
    ++saves_;
  }
}

void SnapshotService::JoinFinished() {
  std::thread t;
  {
    absl::MutexLock lock(&mu_);
    if (!background_done_) {
      return;
    }
    background_done_ = false;
    t = std::move(background_);
  }
  if (t.joinable()) {
    t.join();
  }
}

void SnapshotService::Cron() {
  JoinFinished();
  {
    bool start_scheduled = false;
    {
      absl::MutexLock lock(&mu_);
      if (scheduled_ && !running_ && slot_.owner() == persistence::SnapshotSlot::Owner::kNone) {
        scheduled_ = false;
        start_scheduled = true;
      }
    }
    if (start_scheduled) {
      common::Log(common::LogLevel::kNotice, "Starting the scheduled background save");
      if (absl::Status st = StartBackgroundSave(); !st.ok()) {
        absl::MutexLock lock(&mu_);
        scheduled_ = true;  // the slot was taken meanwhile: the next cron tries again
      }
      return;
    }
  }
  SnapshotSettings s = settings_();
  if (s.save_points.empty()) {
    return;
  }
  const uint64_t dirty = dirty_();
  uint64_t changes;
  int64_t since_save;
  int64_t since_attempt;
  bool last_ok;
  {
    absl::MutexLock lock(&mu_);
    if (running_ || slot_.owner() != persistence::SnapshotSlot::Owner::kNone) {
      return;
    }
    int64_t now = common::UnixMillis() / 1000;
    changes = dirty - dirty_at_last_save_;
    since_save = now - last_save_seconds_;
    since_attempt = now - last_attempt_seconds_;
    last_ok = last_ok_;
  }
  // Redis's serverCron: a point is reached when at least `changes` happened in `seconds`;
  // after a failed save, wait CONFIG_BGSAVE_RETRY_DELAY (5 s) before trying again.
  std::istringstream in(s.save_points);
  int64_t seconds, needed;
  while (in >> seconds >> needed) {
    if (changes >= static_cast<uint64_t>(needed) && since_save > seconds &&
        (last_ok || since_attempt > 5)) {
      common::Log(common::LogLevel::kNotice, std::to_string(needed) + " changes in " +
                                                 std::to_string(seconds) + " seconds. Saving...");
      (void)StartBackgroundSave();
      return;
    }
  }
}

SnapshotStatus SnapshotService::status() {
  uint64_t dirty = dirty_();
  // Before mu_: settings_() takes the config lock (see StartBackgroundSave).
  const SnapshotSettings settings = settings_();
  absl::MutexLock lock(&mu_);
  SnapshotStatus st;
  if (settings.keys != nullptr && settings.keys->current.has_value()) {
    st.key_id = settings.keys->current->id;
  }
  st.last_save_key_id = last_save_key_id_;
  st.in_progress = running_ && background_.joinable() && !background_done_;
  st.last_save_seconds = last_save_seconds_;
  st.last_bgsave_ok = last_ok_;
  st.last_bgsave_seconds = last_bgsave_seconds_;
  st.current_bgsave_seconds = st.in_progress ? (common::UnixMillis() - started_ms_) / 1000 : -1;
  st.saves = saves_;
  st.changes_since_last_save = dirty - dirty_at_last_save_;
  st.last_keys = last_keys_;
  st.last_cow_bytes = last_cow_bytes_;
  st.last_begin_usec = last_begin_usec_;
  st.last_max_step_usec = last_max_step_usec_;
  st.loaded_keys = loaded_keys_;
  st.loaded_keys_expired = loaded_keys_expired_;
  st.loaded_key_id = loaded_key_id_;
  return st;
}

}  // namespace redoubt::server
