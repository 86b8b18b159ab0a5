// Keys by hash slot; see slot_index.h.
#include "storage/slot_index.h"

#include "common/check.h"
#include "common/hash_slot.h"
#include "storage/entry.h"

namespace redoubt::storage {

SlotIndex::SlotIndex()
    : heads_(new std::atomic<Entry*>[common::kClusterSlots]), counts_(common::kClusterSlots) {
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    heads_[slot].store(nullptr, std::memory_order_relaxed);
  }
  Entry::RequireSlotLinks(true);
}

SlotIndex::~SlotIndex() {
  Entry::RequireSlotLinks(false);
}

void SlotIndex::Add(Entry* e, int slot) {
  REDOUBT_CHECK(e->has_slot_links());
  Entry* head = heads_[slot].load(std::memory_order_relaxed);
  e->slot_links() = {nullptr, head};
  if (head != nullptr) {
    head->slot_links().prev = e;
  }
  heads_[slot].store(e, std::memory_order_relaxed);
  ++counts_[slot];
}

void SlotIndex::Remove(Entry* e) {
  const int slot = common::KeyHashSlot(e->key());
  Entry::SlotLinks& links = e->slot_links();
  if (links.prev != nullptr) {
    links.prev->slot_links().next = links.next;
  } else {
    heads_[slot].store(links.next, std::memory_order_relaxed);
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
    heads_[common::KeyHashSlot(old->key())].store(replacement, std::memory_order_relaxed);
  }
  if (links.next != nullptr) {
    links.next->slot_links().prev = replacement;
  }
  old->slot_links() = {nullptr, nullptr};
}

void SlotIndex::Keys(int slot, size_t max, std::vector<std::string>* out) const {
  for (Entry* e = heads_[slot].load(std::memory_order_relaxed); e != nullptr && max > 0;
       e = e->slot_links().next, --max) {
    out->emplace_back(e->key());
  }
}

}  // namespace redoubt::storage
