// The append-only file; see aof_service.h.
#include "server/aof_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/clock.h"
#include "common/file_io.h"
#include "common/log.h"
#include "persistence/rdb_snapshot.h"
#include "server/config.h"

namespace redoubt::server {
namespace {

// The largest buffer kept between writes; a larger one (after a burst, or a stalled disk) is
// released once written.
constexpr size_t kMaxSpareBytes = 4 << 20;

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

AofService::AofService(storage::Keyspace& keyspace, commands::RuntimeSettings& runtime,
                       commands::ScriptingServices& functions, persistence::SnapshotSlot& slot,
                       std::function<AofSettings()> settings)
    : keyspace_(keyspace),
      runtime_(runtime),
      functions_(functions),
      slot_(slot),
      settings_(std::move(settings)) {}

AofService::~AofService() {
  Shutdown();
}

std::string AofService::DirPath(const AofSettings& s) const {
  return s.dirname;  // relative to the working directory, which is `dir`
}

std::string AofService::PathOf(const AofSettings& s, const std::string& name) const {
  return DirPath(s) + "/" + name;
}

int AofService::OpenForAppend(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

absl::Status AofService::PersistManifest(const AofSettings& s, const persistence::AofManifest& m) {
  // Replaced durably, as Redis replaces it (temporary file, fsync, rename, directory fsync).
  const std::string path = PathOf(s, persistence::AofManifestName(s.filename));
  if (int err = common::ReplaceFileDurably(path, m.Format(), 0644); err != 0) {
    return absl::InternalError("Error trying to write the AOF manifest file " + path + ": " +
                               strerror(err));
  }
  return absl::OkStatus();
}

void AofService::DeleteHistory(const AofSettings& s) {
  if (manifest_.history.empty()) {
    return;
  }
  for (const persistence::AofFileInfo& f : manifest_.history) {
    if (unlink(PathOf(s, f.name).c_str()) == 0) {
      common::Log(common::LogLevel::kNotice,
                  "Removing the history file " + f.name + " in the background");
    }
  }
  manifest_.history.clear();
  if (absl::Status st = PersistManifest(s, manifest_); !st.ok()) {
    common::Log(common::LogLevel::kWarning, std::string(st.message()));
  }
}

absl::Status AofService::Start(const persistence::AofCommandRunner& run) {
  const AofSettings s = settings_();
  if (!s.enabled) {
    return absl::OkStatus();
  }
  if (mkdir(DirPath(s).c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError("Can't create the append-only dir " + s.dirname + ": " +
                               strerror(errno));
  }
  const std::string manifest_path = PathOf(s, persistence::AofManifestName(s.filename));
  std::string text;
  bool has_manifest = ReadFileText(manifest_path, &text) == 0;
  absl::MutexLock lock(&mu_);
  if (!has_manifest && access(s.filename.c_str(), F_OK) == 0) {
    // An appendonly.aof of Redis before 7.0 in `dir`, and no manifest: it becomes the base of
    // a multi-part AOF, as Redis 7.0 upgrades it (manifest first, then the move).
    persistence::AofManifest upgraded;
    upgraded.base = persistence::AofFileInfo{s.filename, 1, persistence::AofFileInfo::Type::kBase};
    if (absl::Status st = PersistManifest(s, upgraded); !st.ok()) {
      return st;
    }
    if (rename(s.filename.c_str(), PathOf(s, s.filename).c_str()) != 0) {
      return absl::InternalError("Error trying to move the old AOF file " + s.filename +
                                 " into dir " + s.dirname + ": " + strerror(errno));
    }
    common::Log(common::LogLevel::kNotice, "Successfully migrated an old-style AOF file (" +
                                               s.filename + ") into the AOF directory (" +
                                               s.dirname + ").");
    text = upgraded.Format();
    has_manifest = true;
  }
  if (has_manifest) {
    absl::StatusOr<persistence::AofManifest> parsed = persistence::AofManifest::Parse(text);
    if (!parsed.ok()) {
      return absl::DataLossError("Fatal AOF manifest file error in " + manifest_path + ": " +
                                 std::string(parsed.status().message()));
    }
    manifest_ = std::move(*parsed);
    // Nothing expires while the commands replay, as in Redis: the replay's own DELs do it.
    keyspace_.set_expiry_paused(true);
    persistence::AofLoadResult loaded;
    const int64_t start_us = common::MonotonicMicros();
    absl::Status st = persistence::LoadAof(DirPath(s), manifest_, keyspace_, runtime_,
                                           {.load_truncated = s.load_truncated,
                                            .verify_checksum = s.rdb_checksum,
                                            .functions = &functions_},
                                           run, &loaded);
    keyspace_.set_expiry_paused(false);
    if (!st.ok()) {
      return st;
    }
    base_size_.store(loaded.base_size);
    current_size_.store(loaded.total_size);
    rewrite_base_size_ = loaded.total_size;
    common::Log(
        common::LogLevel::kNotice,
        "DB loaded from append only file: " +
            std::to_string(static_cast<double>(common::MonotonicMicros() - start_us) / 1e6) +
            " seconds");
    DeleteHistory(s);
  }
  if (!manifest_.base && manifest_.incrs.empty()) {
    // No AOF yet: the base is made from what is in memory now, as Redis 7.0 creates it on
    // start-up. (Increments without a base stay so: a base holding their effects would apply
    // them twice at the next load.)
    const int64_t seq = manifest_.NextBaseSeq();
    const std::string name = persistence::AofBaseName(s.filename, seq, s.use_rdb_preamble);
    persistence::RdbSnapshot snapshot(
        keyspace_, {.compress = s.rdb_compression,
                    .checksum = s.rdb_checksum,
                    .used_memory = keyspace_.used_bytes(),
                    .aof_base = true,
                    .as_commands = !s.use_rdb_preamble,
                    .timestamp = s.timestamps,
                    .function_libraries = [this] { return functions_.FunctionLibraryCodes(); }});
    snapshot.Begin();
    if (absl::Status st = persistence::SaveSnapshotToFile(snapshot, PathOf(s, name)); !st.ok()) {
      return absl::InternalError("Creating the AOF base file " + name +
                                 " failed: " + std::string(st.message()));
    }
    manifest_.base = persistence::AofFileInfo{name, seq, persistence::AofFileInfo::Type::kBase};
    common::Log(common::LogLevel::kNotice, "Creating AOF base file " + name + " on server start");
    base_size_.store(FileSize(PathOf(s, name)));
    current_size_.store(base_size_.load());
    rewrite_base_size_ = base_size_.load();
  }
  if (manifest_.incrs.empty()) {
    const int64_t seq = manifest_.NextIncrSeq();
    const std::string name = persistence::AofIncrName(s.filename, seq);
    manifest_.incrs.push_back({name, seq, persistence::AofFileInfo::Type::kIncr});
    manifest_.max_incr_seq = seq;
    common::Log(common::LogLevel::kNotice, "Creating AOF incr file " + name + " on server start");
  }
  if (absl::Status st = PersistManifest(s, manifest_); !st.ok()) {
    return st;
  }
  const std::string incr = PathOf(s, manifest_.incrs.back().name);
  int fd = OpenForAppend(incr);
  if (fd < 0) {
    return absl::InternalError("Can't open the append-only file " + incr + ": " + strerror(errno));
  }
  StartWriter(fd, s.fsync, /*activate=*/true);
  return absl::OkStatus();
}

void AofService::StartWriter(int fd, AofFsync fsync, bool activate) {
  {
    absl::MutexLock lock(&log_mu_);
    fsync_ = fsync;
    stop_writer_ = false;
    buffer_.clear();
    before_cut_.clear();
    cut_fd_ = -1;
    selected_db_ = -1;  // a new file starts with a SELECT, whatever was selected before
    active_.store(activate);
    await_durable_.store(activate && fsync == AofFsync::kAlways);
  }
  {
    absl::MutexLock lock(&file_mu_);
    fd_ = fd;
    retry_.clear();
    unsynced_ = false;
  }
  writer_ = std::thread([this] { WriterLoop(); });
}

void AofService::StopWriter() {
  {
    absl::MutexLock lock(&log_mu_);
    active_.store(false);
    await_durable_.store(false);
    stop_writer_ = true;
  }
  if (writer_.joinable()) {
    writer_.join();  // it writes and syncs what is left first
  }
  runtime_.aof_write_errno.store(0, std::memory_order_relaxed);  // no AOF, nothing to refuse
  absl::MutexLock lock(&file_mu_);
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

void AofService::Append(int db, int end_db, std::string_view commands) {
  absl::MutexLock lock(&log_mu_);
  if (!active_.load(std::memory_order_relaxed)) {
    return;
  }
  const size_t before = buffer_.size();
  if (timestamps_.load(std::memory_order_relaxed)) {
    const int64_t now = common::UnixMillis() / 1000;
    if (now > last_timestamp_) {
      last_timestamp_ = now;
      buffer_.append("#TS:").append(std::to_string(now)).append("\r\n");
    }
  }
  if (db != selected_db_) {
    commands::AppendSelect(&buffer_, db);
  }
  buffer_.append(commands);
  selected_db_ = end_db;
  appended_.fetch_add(buffer_.size() - before, std::memory_order_release);
}

void AofService::WriteBeforeSleep() {
  if (!active_.load(std::memory_order_relaxed)) {
    return;
  }
  // Whatever was appended until now is written — and with appendfsync always synced — before
  // this thread sends the replies it held back. Another thread's turn may already cover it.
  const bool sync = await_durable_.load(std::memory_order_relaxed);
  std::atomic<uint64_t>& done = sync ? durable_ : written_;
  const uint64_t target = appended_.load(std::memory_order_acquire);
  if (done.load(std::memory_order_acquire) >= target) {
    return;
  }
  absl::MutexLock lock(&file_mu_);
  if (done.load(std::memory_order_acquire) < target) {
    DrainLocked(sync);
  }
}

bool AofService::DrainLocked(bool sync) {
  // The log's buffer is swapped with this one, emptied by the last round but with its
  // capacity kept, so that neither side regrows its buffer from nothing at every batch.
  std::string& batch = spare_;
  batch.clear();
  std::string old_tail;
  int new_fd;
  uint64_t end_offset;
  AofFsync fsync;
  {
    absl::MutexLock lock(&log_mu_);
    batch.swap(buffer_);
    old_tail.swap(before_cut_);
    new_fd = cut_fd_;
    cut_fd_ = -1;
    end_offset = appended_.load(std::memory_order_relaxed);
    fsync = fsync_;
  }
  if (fd_ < 0) {
    // No file yet (cannot happen while the log is live): kept for the first one.
    retry_.append(old_tail);
    retry_.append(batch);
    fd_ = new_fd;
    return true;
  }
  bool ok = true;
  if (new_fd >= 0) {
    // The rewrite's cut: the old file gets what came before it, synced, and is closed. A
    // failure keeps what is left for the new file: nothing acknowledged is dropped.
    retry_.append(old_tail);
    std::string_view pending = retry_;
    ok = common::WriteAll(fd_, &pending) && fdatasync(fd_) == 0;
    current_size_.fetch_add(retry_.size() - pending.size());
    retry_.erase(0, retry_.size() - pending.size());
    close(fd_);
    fd_ = new_fd;
    unsynced_ = false;
  }
  if (!retry_.empty() || !batch.empty()) {
    // What a failed write left comes first; a failure keeps the rest for the next round, as
    // Redis keeps its AOF buffer. Without a leftover the batch is written where it is.
    if (!retry_.empty()) {
      retry_.append(batch);
      batch.swap(retry_);
    }
    std::string_view pending = batch;
    const size_t before = pending.size();
    ok = common::WriteAll(fd_, &pending) && ok;
    current_size_.fetch_add(before - pending.size());
    retry_.assign(pending);  // empty once everything is written
    unsynced_ = true;
  }
  if (ok && unsynced_ && sync) {
    ok = fdatasync(fd_) == 0;
    unsynced_ = !ok;
    last_fsync_us_ = common::MonotonicMicros();
  }
  const int error = ok ? 0 : errno;
  if (!ok) {
    if (fsync == AofFsync::kAlways) {
      // As Redis: a reply may already have promised the write was on disk.
      common::Log(common::LogLevel::kWarning,
                  std::string("Can't recover from AOF write error when the AOF fsync policy is "
                              "'always': ") +
                      strerror(error) + ". Exiting...");
      _exit(1);
    }
    if (last_write_ok_.load()) {
      common::Log(common::LogLevel::kWarning,
                  std::string("Error writing to the AOF file: ") + strerror(error));
    }
  } else if (!last_write_ok_.load()) {
    common::Log(common::LogLevel::kWarning,
                "AOF write error looks solved, Redoubt can write again.");
  }
  if (batch.capacity() > kMaxSpareBytes) {
    std::string().swap(batch);  // a burst's buffer is not kept for good
  }
  last_write_ok_.store(ok);
  // Writes are refused (MISCONF) until a write succeeds again, as Redis refuses them.
  runtime_.aof_write_errno.store(ok ? 0 : (error != 0 ? error : EIO), std::memory_order_relaxed);
  if (ok) {
    written_.store(end_offset, std::memory_order_release);
    if (!unsynced_) {
      durable_.store(end_offset, std::memory_order_release);
    }
  }
  return ok;
}

void AofService::WriterLoop() {
  // The I/O threads write at the end of each batch of events; this thread writes what other
  // threads appended (the cron's expiries), syncs once a second under everysec — on a
  // descriptor of its own, so that the I/O threads' writes go on meanwhile, as Redis's bio
  // thread syncs — and writes and syncs what is left when it stops.
  while (true) {
    bool stopping;
    AofFsync fsync;
    {
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(log_mu_) { return stop_writer_; };
      log_mu_.LockWhenWithTimeout(absl::Condition(&stop), absl::Milliseconds(100));
      stopping = stop_writer_;
      fsync = fsync_;
      log_mu_.Unlock();
    }
    int sync_fd = -1;
    uint64_t covered = 0;
    {
      absl::MutexLock lock(&file_mu_);
      DrainLocked(/*sync=*/stopping);
      if (!stopping && fsync == AofFsync::kEverysec && unsynced_ &&
          common::MonotonicMicros() - last_fsync_us_ >= 1000000) {
        sync_fd = dup(fd_);
        covered = appended_.load(std::memory_order_acquire);
        unsynced_ = false;
        last_fsync_us_ = common::MonotonicMicros();
      }
    }
    if (sync_fd >= 0) {
      if (fdatasync(sync_fd) == 0) {
        uint64_t seen = durable_.load();
        while (seen < covered && !durable_.compare_exchange_weak(seen, covered)) {
        }
      } else {
        const int error = errno;
        last_write_ok_.store(false);
        runtime_.aof_write_errno.store(error != 0 ? error : EIO, std::memory_order_relaxed);
        common::Log(common::LogLevel::kWarning,
                    std::string("Error syncing the AOF file: ") + strerror(error));
      }
      close(sync_fd);
    }
    if (stopping) {
      return;
    }
  }
}

void AofService::Enable() {
  absl::MutexLock lock(&mu_);
  if (active() || enabling_) {
    return;
  }
  // The cron starts the rewrite: a CONFIG SET may run inside EXEC, with shards locked, where
  // the snapshot's start (every shard) cannot be taken.
  enabling_ = true;
  rewrite_scheduled_ = true;
}

void AofService::Disable() {
  absl::MutexLock lock(&mu_);
  if (rewrite_running_) {
    abandon_rewrite_ = true;  // its result is dropped when it ends
  }
  rewrite_scheduled_ = false;
  enabling_ = false;
  StopWriter();
}

void AofService::SetFsync(AofFsync fsync) {
  absl::MutexLock lock(&log_mu_);
  fsync_ = fsync;
  await_durable_.store(active_.load() && fsync == AofFsync::kAlways);
}

absl::StatusOr<std::string> AofService::StartRewrite() {
  JoinRewrite();
  const AofSettings s = settings_();
  absl::MutexLock lock(&mu_);
  if (rewrite_running_) {
    return absl::FailedPreconditionError(
        "ERR Background append only file rewriting already in progress");
  }
  if (!slot_.TryAcquire(persistence::SnapshotSlot::Owner::kAofRewrite)) {
    rewrite_scheduled_ = true;
    return std::string("Background append only file rewriting scheduled");
  }
  if (absl::Status st = BeginRewrite(s, NextRewriteKind()); !st.ok()) {
    slot_.Release();
    return absl::InternalError(
        "ERR Can't execute an AOF background rewriting. Please check the "
        "server logs for more information.");
  }
  return std::string("Background append only file rewriting started");
}

AofService::RewriteKind AofService::NextRewriteKind() const {
  return enabling_  ? RewriteKind::kSwitchingOn
         : active() ? RewriteKind::kLive
                    : RewriteKind::kBaseOnly;
}

absl::Status AofService::BeginRewrite(const AofSettings& s, RewriteKind kind) {
  if (kind != RewriteKind::kLive) {
    // The AOF is off: the manifest on disk (if any) says which files the new base replaces.
    if (mkdir(DirPath(s).c_str(), 0755) != 0 && errno != EEXIST) {
      common::Log(common::LogLevel::kWarning,
                  "Can't create the append-only dir " + s.dirname + ": " + strerror(errno));
      return absl::InternalError(strerror(errno));
    }
    std::string text;
    absl::StatusOr<persistence::AofManifest> on_disk =
        ReadFileText(PathOf(s, persistence::AofManifestName(s.filename)), &text) == 0
            ? persistence::AofManifest::Parse(text)
            : absl::NotFoundError("no manifest");
    manifest_ = on_disk.ok() ? std::move(*on_disk) : persistence::AofManifest{};
  }
  // The new incremental file first: listed in the manifest before any byte goes to it, so
  // that a crash during the rewrite still loads the old base, the old increments and it.
  // When the AOF is being switched on, the files only count once the base exists; with the
  // AOF off there is no increment, only the base.
  int fd = -1;
  int64_t incr_seq = 0;
  if (kind != RewriteKind::kBaseOnly) {
    incr_seq = manifest_.NextIncrSeq();
    const std::string incr_name = persistence::AofIncrName(s.filename, incr_seq);
    const std::string incr_path =
        kind == RewriteKind::kSwitchingOn ? PathOf(s, "temp-" + incr_name) : PathOf(s, incr_name);
    fd = open(incr_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      common::Log(common::LogLevel::kWarning,
                  "Can't open the append-only file " + incr_path + ": " + strerror(errno));
      return absl::InternalError(strerror(errno));
    }
    if (kind == RewriteKind::kLive) {
      persistence::AofManifest next = manifest_;
      next.incrs.push_back({incr_name, incr_seq, persistence::AofFileInfo::Type::kIncr});
      next.max_incr_seq = incr_seq;
      if (absl::Status st = PersistManifest(s, next); !st.ok()) {
        close(fd);
        unlink(incr_path.c_str());
        common::Log(common::LogLevel::kWarning, std::string(st.message()));
        return st;
      }
      manifest_ = std::move(next);
    }
  }
  const int64_t base_seq = manifest_.NextBaseSeq();
  auto snapshot = std::make_shared<persistence::RdbSnapshot>(
      keyspace_, persistence::SnapshotOptions{
                     .compress = s.rdb_compression,
                     .checksum = s.rdb_checksum,
                     .used_memory = keyspace_.used_bytes(),
                     .key_save_delay_us = s.key_save_delay_us,
                     .aof_base = true,
                     .as_commands = !s.use_rdb_preamble,
                     .timestamp = s.timestamps,
                     .function_libraries = [this] { return functions_.FunctionLibraryCodes(); }});
  // The cut, with every shard locked: what was appended so far belongs to the old file, what
  // follows to the new one. When switching on, the log goes live there instead: the commands
  // before the cut are in the base, and every one after it sees active() (the dispatcher
  // reads it with the command's shards locked).
  if (kind == RewriteKind::kSwitchingOn) {
    StartWriter(fd, s.fsync, /*activate=*/false);
  }
  const bool always = s.fsync == AofFsync::kAlways;
  snapshot->Begin([this, fd, kind, always] {
    if (kind == RewriteKind::kBaseOnly) {
      return;
    }
    absl::MutexLock lock(&log_mu_);
    selected_db_ = -1;  // a new file starts with a SELECT
    if (kind == RewriteKind::kSwitchingOn) {
      buffer_.clear();
      active_.store(true);
      await_durable_.store(always);
      return;
    }
    before_cut_.append(buffer_);
    buffer_.clear();
    cut_fd_ = fd;
  });
  rewrite_running_ = true;
  rewrite_done_ = false;
  abandon_rewrite_ = false;
  rewrite_started_ms_ = common::UnixMillis();
  const std::string temp_path =
      PathOf(s, "temp-rewriteaoftobg-" + std::to_string(getpid()) + ".aof");
  common::Log(common::LogLevel::kNotice, "Background append only file rewriting started");
  rewriter_ = std::thread([this, s, snapshot, temp_path, base_seq, incr_seq, kind] {
    absl::Status st = persistence::SaveSnapshotToFile(*snapshot, temp_path);
    if (!st.ok()) {
      common::Log(common::LogLevel::kWarning,
                  "Background AOF rewrite failed: " + std::string(st.message()));
    }
    RewriteFinished(s, st.ok(), temp_path, base_seq, incr_seq, kind, snapshot->copied_bytes());
  });
  return absl::OkStatus();
}

void AofService::RewriteFinished(const AofSettings& s, bool ok, const std::string& temp_path,
                                 int64_t base_seq, int64_t incr_seq, RewriteKind kind,
                                 uint64_t cow_bytes) {
  slot_.Release();
  absl::MutexLock lock(&mu_);
  rewrite_done_ = true;
  last_cow_bytes_ = cow_bytes;
  last_rewrite_seconds_ = (common::UnixMillis() - rewrite_started_ms_ + 500) / 1000;
  const std::string incr_name = persistence::AofIncrName(s.filename, incr_seq);
  if (ok && abandon_rewrite_) {
    ok = false;
  }
  if (ok) {
    const std::string base_name =
        persistence::AofBaseName(s.filename, base_seq, s.use_rdb_preamble);
    if (rename(temp_path.c_str(), PathOf(s, base_name).c_str()) != 0) {
      common::Log(common::LogLevel::kWarning, "Error trying to rename the temporary AOF file " +
                                                  temp_path + " into " + base_name + ": " +
                                                  strerror(errno));
      ok = false;
    } else {
      if (kind == RewriteKind::kSwitchingOn) {
        // The increment written since the cut becomes the AOF's first.
        (void)rename(PathOf(s, "temp-" + incr_name).c_str(), PathOf(s, incr_name).c_str());
      }
      // The old base and every increment before the new one become history.
      persistence::AofManifest next = manifest_;
      if (next.base) {
        next.history.push_back(
            {next.base->name, next.base->seq, persistence::AofFileInfo::Type::kHistory});
      }
      next.base =
          persistence::AofFileInfo{base_name, base_seq, persistence::AofFileInfo::Type::kBase};
      std::vector<persistence::AofFileInfo> kept;
      for (const persistence::AofFileInfo& f : next.incrs) {
        if (kind == RewriteKind::kLive && f.seq >= incr_seq) {
          kept.push_back(f);
        } else {
          next.history.push_back({f.name, f.seq, persistence::AofFileInfo::Type::kHistory});
        }
      }
      if (kind == RewriteKind::kSwitchingOn) {
        kept = {{incr_name, incr_seq, persistence::AofFileInfo::Type::kIncr}};
      }
      next.incrs = std::move(kept);
      next.max_incr_seq = std::max(next.max_incr_seq, incr_seq);
      if (absl::Status st = PersistManifest(s, next); !st.ok()) {
        common::Log(common::LogLevel::kWarning, std::string(st.message()));
        ok = false;
      } else {
        manifest_ = std::move(next);
        const uint64_t base = FileSize(PathOf(s, base_name));
        const uint64_t incr = incr_seq > 0 ? FileSize(PathOf(s, incr_name)) : 0;
        base_size_.store(base);
        current_size_.store(base + incr);
        rewrite_base_size_ = base + incr;
        DeleteHistory(s);
        common::Log(common::LogLevel::kNotice, "Background AOF rewrite terminated with success");
        common::Log(common::LogLevel::kNotice, "Background AOF rewrite finished successfully");
      }
    }
  }
  if (!ok) {
    unlink(temp_path.c_str());
    if (kind == RewriteKind::kSwitchingOn) {
      // Still switching on: the log stops until a later rewrite makes a base (the cron tries
      // again), unless CONFIG SET appendonly no came meanwhile.
      StopWriter();
      unlink(PathOf(s, "temp-" + incr_name).c_str());
      rewrite_scheduled_ = !abandon_rewrite_;
      enabling_ = !abandon_rewrite_;
    }
    ++rewrite_failures_;
  } else {
    rewrite_failures_ = 0;
    ++rewrites_;
    enabling_ = false;
  }
  last_rewrite_ok_ = ok;
}

void AofService::JoinRewrite() {
  std::thread done;
  {
    absl::MutexLock lock(&mu_);
    if (!rewrite_done_) {
      return;
    }
    done = std::move(rewriter_);
    rewrite_done_ = false;
    rewrite_running_ = false;
  }
  if (done.joinable()) {
    done.join();
  }
}

void AofService::Cron() {
  JoinRewrite();
  const AofSettings s = settings_();
  absl::MutexLock lock(&mu_);
  if (rewrite_running_) {
    return;
  }
  bool start = rewrite_scheduled_;
  if (!start && active() && s.auto_rewrite_percentage > 0) {
    // Redis's serverCron: grown by the percentage over the size after the last rewrite (or
    // start-up), and at least the minimum size.
    const uint64_t size = current_size_.load();
    const uint64_t base = std::max<uint64_t>(rewrite_base_size_, 1);
    const uint64_t growth = size > base ? (size - base) * 100 / base : 0;
    start = size >= static_cast<uint64_t>(s.auto_rewrite_min_size) &&
            growth >= static_cast<uint64_t>(s.auto_rewrite_percentage);
    if (start) {
      common::Log(common::LogLevel::kNotice,
                  "Starting automatic rewriting of AOF on " + std::to_string(growth) + "% growth");
    }
  }
  // After a failure, as Redis: not again within a few seconds.
  if (!start || (rewrite_failures_ > 0 && common::UnixMillis() - rewrite_started_ms_ < 5000)) {
    return;
  }
  if (!slot_.TryAcquire(persistence::SnapshotSlot::Owner::kAofRewrite)) {
    return;
  }
  rewrite_scheduled_ = false;
  if (!BeginRewrite(s, NextRewriteKind()).ok()) {
    slot_.Release();
    rewrite_scheduled_ = enabling_;  // switching on is retried
    ++rewrite_failures_;
    rewrite_started_ms_ = common::UnixMillis();
  }
}

void AofService::WaitForRewrite() {
  std::thread rewriter;
  {
    absl::MutexLock lock(&mu_);
    rewriter = std::move(rewriter_);
  }
  if (rewriter.joinable()) {
    rewriter.join();
  }
  absl::MutexLock lock(&mu_);
  rewrite_running_ = false;
  rewrite_done_ = false;
}

void AofService::Shutdown() {
  WaitForRewrite();
  absl::MutexLock lock(&mu_);
  StopWriter();
}

AofStatus AofService::status() {
  AofStatus st;
  st.last_write_ok = last_write_ok_.load();
  st.current_size = current_size_.load();
  st.base_size = base_size_.load();
  {
    absl::MutexLock lock(&log_mu_);
    st.buffer_length = buffer_.size();
  }
  absl::MutexLock lock(&mu_);
  st.rewrite_in_progress = rewrite_running_ && !rewrite_done_;
  st.rewrite_scheduled = rewrite_scheduled_;
  st.last_rewrite_seconds = last_rewrite_seconds_;
  st.current_rewrite_seconds =
      st.rewrite_in_progress ? (common::UnixMillis() - rewrite_started_ms_) / 1000 : -1;
  st.last_rewrite_ok = last_rewrite_ok_;
  st.rewrites = rewrites_;
  st.rewrites_consecutive_failures = rewrite_failures_;
  st.last_cow_bytes = last_cow_bytes_;
  return st;
}

}  // namespace redoubt::server
