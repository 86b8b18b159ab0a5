// The keyspace: all databases, split into 64 shards by key hash, each shard with its own
// mutex. Every I/O thread executes commands directly against it; the command dispatcher
// locks the shards of the keys a command declares (its key spec), in shard order, so a
// multi-key command is atomic and two commands on different shards never wait for each other.
// Commands over the whole keyspace (KEYS, SCAN, FLUSHALL, SWAPDB, DBSIZE) lock every shard.
// docs/architecture.md explains why this beat shared-nothing shards on two cores.
//
// Thread: thread-safe as described: key operations require the key's shard lock (taken by
// the caller through ShardLocks); maintenance functions lock shards themselves.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/hash_slot.h"
#include "common/op_status.h"
#include "storage/access_tracking.h"
#include "storage/db_table.h"
#include "storage/entry.h"
#include "storage/slot_listing.h"

namespace redoubt::storage {

struct KeyspaceStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;
};

struct DbInfo {
  uint64_t keys = 0;
  uint64_t expires = 0;
  int64_t avg_ttl_ms = 0;
  uint64_t table_bytes = 0;    // bucket arrays (MEMORY STATS overhead.hashtable.main)
  uint64_t expires_bytes = 0;  // TTL lists (overhead.hashtable.expires)
};

// How a lookup counts, as Redis's lookupKey flags: reads update keyspace_hits/misses (INFO
// stats) and the key's LRU/LFU state; kReadNoTouch (EXISTS, TYPE, TTL) counts but leaves the
// access state alone; kReadNoTouchSilent (OBJECT) is kReadNoTouch whose misses are not reported
// (Redis's LOOKUP_NONOTIFY: no "keymiss"); kWrite touches without counting; kNoTouch does
// neither (internal lookups, MEMORY USAGE).
// Told what happens to keys, for the clients blocked on a missing key (BLPOP, BZPOPMIN: a key
// stored anew) and the clients watching keys (WATCH: any change). Called under the key's shard
// lock (all of them for a flush or a swap), so it must be quick and must not lock a shard.
class KeyObserver {
 public:
  virtual ~KeyObserver() = default;
  // A new entry was stored under key (created, replaced, copied, moved or renamed there);
  // `created`: keyspace notifications' "new": no live key was there before, or CopyTo or MoveTo
  // stored there (Redis deletes what a RENAME, COPY or MOVE replaces, then adds the key).
  virtual void OnKeyStored(int db, std::string_view key, bool created) = 0;
  // Entries were appended to the existing value of key (XADD): every client blocked reading it
  // (XREAD BLOCK), not only the first, may have something now.
  virtual void OnKeyAppended(int db, std::string_view key) = 0;
  // The key's value may change (it was looked up for writing), or the key was deleted,
  // expired or evicted.
  virtual void OnKeyChanged(int db, std::string_view key) = 0;
  // The key was deleted because its TTL passed (after OnKeyChanged), or evicted for maxmemory.
  virtual void OnKeyExpired(int db, std::string_view key) = 0;
  virtual void OnKeyEvicted(int db, std::string_view key) = 0;
  // The server deleted the key itself, not for a command, a TTL or maxmemory: a cluster slot
  // this node lost (after OnKeyChanged).
  virtual void OnKeyDropped(int db, std::string_view key) = 0;
  // A read found no key; reported only while set_report_misses(true) (keyspace notifications'
  // "keymiss").
  virtual void OnKeyMissed(int db, std::string_view key) = 0;
  // db is about to be emptied; had_key tells which keys it holds.
  virtual void OnDatabaseFlushing(int db,
                                  const std::function<bool(std::string_view key)>& had_key) = 0;
  // Databases a and b swapped; has_key(db, key) tells what each holds now.
  virtual void OnDatabasesSwapped(
      int a, int b, const std::function<bool(int db, std::string_view key)>& has_key) = 0;
  // One database was emptied (FlushDb) or all of them (FlushAll: once), after the
  // per-database reports above: Redis's signalFlushedDb for client-side caches, which then
  // drop every key. Not for SwapDb, which Redis 7.0 does not report to them either.
  virtual void OnFlushed() = 0;
};

enum class Access : uint8_t { kRead, kReadNoTouch, kReadNoTouchSilent, kWrite, kNoTouch };

// Where a point-in-time snapshot's entries go (persistence's RDB writer): each entry as it was
// when the snapshot began, exactly once. Called under the entry's shard lock, by the walk
// (SnapshotStep) or by a command about to change a key the walk has not reached yet.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // before_change: a command is about to change e (the snapshot's copy-on-write), not the walk.
  virtual void Write(int shard, int db, const Entry& e, bool before_change) = 0;
};

class Keyspace {
 public:
  static constexpr int kShardBits = 6;
  static constexpr int kNumShards = 1 << kShardBits;

  explicit Keyspace(int databases);
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  int databases() const { return databases_; }
  // Set once at start-up, before any command runs.
  void set_key_observer(KeyObserver* observer) { observer_ = observer; }
  // Whether reads that find nothing are reported (KeyObserver::OnKeyMissed). Any thread.
  void set_report_misses(bool on) { report_misses_.store(on, std::memory_order_relaxed); }
  // The shard that holds key: by the top bits of its hash, or in cluster mode by its hash
  // slot, so that a slot's keys (and a multi-key command's, which must share a slot there)
  // are under one lock.
  int ShardOf(std::string_view key) const {
    return slot_sharded_ ? ShardOfSlot(common::KeyHashSlot(key)) : ShardOfHash(HashKey(key));
  }
  static int ShardOfHash(uint64_t hash) { return static_cast<int>(hash >> (64 - kShardBits)); }
  static int ShardOfSlot(int slot) { return slot & (kNumShards - 1); }
  // Cluster mode: shards by hash slot, and lists database 0's keys by slot when asked
  // (slot_listing.h). Requires: called once at start-up, before any key is stored.
  void EnableClusterMode();
  bool cluster_mode() const { return slot_sharded_; }
  // CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT (database 0; cluster mode only, else 0 and
  // nothing). Lock the slot's shard themselves; the first call for a shard lists its keys.
  size_t CountKeysInSlot(int slot);
  std::vector<std::string> KeysInSlot(int slot, size_t max);
  // Deletes every key of slot (a slot this node lost to a newer claim while it still held keys
  // of it: Redis's delKeysInSlot). Each deletion is reported as dropped (KeyObserver), so that
  // replicas and the AOF get a DEL. Returns the keys deleted. Locks the slot's shard.
  size_t DeleteKeysInSlot(int slot);
  // Drops the slot listings (slot_listing.h) no one asked about for SlotListing::kIdleSeconds.
  // From the server's cron; locks each listed shard in turn.
  void DropIdleSlotListings();
  // How many shards have a slot listing now (for tests).
  int ListedShards() const;
  // Whether key is there and live, with no side effect (nothing touched, counted, reported or
  // expired on the way): the cluster router's look into a slot being migrated. Locks the key's
  // shard, so the caller must hold none.
  bool ContainsLiveKey(int db, std::string_view key);
  std::mutex& shard_mutex(int shard) { return shards_[shard].mu; }
  // While the AOF is replayed nothing expires, as in Redis while loading: a key whose time
  // passed stays (the replay's own DEL removes it), and a command that sets a time already
  // past (PEXPIREAT, SET PXAT) sets it instead of deleting the key. Any thread.
  void set_expiry_paused(bool paused) { expiry_paused_.store(paused, std::memory_order_relaxed); }
  bool expiry_paused() const { return expiry_paused_.load(std::memory_order_relaxed); }
  // On a replica (with expiry paused: the primary's DEL removes expired keys), a key whose time
  // has passed reads as missing to the replica's clients without being deleted, as Redis's
  // expireIfNeeded answers on a replica; a write to it deletes it first (Redis's forced
  // delete on a writable replica). The primary's own stream still sees it: its commands run
  // inside a PrimaryStreamScope. Any thread.
  void set_replica_expiry(bool on) { replica_expiry_.store(on, std::memory_order_relaxed); }
  class PrimaryStreamScope {
   public:
    PrimaryStreamScope() { applying_primary_stream_ = true; }
    ~PrimaryStreamScope() { applying_primary_stream_ = false; }
    PrimaryStreamScope(const PrimaryStreamScope&) = delete;
    PrimaryStreamScope& operator=(const PrimaryStreamScope&) = delete;
  };
  // While a script runs, its keys expire by the time it started, as Redis's keyIsExpired
  // uses the script's time snapshot: a key is either there for the whole script or gone from
  // its start, so what the script did replicates to the same result. On the script's thread.
  class FrozenClockScope {
   public:
    explicit FrozenClockScope(int64_t now_ms) { frozen_now_ms_ = now_ms; }
    ~FrozenClockScope() { frozen_now_ms_ = 0; }
    FrozenClockScope(const FrozenClockScope&) = delete;
    FrozenClockScope& operator=(const FrozenClockScope&) = delete;
  };
  // Whether a key with this expire time (kNoExpire: none) is expired at now_ms.
  bool ExpiredAt(int64_t expire_ms, int64_t now_ms) const {
    return expire_ms != kNoExpire && expire_ms <= now_ms && !expiry_paused();
  }
  bool ExpiredNow(int64_t expire_ms) const;

  // ---- Key operations. Requires: the shard lock of every key named. ----

  // The live entry for key, or nullptr; an expired entry is deleted on the way.
  Entry* Find(int db, std::string_view key, Access access = Access::kRead);
  // The live entry for key if it holds a value of `type`: nullptr when missing, kWrongType
  // when the key holds another type (every typed command's first step).
  common::OpResult<Entry*> FindOfType(int db, std::string_view key, ValueType type,
                                      Access access = Access::kRead);
  // Stores a string, replacing any existing value of any type. expire_ms is absolute Unix ms
  // or kNoExpire; keep_ttl keeps the TTL of the value being replaced.
  Entry* SetString(int db, std::string_view key, std::string_view value, int64_t expire_ms,
                   bool keep_ttl, common::SharedBytesRef* adoptable = nullptr);
  // Gives the string at key (created empty if missing) room for `len` bytes and sets its
  // length; new bytes are zero. For APPEND, SETRANGE, SETBIT, BITFIELD. Encoding becomes raw.
  Entry* ResizeString(int db, std::string_view key, size_t len);
  bool Delete(int db, std::string_view key);
  // Sets or clears (kNoExpire) the TTL of an existing key. Returns false if it is missing.
  bool SetExpire(int db, std::string_view key, int64_t at_ms);
  // Copies key's value (with TTL) to dst_key in dst_db, replacing what is there.
  // Returns false when the source is missing.
  bool CopyTo(int db, std::string_view key, int dst_db, std::string_view dst_key);
  // Moves key's entry (value, TTL, access state) to dst_key in dst_db, replacing what is there;
  // the source key is gone afterwards (RENAME, MOVE). Under the same name (MOVE) the block is
  // relinked, not copied, so moving a large value costs nothing; a new name needs a new block
  // because the key is stored inline. Same key and db: no change. Returns false when the
  // source is missing.
  bool MoveTo(int db, std::string_view key, int dst_db, std::string_view dst_key);
  // Creates an empty list at key, replacing whatever key holds (SORT ... STORE; reported as
  // stored there, "new" only when no live key was there, as Redis's setKey). The caller then
  // pushes at least one element: Redis never keeps an empty list.
  Entry* CreateList(int db, std::string_view key);
  // Stores `entry` (built for `key`, without a TTL) under key, taking ownership: a new hash or
  // set, or a STORE's result replacing whatever key holds (reported as stored there, "new" only
  // when no live key was there, as Redis's setKey).
  Entry* Insert(int db, std::string_view key, Entry* entry);
  // Unlinks key's entry and hands it to the caller (who owns it; its bytes are no longer
  // accounted here), or nullptr. For values built in a scratch keyspace (RESTORE decodes its
  // payload there, so a bad payload leaves the real key untouched) and then Insert()ed.
  Entry* Extract(int db, std::string_view key);
  // Gives the existing key a new value: build(old, has_expire) returns a new entry for the key
  // (Entry::CreatePacked, CreateTable, …) with an expire slot when has_expire, which replaces the
  // old one; TTL and access state carry over, the old entry is freed and the bytes accounted.
  // For a change the entry's block cannot hold (a packed hash growing past its capacity, a
  // conversion to a table). Requires: the key exists.
  Entry* Rebuild(int db, std::string_view key,
                 const std::function<Entry*(const Entry& old, bool has_expire)>& build);
  // Tells the observer that key's value got new entries (XADD; KeyObserver::OnKeyAppended).
  void SignalKeyAppended(int db, std::string_view key) {
    if (observer_ != nullptr) {
      observer_->OnKeyAppended(db, key);
    }
  }
  // Adds delta to the bytes accounted to key's shard after a value grew or shrank in place
  // (a list push, pop or LSET); see ListValue::AllocatedBytes.
  void AdjustUsedBytes(std::string_view key, int64_t delta);

  // ---- Whole-keyspace operations. Requires: all shard locks (AllShardsLock). ----
  uint64_t DbSize(int db) const;
  uint64_t VolatileCount(int db) const;  // keys with a TTL
  void FlushDb(int db);
  void FlushAll();
  void SwapDb(int a, int b);
  // One SCAN step over db: calls fn for the entries of one bucket group, returns the cursor.
  uint64_t ScanStep(int db, uint64_t cursor, const std::function<void(const Entry&)>& fn);
  void ForEach(int db, const std::function<void(const Entry&)>& fn);
  std::optional<std::string> RandomKey(int db);

  // ---- Point-in-time snapshots (BGSAVE, a replica's full sync), taken while commands go on.
  // BeginSnapshot marks every non-empty table; a walker then calls SnapshotStep table by table,
  // a few buckets at a time under that shard's lock alone. A command that is about to change,
  // delete or create a key in a bucket the walk has not reached first hands the entry as it is
  // (its state at the start) to the sink and remembers the key, which the walk then skips; a
  // key created since is remembered with nothing written. So no command waits for more than one
  // step, and the snapshot costs memory only for the keys changed while it runs, as fork's
  // copy-on-write does for Redis. docs/architecture.md, "Snapshots", says more. ----

  // Requires: all shard locks; no snapshot running. The sink outlives the snapshot.
  void BeginSnapshot(SnapshotSink* sink);
  // Writes up to max_buckets more buckets of db's table in `shard` to the sink; returns true once
  // that table is done (or was empty at the start). Requires: that shard's lock.
  bool SnapshotStep(int shard, int db, size_t max_buckets);
  // Ends the snapshot, finished or abandoned. Requires: all shard locks.
  void EndSnapshot();
  bool snapshot_running() const { return snapshot_sink_ != nullptr; }  // under any shard lock

  // ---- Maintenance; these lock shards themselves. ----
  // Deletes expired keys by sampling, until the budget runs out or few sampled keys were
  // expired (Redis's active expire cycle). Returns keys deleted.
  size_t ActiveExpireCycle(int64_t budget_us);
  // Evicts keys by `policy` until used_bytes() <= limit. False if nothing more can go.
  bool EvictUntil(uint64_t limit, EvictionPolicy policy, int samples);
  // Per-database key counts for INFO keyspace.
  std::vector<DbInfo> Info();

  // Updates the clock used for LRU/LFU; called by the server cron.
  void Tick(uint32_t now_seconds) { clock_seconds_.store(now_seconds, std::memory_order_relaxed); }
  uint32_t clock_seconds() const { return clock_seconds_.load(std::memory_order_relaxed); }
  void set_lfu(bool lfu) { lfu_.store(lfu, std::memory_order_relaxed); }
  bool lfu() const { return lfu_.load(std::memory_order_relaxed); }

  // Bytes allocated for keys, values and tables (INFO memory used_memory_dataset).
  uint64_t used_bytes() const;
  KeyspaceStats stats() const;
  void ResetStats();

 private:
  using Counter = ShardCounter;
  // One table's part of a running snapshot.
  struct TableSnapshot {
    bool active = false;  // started non-empty and not yet walked to its end
    // The walk's reverse-binary cursor: the buckets it has passed (ScanCursorPassed) are
    // written, also after the table grew.
    uint64_t cursor = 0;
    // Keys of the unwalked buckets already written as they were (or created since).
    absl::flat_hash_set<std::string> settled;
  };
  struct alignas(64) Shard {
    // A std::mutex, not an annotated absl::Mutex, because the analysis cannot check it anyway:
    // which shards a command holds is decided at run time (ShardLocks: a bit set over the key
    // hashes), and the key operations above "require the shard of every key named", which no
    // attribute can name. And it is on every request: Debian's libabsl is built with abseil's
    // debug checks, so an uncontended absl::Mutex lock and unlock costs 42 ns (13 ns with
    // deadlock detection off) against 4 ns here (a loop of 20 million, g++ -O2).
    std::mutex mu;
    // Declared before dbs: the tables report to them until they are destroyed.
    Counter used_bytes;
    // Cluster mode: the keys of this shard's slots while someone asks about them (database 0's
    // table reports to it). `listed` tells the cron, without the lock, that there is one.
    std::unique_ptr<SlotListing> slot_listing;
    std::atomic<bool> listed{false};
    Counter hits, misses, expired, evicted;
    std::vector<DbTable> dbs;
    std::mt19937_64 rng;
    // Snapshot state, per database (BeginSnapshot); `snapshotting` is the hot path's one check.
    bool snapshotting = false;
    std::vector<TableSnapshot> snapshot;
  };

  DbTable& Table(int shard, int db) { return shards_[shard].dbs[db]; }
  // Where a key lives: its shard, its table in db, its hash, and the link to its entry (nullptr
  // when absent). The link is valid until that table next changes.
  struct Location {
    Shard& shard;
    DbTable& table;
    uint64_t hash;
    Entry** slot;
  };
  Location Locate(int db, std::string_view key);
  // Puts e (already accounted) under loc's key: inserted, or replacing and freeing what is there.
  // Returns whether the key is new there (nothing, or only an expired entry, was replaced).
  bool Store(const Location& loc, Entry* e);
  void DestroyEntry(Shard& shard, Entry* e);
  // The listing of shard s's keys by slot, made now when there is none (one walk of the
  // shard), and marked as used. Requires: cluster mode and shard s's lock.
  SlotListing& ListingLocked(int s);
  Entry* Adopt(Shard& shard, Entry* e);  // accounts a new entry's bytes
  // A new block for e under key, its value handed over (Entry::Relocate), its bytes moved from
  // from's accounting to to's. The caller unlinks e and frees it with Entry::Destroy.
  Entry* Relocate(Shard& from, Entry* e, Shard& to, std::string_view key, bool has_expire);
  // Deletes expired entries sampled from one shard; returns {sampled, expired}.
  std::pair<size_t, size_t> ExpireSample(int shard, int db, size_t count, int64_t now_ms);
  bool EvictOne(EvictionPolicy policy, int samples);
  // A generator per calling thread, for choices made before a shard is locked.
  static std::mt19937_64& EvictionRng();

  void NotifyStored(int db, std::string_view key, bool created) {
    if (observer_ != nullptr) {
      observer_->OnKeyStored(db, key, created);
    }
  }
  // Deleted for its TTL: changed, then expired.
  void NotifyExpired(int db, std::string_view key) {
    if (observer_ != nullptr) {
      observer_->OnKeyChanged(db, key);
      observer_->OnKeyExpired(db, key);
    }
  }
  // Evicted for maxmemory: changed, then evicted.
  void NotifyEvicted(int db, std::string_view key) {
    if (observer_ != nullptr) {
      observer_->OnKeyChanged(db, key);
      observer_->OnKeyEvicted(db, key);
    }
  }
  void NotifyMissed(int db, std::string_view key) {
    if (observer_ != nullptr && report_misses_.load(std::memory_order_relaxed)) {
      observer_->OnKeyMissed(db, key);
    }
  }
  void NotifyChanged(int db, std::string_view key) {
    if (observer_ != nullptr) {
      observer_->OnKeyChanged(db, key);
    }
  }
  // Whether a live entry is under key in db. Requires: its shard lock.
  bool HasLiveKey(int db, std::string_view key);
  // FlushDb without the OnFlushed report (FlushAll reports once for every database).
  void EmptyDb(int db);
  // Before key (whose entry is `current`, or nullptr when absent) changes: while a snapshot has
  // not walked its bucket, hands the entry to the sink the first time, and remembers the key.
  void BeforeChange(Shard& shard, int db, uint64_t hash, std::string_view key,
                    const Entry* current) {
    if (shard.snapshotting) [[unlikely]] {
      SettleForSnapshot(shard, db, hash, key, current);
    }
  }
  void SettleForSnapshot(Shard& shard, int db, uint64_t hash, std::string_view key,
                         const Entry* current);
  // Writes the rest of a table's snapshot at once (before FLUSHDB or SWAPDB changes it whole).
  void FinishTableSnapshot(int shard, int db);
  void EndTableSnapshot(Shard& shard, int db);

  const int databases_;
  // Cluster mode (EnableClusterMode): set before any command runs, read without a lock.
  bool slot_sharded_ = false;
  KeyObserver* observer_ = nullptr;
  std::atomic<bool> expiry_paused_{false};
  std::atomic<bool> replica_expiry_{false};
  static thread_local bool applying_primary_stream_;
  // The time keys expire by on this thread: 0 (the clock) outside a FrozenClockScope.
  static thread_local int64_t frozen_now_ms_;
  static int64_t ExpiryNowMs() {
    return frozen_now_ms_ != 0 ? frozen_now_ms_ : common::UnixMillis();
  }
  // Whether a key whose time passed (and that expiry does not delete now) is hidden from this
  // thread's command: on a replica, to every client but the primary's stream.
  bool HidesLogicallyExpired(int64_t expire_ms) const;
  std::atomic<bool> report_misses_{false};
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint32_t> clock_seconds_{0};
  std::atomic<bool> lfu_{false};
  std::atomic<uint32_t> expire_cursor_{0};
  SnapshotSink* snapshot_sink_ = nullptr;  // set and cleared under all shard locks
};

// Locks the shards of a set of keys in ascending shard order (so that two multi-key commands
// cannot deadlock), or all shards. Hot path: one key is one mutex.
class ShardLocks {
 public:
  explicit ShardLocks(Keyspace& keyspace) : keyspace_(keyspace) {}
  ShardLocks(const ShardLocks&) = delete;
  ShardLocks& operator=(const ShardLocks&) = delete;
  ~ShardLocks() { Release(); }

  // Requires: no locks held by this object.
  void LockKey(std::string_view key);
  void LockKeys(const std::vector<std::string_view>& keys);
  void LockAll();
  void Release();

 private:
  Keyspace& keyspace_;
  uint64_t held_ = 0;  // bit per shard
};

}  // namespace redoubt::storage
