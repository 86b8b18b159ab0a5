// Commands on whole databases (Redis's "server" group): DBSIZE FLUSHDB FLUSHALL SWAPDB.
// Semantics, reply types and error texts follow Redis 7.0's db.c; each command is a row at the
// end of the file.
//
// Locking: each runs with every shard locked (kWholeKeyspace): a database is spread over all
// the shards.
#include "commands/database_commands.h"

#include <string_view>

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

void CmdDbSize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.keyspace.DbSize(ctx.db())));
}

// FLUSHDB/FLUSHALL take one optional ASYNC or SYNC (Redis's getFlushCommandFlags). Both free
// in the calling thread: with every shard locked, handing the tables to another thread would
// save little, and the command's reply promises the keys are gone either way.
bool ParseFlushModeOrReply(CommandContext& ctx) {
  if (ctx.argc() == 1 || (ctx.argc() == 2 && (EqualsIgnoreCase(ctx.args[1], "sync") ||
                                              EqualsIgnoreCase(ctx.args[1], "async")))) {
    return true;
  }
  ctx.reply.Error(kErrSyntax);
  return false;
}

void CmdFlushDb(CommandContext& ctx) {
  if (!ParseFlushModeOrReply(ctx)) {
    return;
  }
  // One change per key removed, as Redis's emptyData counts them: entries whose TTL has passed
  // but that expiry has not removed yet count too (DbSize includes them).
  ctx.dirty += ctx.keyspace.DbSize(ctx.db());
  ctx.keyspace.FlushDb(ctx.db());
  ctx.reply.Ok();
}

void CmdFlushAll(CommandContext& ctx) {
  if (!ParseFlushModeOrReply(ctx)) {
    return;
  }
  for (int db = 0; db < ctx.keyspace.databases(); ++db) {
    ctx.dirty += ctx.keyspace.DbSize(db);
  }
  ctx.keyspace.FlushAll();
  ctx.reply.Ok();
}

// Clients keep their database numbers; the data behind the numbers changes places, so a client
// on db 0 sees the former db 1 at once, as in Redis.
void CmdSwapDb(CommandContext& ctx) {
  if (ctx.keyspace.cluster_mode()) {
    return ctx.reply.Error("ERR SWAPDB is not allowed in cluster mode");
  }
  int a;
  int b;
  if (!ParseIntOrReply(ctx, ctx.args[1], &a, "ERR invalid first DB index") ||
      !ParseIntOrReply(ctx, ctx.args[2], &b, "ERR invalid second DB index")) {
    return;
  }
  int n = ctx.keyspace.databases();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    return ctx.reply.Error(kErrDbIndex);
  }
  if (a != b) {
    ctx.keyspace.SwapDb(a, b);
  }
  // Counted even when a == b, as Redis does.
  ++ctx.dirty;
  ctx.reply.Ok();
}

}  // namespace

// Arity, flags, key positions and ACL categories as Redis 7.0's COMMAND INFO reports them;
// summary, since and group as its COMMAND DOCS does.
void RegisterDatabaseCommands(CommandTable& table) {
  constexpr uint64_t kKs = kAclKeyspace;
  table.Add({.name = "dbsize",
             .arity = 1,
             .flags = kReadOnly | kFast | kWholeKeyspace,
             .acl = kKs | kAclRead | kAclFast,
             .handler = CmdDbSize,
             .summary = "Return the number of keys in the selected database",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "flushdb",
             .arity = -1,
             .flags = kWrite | kWholeKeyspace,
             .acl = kKs | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdFlushDb,
             .summary = "Remove all keys from the current database",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "flushall",
             .arity = -1,
             .flags = kWrite | kWholeKeyspace,
             .acl = kKs | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdFlushAll,
             .summary = "Remove all keys from all databases",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "swapdb",
             .arity = 3,
             .flags = kWrite | kFast | kWholeKeyspace,
             .acl = kKs | kAclWrite | kAclFast | kAclDangerous,
             .handler = CmdSwapDb,
             .summary = "Swaps two Redis databases",
             .since = "4.0.0",
             .group = "server"});
}

}  // namespace redoubt::commands
