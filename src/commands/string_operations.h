// What the string commands do to the keyspace, without a client or a reply: SET and its
// variants, INCRBY/DECRBY/INCRBYFLOAT, APPEND, SETRANGE, GETDEL, GETEX, MSET/MSETNX. Arguments
// come parsed; each operation returns what happened (common::OpStatus or OpResult<T>) and
// writes nothing. The handlers in string_commands.cc parse a command, call one of these and
// format the reply; replication, MIGRATE/RESTORE and MULTI apply the same effects the same way.
// Semantics follow Redis 7.0's t_string.c.
//
// Changes are not counted here: each contract says what changed, and the caller adds to
// CommandContext::dirty as Redis adds to server.dirty.
//
// Thread: requires the shard lock of every key named (the dispatcher's, or the caller's
// storage::ShardLocks); nothing here locks.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/op_status.h"
#include "common/shared_bytes.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

// Receives a string value that an operation is about to replace, delete or give a new TTL
// (SET ... GET's previous value, GETDEL's, GETEX's), while it is still in place: the view is
// valid only during the call, so a reader copies what it needs, typically into a reply.
using ValueReader = absl::FunctionRef<void(std::string_view value)>;

// SET's options once parsed.
struct SetParams {
  enum class Condition : uint8_t {
    kAlways,
    kIfMissing,  // NX
    kIfExists,   // XX
  };
  Condition condition = Condition::kAlways;
  // EX PX EXAT PXAT as absolute Unix ms, or storage::kNoExpire: no TTL (or, with keep_ttl,
  // the one the key has).
  int64_t expire_at_ms = storage::kNoExpire;
  bool keep_ttl = false;  // KEEPTTL
};

// SET: stores `value` at key, replacing a value of any type, unless params.condition refuses
// (NX and the key exists, XX and it does not). An expire time that has already passed stores a
// key that is logically expired at once, as Redis 7.0 does. `adoptable` may hold the block
// `value` was read into
// (Client::LargeArgument); a large value is then kept as that block instead of copied.
// Returns kOk (one change) or kSkipped (refused; nothing changed).
// Hot path (bench/micro BM_OpSetOverwrite): one lookup and one store, no allocation when the
// new value fits in the old block.
common::OpStatus OpSet(storage::Keyspace& keyspace, int db, std::string_view key,
                       std::string_view value, const SetParams& params,
                       common::SharedBytesRef* adoptable = nullptr);

// SET ... GET, GETSET: as OpSet, but a key of another type is refused with kWrongType before
// anything else (nothing changed, read_previous not called), and a previous string value is
// given to read_previous first, whether or not the condition then lets the value be stored.
common::OpStatus OpSetAndGet(storage::Keyspace& keyspace, int db, std::string_view key,
                             std::string_view value, const SetParams& params,
                             common::SharedBytesRef* adoptable, ValueReader read_previous);

// Told the key of each (key, value) pair an MSET or MSETNX has just stored, before the next
// pair is stored (a keyspace notification, in Redis's order).
using PairStored = absl::FunctionRef<void(std::string_view key)>;

// MSET: stores each (key, value) of `pairs` (key, value, key, value, …) without a TTL,
// replacing any type; a key named twice ends with its last value. One change per pair.
// Requires: pairs.size() is even.
void OpMSet(
    storage::Keyspace& keyspace, int db, std::span<const std::string_view> pairs,
    PairStored stored = [](std::string_view) {});

// MSETNX: as OpMSet when none of the keys exists (kOk, one change per pair); otherwise
// kSkipped and nothing changes.
common::OpStatus OpMSetNx(
    storage::Keyspace& keyspace, int db, std::span<const std::string_view> pairs,
    PairStored stored = [](std::string_view) {});

// INCRBY, DECRBY, INCR, DECR: adds delta to the integer at key (0 when missing) and stores
// the result, keeping the key's TTL. Returns the new value (one change), or kWrongType,
// kNotAnInteger (the value is not a canonical int64), kOverflow; those change nothing.
common::OpResult<int64_t> OpIncrBy(storage::Keyspace& keyspace, int db, std::string_view key,
                                   int64_t delta);

// INCRBYFLOAT: adds delta to the number at key (0 when missing) and stores the sum as Redis
// formats it (common::FormatLongDoubleHuman), keeping the key's TTL.
// Returns that text (one change), or kWrongType, kNotAFloat (the value is not a number),
// kNotFinite (the sum is NaN or infinite); those change nothing.
common::OpResult<std::string> OpIncrByFloat(storage::Keyspace& keyspace, int db,
                                            std::string_view key, long double delta);

// APPEND: appends suffix to the string at key; a missing key is created as SET would create
// it (its encoding too). A value that would exceed max_bytes (proto-max-bulk-len; a primary's
// stream is not limited, as Redis's mustObeyClient) is refused. Returns the new length (one
// change, even for an empty suffix), or kWrongType, kStringTooLong; those change nothing.
common::OpResult<size_t> OpAppend(storage::Keyspace& keyspace, int db, std::string_view key,
                                  std::string_view suffix, uint64_t max_bytes);

// SETRANGE: writes value at byte `offset` of the string at key, padding with zero bytes,
// creating the key when missing. An empty value changes nothing and creates nothing. A result
// longer than max_bytes is refused (as OpAppend). Returns the string's length afterwards (one
// change unless value is empty), or kWrongType, kStringTooLong; those change nothing.
common::OpResult<size_t> OpSetRange(storage::Keyspace& keyspace, int db, std::string_view key,
                                    uint64_t offset, std::string_view value, uint64_t max_bytes);

// GETDEL: gives the string at key to `read`, then deletes the key. Returns kOk (one change),
// kKeyNotFound, or kWrongType (nothing changed, read not called).
common::OpStatus OpGetDel(storage::Keyspace& keyspace, int db, std::string_view key,
                          ValueReader read);

// GETEX's options once parsed: PERSIST, or EX PX EXAT PXAT as absolute Unix ms; neither makes
// GETEX a GET.
struct GetExParams {
  bool persist = false;
  int64_t expire_at_ms = storage::kNoExpire;
};

// What GETEX did to the key.
enum class GetExChange : uint8_t {
  kNone,       // nothing (no option, or PERSIST of a key without a TTL)
  kPersisted,  // PERSIST removed its TTL
  kExpireSet,  // it has the new expire time
  kDeleted,    // the expire time had passed: deleted
};

// GETEX: gives the string at key to `read`, then applies params: PERSIST removes a TTL, an
// expire time sets it, or deletes the key when it has already passed. Returns what that did
// (one change unless kNone), or kKeyNotFound, kWrongType (nothing changed, read not called).
common::OpResult<GetExChange> OpGetEx(storage::Keyspace& keyspace, int db, std::string_view key,
                                      const GetExParams& params, ValueReader read);

}  // namespace redoubt::commands
