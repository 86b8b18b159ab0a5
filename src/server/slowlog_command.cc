// SLOWLOG: reads and clears the log of slow commands (commands::Slowlog, filled by the
// dispatcher's accounting past slowlog-log-slower-than). Redis 7.0's reply shape and texts.
//
// Thread: handlers run on the caller's I/O thread; the log has its own lock.
#include "server/slowlog_command.h"

#include <cstdint>
#include <limits>

#include "commands/command_context.h"
#include "common/numbers.h"
#include "server/command_helpers.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

// SLOWLOG GET [count]: newest first; count -1 means all, the default is 10.
void CmdSlowlogGet(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.argc() == 3) {
    auto v = common::ParseInt64(ctx.args[2]);
    if (!v || *v < -1) {
      return ctx.reply.Error("ERR count should be greater than or equal to -1");
    }
    count = *v;
  } else if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "SLOWLOG");
  }
  size_t limit = count == -1 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(count);
  std::vector<commands::SlowlogEntry> entries = ctx.services.slowlog.Newest(limit);
  ctx.reply.ArrayHeader(entries.size());
  for (const commands::SlowlogEntry& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_seconds);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) {
      ctx.reply.Bulk(a);
    }
    ctx.reply.Bulk(e.peer);
    ctx.reply.Bulk(e.name);
  }
}

void CmdSlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.services.slowlog.size()));
}

void CmdSlowlogReset(CommandContext& ctx) {
  ctx.services.slowlog.Clear();
  ctx.reply.Ok();
}

void CmdSlowlogHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SLOWLOG",
            {"GET [<count>]",
             "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
             "    Entries are made of:",
             "    id, timestamp, time in microseconds, arguments array, client IP and port,",
             "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
             "    Reset the slowlog."});
}

}  // namespace

void RegisterSlowlogCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kFlags = kAdmin | kLoading | kStale;
  constexpr uint64_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  table.Add({.name = "slowlog",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for slow log commands.",
             .since = "2.2.12",
             .group = "server",
             .subcommands = {
                 {.name = "slowlog|get",
                  .arity = -2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdSlowlogGet,
                  .summary = "Returns the slow log's entries.",
                  .since = "2.2.12",
                  .group = "server"},
                 {.name = "slowlog|len",
                  .arity = 2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdSlowlogLen,
                  .summary = "Returns the number of entries in the slow log.",
                  .since = "2.2.12",
                  .group = "server"},
                 {.name = "slowlog|reset",
                  .arity = 2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdSlowlogReset,
                  .summary = "Clears all entries from the slow log.",
                  .since = "2.2.12",
                  .group = "server"},
                 {.name = "slowlog|help",
                  .arity = 2,
                  .flags = kLoading | kStale,
                  .acl = kAclSlow,
                  .handler = CmdSlowlogHelp,
                  .summary = "Show helpful text about the different subcommands.",
                  .since = "6.2.0",
                  .group = "server"},
             }});
}

}  // namespace redoubt::server
