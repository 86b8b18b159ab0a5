// Chained hash table of entries; see db_table.h.
#include "storage/db_table.h"

#include <absl/hash/hash.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/check.h"
#include "storage/scan_cursor.h"

namespace redoubt::storage {
namespace {

constexpr size_t kInitialCapacity = 4;

}  // namespace

uint64_t HashKey(std::string_view key) {
  return absl::Hash<std::string_view>{}(key);
}

DbTable::DbTable(DbTable&& other) noexcept {
  *this = std::move(other);
}

DbTable& DbTable::operator=(DbTable&& other) noexcept {
  if (this != &other) {
    Clear();
    // The bytes move with the buckets; both tables report to the same shard counter.
    buckets_ = std::exchange(other.buckets_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    volatile_ = std::move(other.volatile_);
    other.volatile_.clear();
  }
  return *this;
}

DbTable::~DbTable() {
  Clear();
}

Entry** DbTable::Find(std::string_view key, uint64_t hash) {
  if (size_ == 0) {
    return nullptr;
  }
  Entry** link = &buckets_[hash & (capacity_ - 1)];
  while (*link != nullptr) {
    if ((*link)->key() == key) {
      return link;
    }
    link = &(*link)->next;
  }
  return nullptr;
}

void DbTable::Insert(Entry* entry, uint64_t hash) {
  if (size_ >= capacity_) {
    Resize(capacity_ == 0 ? kInitialCapacity : capacity_ * 2);
  }
  Entry*& head = buckets_[hash & (capacity_ - 1)];
  entry->next = head;
  head = entry;
  ++size_;
  if (entry->expire_ms() != kNoExpire) {
    OnExpireSet(entry);
  }
  if (slot_listing_ != nullptr) {
    slot_listing_->Add(entry);
  }
}

Entry* DbTable::Unlink(Entry** slot) {
  Entry* e = *slot;
  *slot = e->next;
  e->next = nullptr;
  --size_;
  if (e->expire_ms() != kNoExpire) {
    OnExpireCleared(e);
  }
  if (slot_listing_ != nullptr) {
    slot_listing_->Remove(e);
  }
  MaybeShrink();
  return e;
}

Entry* DbTable::Replace(Entry** slot, Entry* replacement) {
  Entry* old = *slot;
  bool old_volatile = old->expire_ms() != kNoExpire;
  bool new_volatile = replacement->expire_ms() != kNoExpire;
  if (old_volatile && new_volatile) {
    uint32_t index = old->volatile_index();
    replacement->set_volatile_index(index);
    volatile_[index] = replacement;
  } else if (old_volatile) {
    OnExpireCleared(old);
  }
  replacement->next = old->next;
  *slot = replacement;
  old->next = nullptr;
  if (new_volatile && !old_volatile) {
    OnExpireSet(replacement);
  }
  if (slot_listing_ != nullptr) {
    slot_listing_->Replace(old, replacement);
  }
  return old;
}

void DbTable::OnExpireSet(Entry* entry) {
  // Called for entries that just gained a TTL; an entry already listed keeps its place.
  uint32_t index = entry->volatile_index();
  if (index < volatile_.size() && volatile_[index] == entry) {
    return;
  }
  entry->set_volatile_index(static_cast<uint32_t>(volatile_.size()));
  size_t capacity = volatile_.capacity();
  volatile_.push_back(entry);
  Account(static_cast<int64_t>((volatile_.capacity() - capacity) * sizeof(Entry*)));
}

void DbTable::OnExpireCleared(Entry* entry) {
  uint32_t index = entry->volatile_index();
  REDOUBT_DCHECK(index < volatile_.size() && volatile_[index] == entry);
  Entry* last = volatile_.back();
  volatile_[index] = last;
  last->set_volatile_index(index);
  volatile_.pop_back();
  if (volatile_.empty()) {
    size_t before = volatile_.capacity();
    volatile_.shrink_to_fit();
    Account(-static_cast<int64_t>((before - volatile_.capacity()) * sizeof(Entry*)));
  }
}

void DbTable::Resize(size_t new_capacity) {
  auto* fresh = static_cast<Entry**>(std::calloc(new_capacity, sizeof(Entry*)));
  if (fresh == nullptr) {
    throw std::bad_alloc();
  }
  // Every entry is read for its key's hash, in bucket order, so each read misses the cache;
  // the entries a few buckets ahead are loaded meanwhile (the slots themselves are read in
  // order, which the hardware prefetches). In a SET benchmark growing 64 tables, resizes took
  // 8% of the server's CPU without this.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < capacity_ && i < kAhead; ++i) {
    PrefetchHead(i);
  }
  for (size_t i = 0; i < capacity_; ++i) {
    if (i + kAhead < capacity_) {
      PrefetchHead(i + kAhead);
    }
    Entry* e = buckets_[i];
    while (e != nullptr) {
      Entry* next = e->next;
      Entry*& head = fresh[HashKey(e->key()) & (new_capacity - 1)];
      e->next = head;
      head = e;
      e = next;
    }
  }
  std::free(buckets_);
  Account((static_cast<int64_t>(new_capacity) - static_cast<int64_t>(capacity_)) *
          static_cast<int64_t>(sizeof(Entry*)));
  buckets_ = fresh;
  capacity_ = new_capacity;
}

void DbTable::MaybeShrink() {
  if (frozen_) {
    return;
  }
  if (size_ == 0 && capacity_ > 0) {
    // An emptied table returns its bucket array, so an empty keyspace accounts zero bytes.
    Account(-static_cast<int64_t>(capacity_ * sizeof(Entry*)));
    std::free(buckets_);
    buckets_ = nullptr;
    capacity_ = 0;
    return;
  }
  // Shrink at 1/8 full, as Redis does below 10%, so a table emptied by deletes or expiry
  // returns its bucket array; the gap to the growth threshold prevents flapping.
  if (capacity_ > kInitialCapacity && size_ * 8 < capacity_) {
    size_t target = kInitialCapacity;
    while (target < size_ * 2) {
      target *= 2;
    }
    Resize(target);
  }
}

uint64_t DbTable::Scan(uint64_t cursor, const std::function<void(const Entry&)>& fn) const {
  if (size_ == 0) {
    return 0;
  }
  const uint64_t mask = capacity_ - 1;
  for (const Entry* e = buckets_[cursor & mask]; e != nullptr; e = e->next) {
    fn(*e);
  }
  return NextScanCursor(cursor, mask);
}

void DbTable::ForEachInBucket(size_t bucket, const std::function<void(const Entry&)>& fn) const {
  for (const Entry* e = buckets_[bucket]; e != nullptr; e = e->next) {
    fn(*e);
  }
}

void DbTable::ForEach(const std::function<void(const Entry&)>& fn) const {
  for (size_t i = 0; i < capacity_ && size_ > 0; ++i) {
    for (const Entry* e = buckets_[i]; e != nullptr; e = e->next) {
      fn(*e);
    }
  }
}

Entry* DbTable::RandomEntry(std::mt19937_64& rng) const {
  if (size_ == 0) {
    return nullptr;
  }
  size_t start = rng() & (capacity_ - 1);
  for (size_t i = 0; i < capacity_; ++i) {
    Entry* head = buckets_[(start + i) & (capacity_ - 1)];
    if (head == nullptr) {
      continue;
    }
    size_t chain = 0;
    for (Entry* e = head; e != nullptr; e = e->next) {
      ++chain;
    }
    size_t pick = rng() % chain;
    Entry* e = head;
    while (pick-- > 0) {
      e = e->next;
    }
    return e;
  }
  return nullptr;
}

Entry* DbTable::RandomVolatileEntry(std::mt19937_64& rng) const {
  if (volatile_.empty()) {
    return nullptr;
  }
  return volatile_[rng() % volatile_.size()];
}

void DbTable::Clear() {
  if (slot_listing_ != nullptr) {
    slot_listing_->Clear();
  }
  for (size_t i = 0; i < capacity_; ++i) {
    Entry* e = buckets_[i];
    while (e != nullptr) {
      Entry* next = e->next;
      Entry::Destroy(e);
      e = next;
    }
    buckets_[i] = nullptr;
  }
  size_t before = OverheadBytes();
  size_ = 0;
  volatile_.clear();
  volatile_.shrink_to_fit();
  std::free(buckets_);
  buckets_ = nullptr;
  capacity_ = 0;
  Account(static_cast<int64_t>(OverheadBytes()) - static_cast<int64_t>(before));
}

size_t DbTable::OverheadBytes() const {
  return capacity_ * sizeof(Entry*) + volatile_.capacity() * sizeof(Entry*);
}

}  // namespace redoubt::storage
