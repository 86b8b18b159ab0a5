// The replication stream of this node: every write it applies, as the RESP commands a replica
// runs to apply it, numbered by byte (master_repl_offset), and the recent part of it kept in the
// backlog (repl-backlog-size) so that a replica that lost its link for a moment continues with
// PSYNC from its offset instead of a full copy.
//
// On a primary, the dispatcher's writes arrive through ReplicationLog (commands::CommandLog,
// with SELECT inserted where the database changes); on a replica, the link appends its
// primary's bytes verbatim once they are applied, so that the offsets and the replication id
// are the primary's and a sub-replica, or the old primary after a failover, can continue from
// them (Redis's PSYNC2).
//
// Readers: each replica's sender reads from its own position; the bytes a reader still needs
// are kept even beyond repl-backlog-size (Redis 7's shared replication buffer), up to the
// replica output limit its sender enforces. A sender that caught up sleeps on its wake-up
// descriptor; Wake() is called once per I/O-thread batch (and by the cron and the link), not
// per write, so that a burst of writes costs one wake-up and one socket write per replica,
// and it is two atomic loads when no sleeping reader has anything new.
//
// The bytes are kept in chunks whose capacity is fixed when they are made: an append never
// moves what a chunk holds, so a reader takes references to the chunks under mu_ and copies
// outside it. mu_ is taken by writers while they hold shard locks; it is held only to append,
// to trim and to take a reader's references, never for a copy of the reader's bytes.
//
// Thread: thread-safe; mu_ guards the chunk list and ids; offset() is one atomic load.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::replication {

// The ids and offsets INFO replication shows, and PSYNC decides with.
struct StreamIds {
  std::string replid;
  std::string replid2;         // the previous primary's id, after a promotion
  int64_t second_offset = -1;  // up to which offset replid2 is valid (+1)
  int64_t offset = 0;          // master_repl_offset
  bool backlog_active = false;
  int64_t backlog_size = 0;  // repl-backlog-size
  int64_t backlog_first_byte = 0;
  int64_t backlog_histlen = 0;
};

class ReplicationStream {
 public:
  explicit ReplicationStream(int64_t backlog_size);
  ~ReplicationStream();

  // A position in the stream that a sender reads from and that the backlog keeps until it is
  // read. Closed (by the sender) when it ends.
  class Reader {
   public:
    ~Reader();
    // Copies up to max bytes from position() into out (appended) and advances. Returns false
    // when nothing is there yet.
    bool Read(size_t max, std::string* out);
    int64_t position() const { return position_.load(std::memory_order_relaxed); }
    // Bytes the stream holds beyond this reader's position (its replica's output buffer).
    int64_t lag_bytes() const;
    // A descriptor that becomes readable when bytes arrive after the reader asked to sleep
    // (PrepareSleep returned true); Drain it after it fired.
    int wake_fd() const { return wake_fd_; }
    // Announces that the reader will wait on wake_fd(): false when bytes are there already.
    bool PrepareSleep();
    void DrainWake();

   private:
    friend class ReplicationStream;
    Reader(ReplicationStream& stream, int64_t position);
    ReplicationStream& stream_;
    std::atomic<int64_t> position_;
    std::atomic<bool> sleeping_{false};
    int wake_fd_ = -1;
    // The chunk ranges a Read copies once the lock is released (reused between reads).
    struct Piece {
      std::shared_ptr<const std::string> chunk;  // kept alive until copied
      const char* data;                          // taken under the lock
      size_t size;
    };
    std::vector<Piece> pieces_;
  };

  // Whether the stream records writes: it starts with the first replica (or when this node is
  // a replica) and stays, as Redis keeps its backlog. One relaxed load.
  bool active() const { return active_.load(std::memory_order_relaxed); }
  void Activate();

  // A primary's write batch (commands::CommandLog::Append): prefixed with SELECT when db is not
  // the stream's selected database.
  void AppendCommands(int db, int end_db, std::string_view commands);
  // Bytes that carry no database context (PING, REPLCONF GETACK) or that are already a
  // primary's stream (on a replica).
  void AppendRaw(std::string_view bytes);
  // The next AppendCommands starts with SELECT: a full sync starts here, and the replica that
  // loads the snapshot does not know which database the stream had selected.
  void ForceSelect();

  // PSYNC replid offset: a reader from offset when this stream can continue it (the id is this
  // one's, or the previous one's up to where it was valid, and the offset is in the backlog);
  // null otherwise (a full sync is needed).
  std::unique_ptr<Reader> TryContinue(std::string_view replid, int64_t offset);
  // A reader from the current offset: a full sync's snapshot cut, taken while every shard is
  // locked so that no write falls between the snapshot and the reader.
  std::unique_ptr<Reader> ReaderAtEnd();

  // Wakes the readers that sleep while bytes wait for them.
  void Wake();

  // Promotion (REPLICAOF NO ONE, FAILOVER): the old id stays valid up to the current offset as
  // replid2, so that the other replicas of the old primary continue with PSYNC; a new id for
  // what follows.
  void ShiftReplicationId();
  // A replica that loaded its primary's snapshot: the primary's id and offset, an empty backlog.
  void ResetTo(std::string replid, int64_t offset);
  // +CONTINUE with a new id: the primary was promoted; our old id becomes replid2.
  void AdoptPrimaryId(std::string replid);

  void set_backlog_size(int64_t bytes);
  int64_t offset() const { return offset_.load(std::memory_order_acquire); }
  StreamIds ids();
  std::string replid();

 private:
  void AppendLocked(std::string_view bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void TrimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t FirstOffsetLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unregister(Reader* r);
  // Keeps a chunk that left the stream for the next one (see spare_chunks_).
  void RecycleLocked(std::shared_ptr<std::string> chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  static constexpr size_t kChunkBytes = 64 * 1024;
  // A chunk is appended to only up to the capacity it was made with (see the header comment);
  // once the list drops it, readers that still copy from it keep it alive.
  struct Chunk {
    int64_t start;  // offset of its first byte
    std::shared_ptr<std::string> bytes;
  };

  absl::Mutex mu_;
  std::atomic<bool> active_{false};
  std::atomic<int64_t> offset_{0};
  // The lowest position of a sleeping reader (kNoSleeper: none): Wake() has work only when
  // the stream's end passed it.
  static constexpr int64_t kNoSleeper = std::numeric_limits<int64_t>::max();
  std::atomic<int64_t> sleepers_from_{kNoSleeper};
  std::deque<Chunk> chunks_ ABSL_GUARDED_BY(mu_);
  int64_t backlog_size_ ABSL_GUARDED_BY(mu_);
  int selected_db_ ABSL_GUARDED_BY(mu_) = -1;
  std::string replid_ ABSL_GUARDED_BY(mu_);
  std::string replid2_ ABSL_GUARDED_BY(mu_);
  int64_t second_offset_ ABSL_GUARDED_BY(mu_) = -1;
  std::vector<Reader*> readers_ ABSL_GUARDED_BY(mu_);
  std::string select_scratch_ ABSL_GUARDED_BY(mu_);
  // Chunks trimmed from the front that no reader still holds, reused for the next ones: a
  // fresh 64 KiB chunk is fresh pages, and their faults (the allocator returns freed pages to
  // the system) took 6% of a primary's CPU under a SET benchmark with two replicas. At most
  // 32 (2 MiB): what a burst of trimming after a slow replica caught up leaves.
  static constexpr size_t kMaxSpareChunks = 32;
  std::vector<std::shared_ptr<std::string>> spare_chunks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace redoubt::replication
