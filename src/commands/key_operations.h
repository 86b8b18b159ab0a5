// What the commands on keys of any type do to the keyspace, without a client or a reply: DEL,
// the EXPIRE family with NX XX GT LT, PERSIST, RENAME/RENAMENX, COPY, MOVE. Arguments come
// parsed (times absolute, databases valid); each operation returns what happened
// (common::OpStatus, or a count) and writes nothing. The handlers in key_commands.cc and
// expire_commands.cc parse a command, call one of these and format the reply; replication,
// MIGRATE/RESTORE and MULTI apply the same effects the same way. Semantics follow Redis 7.0's
// db.c and expire.c.
//
// Changes are not counted here: each contract says what changed, and the caller adds to
// CommandContext::dirty as Redis adds to server.dirty.
//
// Thread: requires the shard lock of every key named (the dispatcher's, or the caller's
// storage::ShardLocks); a key in another database lives in the same shard. Nothing here locks.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "common/op_status.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

// Told each key OpDelete has just deleted, before the next one is looked at (a keyspace
// notification, in Redis's order).
using KeyDeleted = absl::FunctionRef<void(std::string_view key)>;

// DEL, UNLINK: deletes each key named. Returns how many were deleted (one change each): a key
// named twice counts once, and an expired key that was still stored does not count.
uint64_t OpDelete(
    storage::Keyspace& keyspace, int db, std::span<const std::string_view> keys,
    KeyDeleted deleted = [](std::string_view) {});

// EXPIRE's conditions, as bits; which combinations are valid is the parser's business.
enum ExpireCondition : unsigned {
  kExpireNx = 1,  // only when the key has no TTL
  kExpireXx = 2,  // only when it has one
  kExpireGt = 4,  // only when the new time is later (no TTL counts as infinite: never)
  kExpireLt = 8,  // only when the new time is earlier (no TTL counts as infinite: always)
};

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: sets key's expire time to at_ms (absolute Unix ms)
// when the conditions hold; a time not after now_ms deletes the key instead, as a primary does
// (Redis's checkAlreadyExpired). Returns kOk (one change), kKeyNotFound, or kSkipped (a
// condition refused; nothing changed).
common::OpStatus OpExpire(storage::Keyspace& keyspace, int db, std::string_view key, int64_t at_ms,
                          unsigned conditions, int64_t now_ms);

// PERSIST: removes key's TTL. Returns kOk (one change), kKeyNotFound, or kSkipped (the key has
// no TTL; nothing changed).
common::OpStatus OpPersist(storage::Keyspace& keyspace, int db, std::string_view key);

// What RENAME and COPY do when the destination key exists.
enum class ExistingTarget : uint8_t {
  kReplace,  // RENAME, COPY ... REPLACE
  kKeep,     // RENAMENX, COPY: do nothing
};

// RENAME, RENAMENX: moves key's value and TTL to new_key in the same database. Returns kOk (one
// change), kKeyNotFound (even when both names are the same), or kSkipped with nothing changed:
// new_key is key, or it exists and `existing` is kKeep.
common::OpStatus OpRename(storage::Keyspace& keyspace, int db, std::string_view key,
                          std::string_view new_key, ExistingTarget existing);

// COPY: copies key's value and TTL to dst_key in dst_db; the source stays. Returns kOk (one
// change), kKeyNotFound (no source), or kSkipped (dst_key exists and `existing` is kKeep;
// nothing changed).
// Requires: dst_db is a valid database; (dst_db, dst_key) is not (db, key), which Redis
// answers with "source and destination objects are the same" before looking at the keys.
common::OpStatus OpCopy(storage::Keyspace& keyspace, int db, std::string_view key, int dst_db,
                        std::string_view dst_key, ExistingTarget existing);

// MOVE: moves key (value, TTL, access state) to dst_db. Returns kOk (one change), kKeyNotFound,
// or kSkipped (dst_db has the key; nothing changed).
// Requires: dst_db is a valid database other than db.
common::OpStatus OpMove(storage::Keyspace& keyspace, int db, std::string_view key, int dst_db);

}  // namespace redoubt::commands
