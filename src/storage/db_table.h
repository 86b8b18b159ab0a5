// The keys of one database within one keyspace shard: an intrusive chained hash table of
// Entry blocks plus the list of entries that carry a TTL.
//
// Chaining (not open addressing) because SCAN's guarantee — every key present for the whole
// scan is returned — needs the reverse-binary cursor over a table where a key's bucket depends
// only on its hash and the table size, as in Redis's dict. The table rehashes in one step:
// a shard holds 1/64 of the keys, so even at tens of millions of keys a resize moves a few
// hundred thousand pointers.
//
// Thread: owned by a Shard; every call requires the shard's lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string_view>
#include <vector>

#include "storage/entry.h"
#include "storage/slot_listing.h"

namespace redoubt::storage {

// A byte or event counter of one shard: written only under the shard lock and read without it
// by INFO and maxmemory checks, so a relaxed load+store avoids a locked instruction.
struct ShardCounter {
  std::atomic<uint64_t> v{0};
  void Add(int64_t d) { v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
};

class DbTable {
 public:
  // Where the table adds and removes the bytes of its bucket array and TTL list (the shard's
  // used-bytes counter), so that maxmemory and INFO see them. Tables moved between databases
  // of one shard (SWAPDB) keep their own counter: it is the same one.
  void set_accounting(ShardCounter* counter) { accounting_ = counter; }
  // While the keys of this table's slots are listed (cluster mode, slot_listing.h), the table
  // reports there the entries it gains and loses; null otherwise.
  // Tables are never swapped in cluster mode (SWAPDB is refused), so it stays with the table.
  void set_slot_listing(SlotListing* listing) { slot_listing_ = listing; }

  DbTable() = default;
  DbTable(const DbTable&) = delete;
  DbTable& operator=(const DbTable&) = delete;
  DbTable(DbTable&& other) noexcept;
  DbTable& operator=(DbTable&& other) noexcept;
  ~DbTable();

  size_t size() const { return size_; }
  size_t volatile_size() const { return volatile_.size(); }

  // The link that points to the entry with `key`, or nullptr. Valid until the next insert.
  Entry** Find(std::string_view key, uint64_t hash);
  // Requires: no entry with the same key. Takes ownership.
  void Insert(Entry* entry, uint64_t hash);
  // Removes the entry `slot` points to and returns it (caller owns it).
  Entry* Unlink(Entry** slot);
  // Puts `replacement` (same key) where `slot` points, keeping the TTL list in step.
  // Returns the old entry, which the caller owns.
  Entry* Replace(Entry** slot, Entry* replacement);

  // Keeps the TTL list in step after the entry's expire time was set or cleared in place.
  void OnExpireSet(Entry* entry);
  void OnExpireCleared(Entry* entry);

  // Calls fn for every entry of bucket group `cursor` and returns the next cursor (0: done),
  // with Redis's reverse-binary increment.
  uint64_t Scan(uint64_t cursor, const std::function<void(const Entry&)>& fn) const;
  void ForEach(const std::function<void(const Entry&)>& fn) const;

  // A random entry (nullptr when empty) / a random entry that has a TTL.
  Entry* RandomEntry(std::mt19937_64& rng) const;
  Entry* RandomVolatileEntry(std::mt19937_64& rng) const;

  // Removes and destroys all entries.
  void Clear();

  // A snapshot walks the buckets in reverse-binary order (scan_cursor.h) while commands go on
  // (Keyspace::SnapshotStep): a frozen table may grow, which keeps every key on the same side
  // of the walk, but does not shrink, which would not. The next delete after thawing shrinks.
  void set_frozen(bool frozen) { frozen_ = frozen; }
  size_t bucket_count() const { return capacity_; }
  size_t BucketOf(uint64_t hash) const { return hash & (capacity_ - 1); }
  // Requires: bucket < bucket_count().
  void ForEachInBucket(size_t bucket, const std::function<void(const Entry&)>& fn) const;
  // Hints for a walk that knows which buckets it visits next: start loading a bucket's slot,
  // and (once that slot is likely cached) the entry at the bucket's head.
  void PrefetchSlot(size_t bucket) const { __builtin_prefetch(&buckets_[bucket]); }
  void PrefetchHead(size_t bucket) const {
    if (const Entry* head = buckets_[bucket]; head != nullptr) {
      __builtin_prefetch(head);
      __builtin_prefetch(reinterpret_cast<const char*>(head) + 64);  // the key and value
    }
  }

  // Bytes used by the bucket array and the TTL list (entries are counted by the shard).
  size_t OverheadBytes() const;
  // The TTL list's part of them (MEMORY STATS overhead.hashtable.expires).
  size_t VolatileListBytes() const { return volatile_.capacity() * sizeof(Entry*); }

 private:
  void Resize(size_t new_capacity);
  void MaybeShrink();

  void Account(int64_t delta) {
    if (accounting_ != nullptr) {
      accounting_->Add(delta);
    }
  }

  ShardCounter* accounting_ = nullptr;
  SlotListing* slot_listing_ = nullptr;
  Entry** buckets_ = nullptr;
  size_t capacity_ = 0;  // power of two, or 0 before the first insert
  size_t size_ = 0;
  bool frozen_ = false;
  std::vector<Entry*> volatile_;
};

uint64_t HashKey(std::string_view key);

}  // namespace redoubt::storage
