// String commands: GET SET and friends, counters, ranges. Semantics, reply types and error
// texts follow Redis 7's t_string.c; each command is a row at the end of the file.
#include "commands/string_commands.h"

#include <cmath>
#include <cstring>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/expire_options.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "storage/entry.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::kNoExpire;
using storage::ValueType;

// The string at key for reading: nullptr when missing, kWrongType for other types.
OpResult<const Entry*> FindString(CommandContext& ctx, std::string_view key,
                                  Access access = Access::kRead) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), key, access);
  if (e != nullptr && e->type() != ValueType::kString) {
    return OpStatus::kWrongType;
  }
  return e;
}

bool CheckLengthOrReply(CommandContext& ctx, uint64_t len) {
  if (len > static_cast<uint64_t>(ctx.settings.proto_max_bulk_len.load(std::memory_order_relaxed))) {
    ctx.reply.Error(kErrStringTooLong);
    return false;
  }
  return true;
}

void CmdGet(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk((*e)->value());
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]
void CmdSet(CommandContext& ctx) {
  ExpireOptions opts;
  if (!ParseExpireOptionsOrReply(ctx, 3, ExpireOptions::kForSet, &opts)) {
    return;
  }
  std::string_view key = ctx.args[1];
  auto old = FindString(ctx, key, Access::kWrite);
  if (opts.get && !old.ok()) {
    return ReplyError(ctx, old.status());
  }
  // A key of another type exists too (SET without GET overwrites any type).
  bool exists = !old.ok() || *old != nullptr;
  std::string previous;
  bool had_previous = old.ok() && *old != nullptr;
  if (opts.get && had_previous) {
    previous = std::string((*old)->value());
  }
  if ((opts.nx && exists) || (opts.xx && !exists)) {
    if (opts.get && had_previous) {
      return ctx.reply.Bulk(previous);
    }
    return ctx.reply.Null();
  }
  if (opts.expire_at_ms != kNoExpire && opts.expire_at_ms <= common::UnixMillis()) {
    // Redis 7 sets and immediately deletes a key whose absolute expire time has passed.
    ctx.keyspace.Delete(ctx.db(), key);
  } else {
    ctx.keyspace.SetString(ctx.db(), key, ctx.args[2], opts.expire_at_ms, opts.keep_ttl);
  }
  if (!opts.get) {
    return ctx.reply.Ok();
  }
  if (had_previous) {
    return ctx.reply.Bulk(previous);
  }
  ctx.reply.Null();
}

void CmdSetNx(CommandContext& ctx) {
  if (ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kWrite) != nullptr) {
    return ctx.reply.Integer(0);
  }
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], ctx.args[2], kNoExpire, false);
  ctx.reply.Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value
void SetWithRelativeExpire(CommandContext& ctx, bool seconds) {
  int64_t amount;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &amount)) {
    return;
  }
  int64_t at;
  if (!RelativeToAbsoluteMs(amount, seconds, &at)) {
    return ctx.reply.Error(InvalidExpireText(ctx.spec.name));
  }
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], ctx.args[3], at, false);
  ctx.reply.Ok();
}

void CmdSetEx(CommandContext& ctx) { SetWithRelativeExpire(ctx, true); }
void CmdPSetEx(CommandContext& ctx) { SetWithRelativeExpire(ctx, false); }

void CmdMGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[i]);
    if (e == nullptr || e->type() != ValueType::kString) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(e->value());
    }
  }
}

bool CheckPairsOrReply(CommandContext& ctx) {
  if (ctx.argc() % 2 != 1) {
    ctx.reply.Error(WrongArityText(ctx.spec.name));
    return false;
  }
  return true;
}

void CmdMSet(CommandContext& ctx) {
  if (!CheckPairsOrReply(ctx)) {
    return;
  }
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    ctx.keyspace.SetString(ctx.db(), ctx.args[i], ctx.args[i + 1], kNoExpire, false);
  }
  ctx.reply.Ok();
}

void CmdMSetNx(CommandContext& ctx) {
  if (!CheckPairsOrReply(ctx)) {
    return;
  }
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    if (ctx.keyspace.Find(ctx.db(), ctx.args[i], Access::kWrite) != nullptr) {
      return ctx.reply.Integer(0);
    }
  }
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    ctx.keyspace.SetString(ctx.db(), ctx.args[i], ctx.args[i + 1], kNoExpire, false);
  }
  ctx.reply.Integer(1);
}

void CmdGetSet(CommandContext& ctx) {
  auto old = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!old.ok()) {
    return ReplyError(ctx, old.status());
  }
  bool had = *old != nullptr;
  std::string previous = had ? std::string((*old)->value()) : std::string();
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], ctx.args[2], kNoExpire, false);
  if (had) {
    return ctx.reply.Bulk(previous);
  }
  ctx.reply.Null();
}

void CmdGetDel(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk((*e)->value());
  ctx.keyspace.Delete(ctx.db(), ctx.args[1]);
}

// GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]
void CmdGetEx(CommandContext& ctx) {
  ExpireOptions opts;
  if (!ParseExpireOptionsOrReply(ctx, 2, ExpireOptions::kForGetEx, &opts)) {
    return;
  }
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  if (*e == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk((*e)->value());
  if (opts.persist) {
    ctx.keyspace.SetExpire(ctx.db(), ctx.args[1], kNoExpire);
  } else if (opts.expire_at_ms != kNoExpire) {
    if (opts.expire_at_ms <= common::UnixMillis()) {
      ctx.keyspace.Delete(ctx.db(), ctx.args[1]);
    } else {
      ctx.keyspace.SetExpire(ctx.db(), ctx.args[1], opts.expire_at_ms);
    }
  }
}

void CmdAppend(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  std::string_view add = ctx.args[2];
  if (*e == nullptr) {
    Entry* created = ctx.keyspace.SetString(ctx.db(), ctx.args[1], add, kNoExpire, false);
    // Redis stores an APPEND-created string as raw even when it looks like an integer.
    created->set_encoding(storage::Encoding::kRaw);
    return ctx.reply.Integer(static_cast<int64_t>(add.size()));
  }
  size_t old_len = (*e)->value().size();
  if (!CheckLengthOrReply(ctx, old_len + add.size())) {
    return;
  }
  Entry* grown = ctx.keyspace.ResizeString(ctx.db(), ctx.args[1], old_len + add.size());
  if (!add.empty()) {
    std::memcpy(grown->mutable_value() + old_len, add.data(), add.size());
  }
  ctx.reply.Integer(static_cast<int64_t>(grown->value().size()));
}

void CmdStrLen(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  ctx.reply.Integer(*e == nullptr ? 0 : static_cast<int64_t>((*e)->value().size()));
}

// INCR/DECR/INCRBY/DECRBY share this.
void IncrementBy(CommandContext& ctx, int64_t delta) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  int64_t current = 0;
  if (*e != nullptr) {
    auto parsed = common::ParseInt64((*e)->value());
    if (!parsed) {
      return ctx.reply.Error(kErrNotInteger);
    }
    current = *parsed;
  }
  int64_t result;
  if (__builtin_add_overflow(current, delta, &result)) {
    return ctx.reply.Error(kErrOverflow);
  }
  std::string text;
  common::AppendInt64(&text, result);
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], text, kNoExpire, /*keep_ttl=*/true);
  ctx.reply.Integer(result);
}

void CmdIncr(CommandContext& ctx) { IncrementBy(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrementBy(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  int64_t delta;
  if (ParseInt64OrReply(ctx, ctx.args[2], &delta)) {
    IncrementBy(ctx, delta);
  }
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &delta)) {
    return;
  }
  if (delta == INT64_MIN) {
    return ctx.reply.Error("ERR decrement would overflow");
  }
  IncrementBy(ctx, -delta);
}

void CmdIncrByFloat(CommandContext& ctx) {
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  long double current = 0;
  if (*e != nullptr) {
    auto parsed = common::ParseLongDouble((*e)->value());
    if (!parsed) {
      return ctx.reply.Error(kErrNotFloat);
    }
    current = *parsed;
  }
  auto delta = common::ParseLongDouble(ctx.args[2]);
  if (!delta) {
    return ctx.reply.Error(kErrNotFloat);
  }
  long double result = current + *delta;
  if (std::isnan(result) || std::isinf(result)) {
    return ctx.reply.Error("ERR increment would produce NaN or Infinity");
  }
  std::string text = common::FormatLongDoubleHuman(result);
  ctx.keyspace.SetString(ctx.db(), ctx.args[1], text, kNoExpire, /*keep_ttl=*/true);
  ctx.reply.Bulk(text);
}

void CmdGetRange(CommandContext& ctx) {
  int64_t start;
  int64_t end;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &start) || !ParseInt64OrReply(ctx, ctx.args[3], &end)) {
    return;
  }
  auto e = FindString(ctx, ctx.args[1]);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  std::string_view value = *e == nullptr ? std::string_view() : (*e)->value();
  int64_t len = static_cast<int64_t>(value.size());
  // Redis: both negative and start > end is empty; then clamp as getrangeCommand does.
  if (start < 0 && end < 0 && start > end) {
    return ctx.reply.Bulk("");
  }
  if (start < 0) {
    start = len + start;
  }
  if (end < 0) {
    end = len + end;
  }
  if (start < 0) {
    start = 0;
  }
  if (end < 0) {
    end = 0;
  }
  if (end >= len) {
    end = len - 1;
  }
  if (len == 0 || start > end) {
    return ctx.reply.Bulk("");
  }
  ctx.reply.Bulk(value.substr(start, end - start + 1));
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &offset)) {
    return;
  }
  if (offset < 0) {
    return ctx.reply.Error(kErrOffsetOutOfRange);
  }
  std::string_view value = ctx.args[3];
  auto e = FindString(ctx, ctx.args[1], Access::kWrite);
  if (!e.ok()) {
    return ReplyError(ctx, e.status());
  }
  size_t old_len = *e == nullptr ? 0 : (*e)->value().size();
  if (value.empty()) {
    return ctx.reply.Integer(static_cast<int64_t>(old_len));
  }
  if (!CheckLengthOrReply(ctx, static_cast<uint64_t>(offset) + value.size())) {
    return;
  }
  size_t new_len = std::max(old_len, static_cast<size_t>(offset) + value.size());
  Entry* target = ctx.keyspace.ResizeString(ctx.db(), ctx.args[1], new_len);
  std::memcpy(target->mutable_value() + offset, value.data(), value.size());
  ctx.reply.Integer(static_cast<int64_t>(new_len));
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  constexpr uint64_t kStr = kAclString;
  table.Add({.name = "get", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclFast, .handler = CmdGet,
             .summary = "Returns the string value of a key.", .since = "1.0.0", .group = "string"});
  table.Add({.name = "set", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow, .handler = CmdSet,
             .summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "setnx", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdSetNx,
             .summary = "Set the string value of a key only when the key doesn't exist.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "setex", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow, .handler = CmdSetEx,
             .summary = "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
             .since = "2.0.0", .group = "string"});
  table.Add({.name = "psetex", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow, .handler = CmdPSetEx,
             .summary = "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
             .since = "2.6.0", .group = "string"});
  table.Add({.name = "mget", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1},
             .acl = kStr | kAclRead | kAclFast, .handler = CmdMGet,
             .summary = "Atomically returns the string values of one or more keys.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "mset", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2},
             .acl = kStr | kAclWrite | kAclSlow, .handler = CmdMSet,
             .summary = "Atomically creates or modifies the string values of one or more keys.",
             .since = "1.0.1", .group = "string"});
  table.Add({.name = "msetnx", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2},
             .acl = kStr | kAclWrite | kAclSlow, .handler = CmdMSetNx,
             .summary = "Atomically modifies the string values of one or more keys only when all keys don't exist.",
             .since = "1.0.1", .group = "string"});
  table.Add({.name = "getset", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdGetSet,
             .summary = "Returns the previous string value of a key after setting it to a new value.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "getdel", .arity = 2, .flags = kWrite | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdGetDel,
             .summary = "Returns the string value of a key after deleting the key.",
             .since = "6.2.0", .group = "string"});
  table.Add({.name = "getex", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdGetEx,
             .summary = "Returns the string value of a key after setting its expiration time.",
             .since = "6.2.0", .group = "string"});
  table.Add({.name = "append", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdAppend,
             .summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
             .since = "2.0.0", .group = "string"});
  table.Add({.name = "strlen", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclFast, .handler = CmdStrLen,
             .summary = "Returns the length of a string value.", .since = "2.2.0", .group = "string"});
  table.Add({.name = "incr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdIncr,
             .summary = "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "decr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdDecr,
             .summary = "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "incrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdIncrBy,
             .summary = "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "decrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdDecrBy,
             .summary = "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
             .since = "1.0.0", .group = "string"});
  table.Add({.name = "incrbyfloat", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclFast, .handler = CmdIncrByFloat,
             .summary = "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
             .since = "2.6.0", .group = "string"});
  table.Add({.name = "getrange", .arity = 4, .flags = kReadOnly, .keys = {1, 1, 1},
             .acl = kStr | kAclRead | kAclSlow, .handler = CmdGetRange,
             .summary = "Returns a substring of the string stored at a key.", .since = "2.4.0",
             .group = "string"});
  table.Add({.name = "setrange", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
             .acl = kStr | kAclWrite | kAclSlow, .handler = CmdSetRange,
             .summary = "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
             .since = "2.2.0", .group = "string"});
}

}  // namespace redoubt::commands
