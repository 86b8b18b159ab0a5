// Keys by hash slot; see slot_index.h.
#include "storage/slot_index.h"

#include "common/hash_slot.h"
#include "storage/entry.h"

namespace redoubt::storage {

SlotIndex::SlotIndex() : slots_(common::kClusterSlots) {}

void SlotIndex::Add(const Entry* e) {
  slots_[common::KeyHashSlot(e->key())].insert(e);
}

void SlotIndex::Remove(const Entry* e) {
  slots_[common::KeyHashSlot(e->key())].erase(e);
}

void SlotIndex::Replace(const Entry* old, const Entry* replacement) {
  if (old == replacement) {
    return;
  }
  absl::flat_hash_set<const Entry*>& keys = slots_[common::KeyHashSlot(old->key())];
  keys.erase(old);
  keys.insert(replacement);
}

void SlotIndex::Keys(int slot, size_t max, std::vector<std::string>* out) const {
  for (const Entry* e : slots_[slot]) {
    if (max-- == 0) {
      break;
    }
    out->emplace_back(e->key());
  }
}

}  // namespace redoubt::storage
