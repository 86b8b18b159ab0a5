// Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. Semantics, reply types and error texts follow Redis 7.0's
// t_hash.c; each command is a row at the end of the file. The encodings and when a hash converts
// are hash_operations.h's.
#include "commands/hash_commands.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/hash_operations.h"
#include "commands/keyspace_notifications.h"
#include "commands/random_picks.h"
#include "commands/scan_options.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using storage::Access;
using storage::Entry;
using storage::ValueType;

inline constexpr std::string_view kErrHashNotInteger = "ERR hash value is not an integer";
inline constexpr std::string_view kErrHashNotFloat = "ERR hash value is not a float";
// HINCRBYFLOAT's own text for an increment that is not finite (INCRBYFLOAT says "increment
// would produce NaN or Infinity" for it).
inline constexpr std::string_view kErrIncrementNotFinite = "ERR value is NaN or Infinity";

// The value of `field` in the hash e (nullptr: the key is missing), or nullopt.
std::optional<std::string_view> FieldValue(const Entry* e, std::string_view field) {
  if (e == nullptr) {
    return std::nullopt;
  }
  return HashReader(*e).Get(field);
}

// HSET key field value [field value ...] (the number of new fields) and HMSET (OK).
void SetFields(CommandContext& ctx, bool reply_ok) {
  if (ctx.argc() % 2 != 0) {
    return ctx.reply.Error(WrongArityText(ctx.spec.name));
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kWrite, &e)) {
    return;
  }
  HashWriter hash(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    created += hash.Set(ctx.args[i], ctx.args[i + 1]) ? 1 : 0;
  }
  hash.Finish();
  ctx.dirty += (ctx.argc() - 2) / 2;
  reply_ok ? ctx.reply.Ok() : ctx.reply.Integer(created);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hset", ctx.args[1]);
}

void CmdHSet(CommandContext& ctx) {
  SetFields(ctx, /*reply_ok=*/false);
}

void CmdHMSet(CommandContext& ctx) {
  SetFields(ctx, /*reply_ok=*/true);
}

void CmdHSetNx(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kWrite, &e)) {
    return;
  }
  if (FieldValue(e, ctx.args[2])) {
    return ctx.reply.Integer(0);
  }
  HashWriter hash(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  hash.Set(ctx.args[2], ctx.args[3]);
  hash.Finish();
  ctx.dirty += 1;
  ctx.reply.Integer(1);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hset", ctx.args[1]);
}

void CmdHGet(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  std::optional<std::string_view> value = FieldValue(e, ctx.args[2]);
  value ? ctx.reply.Bulk(*value) : ctx.reply.Null();
}

void CmdHMGet(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<std::string_view> value = FieldValue(e, ctx.args[i]);
    value ? ctx.reply.Bulk(*value) : ctx.reply.Null();
  }
}

void CmdHDel(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kWrite, &e)) {
    return;
  }
  if (e == nullptr) {
    return ctx.reply.Integer(0);
  }
  HashWriter hash(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && hash.size() > 0; ++i) {
    deleted += hash.Delete(ctx.args[i]) ? 1 : 0;
  }
  const bool key_deleted = hash.size() == 0;
  hash.Finish();
  ctx.dirty += static_cast<uint64_t>(deleted);
  if (deleted > 0) {
    NotifyElementsRemoved(ctx, kNotifyHash, "hdel", ctx.args[1], key_deleted);
  }
  ctx.reply.Integer(deleted);
}

void CmdHLen(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(HashReader(*e).size()));
}

void CmdHExists(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  ctx.reply.Integer(FieldValue(e, ctx.args[2]) ? 1 : 0);
}

void CmdHStrLen(CommandContext& ctx) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  std::optional<std::string_view> value = FieldValue(e, ctx.args[2]);
  ctx.reply.Integer(value ? static_cast<int64_t>(value->size()) : 0);
}

enum class Part : uint8_t { kFields, kValues, kBoth };

// HKEYS, HVALS, HGETALL (a map in RESP3, a flat array in RESP2).
void ReplyAll(CommandContext& ctx, Part part) {
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr) {
    return part == Part::kBoth ? ctx.reply.MapHeader(0) : ctx.reply.ArrayHeader(0);
  }
  HashReader hash(*e);
  part == Part::kBoth ? ctx.reply.MapHeader(hash.size()) : ctx.reply.ArrayHeader(hash.size());
  hash.ForEach([&](std::string_view field, std::string_view value) {
    if (part != Part::kValues) {
      ctx.reply.Bulk(field);
    }
    if (part != Part::kFields) {
      ctx.reply.Bulk(value);
    }
  });
}

void CmdHKeys(CommandContext& ctx) {
  ReplyAll(ctx, Part::kFields);
}

void CmdHVals(CommandContext& ctx) {
  ReplyAll(ctx, Part::kValues);
}

void CmdHGetAll(CommandContext& ctx) {
  ReplyAll(ctx, Part::kBoth);
}

void CmdHIncrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64OrReply(ctx, ctx.args[3], &delta)) {
    return;
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kWrite, &e)) {
    return;
  }
  HashWriter hash(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  int64_t current = 0;
  if (std::optional<std::string_view> value = hash.Get(ctx.args[2])) {
    std::optional<int64_t> parsed = common::ParseInt64(*value);
    if (!parsed) {
      return ctx.reply.Error(kErrHashNotInteger);
    }
    current = *parsed;
  }
  if ((delta < 0 && current < 0 && delta < INT64_MIN - current) ||
      (delta > 0 && current > 0 && delta > INT64_MAX - current)) {
    return ctx.reply.Error(kErrOverflow);
  }
  int64_t result = current + delta;
  hash.Set(ctx.args[2], std::to_string(result));
  hash.Finish();
  ctx.dirty += 1;
  ctx.reply.Integer(result);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hincrby", ctx.args[1]);
}

void CmdHIncrByFloat(CommandContext& ctx) {
  std::optional<long double> delta = common::ParseLongDouble(ctx.args[3]);
  if (!delta) {
    return ctx.reply.Error(kErrNotFloat);
  }
  if (std::isnan(*delta) || std::isinf(*delta)) {
    return ctx.reply.Error(kErrIncrementNotFinite);
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kWrite, &e)) {
    return;
  }
  HashWriter hash(ctx.keyspace, ctx.db(), ctx.args[1], e, ctx.settings);
  long double current = 0;
  if (std::optional<std::string_view> value = hash.Get(ctx.args[2])) {
    std::optional<long double> parsed = common::ParseLongDouble(*value);
    if (!parsed) {
      return ctx.reply.Error(kErrHashNotFloat);
    }
    current = *parsed;
  }
  long double result = current + *delta;
  if (std::isnan(result) || std::isinf(result)) {
    return ctx.reply.Error(kErrNotFinite);
  }
  std::string text = common::FormatLongDoubleHuman(result);
  hash.Set(ctx.args[2], text);
  hash.Finish();
  ctx.dirty += 1;
  // The result, not the increment, as Redis 7.0 propagates it.
  ctx.PropagateAs({"HSET", ctx.args[1], ctx.args[2], text});
  ctx.reply.Bulk(text);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hincrbyfloat", ctx.args[1]);
}

using Pair = std::pair<std::string_view, std::string_view>;

// Every field and value, in the hash's order.
std::vector<Pair> AllPairs(const Entry& e) {
  std::vector<Pair> pairs;
  HashReader(e).ForEach([&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
  return pairs;
}

// HRANDFIELD's pairs: RESP3 nests each field and value in an array of two, RESP2 flattens them.
void ReplyPairs(CommandContext& ctx, const std::vector<Pair>& pairs, bool with_values) {
  bool nested = with_values && ctx.reply.resp3();
  ctx.reply.ArrayHeader(with_values && !nested ? pairs.size() * 2 : pairs.size());
  for (const auto& [field, value] : pairs) {
    if (nested) {
      ctx.reply.ArrayHeader(2);
    }
    ctx.reply.Bulk(field);
    if (with_values) {
      ctx.reply.Bulk(value);
    }
  }
}

// HRANDFIELD key [count [WITHVALUES]], as Redis 7.0's hrandfieldCommand: no count, one random
// field (nil for a missing key); a negative count, that many picks that may repeat; a positive
// one, that many distinct fields (the whole hash when it has no more), in random order.
void CmdHRandField(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    Entry* e;
    if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
      return;
    }
    if (e == nullptr) {
      return ctx.reply.Null();
    }
    if (e->encoding() == storage::Encoding::kHashtable) {
      return ctx.reply.Bulk(e->table().Random(CommandRng()).first);
    }
    std::vector<Pair> pairs = AllPairs(*e);
    return ctx.reply.Bulk(pairs[CommandRng()() % pairs.size()].first);
  }
  int64_t count;
  if (!ParseInt64InRangeOrReply(ctx, ctx.args[2], -LONG_MAX, LONG_MAX, &count)) {
    return;
  }
  bool with_values = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.args[3], "withvalues"))) {
    return ctx.reply.Error(kErrSyntax);
  }
  if (ctx.argc() == 4) {
    with_values = true;
    if (count < -LONG_MAX / 2 || count > LONG_MAX / 2) {
      return ctx.reply.Error("ERR value is out of range");
    }
  }
  Entry* e;
  if (!FindKeyOfTypeOrReply(ctx, ValueType::kHash, Access::kRead, &e)) {
    return;
  }
  if (e == nullptr || count == 0) {
    return ctx.reply.ArrayHeader(0);
  }
  std::mt19937_64& rng = CommandRng();
  const bool table = e->encoding() == storage::Encoding::kHashtable;
  if (count < 0) {
    // Repeats allowed: each pick independent.
    size_t n = static_cast<size_t>(-count);
    std::vector<Pair> all = table ? std::vector<Pair>() : AllPairs(*e);
    std::vector<Pair> picks;
    picks.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      picks.push_back(table ? e->table().Random(rng) : all[rng() % all.size()]);
    }
    return ReplyPairs(ctx, picks, with_values);
  }
  size_t size = HashReader(*e).size();
  if (static_cast<uint64_t>(count) >= size) {
    return ReplyPairs(ctx, AllPairs(*e), with_values);  // the whole hash, in its order
  }
  std::vector<Pair> picks = PickDistinct<Pair>(
      static_cast<size_t>(count), size, table, [&] { return AllPairs(*e); },
      [&] { return e->table().Random(CommandRng()); }, [](const Pair& p) { return p.first; });
  ReplyPairs(ctx, picks, with_values);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]: fields and their values.
void CmdHScan(CommandContext& ctx) {
  ReplyElementScan(
      ctx,
      {.type = ValueType::kHash,
       .pairs = true,
       .for_each_packed = [](const Entry& e,
                             const ElementScan::Emit& emit) { HashReader(e).ForEach(emit); },
       .scan_step = [](const Entry& e, uint64_t cursor,
                       const ElementScan::Emit& emit) { return e.table().Scan(cursor, emit); }});
}

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  constexpr uint64_t kHash = kAclHash;
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                 std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = {1, 1, 1},
               .acl = kHash | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "hash"});
  };
  row("hset", -4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdHSet,
      "Set the string value of a hash field", "2.0.0");
  row("hsetnx", 4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdHSetNx,
      "Set the value of a hash field, only if the field does not exist", "2.0.0");
  row("hmset", -4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdHMSet,
      "Set multiple hash fields to multiple values", "2.0.0");
  row("hget", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdHGet, "Get the value of a hash field",
      "2.0.0");
  row("hmget", -3, kReadOnly | kFast, kAclRead | kAclFast, CmdHMGet,
      "Get the values of all the given hash fields", "2.0.0");
  row("hdel", -3, kWrite | kFast, kAclWrite | kAclFast, CmdHDel, "Delete one or more hash fields",
      "2.0.0");
  row("hlen", 2, kReadOnly | kFast, kAclRead | kAclFast, CmdHLen,
      "Get the number of fields in a hash", "2.0.0");
  row("hexists", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdHExists,
      "Determine if a hash field exists", "2.0.0");
  row("hstrlen", 3, kReadOnly | kFast, kAclRead | kAclFast, CmdHStrLen,
      "Get the length of the value of a hash field", "3.2.0");
  row("hkeys", 2, kReadOnly, kAclRead | kAclSlow, CmdHKeys, "Get all the fields in a hash",
      "2.0.0");
  row("hvals", 2, kReadOnly, kAclRead | kAclSlow, CmdHVals, "Get all the values in a hash",
      "2.0.0");
  row("hgetall", 2, kReadOnly, kAclRead | kAclSlow, CmdHGetAll,
      "Get all the fields and values in a hash", "2.0.0");
  row("hincrby", 4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdHIncrBy,
      "Increment the integer value of a hash field by the given number", "2.0.0");
  row("hrandfield", -2, kReadOnly, kAclRead | kAclSlow, CmdHRandField,
      "Get one or multiple random fields from a hash", "6.2.0");
  row("hscan", -3, kReadOnly, kAclRead | kAclSlow, CmdHScan,
      "Incrementally iterate hash fields and associated values", "2.8.0");
  row("hincrbyfloat", 4, kWrite | kDenyOom | kFast, kAclWrite | kAclFast, CmdHIncrByFloat,
      "Increment the float value of a hash field by the given amount", "2.6.0");
}

}  // namespace redoubt::commands
