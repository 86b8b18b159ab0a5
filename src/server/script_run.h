// What EVAL and FCALL share to run a script or a function, as Redis 7.0's script.c: the checks of
// what it declared against the server's state before it runs (scriptPrepareForRun), and the
// host its redis.call reaches while it runs: the dispatcher that runs EVAL or FCALL, as the
// script's client, so its effects join that command's propagation batch (wrapped in
// MULTI/EXEC, as Redis 7 replicates a script's effects) and its thread's statistics.
//
// Thread: the caller's I/O thread; the running script it registers is shared
// (scripting::RunningScript).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "commands/command_context.h"
#include "commands/dispatcher.h"
#include "scripting/lua_environment.h"
#include "scripting/running_script.h"
#include "scripting/script_client.h"
#include "scripting/script_flags.h"
#include "scripting/scripting.h"

namespace redoubt::server {

scripting::Scripting& ScriptingOf(commands::CommandContext& ctx);

// EVAL, EVALSHA and FCALL are skip-monitor: each feeds MONITOR itself, first, so that its line
// comes before those of the commands it calls (Redis's evalCommand and fcallCommandGeneric).
void FeedMonitorsFirst(commands::CommandContext& ctx);

// Redis's scriptFlagsToCmdFlags: the flags EVAL or FCALL is checked with when the script
// declared its own (a shebang, or a function's flags): write unless no-writes, deny-oom unless
// allow-oom or no-writes, stale only with allow-stale. So a script that may write meets a
// read-only replica's, a failed save's or maxmemory's refusal before it runs, with the same
// errors as any write command.
uint32_t ScriptCommandFlags(uint32_t flags, const scripting::ScriptFlags& declared);

// Whether the dataset is now over maxmemory (a script without allow-oom then may not write).
bool OverMaxmemory(commands::CommandContext& ctx);

// Redis's scriptPrepareForRun: what a script that declared flags (or one in compatibility
// mode, without a shebang) may not do now. Empty when it may run.
std::string RefusalBeforeRun(commands::CommandContext& ctx, const scripting::ScriptFlags& flags,
                             bool read_only_command, bool out_of_memory);

// The rules a script's commands follow, from its flags: read-only under EVAL_RO/FCALL_RO or
// no-writes, OOM refusals unless allow-oom.
commands::Dispatcher::ScriptRules RulesFor(const scripting::ScriptFlags& flags,
                                           bool read_only_command, bool out_of_memory);

// One run, from construction to destruction (the server's running script meanwhile).
class ScriptRunHost : public scripting::ScriptHost {
 public:
  // name: the SHA1 or the function's name, for the log and FUNCTION STATS; both it and the
  // command's arguments must outlive the host.
  ScriptRunHost(commands::CommandContext& ctx, commands::Dispatcher::ScriptRules rules,
                scripting::ScriptKind kind, std::string_view name);
  ~ScriptRunHost() override;
  ScriptRunHost(const ScriptRunHost&) = delete;
  ScriptRunHost& operator=(const ScriptRunHost&) = delete;

  bool Call(std::span<const std::string_view> args, bool resp3, bool propagate, std::string* reply,
            std::string* error) override;
  bool AclCheck(std::span<const std::string_view> args, bool* allowed, std::string* error) override;
  bool KillRequested() override { return running_.kill_requested(); }
  // Past busy-reply-threshold, other clients get -BUSY (the dispatcher's stage) and those of
  // this thread are served from here, so that one of them can send SCRIPT or FUNCTION KILL.
  void StillRunning() override;

 private:
  commands::CommandContext& ctx_;
  scripting::ScriptClient client_;
  commands::Dispatcher::ScriptRules rules_;
  scripting::RunningScript& running_;
  scripting::ScriptKind kind_;
  std::string_view name_;
  int64_t started_ms_;
  bool busy_ = false;
};

// Runs what `run` does under the script clock (a script's keys expire by the time it started)
// and ends the way every script ends: effects dropped when SHUTDOWN NOSAVE stopped it, the
// thread's Lua memory noted for INFO.
template <typename Run>
void RunScript(commands::CommandContext& ctx, Run&& run) {
  {
    storage::Keyspace::FrozenClockScope frozen_clock(common::UnixMillis());
    run();
  }
  scripting::Scripting& scripting = ScriptingOf(ctx);
  if (scripting.running().effects_discarded()) {
    ctx.dispatcher->DiscardPropagation();  // stopped for SHUTDOWN NOSAVE
  }
  scripting.RecordMemoryOfThisThread();
}

// The reply to SCRIPT KILL (kind kEval) or FUNCTION KILL (kFunction).
void ReplyToKill(commands::CommandContext& ctx, scripting::ScriptKind kind);

}  // namespace redoubt::server
