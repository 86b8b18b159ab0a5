// String operations; see string_operations.h. The order of lookups and checks is Redis 7.0's
// (t_string.c), because it decides which error a command with several problems reports.
#include "commands/string_operations.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/numbers.h"

namespace redoubt::commands {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::Keyspace;
using storage::kNoExpire;
using storage::ValueType;

namespace {

OpResult<Entry*> FindString(Keyspace& keyspace, int db, std::string_view key, Access access) {
  return keyspace.FindOfType(db, key, ValueType::kString, access);
}

// GETDEL's and GETEX's lookup: the live string at key, given to `read` before the caller
// changes it; kKeyNotFound or kWrongType without calling `read`.
OpResult<Entry*> FindAndRead(Keyspace& keyspace, int db, std::string_view key, ValueReader read) {
  OpResult<Entry*> e = FindString(keyspace, db, key, Access::kRead);
  if (!e.ok()) {
    return e;
  }
  if (*e == nullptr) {
    return OpStatus::kKeyNotFound;
  }
  read((*e)->value());
  return e;
}

// OpSet and OpSetAndGet; read_previous is null for a SET without GET.
OpStatus SetGeneric(Keyspace& keyspace, int db, std::string_view key, std::string_view value,
                    const SetParams& params, common::SharedBytesRef* adoptable,
                    const ValueReader* read_previous) {
  // GET's lookup is a read, as Redis's getGenericCommand: a hit or a miss ("keymiss").
  OpResult<Entry*> old =
      FindString(keyspace, db, key, read_previous != nullptr ? Access::kRead : Access::kWrite);
  if (read_previous != nullptr) {
    if (!old.ok()) {
      return old.status();
    }
    if (*old != nullptr) {
      (*read_previous)((*old)->value());
    }
  }
  // A key of another type exists too (SET without GET overwrites any type).
  bool exists = !old.ok() || *old != nullptr;
  if ((params.condition == SetParams::Condition::kIfMissing && exists) ||
      (params.condition == SetParams::Condition::kIfExists && !exists)) {
    return OpStatus::kSkipped;
  }
  // Stored even when its expire time has passed, as Redis 7.0 does (DBSIZE counts it until
  // expiry removes it): the removal is then expiry's, as for any key, and not this command's
  // (a tracking client with NOLOOP is told of it; a SET PX 1 that took over a millisecond to
  // run is not taken for one that deleted).
  keyspace.SetString(db, key, value, params.expire_at_ms, params.keep_ttl, adoptable);
  return OpStatus::kOk;
}

}  // namespace

OpStatus OpSet(Keyspace& keyspace, int db, std::string_view key, std::string_view value,
               const SetParams& params, common::SharedBytesRef* adoptable) {
  return SetGeneric(keyspace, db, key, value, params, adoptable, nullptr);
}

OpStatus OpSetAndGet(Keyspace& keyspace, int db, std::string_view key, std::string_view value,
                     const SetParams& params, common::SharedBytesRef* adoptable,
                     ValueReader read_previous) {
  return SetGeneric(keyspace, db, key, value, params, adoptable, &read_previous);
}

void OpMSet(Keyspace& keyspace, int db, std::span<const std::string_view> pairs,
            PairStored stored) {
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    keyspace.SetString(db, pairs[i], pairs[i + 1], kNoExpire, false);
    stored(pairs[i]);
  }
}

OpStatus OpMSetNx(Keyspace& keyspace, int db, std::span<const std::string_view> pairs,
                  PairStored stored) {
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    if (keyspace.Find(db, pairs[i], Access::kWrite) != nullptr) {
      return OpStatus::kSkipped;
    }
  }
  OpMSet(keyspace, db, pairs, stored);
  return OpStatus::kOk;
}

OpResult<int64_t> OpIncrBy(Keyspace& keyspace, int db, std::string_view key, int64_t delta) {
  OpResult<Entry*> e = FindString(keyspace, db, key, Access::kWrite);
  if (!e.ok()) {
    return e.status();
  }
  int64_t current = 0;
  if (*e != nullptr) {
    std::optional<int64_t> parsed = common::ParseInt64((*e)->value());
    if (!parsed) {
      return OpStatus::kNotAnInteger;
    }
    current = *parsed;
  }
  int64_t result;
  if (__builtin_add_overflow(current, delta, &result)) {
    return OpStatus::kOverflow;
  }
  std::string text;
  common::AppendInt64(&text, result);
  keyspace.SetString(db, key, text, kNoExpire, /*keep_ttl=*/true);
  return result;
}

OpResult<std::string> OpIncrByFloat(Keyspace& keyspace, int db, std::string_view key,
                                    long double delta) {
  OpResult<Entry*> e = FindString(keyspace, db, key, Access::kWrite);
  if (!e.ok()) {
    return e.status();
  }
  long double current = 0;
  if (*e != nullptr) {
    std::optional<long double> parsed = common::ParseLongDouble((*e)->value());
    if (!parsed) {
      return OpStatus::kNotAFloat;
    }
    current = *parsed;
  }
  long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) {
    return OpStatus::kNotFinite;
  }
  std::string text = common::FormatLongDoubleHuman(result);
  keyspace.SetString(db, key, text, kNoExpire, /*keep_ttl=*/true);
  return text;
}

OpResult<size_t> OpAppend(Keyspace& keyspace, int db, std::string_view key, std::string_view suffix,
                          uint64_t max_bytes) {
  OpResult<Entry*> e = FindString(keyspace, db, key, Access::kWrite);
  if (!e.ok()) {
    return e.status();
  }
  if (*e == nullptr) {
    // Encoded as SET would store it (int, embstr or raw), as Redis's tryObjectEncoding does.
    keyspace.SetString(db, key, suffix, kNoExpire, false);
    return suffix.size();
  }
  size_t old_len = (*e)->value().size();
  if (old_len + suffix.size() > max_bytes) {
    return OpStatus::kStringTooLong;
  }
  Entry* grown = keyspace.ResizeString(db, key, old_len + suffix.size());
  if (!suffix.empty()) {
    std::memcpy(grown->mutable_value() + old_len, suffix.data(), suffix.size());
  }
  return grown->value().size();
}

OpResult<size_t> OpSetRange(Keyspace& keyspace, int db, std::string_view key, uint64_t offset,
                            std::string_view value, uint64_t max_bytes) {
  OpResult<Entry*> e = FindString(keyspace, db, key, Access::kWrite);
  if (!e.ok()) {
    return e.status();
  }
  size_t old_len = *e == nullptr ? 0 : (*e)->value().size();
  if (value.empty()) {
    return old_len;
  }
  if (offset + value.size() > max_bytes) {
    return OpStatus::kStringTooLong;
  }
  size_t new_len = std::max(old_len, static_cast<size_t>(offset) + value.size());
  Entry* target = keyspace.ResizeString(db, key, new_len);
  std::memcpy(target->mutable_value() + offset, value.data(), value.size());
  return new_len;
}

OpStatus OpGetDel(Keyspace& keyspace, int db, std::string_view key, ValueReader read) {
  OpResult<Entry*> e = FindAndRead(keyspace, db, key, read);
  if (!e.ok()) {
    return e.status();
  }
  keyspace.Delete(db, key);
  return OpStatus::kOk;
}

OpResult<GetExChange> OpGetEx(Keyspace& keyspace, int db, std::string_view key,
                              const GetExParams& params, ValueReader read) {
  OpResult<Entry*> e = FindAndRead(keyspace, db, key, read);
  if (!e.ok()) {
    return e.status();
  }
  if (params.persist) {
    if ((*e)->expire_ms() == kNoExpire) {
      return GetExChange::kNone;
    }
    keyspace.SetExpire(db, key, kNoExpire);
    return GetExChange::kPersisted;
  }
  if (params.expire_at_ms == kNoExpire) {
    return GetExChange::kNone;
  }
  if (keyspace.ExpiredNow(params.expire_at_ms)) {
    keyspace.Delete(db, key);
    return GetExChange::kDeleted;
  }
  keyspace.SetExpire(db, key, params.expire_at_ms);
  return GetExChange::kExpireSet;
}

}  // namespace redoubt::commands
