// Commands on a key's time to live: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX XX GT LT, TTL
// PTTL EXPIRETIME PEXPIRETIME, PERSIST. Semantics, reply types and error texts follow Redis
// 7.0's expire.c; each command is a row at the end of the file. The changes themselves are
// operations in key_operations.h (OpExpire, OpPersist).
//
// Expire times are absolute Unix milliseconds (storage/entry.h); a time that is not in the
// future deletes the key at once, as Redis's checkAlreadyExpired does on a primary.
#include "commands/expire_commands.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/key_operations.h"
#include "commands/keyspace_notifications.h"
#include "common/clock.h"
#include "common/op_status.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::kNoExpire;

// ---- EXPIRE PEXPIRE EXPIREAT PEXPIREAT ----

// EXPIRE's NX XX GT LT (args[3..]) as Redis 7's parseExtendedExpireArgumentsOrReply: every
// word is checked before the combinations, and both before the time argument.
bool ParseExpireConditionsOrReply(CommandContext& ctx, unsigned* conditions) {
  unsigned c = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.args[j];
    if (EqualsIgnoreCase(opt, "nx")) {
      c |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      c |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      c |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      c |= kExpireLt;
    } else {
      ctx.reply.Error("ERR Unsupported option " + std::string(opt));
      return false;
    }
  }
  if ((c & kExpireNx) && (c & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((c & kExpireGt) && (c & kExpireLt)) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  *conditions = c;
  return true;
}

// The four EXPIRE commands, as Redis 7's expireGenericCommand: negative and past times are
// accepted (they delete the key); only a time that overflows int64 milliseconds is invalid.
void ExpireGeneric(CommandContext& ctx, bool seconds, bool relative) {
  unsigned conditions;
  if (!ParseExpireConditionsOrReply(ctx, &conditions)) {
    return;
  }
  int64_t when;
  if (!ParseInt64OrReply(ctx, ctx.args[2], &when)) {
    return;
  }
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      return ctx.reply.Error(InvalidExpireText(ctx.spec.name));
    }
    when *= 1000;
  }
  int64_t now = common::UnixMillis();
  int64_t base = relative ? now : 0;
  if (when > INT64_MAX - base) {
    return ctx.reply.Error(InvalidExpireText(ctx.spec.name));
  }
  const int64_t at = when + base;
  bool changed =
      OpExpire(ctx.keyspace, ctx.db(), ctx.args[1], at, conditions, now) == OpStatus::kOk;
  // Set or deleted by a past time: one change; a missing key or a refused NX/XX/GT/LT: none.
  if (!changed) {
    return ctx.reply.Integer(0);
  }
  ++ctx.dirty;
  // OpExpire deleted the key when its time was not after `now`: Redis reports that as "del"
  // before its reply, and a new expire time as "expire" after it. The log receives what
  // happened, in absolute time (a replay later must not restart a relative TTL).
  if (ctx.keyspace.ExpiredAt(at, now)) {
    ctx.PropagateAs({"DEL", ctx.args[1]});
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    return ctx.reply.Integer(1);
  }
  if (ctx.propagating) {
    std::string at_text = std::to_string(at);
    ctx.PropagateAs({"PEXPIREAT", ctx.args[1], at_text});
  }
  ctx.reply.Integer(1);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "expire", ctx.args[1]);
}

void CmdExpire(CommandContext& ctx) {
  ExpireGeneric(ctx, true, true);
}
void CmdPExpire(CommandContext& ctx) {
  ExpireGeneric(ctx, false, true);
}
void CmdExpireAt(CommandContext& ctx) {
  ExpireGeneric(ctx, true, false);
}
void CmdPExpireAt(CommandContext& ctx) {
  ExpireGeneric(ctx, false, false);
}

// ---- TTL PTTL EXPIRETIME PEXPIRETIME PERSIST ----

// As Redis 7's ttlGenericCommand: -2 for a missing key, -1 without a TTL, never below 0, and
// seconds rounded to the nearest (so TTL right after EXPIRE k 100 is 100, not 99).
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kReadNoTouch);
  if (e == nullptr) {
    return ctx.reply.Integer(-2);
  }
  int64_t at = e->expire_ms();
  if (at == kNoExpire) {
    return ctx.reply.Integer(-1);
  }
  int64_t value = absolute ? at : at - common::UnixMillis();
  if (value < 0) {
    value = 0;
  }
  ctx.reply.Integer(ms ? value : (value + 500) / 1000);
}

void CmdTtl(CommandContext& ctx) {
  TtlGeneric(ctx, false, false);
}
void CmdPTtl(CommandContext& ctx) {
  TtlGeneric(ctx, true, false);
}
void CmdExpireTime(CommandContext& ctx) {
  TtlGeneric(ctx, false, true);
}
void CmdPExpireTime(CommandContext& ctx) {
  TtlGeneric(ctx, true, true);
}

void CmdPersist(CommandContext& ctx) {
  bool removed = OpPersist(ctx.keyspace, ctx.db(), ctx.args[1]) == OpStatus::kOk;
  if (removed) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "persist", ctx.args[1]);
  }
  ctx.reply.Integer(removed ? 1 : 0);
}

}  // namespace

// Arity, flags, key positions and ACL categories as Redis 7.0's COMMAND INFO reports them;
// summary, since and group as its COMMAND DOCS does.
void RegisterExpireCommands(CommandTable& table) {
  constexpr uint64_t kKs = kAclKeyspace;
  table.Add({.name = "expire",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdExpire,
             .summary = "Set a key's time to live in seconds",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "pexpire",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdPExpire,
             .summary = "Set a key's time to live in milliseconds",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "expireat",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdExpireAt,
             .summary = "Set the expiration for a key as a UNIX timestamp",
             .since = "1.2.0",
             .group = "generic"});
  table.Add({.name = "pexpireat",
             .arity = -3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdPExpireAt,
             .summary = "Set the expiration for a key as a UNIX timestamp specified in "
                        "milliseconds",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "expiretime",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdExpireTime,
             .summary = "Get the expiration Unix timestamp for a key",
             .since = "7.0.0",
             .group = "generic"});
  table.Add({.name = "pexpiretime",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdPExpireTime,
             .summary = "Get the expiration Unix timestamp for a key in milliseconds",
             .since = "7.0.0",
             .group = "generic"});
  table.Add({.name = "ttl",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdTtl,
             .summary = "Get the time to live for a key in seconds",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "pttl",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdPTtl,
             .summary = "Get the time to live for a key in milliseconds",
             .since = "2.6.0",
             .group = "generic"});
  table.Add({.name = "persist",
             .arity = 2,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdPersist,
             .summary = "Remove the expiration from a key",
             .since = "2.2.0",
             .group = "generic"});
}

}  // namespace redoubt::commands
