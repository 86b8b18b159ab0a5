// Keys by hash slot, listed on demand; see slot_listing.h.
#include "storage/slot_listing.h"

#include "common/check.h"
#include "common/hash_slot.h"
#include "storage/entry.h"

namespace redoubt::storage {

SlotListing::SlotListing(int shard, int shards)
    : shards_(shards), slots_((common::kClusterSlots - shard + shards - 1) / shards) {}

void SlotListing::Add(Entry* e) {
  SetOf(common::ComputeKeyHashSlot(e->key())).insert(e);
}

void SlotListing::Remove(Entry* e) {
  SetOf(common::ComputeKeyHashSlot(e->key())).erase(e);
}

void SlotListing::Replace(Entry* old, Entry* replacement) {
  if (old == replacement) {
    return;
  }
  auto& set = SetOf(common::ComputeKeyHashSlot(replacement->key()));
  REDOUBT_CHECK(set.erase(old) == 1);
  set.insert(replacement);
}

void SlotListing::Clear() {
  for (auto& set : slots_) {
    set.clear();
  }
}

void SlotListing::Keys(int slot, size_t max, std::vector<std::string>* out) const {
  for (Entry* e : SetOf(slot)) {
    if (max-- == 0) {
      break;
    }
    out->emplace_back(e->key());
  }
}

}  // namespace redoubt::storage
