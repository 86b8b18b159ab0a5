// Key operations; see key_operations.h. Which key is looked up first, and how (touching its
// access state or not), is Redis 7.0's order: it decides the keyspace hit and miss counts.
#include "commands/key_operations.h"

#include "common/check.h"
#include "storage/entry.h"

namespace redoubt::commands {

using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::Keyspace;
using storage::kNoExpire;

uint64_t OpDelete(Keyspace& keyspace, int db, std::span<const std::string_view> keys,
                  KeyDeleted deleted) {
  uint64_t count = 0;
  for (std::string_view key : keys) {
    if (keyspace.Delete(db, key)) {
      ++count;
      deleted(key);
    }
  }
  return count;
}

OpStatus OpExpire(Keyspace& keyspace, int db, std::string_view key, int64_t at_ms,
                  unsigned conditions, int64_t now_ms) {
  const Entry* e = keyspace.Find(db, key, Access::kWrite);
  if (e == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  int64_t current = e->expire_ms();
  if ((conditions & kExpireNx) && current != kNoExpire) {
    return OpStatus::kSkipped;
  }
  if ((conditions & kExpireXx) && current == kNoExpire) {
    return OpStatus::kSkipped;
  }
  // No TTL counts as an infinite one: GT always fails against it, LT always passes.
  if ((conditions & kExpireGt) && (current == kNoExpire || at_ms <= current)) {
    return OpStatus::kSkipped;
  }
  if ((conditions & kExpireLt) && current != kNoExpire && at_ms >= current) {
    return OpStatus::kSkipped;
  }
  if (keyspace.ExpiredAt(at_ms, now_ms)) {
    keyspace.Delete(db, key);
  } else {
    keyspace.SetExpire(db, key, at_ms);
  }
  return OpStatus::kOk;
}

OpStatus OpPersist(Keyspace& keyspace, int db, std::string_view key) {
  const Entry* e = keyspace.Find(db, key, Access::kWrite);
  if (e == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  if (e->expire_ms() == kNoExpire) {
    return OpStatus::kSkipped;
  }
  keyspace.SetExpire(db, key, kNoExpire);
  return OpStatus::kOk;
}

// As Redis's renameGenericCommand: the source is looked up before the names are compared.
OpStatus OpRename(Keyspace& keyspace, int db, std::string_view key, std::string_view new_key,
                  ExistingTarget existing) {
  if (keyspace.Find(db, key, Access::kWrite) == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  if (key == new_key) {
    return OpStatus::kSkipped;
  }
  if (existing == ExistingTarget::kKeep && keyspace.Find(db, new_key, Access::kWrite) != nullptr) {
    return OpStatus::kSkipped;
  }
  keyspace.MoveTo(db, key, db, new_key);
  return OpStatus::kOk;
}

// The source is read as a read (it counts as a hit or a miss), as Redis's copyCommand does.
OpStatus OpCopy(Keyspace& keyspace, int db, std::string_view key, int dst_db,
                std::string_view dst_key, ExistingTarget existing) {
  REDOUBT_DCHECK(dst_db != db || dst_key != key);
  if (keyspace.Find(db, key, Access::kRead) == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  if (existing == ExistingTarget::kKeep &&
      keyspace.Find(dst_db, dst_key, Access::kWrite) != nullptr) {
    return OpStatus::kSkipped;
  }
  keyspace.CopyTo(db, key, dst_db, dst_key);
  return OpStatus::kOk;
}

OpStatus OpMove(Keyspace& keyspace, int db, std::string_view key, int dst_db) {
  REDOUBT_DCHECK(dst_db != db);
  if (keyspace.Find(db, key, Access::kWrite) == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  if (keyspace.Find(dst_db, key, Access::kWrite) != nullptr) {
    return OpStatus::kSkipped;
  }
  keyspace.MoveTo(db, key, dst_db, key);
  return OpStatus::kOk;
}

}  // namespace redoubt::commands
