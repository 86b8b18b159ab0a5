// EVAL and SCRIPT, as Redis 7.0's eval.c and script.c: the handler checks what the script
// declares against the server's state (a read-only replica, a failed save, maxmemory), runs it
// in its thread's Lua state (scripting/lua_environment.h), and the script's redis.call runs
// each command through the dispatcher that runs EVAL (Dispatcher::ExecuteFromScript), so its
// effects join EVAL's propagation batch (wrapped in MULTI/EXEC, as Redis 7 replicates a
// script's effects) and its thread's statistics.
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

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;
using scripting::Scripting;

Scripting& ScriptingOf(CommandContext& ctx) {
  return static_cast<Scripting&>(*ctx.services.scripting);
}

// One script's run, from start to end (it is the server's running script meanwhile), and what
// its redis.call reaches: the dispatcher running EVAL, as the script's client.
class EvalHost : public scripting::ScriptHost {
 public:
  EvalHost(CommandContext& ctx, commands::Dispatcher::ScriptRules rules, std::string_view sha)
      : ctx_(ctx),
        client_(ctx.client),
        rules_(rules),
        running_(ScriptingOf(ctx).running()),
        sha_(sha),
        started_ms_(common::MonotonicMillis()) {
    running_.Begin(ctx.client.is_primary_link());
  }
  ~EvalHost() override {
    running_.End();
    if (busy_) {
      ctx_.services.settings.script_busy.store(false, std::memory_order_relaxed);
    }
  }

  bool Call(std::span<const std::string_view> args, bool resp3, bool propagate, std::string* reply,
            std::string* error) override {
    client_.CaptureInto(reply, resp3);
    rules_.propagate = propagate;
    const bool ran = ctx_.dispatcher->ExecuteFromScript(client_, args, rules_, error);
    if (rules_.wrote) {
      running_.MarkWrote();
    }
    return ran;
  }

  bool AclCheck(std::span<const std::string_view> args, bool* allowed,
                std::string* error) override {
    const commands::CommandSpec* spec = ctx_.services.table.Resolve(args);
    if (spec == nullptr) {
      *error = "ERR Invalid command passed to redis.acl_check_cmd()";
      return false;
    }
    commands::AclKeyAccess::Scratch scratch;
    size_t denied = 0;
    *allowed = ctx_.services.acl_key_access.Check(
                   ctx_.client.user(), ctx_.services.acl.catalog().ById(spec->stats_index), *spec,
                   args, &scratch, &denied) == security::AclVerdict::kAllowed;
    return true;
  }

  bool KillRequested() override { return running_.kill_requested(); }

  // Past busy-reply-threshold, other clients get -BUSY (the dispatcher's stage) and those of
  // this thread are served from here, so that one of them can send SCRIPT KILL.
  void StillRunning() override {
    const int64_t threshold = ctx_.settings.busy_reply_threshold_ms.load(std::memory_order_relaxed);
    const int64_t elapsed = common::MonotonicMillis() - started_ms_;
    if (threshold <= 0 || elapsed < threshold) {
      return;
    }
    if (!busy_) {
      busy_ = true;
      ctx_.services.settings.script_busy.store(true, std::memory_order_relaxed);
      common::Log(common::LogLevel::kWarning,
                  "Slow script detected: still in execution after " + std::to_string(elapsed) +
                      " milliseconds. You can try killing the script using the SCRIPT KILL "
                      "command. Script name is: " +
                      sha_ + ".");
    }
    if (Connection* conn = ConnectionOf(ctx_)) {
      conn->ServeOthersWhileBusy();
    }
  }

 private:
  CommandContext& ctx_;
  scripting::ScriptClient client_;
  commands::Dispatcher::ScriptRules rules_;
  scripting::RunningScript& running_;
  std::string sha_;
  int64_t started_ms_;
  bool busy_ = false;
};

// Redis's scriptPrepareForRun: what a script that declared its flags may not do now. Empty
// when it may run.
std::string RefusalBeforeRun(CommandContext& ctx, const scripting::ScriptFlags& flags,
                             bool read_only_command, bool out_of_memory) {
  const uint32_t gate = ctx.settings.replica_gate.load(std::memory_order_relaxed);
  const bool primary_link = ctx.client.is_primary_link();
  if (!flags.has_shebang) {
    if (gate & commands::kGateStale) {
      return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    }
    return {};
  }
  if ((gate & commands::kGateStale) && !flags.allow_stale) {
    return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and "
           "'allow-stale' flag is not set on the script.";
  }
  if (!flags.no_writes) {
    if ((gate & commands::kGateReadOnly) && !primary_link) {
      return "READONLY Can not run script with write flag on readonly replica";
    }
    if (!primary_link &&
        ctx.settings.refuse_writes_after_failed_save.load(std::memory_order_relaxed)) {
      return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
             "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read "
             "only scripts.";
    }
    const int aof_errno = ctx.settings.aof_write_errno.load(std::memory_order_relaxed);
    if (!primary_link && aof_errno != 0) {
      return "MISCONF Redis is configured to persist data to AOF, but it's currently unable to "
             "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read "
             "only scripts. AOF error: " +
             std::string(strerror(aof_errno));
    }
    if (read_only_command) {
      return "ERR Can not execute a script with write flag using *_ro command.";
    }
    if (gate & commands::kGateNoReplicas) {
      return std::string(commands::kErrNoReplicas);
    }
  }
  if (out_of_memory && !flags.allow_oom && !flags.no_writes) {
    return "OOM allow-oom flag is not set on the script, can not run it when used memory > "
           "'maxmemory'";
  }
  return {};
}

void EvalGeneric(CommandContext& ctx, bool by_sha, bool read_only_command) {
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
  const uint64_t maxmemory = ctx.settings.maxmemory.load(std::memory_order_relaxed);
  const bool out_of_memory = maxmemory != 0 && ctx.keyspace.used_bytes() > maxmemory;
  if (std::string refusal = RefusalBeforeRun(ctx, flags, read_only_command, out_of_memory);
      !refusal.empty()) {
    return ctx.reply.Error(refusal);
  }
  commands::Dispatcher::ScriptRules rules;
  rules.read_only = read_only_command || (flags.has_shebang && flags.no_writes);
  rules.allow_oom = flags.has_shebang && flags.allow_oom;
  rules.out_of_memory = out_of_memory;
  EvalHost host(ctx, rules, sha);
  const size_t keys = static_cast<size_t>(numkeys);
  storage::Keyspace::FrozenClockScope frozen_clock(common::UnixMillis());
  lua.Run(sha, ctx.args.subspan(3, keys), ctx.args.subspan(3 + keys), host, ctx.reply);
  if (scripting.running().effects_discarded()) {
    ctx.dispatcher->DiscardPropagation();  // stopped for SHUTDOWN NOSAVE
  }
  scripting.RecordMemoryOfThisThread();
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
  using Outcome = scripting::RunningScript::KillOutcome;
  switch (ScriptingOf(ctx).running().Kill()) {
    case Outcome::kNotBusy:
      return ctx.reply.Error("NOTBUSY No scripts in execution right now.");
    case Outcome::kFromPrimary:
      return ctx.reply.Error(
          "UNKILLABLE The busy script was sent by a master instance in the context of "
          "replication and cannot be killed.");
    case Outcome::kWrote:
      return ctx.reply.Error(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
    case Outcome::kKilled:
      return ctx.reply.Ok();
  }
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
    table.Add({.name = name,
               .arity = -3,
               .flags = kEvalFlags | extra,
               .acl = kAclSlow | kAclScripting,
               .handler = handler,
               .key_finder = KeysAfterCount<2>,
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
