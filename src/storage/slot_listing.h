// The keys of one keyspace shard's hash slots, listed on demand in cluster mode: CLUSTER
// COUNTKEYSINSLOT and GETKEYSINSLOT (which redis-cli --cluster reshard calls slot by slot), and
// the deletion of a slot's keys when another node takes it over, must not walk the keyspace
// once per call.
//
// Why on demand. Redis 7.0 threads each slot's keys into a list through 16 bytes of every
// entry. Those 16 bytes move a 16-byte key with a 64-byte value from jemalloc's 96-byte class
// to the 112-byte one, whose blocks straddle cache lines more often: a GET's copy of the value
// took 2.5 times its samples outside cluster mode, for an index that only slot migrations
// read. Here a shard's keys are listed by slot (a set of entry pointers per slot) the first
// time one of its slots is asked about, by one walk of that shard (1/64 of the keyspace), kept
// up to date by the shard's table while it exists, and dropped once no one has asked for
// kIdleSeconds (Keyspace::DropIdleSlotListings). A node that no one reshards pays nothing per
// key and one null check per insertion and deletion; during a resharding, writes to a listed
// shard pay a set insertion or erasure.
//
// In cluster mode the keyspace shards by slot (Keyspace::ShardOfSlot), so every key of a slot
// is in one shard and its listing is only touched under that shard's lock.
//
// Thread: requires the lock of the shard it lists.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::storage {

class Entry;

class SlotListing {
 public:
  // Unused this long, a listing is dropped.
  static constexpr uint32_t kIdleSeconds = 30;

  // The listing of the shard whose slots s satisfy s % shards == shard.
  SlotListing(int shard, int shards);
  SlotListing(const SlotListing&) = delete;
  SlotListing& operator=(const SlotListing&) = delete;

  // Each computes the entry's hash slot from its key: only while a shard is listed.
  void Add(Entry* e);
  void Remove(Entry* e);
  // The same key in a new block.
  void Replace(Entry* old, Entry* replacement);
  void Clear();

  size_t Count(int slot) const { return SetOf(slot).size(); }
  // Up to max of the slot's keys, in no particular order, appended to out.
  void Keys(int slot, size_t max, std::vector<std::string>* out) const;

  // When it was last asked about (the keyspace's clock, seconds).
  uint32_t last_used() const { return last_used_; }
  void set_last_used(uint32_t seconds) { last_used_ = seconds; }

 private:
  absl::flat_hash_set<Entry*>& SetOf(int slot) { return slots_[slot / shards_]; }
  const absl::flat_hash_set<Entry*>& SetOf(int slot) const { return slots_[slot / shards_]; }

  int shards_;
  std::vector<absl::flat_hash_set<Entry*>> slots_;  // this shard's slots, in order
  uint32_t last_used_ = 0;
};

}  // namespace redoubt::storage
