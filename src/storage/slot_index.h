// The keys of each cluster hash slot, kept only in cluster mode: CLUSTER COUNTKEYSINSLOT and
// GETKEYSINSLOT (which redis-cli --cluster reshard calls slot by slot), and the deletion of a
// slot's keys when another node takes it over, must not walk the whole keyspace.
//
// As Redis 7.0 does, each slot is a doubly linked list threaded through its entries (the 16
// bytes of Entry::SlotLinks that entries carry in cluster mode), with a head and a count per
// slot: adding, removing and replacing an entry are a few pointer writes, with no hashing and
// no allocation on the write path. (Sets of entry pointers per slot, the first design, cost a
// cluster-mode SET about a fifth of its throughput in inserts and rehashes.)
//
// The tables of a shard report to it (DbTable::set_slot_index) as entries come and go. In
// cluster mode the keyspace shards by slot (Keyspace::ShardOfSlot), so every key of a slot is
// under one shard lock and a slot's list is only touched under that lock.
//
// Thread: slot s's list requires the lock of Keyspace::ShardOfSlot(s).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace redoubt::storage {

class Entry;

class SlotIndex {
 public:
  // Entries created from here on carry slot links (Entry::RequireSlotLinks), until destruction.
  SlotIndex();
  ~SlotIndex();
  SlotIndex(const SlotIndex&) = delete;
  SlotIndex& operator=(const SlotIndex&) = delete;

  // Requires: e carries slot links (it was created while this index existed), and slot is its
  // key's hash slot (which the caller usually knows already).
  void Add(Entry* e, int slot);
  void Remove(Entry* e);
  // The same key in a new block: the replacement takes the old entry's place in the list.
  void Replace(Entry* old, Entry* replacement);

  size_t Count(int slot) const { return counts_[slot]; }
  // Asks the CPU to fetch the slot's head pointer, which adding a key to the slot reads and
  // writes, while the command that will add it still looks its key up. Only the pointer: to
  // fetch the head entry too, this would have to wait for the pointer. Any thread, no lock.
  void Prefetch(int slot) const { __builtin_prefetch(&heads_[slot], 1); }
  // Up to max of the slot's keys, newest first, appended to out.
  void Keys(int slot, size_t max, std::vector<std::string>* out) const;

 private:
  std::unique_ptr<std::atomic<Entry*>[]> heads_;
  std::vector<uint32_t> counts_;
};

}  // namespace redoubt::storage
