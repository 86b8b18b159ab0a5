// EVAL and SCRIPT, as Redis 7.0's eval.c: the handler checks what the script declares against
// the server's state (a read-only replica, a failed save, maxmemory) and runs it in its
// thread's Lua state (scripting/lua_environment.h) through script_run.h, which EVAL and FCALL
// share.
//
// Atomicity: EVAL is a whole-keyspace command, so the dispatcher holds every shard while the
// script runs and no client on any thread sees it half done; a script may touch keys it did
// not declare (Redis allows it outside cluster mode), so its declared keys could not tell which
// shards to hold. What that costs is in docs/architecture.md.
//
// Thread: handlers run on the caller's I/O thread; the script cache and the running script are
// shared (scripting::Scripting).
#include "server/script_commands.h"

#include <cstring>
#include <string>

#include "commands/command_context.h"
#include "commands/dispatcher.h"
#include "commands/errors.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/log.h"
#include "scripting/script_client.h"
#include "scripting/script_flags.h"
#include "scripting/scripting.h"
#include "server/command_helpers.h"
#include "server/connection.h"
#include "server/script_run.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;
using scripting::Scripting;

void EvalGeneric(CommandContext& ctx, bool by_sha, bool read_only_command) {
  FeedMonitorsFirst(ctx);
  Scripting& scripting = ScriptingOf(ctx);
  int64_t numkeys = 0;
  if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &numkeys)) {
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    return ctx.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) {
    return ctx.reply.Error("ERR Number of keys can't be negative");
  }
  const std::string sha =
      by_sha ? common::ToLower(ctx.args[1].substr(0, 40)) : scripting::Sha1Hex(ctx.args[1]);
  scripting::LuaEnvironment& lua = scripting.EnvironmentForThisThread();
  const scripting::ScriptFlags* declared = lua.FlagsOf(sha);
  if (declared == nullptr) {
    // The first time on this thread (since the last SCRIPT FLUSH): from the shared cache, or
    // the body given, compiled here.
    std::string cached_body;
    std::string_view body = ctx.args[1];
    if (by_sha) {
      std::optional<std::string> found = scripting.cache().Find(sha);
      if (!found) {
        return ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
      }
      cached_body = std::move(*found);
      body = cached_body;
    }
    scripting::ScriptFlags parsed;
    std::string error = scripting::ParseShebang(body, &parsed);
    if (!error.empty() || !lua.Define(sha, body, parsed, &error)) {
      return ctx.reply.Error(error);
    }
    if (!by_sha) {
      scripting.cache().Add(body);
    }
    declared = lua.FlagsOf(sha);
  }
  const scripting::ScriptFlags& flags = *declared;
  const bool out_of_memory = OverMaxmemory(ctx);
  if (std::string refusal = RefusalBeforeRun(ctx, flags, read_only_command, out_of_memory);
      !refusal.empty()) {
    return ctx.reply.Error(refusal);
  }
  const size_t keys = static_cast<size_t>(numkeys);
  RunScript(ctx, [&] {
    ScriptRunHost host(ctx, RulesFor(flags, read_only_command, out_of_memory),
                       scripting::ScriptKind::kEval, sha);
    lua.Run(sha, ctx.args.subspan(3, keys), ctx.args.subspan(3 + keys), host, ctx.reply);
  });
}

// The flags EVAL and EVALSHA are checked with: those the script declares in its shebang, if
// it has one (see ScriptCommandFlags), as Redis's evalGetCommandFlags. EVAL reads the body
// given; EVALSHA what this thread compiled or, the first time here, the shared cache's body.
uint32_t EvalFlags(std::span<const std::string_view> args,
                   const commands::ExecutionServices& services, uint32_t flags, bool by_sha) {
  scripting::ScriptFlags declared;
  if (!by_sha) {
    if (!args[1].starts_with("#!") || !scripting::ParseShebang(args[1], &declared).empty()) {
      return flags;
    }
    return ScriptCommandFlags(flags, declared);
  }
  auto& scripting = static_cast<Scripting&>(*services.scripting);
  const std::string sha = common::ToLower(args[1].substr(0, 40));
  if (const scripting::ScriptFlags* known = scripting.EnvironmentForThisThread().FlagsOf(sha)) {
    return ScriptCommandFlags(flags, *known);
  }
  const std::optional<std::string> body = scripting.cache().Find(sha);
  if (!body || !scripting::ParseShebang(*body, &declared).empty()) {
    return flags;
  }
  return ScriptCommandFlags(flags, declared);
}
uint32_t EvalBodyFlags(std::span<const std::string_view> args,
                       const commands::ExecutionServices& services, uint32_t flags) {
  return EvalFlags(args, services, flags, /*by_sha=*/false);
}
uint32_t EvalShaFlags(std::span<const std::string_view> args,
                      const commands::ExecutionServices& services, uint32_t flags) {
  return EvalFlags(args, services, flags, /*by_sha=*/true);
}

void CmdEval(CommandContext& ctx) {
  EvalGeneric(ctx, /*by_sha=*/false, /*read_only=*/false);
}
void CmdEvalSha(CommandContext& ctx) {
  EvalGeneric(ctx, /*by_sha=*/true, /*read_only=*/false);
}
void CmdEvalRo(CommandContext& ctx) {
  EvalGeneric(ctx, /*by_sha=*/false, /*read_only=*/true);
}
void CmdEvalShaRo(CommandContext& ctx) {
  EvalGeneric(ctx, /*by_sha=*/true, /*read_only=*/true);
}

void CmdScriptLoad(CommandContext& ctx) {
  Scripting& scripting = ScriptingOf(ctx);
  const std::string_view body = ctx.args[2];
  scripting::ScriptFlags flags;
  if (std::string error = scripting::ParseShebang(body, &flags); !error.empty()) {
    return ctx.reply.Error(error);
  }
  const std::string sha = scripting::Sha1Hex(body);
  scripting::LuaEnvironment& lua = scripting.EnvironmentForThisThread();
  if (!lua.Defined(sha)) {
    std::string error;
    if (!lua.Define(sha, body, flags, &error)) {
      return ctx.reply.Error(error);
    }
  }
  scripting.cache().Add(body);
  scripting.RecordMemoryOfThisThread();
  ctx.reply.Bulk(sha);
}

void CmdScriptExists(CommandContext& ctx) {
  Scripting& scripting = ScriptingOf(ctx);
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(scripting.cache().Contains(ctx.args[i]) ? 1 : 0);
  }
}

void CmdScriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.args[2], "sync") &&
                         !EqualsIgnoreCase(ctx.args[2], "async"))) {
    return ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  ScriptingOf(ctx).cache().Flush();
  ctx.reply.Ok();
}

void CmdScriptKill(CommandContext& ctx) {
  ReplyToKill(ctx, scripting::ScriptKind::kEval);
}

// SCRIPT DEBUG: the Lua debugger (LDB) is not there; NO, which turns it off, is accepted.
void CmdScriptDebug(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.args[2], "no")) {
    return ctx.reply.Ok();
  }
  if (EqualsIgnoreCase(ctx.args[2], "yes") || EqualsIgnoreCase(ctx.args[2], "sync")) {
    return ctx.reply.Error(
        "ERR SCRIPT DEBUG YES/SYNC is not supported: this server has no Lua "
        "debugger");
  }
  ctx.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

void CmdScriptHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SCRIPT",
            {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
             "EXISTS <sha1> [<sha1> ...]",
             "    Return information about the existence of the scripts in the script cache.",
             "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
             "    When called without the optional mode argument, the behavior is determined "
             "by the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the scripts cache.",
             "    * SYNC: Synchronously flush the scripts cache.", "KILL",
             "    Kill the currently executing Lua script.", "LOAD <script>",
             "    Load a script into the scripts cache without executing it."});
}

}  // namespace

void RegisterScriptCommands(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  // The script's commands are checked one by one as it calls them; EVAL itself holds every
  // shard (kWholeKeyspace) and lets MONITOR show the commands rather than itself.
  const uint32_t kEvalFlags = kNoScript | kStale | kSkipMonitor | kNoMandatoryKeys | kWholeKeyspace;
  auto eval = [&](std::string_view name, uint32_t extra, Handler handler, std::string_view summary,
                  std::string_view since) {
    const bool by_sha = name.starts_with("evalsha");
    table.Add({.name = name,
               .arity = -3,
               .flags = kEvalFlags | extra,
               .acl = kAclSlow | kAclScripting,
               .handler = handler,
               .key_finder = KeysAfterCount<2>,
               .effective_flags = by_sha ? EvalShaFlags : EvalBodyFlags,
               .summary = summary,
               .since = since,
               .group = "scripting"});
  };
  eval("eval", 0, CmdEval, "Execute a Lua script server side", "2.6.0");
  eval("evalsha", 0, CmdEvalSha, "Execute a Lua script server side", "2.6.0");
  eval("eval_ro", kReadOnly, CmdEvalRo, "Execute a read-only Lua script server side", "7.0.0");
  eval("evalsha_ro", kReadOnly, CmdEvalShaRo, "Execute a read-only Lua script server side",
       "7.0.0");
  auto sub = [](std::string_view name, int arity, uint32_t flags, Handler handler,
                std::string_view summary, std::string_view since) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .acl = kAclSlow | kAclScripting,
                       .handler = handler,
                       .summary = summary,
                       .since = since,
                       .group = "scripting"};
  };
  table.Add({.name = "script",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for Lua scripts management commands",
             .since = "2.6.0",
             .group = "scripting",
             .subcommands = {
                 sub("script|load", 3, kNoScript | kStale, CmdScriptLoad,
                     "Load the specified Lua script into the script cache.", "2.6.0"),
                 sub("script|exists", -3, kNoScript, CmdScriptExists,
                     "Check existence of scripts in the script cache.", "2.6.0"),
                 sub("script|flush", -2, kNoScript, CmdScriptFlush,
                     "Remove all the scripts from the script cache.", "2.6.0"),
                 sub("script|kill", 2, kNoScript | kAllowBusy, CmdScriptKill,
                     "Kill the script currently in execution.", "2.6.0"),
                 sub("script|debug", 3, kNoScript, CmdScriptDebug,
                     "Set the debug mode for executed scripts.", "3.2.0"),
                 sub("script|help", 2, kLoading | kStale, CmdScriptHelp,
                     "Show helpful text about the different subcommands", "5.0.0"),
             }});
}

}  // namespace redoubt::server
