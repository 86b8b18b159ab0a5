// Sharded keyspace; see keyspace.h.
#include "storage/keyspace.h"

#include <algorithm>
#include <cstring>

#include "common/check.h"
#include "common/clock.h"
#include "storage/scan_cursor.h"

namespace redoubt::storage {
namespace {

// Below this a value is overwritten in place when its block is large enough; above it the
// block is replaced so that a key shrinking from 1 MB to 10 bytes returns its memory.
bool FitsInPlace(size_t capacity, size_t len) {
  return len <= capacity && capacity <= 2 * len + 64;
}

}  // namespace

Keyspace::Keyspace(int databases) : databases_(databases), shards_(new Shard[kNumShards]) {
  for (int i = 0; i < kNumShards; ++i) {
    shards_[i].dbs.resize(databases);
    for (DbTable& table : shards_[i].dbs) {
      table.set_accounting(&shards_[i].used_bytes);
    }
    shards_[i].rng.seed(0x9E3779B97F4A7C15ULL + i);
  }
  clock_seconds_.store(static_cast<uint32_t>(common::UnixMillis() / 1000));
}

void Keyspace::EnableClusterMode() {
  slot_sharded_ = true;
}

SlotListing& Keyspace::ListingLocked(int s) {
  Shard& shard = shards_[s];
  if (shard.slot_listing == nullptr) {
    // Only database 0: a cluster has no other (SELECT refuses them).
    DbTable& table = shard.dbs[0];
    auto listing = std::make_unique<SlotListing>(s, kNumShards);
    // The table's own entries, which the listing names and the table will report by.
    table.ForEach([&](const Entry& e) { listing->Add(const_cast<Entry*>(&e)); });
    table.set_slot_listing(listing.get());
    shard.slot_listing = std::move(listing);
    shard.listed.store(true, std::memory_order_relaxed);
  }
  shard.slot_listing->set_last_used(clock_seconds());
  return *shard.slot_listing;
}

void Keyspace::DropIdleSlotListings() {
  if (!slot_sharded_) {
    return;
  }
  for (int s = 0; s < kNumShards; ++s) {
    Shard& shard = shards_[s];
    if (!shard.listed.load(std::memory_order_relaxed)) {
      continue;
    }
    std::lock_guard<std::mutex> lock(shard.mu);
    if (shard.slot_listing != nullptr &&
        clock_seconds() - shard.slot_listing->last_used() >= SlotListing::kIdleSeconds) {
      shard.dbs[0].set_slot_listing(nullptr);
      shard.slot_listing.reset();
      shard.listed.store(false, std::memory_order_relaxed);
    }
  }
}

int Keyspace::ListedShards() const {
  int listed = 0;
  for (int s = 0; s < kNumShards; ++s) {
    listed += shards_[s].listed.load(std::memory_order_relaxed) ? 1 : 0;
  }
  return listed;
}

size_t Keyspace::CountKeysInSlot(int slot) {
  if (!slot_sharded_) {
    return 0;
  }
  std::lock_guard<std::mutex> lock(shards_[ShardOfSlot(slot)].mu);
  return ListingLocked(ShardOfSlot(slot)).Count(slot);
}

std::vector<std::string> Keyspace::KeysInSlot(int slot, size_t max) {
  std::vector<std::string> keys;
  if (slot_sharded_) {
    std::lock_guard<std::mutex> lock(shards_[ShardOfSlot(slot)].mu);
    ListingLocked(ShardOfSlot(slot)).Keys(slot, max, &keys);
  }
  return keys;
}

size_t Keyspace::DeleteKeysInSlot(int slot) {
  if (!slot_sharded_) {
    return 0;
  }
  std::lock_guard<std::mutex> lock(shards_[ShardOfSlot(slot)].mu);
  SlotListing& listing = ListingLocked(ShardOfSlot(slot));
  const size_t before = listing.Count(slot);
  std::vector<std::string> keys;  // copied: each entry goes while its key is still reported
  listing.Keys(slot, before, &keys);
  for (const std::string& key : keys) {
    // Delete reports a live key as changed and an expired one as expired (which logs its DEL);
    // a live one is dropped besides, for its DEL.
    if (Delete(0, key) && observer_ != nullptr) {
      observer_->OnKeyDropped(0, key);
    }
  }
  return before - listing.Count(slot);
}

Entry* Keyspace::Adopt(Shard& shard, Entry* e) {
  shard.used_bytes.Add(static_cast<int64_t>(e->AllocatedBytes()));
  return e;
}

Entry* Keyspace::Relocate(Shard& from, Entry* e, Shard& to, std::string_view key, bool has_expire) {
  from.used_bytes.Add(-static_cast<int64_t>(e->AllocatedBytes()));
  return Adopt(to, Entry::Relocate(e, key, has_expire, e->value().size()));
}

void Keyspace::DestroyEntry(Shard& shard, Entry* e) {
  shard.used_bytes.Add(-static_cast<int64_t>(e->AllocatedBytes()));
  Entry::Destroy(e);
}

Keyspace::Location Keyspace::Locate(int db, std::string_view key) {
  uint64_t hash = HashKey(key);
  Shard& shard = shards_[slot_sharded_ ? ShardOfSlot(common::KeyHashSlot(key)) : ShardOfHash(hash)];
  DbTable& table = shard.dbs[db];
  return {shard, table, hash, table.Find(key, hash)};
}

bool Keyspace::Store(const Location& loc, Entry* e) {
  if (loc.slot == nullptr) {
    loc.table.Insert(e, loc.hash);
    return true;
  }
  int64_t at = (*loc.slot)->expire_ms();
  bool replaced_live = at == kNoExpire || at > common::UnixMillis();
  DestroyEntry(loc.shard, loc.table.Replace(loc.slot, e));
  return !replaced_live;
}

thread_local bool Keyspace::applying_primary_stream_ = false;
thread_local int64_t Keyspace::frozen_now_ms_ = 0;

bool Keyspace::HidesLogicallyExpired(int64_t expire_ms) const {
  return expire_ms != kNoExpire && replica_expiry_.load(std::memory_order_relaxed) &&
         !applying_primary_stream_ && expire_ms <= ExpiryNowMs();
}

bool Keyspace::ExpiredNow(int64_t expire_ms) const {
  return expire_ms != kNoExpire && !expiry_paused() && expire_ms <= ExpiryNowMs();
}

Entry* Keyspace::Find(int db, std::string_view key, Access access) {
  auto [shard, table, hash, slot] = Locate(db, key);
  const bool counts = access == Access::kRead || access == Access::kReadNoTouch ||
                      access == Access::kReadNoTouchSilent;
  const bool reports_miss = counts && access != Access::kReadNoTouchSilent;
  if (slot == nullptr) {
    if (counts) {
      shard.misses.Add(1);
    }
    if (reports_miss) {
      NotifyMissed(db, key);
    }
    return nullptr;
  }
  Entry* e = *slot;
  const bool hidden = HidesLogicallyExpired(e->expire_ms());
  if (hidden && access != Access::kWrite) {
    // A replica's client: missing, but kept until the primary's DEL.
    if (counts) {
      shard.misses.Add(1);
    }
    if (reports_miss) {
      NotifyMissed(db, key);
    }
    return nullptr;
  }
  if (hidden || ExpiredNow(e->expire_ms())) {
    BeforeChange(shard, db, hash, key, e);
    DestroyEntry(shard, table.Unlink(slot));
    shard.expired.Add(1);
    NotifyExpired(db, key);
    if (counts) {
      shard.misses.Add(1);
    }
    if (reports_miss) {
      NotifyMissed(db, key);
    }
    return nullptr;
  }
  if (access == Access::kWrite) {
    BeforeChange(shard, db, hash, key, e);
    NotifyChanged(db, key);
  }
  if (access == Access::kRead || access == Access::kWrite) {
    e->set_access(TouchedAccess(e->access(), lfu(), clock_seconds(), shard.rng));
  }
  if (counts) {
    shard.hits.Add(1);
  }
  return e;
}

common::OpResult<Entry*> Keyspace::FindOfType(int db, std::string_view key, ValueType type,
                                              Access access) {
  Entry* e = Find(db, key, access);
  if (e != nullptr && e->type() != type) {
    return common::OpStatus::kWrongType;
  }
  return e;
}

Entry* Keyspace::SetString(int db, std::string_view key, std::string_view value, int64_t expire_ms,
                           bool keep_ttl, common::SharedBytesRef* adoptable) {
  auto [shard, table, hash, slot] = Locate(db, key);
  Encoding encoding = EncodingForNewString(value);
  // A large value that arrived in a block of its own is kept as it is, not copied.
  bool adopt = adoptable != nullptr && *adoptable && value.size() >= kLargeValueBytes &&
               value.data() == (*adoptable)->data();
  auto create = [&](bool has_expire) {
    if (adopt) {
      (*adoptable)->set_size(value.size());
      return Entry::CreateAdopting(key, std::move(*adoptable), has_expire);
    }
    return Entry::Create(key, value, has_expire);
  };
  BeforeChange(shard, db, hash, key, slot != nullptr ? *slot : nullptr);
  if (slot == nullptr) {
    Entry* e = Adopt(shard, create(expire_ms != kNoExpire));
    e->set_encoding(encoding);
    e->set_access(InitialAccess(lfu(), clock_seconds()));
    if (expire_ms != kNoExpire) {
      e->set_expire_ms(expire_ms);
    }
    table.Insert(e, hash);
    NotifyStored(db, key, true);
    return e;
  }
  NotifyChanged(db, key);
  Entry* old = *slot;
  int64_t new_expire = keep_ttl ? old->expire_ms() : expire_ms;
  bool need_slot = new_expire != kNoExpire;
  if (!adopt && old->type() == ValueType::kString && old->has_expire_slot() == need_slot &&
      FitsInPlace(old->value_capacity(), value.size())) {
    // Common case of SET on an existing key: no allocation.
    if (!value.empty()) {
      std::memmove(old->mutable_value(), value.data(), value.size());
    }
    old->set_value_len(value.size());
    old->set_encoding(encoding);
    old->set_access(InitialAccess(lfu(), clock_seconds()));
    int64_t before = old->expire_ms();
    if (need_slot) {
      old->set_expire_ms(new_expire);
      if (before == kNoExpire) {
        table.OnExpireSet(old);
      }
    }
    return old;
  }
  Entry* e = Adopt(shard, create(need_slot));
  e->set_encoding(encoding);
  e->set_access(InitialAccess(lfu(), clock_seconds()));
  if (need_slot) {
    e->set_expire_ms(new_expire);
  }
  DestroyEntry(shard, table.Replace(slot, e));
  return e;
}

Entry* Keyspace::ResizeString(int db, std::string_view key, size_t len) {
  auto [shard, table, hash, slot] = Locate(db, key);
  BeforeChange(shard, db, hash, key, slot != nullptr ? *slot : nullptr);
  if (slot == nullptr) {
    Entry* e = Adopt(shard, Entry::Create(key, {}, false, len));
    std::memset(e->mutable_value(), 0, len);
    e->set_value_len(len);
    e->set_access(InitialAccess(lfu(), clock_seconds()));
    table.Insert(e, hash);
    NotifyStored(db, key, true);
    return e;
  }
  NotifyChanged(db, key);
  Entry* e = *slot;
  size_t old_len = e->value().size();
  if (len > e->value_capacity()) {
    // Grow geometrically so that repeated APPENDs cost amortised O(1) per byte, like sds.
    size_t capacity = len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
    Entry* grown = Adopt(shard, Entry::CloneWith(*e, key, e->expire_ms() != kNoExpire, capacity));
    DestroyEntry(shard, table.Replace(slot, grown));
    e = grown;
  }
  if (len > old_len) {
    std::memset(e->mutable_value() + old_len, 0, len - old_len);
  }
  e->set_value_len(len);
  e->set_encoding(Encoding::kRaw);
  return e;
}

bool Keyspace::Delete(int db, std::string_view key) {
  auto [shard, table, hash, slot] = Locate(db, key);
  if (slot == nullptr) {
    return false;
  }
  Entry* e = *slot;
  bool expired = ExpiredNow(e->expire_ms());
  BeforeChange(shard, db, hash, key, e);
  DestroyEntry(shard, table.Unlink(slot));
  if (expired) {
    shard.expired.Add(1);
    NotifyExpired(db, key);
  } else {
    NotifyChanged(db, key);
  }
  return !expired;
}

bool Keyspace::SetExpire(int db, std::string_view key, int64_t at_ms) {
  auto [shard, table, hash, slot] = Locate(db, key);
  if (slot == nullptr) {
    return false;
  }
  Entry* e = *slot;
  int64_t before = e->expire_ms();
  BeforeChange(shard, db, hash, key, e);
  if (at_ms == kNoExpire) {
    if (before != kNoExpire) {
      table.OnExpireCleared(e);
      e->set_expire_ms(kNoExpire);
      NotifyChanged(db, key);
    }
    return true;
  }
  NotifyChanged(db, key);
  if (!e->has_expire_slot()) {
    // Relocated, not cloned: adding a TTL to a large list must not copy it.
    Entry* with_slot = Relocate(shard, e, shard, key, true);
    with_slot->set_expire_ms(kNoExpire);
    Entry::Destroy(table.Replace(slot, with_slot));
    e = with_slot;
  }
  e->set_expire_ms(at_ms);
  if (before == kNoExpire) {
    table.OnExpireSet(e);
  }
  return true;
}

bool Keyspace::CopyTo(int db, std::string_view key, int dst_db, std::string_view dst_key) {
  Entry* src = Find(db, key, Access::kNoTouch);
  if (src == nullptr) {
    return false;
  }
  bool volatile_key = src->expire_ms() != kNoExpire;
  Location dst = Locate(dst_db, dst_key);
  BeforeChange(dst.shard, dst_db, dst.hash, dst_key, dst.slot != nullptr ? *dst.slot : nullptr);
  Store(dst, Adopt(dst.shard, Entry::CloneWith(*src, dst_key, volatile_key, src->value().size())));
  // Always "new", also over an existing key: Redis's copyCommand deletes it, then adds the copy.
  NotifyStored(dst_db, dst_key, true);
  return true;
}

bool Keyspace::MoveTo(int db, std::string_view key, int dst_db, std::string_view dst_key) {
  // Through Find so that an expired source is deleted and reported missing.
  if (Find(db, key, Access::kWrite) == nullptr) {
    return false;
  }
  if (db == dst_db && key == dst_key) {
    return true;
  }
  Location src = Locate(db, key);
  NotifyChanged(db, key);
  // Unlink before touching the destination: an insert may rehash the table and invalidate the
  // source's slot when both live in the same table.
  Entry* e = src.table.Unlink(src.slot);
  Location dst = Locate(dst_db, dst_key);
  BeforeChange(dst.shard, dst_db, dst.hash, dst_key, dst.slot != nullptr ? *dst.slot : nullptr);
  if (key != dst_key) {
    Entry* renamed = Relocate(src.shard, e, dst.shard, dst_key, e->expire_ms() != kNoExpire);
    Entry::Destroy(e);
    e = renamed;
  }
  Store(dst, e);
  // Always "new", also over an existing key: Redis's rename deletes it, then adds the source.
  NotifyStored(dst_db, dst_key, true);
  return true;
}

Entry* Keyspace::CreateList(int db, std::string_view key) {
  Location loc = Locate(db, key);
  BeforeChange(loc.shard, db, loc.hash, key, loc.slot != nullptr ? *loc.slot : nullptr);
  Entry* e = Adopt(loc.shard, Entry::CreateList(key, false));
  e->set_access(InitialAccess(lfu(), clock_seconds()));
  // An existing entry (SORT ... STORE's destination, or an expired one the caller did not look
  // up) is replaced as SET replaces it.
  NotifyStored(db, key, Store(loc, e));
  return e;
}

Entry* Keyspace::Insert(int db, std::string_view key, Entry* entry) {
  Location loc = Locate(db, key);
  BeforeChange(loc.shard, db, loc.hash, key, loc.slot != nullptr ? *loc.slot : nullptr);
  Entry* e = Adopt(loc.shard, entry);
  e->set_access(InitialAccess(lfu(), clock_seconds()));
  // An existing entry (a STORE's destination) is replaced, as CreateList does.
  NotifyStored(db, key, Store(loc, e));
  return e;
}

Entry* Keyspace::Extract(int db, std::string_view key) {
  auto [shard, table, hash, slot] = Locate(db, key);
  if (slot == nullptr) {
    return nullptr;
  }
  BeforeChange(shard, db, hash, key, *slot);
  NotifyChanged(db, key);
  Entry* e = table.Unlink(slot);
  shard.used_bytes.Add(-static_cast<int64_t>(e->AllocatedBytes()));
  return e;
}

Entry* Keyspace::Rebuild(int db, std::string_view key,
                         const std::function<Entry*(const Entry& old, bool has_expire)>& build) {
  auto [shard, table, hash, slot] = Locate(db, key);
  REDOUBT_CHECK(slot != nullptr);
  Entry* old = *slot;
  BeforeChange(shard, db, hash, key, old);
  bool has_expire = old->expire_ms() != kNoExpire;
  Entry* fresh = Adopt(shard, build(*old, has_expire));
  fresh->set_access(old->access());
  if (has_expire) {
    fresh->set_expire_ms(old->expire_ms());
  }
  DestroyEntry(shard, table.Replace(slot, fresh));
  return fresh;
}

void Keyspace::AdjustUsedBytes(std::string_view key, int64_t delta) {
  shards_[ShardOf(key)].used_bytes.Add(delta);
}

uint64_t Keyspace::DbSize(int db) const {
  uint64_t n = 0;
  for (int s = 0; s < kNumShards; ++s) {
    n += shards_[s].dbs[db].size();
  }
  return n;
}

uint64_t Keyspace::VolatileCount(int db) const {
  uint64_t n = 0;
  for (int s = 0; s < kNumShards; ++s) {
    n += shards_[s].dbs[db].volatile_size();
  }
  return n;
}

bool Keyspace::ContainsLiveKey(int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(shards_[ShardOf(key)].mu);
  return HasLiveKey(db, key);
}

bool Keyspace::HasLiveKey(int db, std::string_view key) {
  Location loc = Locate(db, key);
  if (loc.slot == nullptr) {
    return false;
  }
  const int64_t expire_ms = (*loc.slot)->expire_ms();
  return !ExpiredNow(expire_ms) && !HidesLogicallyExpired(expire_ms);
}

void Keyspace::FlushDb(int db) {
  EmptyDb(db);
  if (observer_ != nullptr) {
    observer_->OnFlushed();
  }
}

void Keyspace::EmptyDb(int db) {
  if (observer_ != nullptr) {
    observer_->OnDatabaseFlushing(db, [&](std::string_view key) { return HasLiveKey(db, key); });
  }
  for (int s = 0; s < kNumShards; ++s) {
    FinishTableSnapshot(s, db);
    DbTable& table = Table(s, db);
    int64_t freed = 0;
    table.ForEach([&](const Entry& e) { freed += static_cast<int64_t>(e.AllocatedBytes()); });
    table.Clear();
    shards_[s].used_bytes.Add(-freed);
  }
}

void Keyspace::FlushAll() {
  for (int db = 0; db < databases_; ++db) {
    EmptyDb(db);
  }
  if (observer_ != nullptr) {
    observer_->OnFlushed();
  }
}

void Keyspace::SwapDb(int a, int b) {
  for (int s = 0; s < kNumShards; ++s) {
    FinishTableSnapshot(s, a);
    FinishTableSnapshot(s, b);
    std::swap(shards_[s].dbs[a], shards_[s].dbs[b]);
  }
  if (observer_ != nullptr) {
    observer_->OnDatabasesSwapped(
        a, b, [&](int db, std::string_view key) { return HasLiveKey(db, key); });
  }
}

void Keyspace::BeginSnapshot(SnapshotSink* sink) {
  REDOUBT_CHECK(snapshot_sink_ == nullptr);
  snapshot_sink_ = sink;
  for (int s = 0; s < kNumShards; ++s) {
    Shard& shard = shards_[s];
    shard.snapshot.assign(databases_, TableSnapshot{});
    for (int db = 0; db < databases_; ++db) {
      if (shard.dbs[db].size() > 0) {
        shard.snapshot[db].active = true;
        shard.dbs[db].set_frozen(true);
        shard.snapshotting = true;
      }
    }
  }
}

void Keyspace::SettleForSnapshot(Shard& shard, int db, uint64_t hash, std::string_view key,
                                 const Entry* current) {
  TableSnapshot& ts = shard.snapshot[db];
  if (!ts.active || ScanCursorPassed(shard.dbs[db].BucketOf(hash), ts.cursor)) {
    return;  // not part of the snapshot, or already written by the walk
  }
  if (!ts.settled.insert(std::string(key)).second) {
    return;  // written (or created) since the start already
  }
  if (current != nullptr) {
    snapshot_sink_->Write(static_cast<int>(&shard - shards_.get()), db, *current, true);
  }
}

bool Keyspace::SnapshotStep(int shard_index, int db, size_t max_buckets) {
  Shard& shard = shards_[shard_index];
  if (!shard.snapshotting || !shard.snapshot[db].active) {
    return true;
  }
  TableSnapshot& ts = shard.snapshot[db];
  const DbTable& table = shard.dbs[db];
  // The table may have grown since the last step (never shrunk: it is frozen, so never empty).
  const uint64_t mask = table.bucket_count() - 1;
  // The walk's reads miss the cache: a bucket's slot, then the entry it points to (in a
  // rewrite of 630,000 string keys, the first read of each entry took 44% of the walk's CPU).
  // Loading the slots a few buckets ahead in the walk's own order, and the entries a few
  // buckets behind those, overlaps the misses.
  constexpr int kSlotsAhead = 32;
  constexpr int kHeadsAhead = 12;
  uint64_t slot_cursor = ts.cursor;
  uint64_t head_cursor = ts.cursor;
  bool slots_wrapped = false;
  bool heads_wrapped = false;
  auto prefetch_next = [&](int slots, int heads) {
    for (int i = 0; i < slots && !slots_wrapped; ++i) {
      table.PrefetchSlot(slot_cursor & mask);
      slot_cursor = NextScanCursor(slot_cursor, mask);
      slots_wrapped = slot_cursor == 0;
    }
    for (int i = 0; i < heads && !heads_wrapped; ++i) {
      table.PrefetchHead(head_cursor & mask);
      head_cursor = NextScanCursor(head_cursor, mask);
      heads_wrapped = head_cursor == 0;
    }
  };
  prefetch_next(kSlotsAhead, kHeadsAhead);
  for (size_t n = 0; n < max_buckets; ++n) {
    prefetch_next(1, 1);
    table.ForEachInBucket(ts.cursor & mask, [&](const Entry& e) {
      if (ts.settled.empty() ||
          !ts.settled.contains(absl::string_view(e.key().data(), e.key().size()))) {
        snapshot_sink_->Write(shard_index, db, e, false);
      }
    });
    ts.cursor = NextScanCursor(ts.cursor, mask);
    if (ts.cursor == 0) {
      EndTableSnapshot(shard, db);
      return true;
    }
  }
  return false;
}

void Keyspace::FinishTableSnapshot(int shard_index, int db) {
  Shard& shard = shards_[shard_index];
  if (shard.snapshotting && shard.snapshot[db].active) {
    SnapshotStep(shard_index, db, SIZE_MAX);
  }
}

void Keyspace::EndTableSnapshot(Shard& shard, int db) {
  TableSnapshot& ts = shard.snapshot[db];
  ts.active = false;
  ts.settled = {};
  shard.dbs[db].set_frozen(false);
  shard.snapshotting = std::any_of(shard.snapshot.begin(), shard.snapshot.end(),
                                   [](const TableSnapshot& t) { return t.active; });
}

void Keyspace::EndSnapshot() {
  for (int s = 0; s < kNumShards; ++s) {
    Shard& shard = shards_[s];
    for (int db = 0; db < static_cast<int>(shard.snapshot.size()); ++db) {
      if (shard.snapshot[db].active) {
        EndTableSnapshot(shard, db);
      }
    }
    shard.snapshot.clear();
    shard.snapshotting = false;
  }
  snapshot_sink_ = nullptr;
}

uint64_t Keyspace::ScanStep(int db, uint64_t cursor, const std::function<void(const Entry&)>& fn) {
  // Cursor layout: [table cursor][shard: kShardBits]. Shards are visited in order, each with
  // the reverse-binary cursor of its own table.
  int shard = static_cast<int>(cursor & (kNumShards - 1));
  uint64_t table_cursor = cursor >> kShardBits;
  uint64_t next = shards_[shard].dbs[db].Scan(table_cursor, fn);
  if (next != 0) {
    return (next << kShardBits) | static_cast<uint64_t>(shard);
  }
  return shard + 1 < kNumShards ? static_cast<uint64_t>(shard + 1) : 0;
}

void Keyspace::ForEach(int db, const std::function<void(const Entry&)>& fn) {
  for (int s = 0; s < kNumShards; ++s) {
    shards_[s].dbs[db].ForEach(fn);
  }
}

std::optional<std::string> Keyspace::RandomKey(int db) {
  if (DbSize(db) == 0) {
    return std::nullopt;
  }
  Shard& first = shards_[0];
  int64_t now = common::UnixMillis();
  // Weight shards by size so every key is about equally likely; expired keys are skipped
  // (and deleted), giving up after a bounded number of tries as Redis does.
  for (int attempt = 0; attempt < 100; ++attempt) {
    uint64_t total = DbSize(db);
    if (total == 0) {
      return std::nullopt;
    }
    uint64_t pick = first.rng() % total;
    int s = 0;
    while (pick >= shards_[s].dbs[db].size()) {
      pick -= shards_[s].dbs[db].size();
      ++s;
    }
    Entry* e = shards_[s].dbs[db].RandomEntry(first.rng);
    if (e == nullptr) {
      continue;
    }
    int64_t at = e->expire_ms();
    if (at != kNoExpire && at <= now) {
      std::string key(e->key());
      Find(db, key, Access::kNoTouch);  // deletes it
      continue;
    }
    return std::string(e->key());
  }
  return std::nullopt;
}

std::pair<size_t, size_t> Keyspace::ExpireSample(int shard, int db, size_t count, int64_t now_ms) {
  Shard& sh = shards_[shard];
  DbTable& table = sh.dbs[db];
  size_t sampled = 0;
  size_t expired = 0;
  for (; sampled < count && table.volatile_size() > 0; ++sampled) {
    Entry* e = table.RandomVolatileEntry(sh.rng);
    if (e->expire_ms() <= now_ms) {
      std::string key(e->key());
      uint64_t hash = HashKey(key);
      BeforeChange(sh, db, hash, key, e);
      Entry** slot = table.Find(key, hash);
      DestroyEntry(sh, table.Unlink(slot));
      sh.expired.Add(1);
      ++expired;
      NotifyExpired(db, key);
    }
  }
  return {sampled, expired};
}

size_t Keyspace::ActiveExpireCycle(int64_t budget_us) {
  // Redis's "slow" cycle in spirit: 20 samples per table; go on with a table while more than
  // 10% of its samples had expired; stop when the time budget is spent.
  constexpr size_t kSamples = 20;
  if (expiry_paused()) {
    return 0;
  }
  int64_t deadline = common::MonotonicMicros() + budget_us;
  size_t deleted = 0;
  for (int visited = 0; visited < kNumShards; ++visited) {
    int s = static_cast<int>(expire_cursor_.fetch_add(1, std::memory_order_relaxed) % kNumShards);
    std::lock_guard<std::mutex> lock(shards_[s].mu);
    int64_t now = common::UnixMillis();
    for (int db = 0; db < databases_; ++db) {
      while (true) {
        auto [sampled, expired] = ExpireSample(s, db, kSamples, now);
        deleted += expired;
        if (sampled == 0 || expired * 10 <= sampled) {
          break;
        }
        if (common::MonotonicMicros() > deadline) {
          return deleted;
        }
      }
    }
    if (common::MonotonicMicros() > deadline) {
      break;
    }
  }
  return deleted;
}

std::mt19937_64& Keyspace::EvictionRng() {
  static std::atomic<uint64_t> seeds{0x5851F42D4C957F2DULL};
  thread_local std::mt19937_64 rng(
      seeds.fetch_add(0x9E3779B97F4A7C15ULL, std::memory_order_relaxed));
  return rng;
}

bool Keyspace::EvictOne(EvictionPolicy policy, int samples) {
  // Sample `samples` candidates from random shards and databases, evict the best one:
  // Redis's approximated LRU/LFU without its pool, which matters little at 5 samples.
  struct Candidate {
    int shard = -1;
    int db = 0;
    std::string key;
    uint64_t score = 0;  // higher = better to evict
  };
  Candidate best;
  bool volatile_only = IsVolatile(policy);
  uint32_t now_s = clock_seconds();
  bool lfu_mode = IsLfu(policy);
  // The calling thread's own generator: which shard to try is chosen before any shard is
  // locked, so a shard's generator (guarded by its mutex) cannot be used for it. (Using shard
  // 0's without its lock raced with other threads' eviction and active expiry.)
  std::mt19937_64& rng = EvictionRng();
  // Looks at one key of shard s, if it has any; true when it did.
  auto consider = [&](int s) {
    std::lock_guard<std::mutex> lock(shards_[s].mu);
    // Most databases are usually empty: look through this shard's databases from a random
    // one rather than sampling a random database and mostly finding nothing.
    int first_db = static_cast<int>(rng() % databases_);
    Entry* e = nullptr;
    int db = first_db;
    for (int i = 0; i < databases_ && e == nullptr; ++i) {
      db = (first_db + i) % databases_;
      DbTable& table = shards_[s].dbs[db];
      e = volatile_only ? table.RandomVolatileEntry(shards_[s].rng)
                        : table.RandomEntry(shards_[s].rng);
    }
    if (e == nullptr) {
      return false;
    }
    uint64_t score = 0;
    switch (policy) {
      case EvictionPolicy::kAllKeysLru:
      case EvictionPolicy::kVolatileLru:
        score = IdleSeconds(e->access(), now_s);
        break;
      case EvictionPolicy::kAllKeysLfu:
      case EvictionPolicy::kVolatileLfu:
        score = 255 - (lfu_mode ? LfuCounter(e->access(), now_s) : 0);
        break;
      case EvictionPolicy::kVolatileTtl:
        score = UINT64_MAX - static_cast<uint64_t>(e->expire_ms());
        break;
      default:
        score = rng();
        break;
    }
    if (best.shard < 0 || score > best.score) {
      best = {s, db, std::string(e->key()), score};
    }
    return true;
  };
  int taken = 0;
  for (int tries = 0; taken < samples && tries < samples * 4; ++tries) {
    taken += consider(static_cast<int>(rng() % kNumShards)) ? 1 : 0;
  }
  // Few keys in few shards: random picks may all miss them (one key in 64 shards escapes 20
  // picks three times in four), so sweep every shard rather than report "nothing to evict"
  // while keys remain, which left the server over maxmemory until a later command got luckier.
  const int first = static_cast<int>(rng() % kNumShards);
  for (int i = 0; i < kNumShards && taken < samples; ++i) {
    taken += consider((first + i) % kNumShards) ? 1 : 0;
  }
  if (best.shard < 0) {
    return false;
  }
  std::lock_guard<std::mutex> lock(shards_[best.shard].mu);
  DbTable& table = shards_[best.shard].dbs[best.db];
  uint64_t hash = HashKey(best.key);
  Entry** slot = table.Find(best.key, hash);
  if (slot != nullptr) {
    BeforeChange(shards_[best.shard], best.db, hash, best.key, *slot);
    DestroyEntry(shards_[best.shard], table.Unlink(slot));
    shards_[best.shard].evicted.Add(1);
    NotifyEvicted(best.db, best.key);
  }
  return true;
}

bool Keyspace::EvictUntil(uint64_t limit, EvictionPolicy policy, int samples) {
  if (policy == EvictionPolicy::kNoEviction) {
    return used_bytes() <= limit;
  }
  // Bounded so that one command never stalls its thread for long; the next write continues.
  for (int i = 0; i < 1024 && used_bytes() > limit; ++i) {
    if (!EvictOne(policy, samples)) {
      return false;
    }
  }
  return used_bytes() <= limit;
}

std::vector<DbInfo> Keyspace::Info() {
  std::vector<DbInfo> out(databases_);
  std::vector<int64_t> ttl_sum(databases_, 0);
  std::vector<uint64_t> ttl_samples(databases_, 0);
  int64_t now = common::UnixMillis();
  for (int s = 0; s < kNumShards; ++s) {
    std::lock_guard<std::mutex> lock(shards_[s].mu);
    for (int db = 0; db < databases_; ++db) {
      const DbTable& t = shards_[s].dbs[db];
      out[db].keys += t.size();
      out[db].expires += t.volatile_size();
      out[db].table_bytes += t.OverheadBytes() - t.VolatileListBytes();
      out[db].expires_bytes += t.VolatileListBytes();
      // avg_ttl from a sample of each table, as Redis estimates it in its cron.
      for (int i = 0; i < 4 && t.volatile_size() > 0; ++i) {
        Entry* e = t.RandomVolatileEntry(shards_[s].rng);
        int64_t ttl = e->expire_ms() - now;
        if (ttl > 0) {
          ttl_sum[db] += ttl;
          ++ttl_samples[db];
        }
      }
    }
  }
  for (int db = 0; db < databases_; ++db) {
    out[db].avg_ttl_ms = ttl_samples[db] ? ttl_sum[db] / static_cast<int64_t>(ttl_samples[db]) : 0;
  }
  return out;
}

uint64_t Keyspace::used_bytes() const {
  int64_t total = 0;
  for (int s = 0; s < kNumShards; ++s) {
    total += static_cast<int64_t>(shards_[s].used_bytes.Get());
  }
  return total < 0 ? 0 : static_cast<uint64_t>(total);
}

KeyspaceStats Keyspace::stats() const {
  KeyspaceStats st;
  for (int s = 0; s < kNumShards; ++s) {
    st.hits += shards_[s].hits.Get();
    st.misses += shards_[s].misses.Get();
    st.expired += shards_[s].expired.Get();
    st.evicted += shards_[s].evicted.Get();
  }
  return st;
}

void Keyspace::ResetStats() {
  for (int s = 0; s < kNumShards; ++s) {
    std::lock_guard<std::mutex> lock(shards_[s].mu);
    shards_[s].hits.v.store(0, std::memory_order_relaxed);
    shards_[s].misses.v.store(0, std::memory_order_relaxed);
    shards_[s].expired.v.store(0, std::memory_order_relaxed);
    shards_[s].evicted.v.store(0, std::memory_order_relaxed);
  }
}

void ShardLocks::LockKey(std::string_view key) {
  int s = keyspace_.ShardOf(key);
  keyspace_.shard_mutex(s).lock();
  held_ = uint64_t{1} << s;
}

void ShardLocks::LockKeys(const std::vector<std::string_view>& keys) {
  uint64_t want = 0;
  for (std::string_view k : keys) {
    want |= uint64_t{1} << keyspace_.ShardOf(k);
  }
  for (int s = 0; s < Keyspace::kNumShards; ++s) {
    if (want & (uint64_t{1} << s)) {
      keyspace_.shard_mutex(s).lock();
    }
  }
  held_ = want;
}

void ShardLocks::LockAll() {
  for (int s = 0; s < Keyspace::kNumShards; ++s) {
    keyspace_.shard_mutex(s).lock();
  }
  held_ = ~uint64_t{0};
}

void ShardLocks::Release() {
  for (int s = Keyspace::kNumShards - 1; s >= 0 && held_ != 0; --s) {
    if (held_ & (uint64_t{1} << s)) {
      keyspace_.shard_mutex(s).unlock();
      held_ &= ~(uint64_t{1} << s);
    }
  }
}

}  // namespace redoubt::storage
