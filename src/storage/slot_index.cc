// Keys by hash slot; see slot_index.h.
#include "storage/slot_index.h"

#include "common/check.h"
#include "common/hash_slot.h"
#include "storage/entry.h"

namespace redoubt::storage {

SlotIndex::SlotIndex() : heads_(common::kClusterSlots, nullptr), counts_(common::kClusterSlots) {
  Entry::RequireSlotLinks(true);
}

SlotIndex::~SlotIndex() {
  Entry::RequireSlotLinks(false);
}

void SlotIndex::Add(Entry* e) {
  REDOUBT_CHECK(e->has_slot_links());
  const int slot = common::KeyHashSlot(e->key());
  Entry*& head = heads_[slot];
  e->slot_links() = {nullptr, head};
  if (head != nullptr) {
    head->slot_links().prev = e;
  }
  head = e;
  ++counts_[slot];
}

void SlotIndex::Remove(Entry* e) {
  const int slot = common::KeyHashSlot(e->key());
  Entry::SlotLinks& links = e->slot_links();
  if (links.prev != nullptr) {
    links.prev->slot_links().next = links.next;
  } else {
    heads_[slot] = links.next;
  }
  if (links.next != nullptr) {
    links.next->slot_links().prev = links.prev;
  }
  links = {nullptr, nullptr};
  --counts_[slot];
}

void SlotIndex::Replace(Entry* old, Entry* replacement) {
  if (old == replacement) {
    return;
  }
  REDOUBT_CHECK(replacement->has_slot_links());
  Entry::SlotLinks links = old->slot_links();
  replacement->slot_links() = links;
  if (links.prev != nullptr) {
    links.prev->slot_links().next = replacement;
  } else {
    heads_[common::KeyHashSlot(old->key())] = replacement;
  }
  if (links.next != nullptr) {
    links.next->slot_links().prev = replacement;
  }
  old->slot_links() = {nullptr, nullptr};
}

void SlotIndex::Keys(int slot, size_t max, std::vector<std::string>* out) const {
  for (Entry* e = heads_[slot]; e != nullptr && max > 0; e = e->slot_links().next, --max) {
    out->emplace_back(e->key());
  }
}

}  // namespace redoubt::storage
