// The replication stream and its backlog; see replication_stream.h.
#include "replication/replication_stream.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "commands/command_log.h"
#include "common/random_id.h"

namespace redoubt::replication {

ReplicationStream::ReplicationStream(int64_t backlog_size)
    : backlog_size_(backlog_size), replid_(common::RandomHexId()), replid2_(40, '0') {}

ReplicationStream::~ReplicationStream() = default;

void ReplicationStream::Activate() {
  active_.store(true, std::memory_order_relaxed);
}

int64_t ReplicationStream::FirstOffsetLocked() const {
  return chunks_.empty() ? offset_.load(std::memory_order_relaxed) : chunks_.front().start;
}

void ReplicationStream::AppendLocked(std::string_view bytes) {
  // A command is never split across chunks, and a chunk never grows past the capacity it was
  // made with (readers copy from it without the lock): a new chunk starts when it would.
  if (chunks_.empty() ||
      chunks_.back().bytes->size() + bytes.size() > chunks_.back().bytes->capacity()) {
    std::shared_ptr<std::string> chunk;
    if (bytes.size() <= kChunkBytes && !spare_chunks_.empty()) {
      chunk = std::move(spare_chunks_.back());
      spare_chunks_.pop_back();
    } else {
      chunk = std::make_shared<std::string>();
      chunk->reserve(std::max(kChunkBytes, bytes.size()));
    }
    chunks_.push_back(Chunk{offset_.load(std::memory_order_relaxed), std::move(chunk)});
  }
  chunks_.back().bytes->append(bytes);
  offset_.store(offset_.load(std::memory_order_relaxed) + static_cast<int64_t>(bytes.size()));
  TrimLocked();
}

void ReplicationStream::TrimLocked() {
  // Keep repl-backlog-size bytes of history, and whatever a reader has yet to read.
  int64_t keep_from = offset_.load(std::memory_order_relaxed) - backlog_size_;
  for (const Reader* r : readers_) {
    keep_from = std::min(keep_from, r->position());
  }
  while (chunks_.size() > 1 &&
         chunks_.front().start + static_cast<int64_t>(chunks_.front().bytes->size()) <= keep_from) {
    RecycleLocked(std::move(chunks_.front().bytes));
    chunks_.pop_front();
  }
}

void ReplicationStream::RecycleLocked(std::shared_ptr<std::string> chunk) {
  // Readers take and drop their references under mu_, so a chunk held only here is no one
  // else's and stays so.
  if (chunk.use_count() == 1 && chunk->capacity() == kChunkBytes &&
      spare_chunks_.size() < kMaxSpareChunks) {
    chunk->clear();
    spare_chunks_.push_back(std::move(chunk));
  }
}

void ReplicationStream::AppendCommands(int db, int end_db, std::string_view commands) {
  if (!active()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  if (db != selected_db_) {
    select_scratch_.clear();
    commands::AppendSelect(&select_scratch_, db);
    AppendLocked(select_scratch_);
  }
  AppendLocked(commands);
  selected_db_ = end_db;
}

void ReplicationStream::AppendRaw(std::string_view bytes) {
  if (!active()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  AppendLocked(bytes);
}

void ReplicationStream::ForceSelect() {
  absl::MutexLock lock(&mu_);
  selected_db_ = -1;
}

std::unique_ptr<ReplicationStream::Reader> ReplicationStream::TryContinue(std::string_view replid,
                                                                          int64_t psync_offset) {
  absl::MutexLock lock(&mu_);
  if (!active()) {
    return nullptr;
  }
  // As Redis's masterTryPartialResynchronization: our id, or the previous one for offsets up
  // to where it was valid; and the next byte the replica wants must be in the backlog.
  if (replid != replid_ && (replid != replid2_ || psync_offset > second_offset_)) {
    return nullptr;
  }
  const int64_t position = psync_offset - 1;
  if (position < FirstOffsetLocked() || position > offset_.load(std::memory_order_relaxed)) {
    return nullptr;
  }
  std::unique_ptr<Reader> r(new Reader(*this, position));
  readers_.push_back(r.get());
  return r;
}

std::unique_ptr<ReplicationStream::Reader> ReplicationStream::ReaderAtEnd() {
  Activate();
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Reader> r(new Reader(*this, offset_.load(std::memory_order_relaxed)));
  readers_.push_back(r.get());
  return r;
}

void ReplicationStream::Unregister(Reader* r) {
  absl::MutexLock lock(&mu_);
  readers_.erase(std::remove(readers_.begin(), readers_.end(), r), readers_.end());
  TrimLocked();
}

void ReplicationStream::Wake() {
  // Nothing new for any sleeper: the common case, two loads. Otherwise the appends that made
  // it so happened under mu_, as did the sleepers' PrepareSleep, so each sleeper either saw
  // the new end itself or is found here.
  const int64_t end = offset_.load();
  if (end <= sleepers_from_.load()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  int64_t still_from = kNoSleeper;
  for (Reader* r : readers_) {
    if (!r->sleeping_.load()) {
      continue;
    }
    if (r->position() < end) {
      r->sleeping_.store(false, std::memory_order_relaxed);
      uint64_t one = 1;
      (void)!write(r->wake_fd_, &one, sizeof(one));
    } else {
      still_from = std::min(still_from, r->position());
    }
  }
  sleepers_from_.store(still_from);
}

void ReplicationStream::ShiftReplicationId() {
  absl::MutexLock lock(&mu_);
  replid2_ = replid_;
  second_offset_ = offset_.load(std::memory_order_relaxed) + 1;
  replid_ = common::RandomHexId();
  selected_db_ = -1;
}

void ReplicationStream::ResetTo(std::string replid, int64_t offset) {
  active_.store(true, std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  replid_ = std::move(replid);
  replid2_.assign(40, '0');
  second_offset_ = -1;
  chunks_.clear();
  offset_.store(offset, std::memory_order_release);
  selected_db_ = -1;
  // Readers (sub-replicas) cannot follow a new history from where they were; their senders
  // see their position beyond the stream and close them.
  for (Reader* r : readers_) {
    if (r->position() != offset) {
      r->position_.store(-1, std::memory_order_relaxed);
    }
  }
}

void ReplicationStream::AdoptPrimaryId(std::string replid) {
  absl::MutexLock lock(&mu_);
  if (replid == replid_) {
    return;
  }
  replid2_ = replid_;
  second_offset_ = offset_.load(std::memory_order_relaxed) + 1;
  replid_ = std::move(replid);
}

void ReplicationStream::set_backlog_size(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  backlog_size_ = bytes;
  TrimLocked();
}

StreamIds ReplicationStream::ids() {
  absl::MutexLock lock(&mu_);
  StreamIds ids;
  ids.replid = replid_;
  ids.replid2 = replid2_;
  ids.second_offset = second_offset_;
  ids.offset = offset_.load(std::memory_order_relaxed);
  ids.backlog_active = active();
  ids.backlog_size = backlog_size_;
  // Redis counts backlog offsets from 1: the first byte it holds.
  ids.backlog_first_byte = ids.backlog_active ? FirstOffsetLocked() + 1 : 0;
  ids.backlog_histlen =
      ids.backlog_active ? std::min(backlog_size_, ids.offset - FirstOffsetLocked()) : 0;
  return ids;
}

std::string ReplicationStream::replid() {
  absl::MutexLock lock(&mu_);
  return replid_;
}

// ---- Reader ----

ReplicationStream::Reader::Reader(ReplicationStream& stream, int64_t position)
    : stream_(stream), position_(position), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ReplicationStream::Reader::~Reader() {
  stream_.Unregister(this);
  if (wake_fd_ >= 0) {
    close(wake_fd_);
  }
}

int64_t ReplicationStream::Reader::lag_bytes() const {
  return stream_.offset() - position();
}

bool ReplicationStream::Reader::Read(size_t max, std::string* out) {
  pieces_.clear();
  {
    absl::MutexLock lock(&stream_.mu_);
    int64_t pos = position();
    const int64_t end = stream_.offset_.load(std::memory_order_relaxed);
    if (pos < 0 || pos >= end) {
      return false;
    }
    // Chunks are in order; find the one holding pos (usually the first few).
    auto it = std::upper_bound(stream_.chunks_.begin(), stream_.chunks_.end(), pos,
                               [](int64_t p, const Chunk& c) { return p < c.start; });
    if (it == stream_.chunks_.begin()) {
      position_.store(-1, std::memory_order_relaxed);  // trimmed away: cannot happen while held
      return false;
    }
    --it;
    size_t taken = 0;
    for (; it != stream_.chunks_.end() && taken < max; ++it) {
      const size_t from = static_cast<size_t>(pos - it->start);
      const size_t n = std::min(it->bytes->size() - from, max - taken);
      pieces_.push_back(Piece{it->bytes, it->bytes->data() + from, n});
      taken += n;
      pos += static_cast<int64_t>(n);
    }
    position_.store(pos, std::memory_order_relaxed);
  }
  // Outside the lock: appends only add bytes past the ones taken and never move a chunk.
  for (const Piece& piece : pieces_) {
    out->append(piece.data, piece.size);
  }
  // The references go under the lock, and the trim after them: a chunk this reader was the
  // last to need (the slowest reader's, beyond the backlog) is reused rather than freed.
  absl::MutexLock lock(&stream_.mu_);
  for (Piece& piece : pieces_) {
    stream_.RecycleLocked(std::const_pointer_cast<std::string>(std::move(piece.chunk)));
  }
  pieces_.clear();
  stream_.TrimLocked();
  return true;
}

bool ReplicationStream::Reader::PrepareSleep() {
  // Under the stream's lock, with the appends: either this sees the bytes that arrived, or
  // Wake() after them sees this reader's position.
  absl::MutexLock lock(&stream_.mu_);
  if (position() < stream_.offset_.load()) {
    return false;
  }
  sleeping_.store(true);
  stream_.sleepers_from_.store(std::min(stream_.sleepers_from_.load(), position()));
  return true;
}

void ReplicationStream::Reader::DrainWake() {
  uint64_t n;
  (void)!read(wake_fd_, &n, sizeof(n));
  sleeping_.store(false, std::memory_order_relaxed);
}

}  // namespace redoubt::replication
