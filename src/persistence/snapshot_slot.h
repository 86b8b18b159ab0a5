// The keyspace holds one snapshot walk at a time (storage::Keyspace::BeginSnapshot): a BGSAVE,
// an AOF rewrite and a replica's full sync each take this slot first, and the one that finds it
// taken answers as Redis answers when its fork is busy, or schedules itself for when the slot is
// free.
//
// Thread: thread-safe.
#pragma once

#include <atomic>

namespace redoubt::persistence {

class SnapshotSlot {
 public:
  enum class Owner : int { kNone, kSave, kAofRewrite, kFullSync };

  bool TryAcquire(Owner owner) {
    Owner expected = Owner::kNone;
    return owner_.compare_exchange_strong(expected, owner);
  }
  void Release() { owner_.store(Owner::kNone); }
  Owner owner() const { return owner_.load(); }

 private:
  std::atomic<Owner> owner_{Owner::kNone};
};

}  // namespace redoubt::persistence
