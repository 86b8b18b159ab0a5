// Commands on keys named by the client, whatever their type (Redis's "generic" group): DEL
// UNLINK EXISTS TOUCH TYPE, and RENAME RENAMENX COPY MOVE. Semantics, reply types and error
// texts follow Redis 7.0's db.c; each command is a row at the end of the file. A command that
// changes keys parses its arguments, calls its operation (key_operations.h) and formats the
// reply.
//
// Locking: the dispatcher locks the shards of the keys in each row's key spec. MOVE and COPY
// ... DB n reach keys in another database, which live in the same shard (the shard depends on
// the key only), so the key spec's locks cover them.
#include "commands/key_commands.h"

#include <string_view>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "commands/key_operations.h"
#include "commands/keyspace_notifications.h"
#include "commands/type_name.h"
#include "common/op_status.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

using common::OpStatus;
using storage::Access;
using storage::Entry;

// MOVE's and COPY's DB argument: "not an integer" first, then "DB index is out of range".
bool ParseTargetDbOrReply(CommandContext& ctx, std::string_view arg, int* out) {
  if (!ParseIntOrReply(ctx, arg, out)) {
    return false;
  }
  if (*out < 0 || *out >= ctx.keyspace.databases()) {
    ctx.reply.Error(kErrDbIndex);
    return false;
  }
  return true;
}

// ---- DEL UNLINK EXISTS TOUCH TYPE ----

// UNLINK shares DEL's handler: there is no lazy-free thread, and a string value is a single
// block, so freeing it here costs no more than handing it over would.
void CmdDel(CommandContext& ctx) {
  uint64_t deleted =
      OpDelete(ctx.keyspace, ctx.db(), ctx.args.subspan(1),
               [&](std::string_view key) { NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key); });
  ctx.dirty += deleted;
  ctx.reply.Integer(static_cast<int64_t>(deleted));
}

// Counts a key once per time it is named, as Redis does.
void CmdExists(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    found += ctx.keyspace.Find(ctx.db(), ctx.args[i], Access::kReadNoTouch) != nullptr ? 1 : 0;
  }
  ctx.reply.Integer(found);
}

void CmdTouch(CommandContext& ctx) {
  int64_t touched = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    touched += ctx.keyspace.Find(ctx.db(), ctx.args[i], Access::kRead) != nullptr ? 1 : 0;
  }
  ctx.reply.Integer(touched);
}

void CmdType(CommandContext& ctx) {
  const Entry* e = ctx.keyspace.Find(ctx.db(), ctx.args[1], Access::kReadNoTouch);
  ctx.reply.SimpleString(e == nullptr ? "none" : TypeName(e->type()));
}

// ---- RENAME RENAMENX COPY MOVE ----

// RENAME and RENAMENX: a missing source is an error even when both names are the same.
void RenameGeneric(CommandContext& ctx, ExistingTarget existing) {
  OpStatus status = OpRename(ctx.keyspace, ctx.db(), ctx.args[1], ctx.args[2], existing);
  if (status == OpStatus::kKeyNotFound) {
    return ReplyError(ctx, status);
  }
  // kSkipped: renamed to itself, or (RENAMENX) the new name is taken.
  bool renamed = status == OpStatus::kOk;
  if (renamed) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "rename_from", ctx.args[1]);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "rename_to", ctx.args[2]);
  }
  if (existing == ExistingTarget::kKeep) {
    return ctx.reply.Integer(renamed ? 1 : 0);
  }
  ctx.reply.Ok();
}

void CmdRename(CommandContext& ctx) {
  RenameGeneric(ctx, ExistingTarget::kReplace);
}
void CmdRenameNx(CommandContext& ctx) {
  RenameGeneric(ctx, ExistingTarget::kKeep);
}

// COPY source destination [DB destination-db] [REPLACE]. Options are checked in order, each
// error as soon as it is met; then the same-object check, before the source is looked up.
void CmdCopy(CommandContext& ctx) {
  int dst_db = ctx.db();
  bool replace = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.args[j], "db") && j + 1 < ctx.argc()) {
      if (!ParseTargetDbOrReply(ctx, ctx.args[++j], &dst_db)) {
        return;
      }
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  if (ctx.keyspace.cluster_mode() && (ctx.db() != 0 || dst_db != 0)) {
    return ctx.reply.Error("ERR Copying to another database is not allowed in cluster mode");
  }
  std::string_view key = ctx.args[1];
  std::string_view new_key = ctx.args[2];
  if (dst_db == ctx.db() && key == new_key) {
    return ctx.reply.Error(kErrSameObject);
  }
  OpStatus status = OpCopy(ctx.keyspace, ctx.db(), key, dst_db, new_key,
                           replace ? ExistingTarget::kReplace : ExistingTarget::kKeep);
  bool copied = status == OpStatus::kOk;
  if (copied) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "copy_to", new_key, dst_db);
  }
  ctx.reply.Integer(copied ? 1 : 0);
}

// MOVE key db: the database is checked before the key, so MOVE of a missing key to the
// current database is still "same object".
void CmdMove(CommandContext& ctx) {
  if (ctx.keyspace.cluster_mode()) {
    return ctx.reply.Error("ERR MOVE is not allowed in cluster mode");
  }
  int dst_db;
  if (!ParseTargetDbOrReply(ctx, ctx.args[2], &dst_db)) {
    return;
  }
  if (dst_db == ctx.db()) {
    return ctx.reply.Error(kErrSameObject);
  }
  bool moved = OpMove(ctx.keyspace, ctx.db(), ctx.args[1], dst_db) == OpStatus::kOk;
  if (moved) {
    ++ctx.dirty;
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "move_from", ctx.args[1]);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "move_to", ctx.args[1], dst_db);
  }
  ctx.reply.Integer(moved ? 1 : 0);
}

}  // namespace

// Arity, flags, key positions and ACL categories as Redis 7.0's COMMAND INFO reports them;
// summary, since and group as its COMMAND DOCS does.
void RegisterKeyCommands(CommandTable& table) {
  constexpr uint64_t kKs = kAclKeyspace;
  table.Add({.name = "del",
             .arity = -2,
             .flags = kWrite,
             .keys = {1, -1, 1},
             .acl = kKs | kAclWrite | kAclSlow,
             .handler = CmdDel,
             .summary = "Delete a key",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "unlink",
             .arity = -2,
             .flags = kWrite | kFast,
             .keys = {1, -1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdDel,
             .summary = "Delete a key asynchronously in another thread. Otherwise it is just as "
                        "DEL, but non blocking.",
             .since = "4.0.0",
             .group = "generic"});
  table.Add({.name = "exists",
             .arity = -2,
             .flags = kReadOnly | kFast,
             .keys = {1, -1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdExists,
             .summary = "Determine if a key exists",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "touch",
             .arity = -2,
             .flags = kReadOnly | kFast,
             .keys = {1, -1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdTouch,
             .summary = "Alters the last access time of a key(s). Returns the number of existing "
                        "keys specified.",
             .since = "3.2.1",
             .group = "generic"});
  table.Add({.name = "type",
             .arity = 2,
             .flags = kReadOnly | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdType,
             .summary = "Determine the type stored at key",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "rename",
             .arity = 3,
             .flags = kWrite,
             .keys = {1, 2, 1},
             .acl = kKs | kAclWrite | kAclSlow,
             .handler = CmdRename,
             .summary = "Rename a key",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "renamenx",
             .arity = 3,
             .flags = kWrite | kFast,
             .keys = {1, 2, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdRenameNx,
             .summary = "Rename a key, only if the new key does not exist",
             .since = "1.0.0",
             .group = "generic"});
  table.Add({.name = "copy",
             .arity = -3,
             .flags = kWrite | kDenyOom,
             .keys = {1, 2, 1},
             .acl = kKs | kAclWrite | kAclSlow,
             .handler = CmdCopy,
             .summary = "Copy a key",
             .since = "6.2.0",
             .group = "generic"});
  table.Add({.name = "move",
             .arity = 3,
             .flags = kWrite | kFast,
             .keys = {1, 1, 1},
             .acl = kKs | kAclWrite | kAclFast,
             .handler = CmdMove,
             .summary = "Move a key to another database",
             .since = "1.0.0",
             .group = "generic"});
}

}  // namespace redoubt::commands
