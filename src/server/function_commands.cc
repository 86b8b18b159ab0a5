// FUNCTION: the function library is always empty (there is no scripting engine yet), so
// FUNCTION FLUSH [ASYNC|SYNC] answers +OK as Redis 7.0 does on an empty library. Clients and
// test harnesses send it to reset a server between tests (Redis's own suite does so before
// every test block). The other subcommands arrive with scripting.
//
// Thread: handlers run on the caller's I/O thread and touch no shared state.
#include "server/function_command.h"

#include "commands/command_context.h"
#include "commands/errors.h"
#include "server/command_helpers.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;

void CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "FUNCTION");
  }
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.args[2], "async") &&
      !EqualsIgnoreCase(ctx.args[2], "sync")) {
    // Redis's functionFlushCommand text.
    return ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  // Redis counts a flush as one change even of an empty library, so it is replicated and
  // persisted.
  ++ctx.dirty;
  ctx.reply.Ok();
}

void CmdFunctionHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "FUNCTION",
            {"FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
             "    When called without the optional mode argument, the behavior is determined "
             "by the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the libraries.",
             "    * SYNC: Synchronously flush the libraries."});
}

}  // namespace

void RegisterFunctionCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  table.Add({.name = "function",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for function commands",
             .since = "7.0.0",
             .group = "scripting",
             .subcommands = {
                 {.name = "function|flush",
                  .arity = -2,
                  .flags = kWrite | kNoScript,
                  .acl = kAclWrite | kAclSlow | kAclScripting,
                  .handler = CmdFunctionFlush,
                  .summary = "Deleting all functions",
                  .since = "7.0.0",
                  .group = "scripting"},
                 {.name = "function|help",
                  .arity = 2,
                  .flags = kLoading | kStale,
                  .acl = kAclSlow | kAclScripting,
                  .handler = CmdFunctionHelp,
                  .summary = "Returns helpful text about the different subcommands.",
                  .since = "7.0.0",
                  .group = "scripting"},
             }});
}

}  // namespace redoubt::server
