// The keys of each cluster hash slot, kept only in cluster mode: CLUSTER COUNTKEYSINSLOT and
// GETKEYSINSLOT (which redis-cli --cluster reshard calls slot by slot), and the deletion of a
// slot's keys when another node takes it over, must not walk the whole keyspace. Redis 7.0
// links a slot's dictEntries into a list through 16 bytes of entry metadata; here each slot
// has a set of entry pointers, so the entries keep their layout and a non-cluster server pays
// nothing.
//
// The tables of a shard report to it (DbTable::set_slot_index) as entries come and go. In
// cluster mode the keyspace shards by slot (Keyspace::ShardOfSlot), so every key of a slot is
// under one shard lock and a slot's set is only touched under that lock.
//
// Thread: slot s's set requires the lock of Keyspace::ShardOfSlot(s).
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstddef>
#include <string>
#include <vector>

namespace redoubt::storage {

class Entry;

class SlotIndex {
 public:
  SlotIndex();

  void Add(const Entry* e);
  void Remove(const Entry* e);
  // The same key in a new block.
  void Replace(const Entry* old, const Entry* replacement);

  size_t Count(int slot) const { return slots_[slot].size(); }
  // Up to max of the slot's keys, in no particular order, appended to out.
  void Keys(int slot, size_t max, std::vector<std::string>* out) const;

 private:
  std::vector<absl::flat_hash_set<const Entry*>> slots_;
};

}  // namespace redoubt::storage
