// Transaction commands: MULTI EXEC DISCARD WATCH UNWATCH, as Redis 7.0's multi.c. They act on
// the connection's transaction state (Connection::BeginTransaction and the rest), so they live
// in server/ beside it. While a transaction is open the dispatcher queues every other command
// (Dispatcher::RunUnlessQueued); EXEC runs the queue with the shards of all its keys locked, so
// no client on any thread sees it half done.
#include "server/transaction_commands.h"

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "server/command_helpers.h"
#include "server/connection.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

void CmdMulti(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  if (conn.in_multi()) {
    return ctx.reply.Error("ERR MULTI calls can not be nested");
  }
  conn.BeginTransaction();
  ctx.reply.Ok();
}

void CmdExec(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  if (!conn.in_multi()) {
    return ctx.reply.Error("ERR EXEC without MULTI");
  }
  conn.ExecTransaction(ctx);
}

void CmdDiscard(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  if (!conn.in_multi()) {
    return ctx.reply.Error("ERR DISCARD without MULTI");
  }
  conn.DiscardTransaction();
  ctx.reply.Ok();
}

// WATCH key [key ...]: the dispatcher holds the keys' shard locks, so no change slips between
// this and the registration.
void CmdWatch(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  if (conn.in_multi()) {
    return ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    // A key already expired is deleted first, so that its deletion is not taken for a change
    // after WATCH (Redis remembers it as expired at WATCH time instead).
    ctx.keyspace.Find(ctx.db(), ctx.args[i], storage::Access::kNoTouch);
    conn.Watch(ctx.db(), ctx.args[i]);
  }
  ctx.reply.Ok();
}

void CmdUnwatch(CommandContext& ctx) {
  Conn(ctx).Unwatch();
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionCommands(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  auto row = [&](std::string_view name, int arity, uint32_t flags, uint64_t acl, KeySpec keys,
                 Handler handler, std::string_view summary, std::string_view since) {
    table.Add({.name = name,
               .arity = arity,
               .flags = flags,
               .keys = keys,
               .acl = kAclTransaction | acl,
               .handler = handler,
               .summary = summary,
               .since = since,
               .group = "transactions"});
  };
  const uint32_t kControl = kNoScript | kLoading | kStale | kFast | kAllowBusy;
  row("multi", 1, kControl, kAclFast, {}, CmdMulti, "Mark the start of a transaction block",
      "1.2.0");
  row("exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog, kAclSlow, {}, CmdExec,
      "Execute all commands issued after MULTI", "1.2.0");
  row("discard", 1, kControl, kAclFast, {}, CmdDiscard, "Discard all commands issued after MULTI",
      "2.0.0");
  row("watch", -2, kControl, kAclFast, {1, -1, 1}, CmdWatch,
      "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0");
  row("unwatch", 1, kControl, kAclFast, {}, CmdUnwatch, "Forget about all watched keys", "2.2.0");
}

}  // namespace redoubt::server
