// Running a script or a function; see script_run.h. Texts are Redis 7.0's script.c.
#include "server/script_run.h"

#include <cstring>
#include <vector>

#include "commands/errors.h"
#include "common/clock.h"
#include "common/hash_slot.h"
#include "common/log.h"
#include "server/command_helpers.h"
#include "server/connection.h"

namespace redoubt::server {

using commands::CommandContext;

scripting::Scripting& ScriptingOf(CommandContext& ctx) {
  return static_cast<scripting::Scripting&>(*ctx.services.scripting);
}

void FeedMonitorsFirst(CommandContext& ctx) {
  if (ctx.dispatcher != nullptr) {
    ctx.dispatcher->FeedMonitorsBeforeRun(ctx.client, ctx.args);
  }
}

uint32_t ScriptCommandFlags(uint32_t flags, const scripting::ScriptFlags& declared) {
  if (!declared.has_shebang) {
    return flags;  // compatibility mode: the command's own flags
  }
  flags &= ~(commands::kStale | commands::kDenyOom | commands::kWrite | commands::kMayReplicate);
  if (!declared.allow_oom && !declared.no_writes) {
    flags |= commands::kDenyOom;
  }
  if (!declared.no_writes) {
    flags |= commands::kWrite;
  }
  if (declared.allow_stale) {
    flags |= commands::kStale;
  }
  return flags;
}

bool OverMaxmemory(CommandContext& ctx) {
  const uint64_t maxmemory = ctx.settings.maxmemory.load(std::memory_order_relaxed);
  return maxmemory != 0 && ctx.keyspace.used_bytes() + ScriptingOf(ctx).MemoryBytes() > maxmemory;
}

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

commands::Dispatcher::ScriptRules RulesFor(const scripting::ScriptFlags& flags,
                                           bool read_only_command, bool out_of_memory) {
  commands::Dispatcher::ScriptRules rules;
  rules.read_only = read_only_command || (flags.has_shebang && flags.no_writes);
  rules.allow_oom = flags.has_shebang && flags.allow_oom;
  rules.out_of_memory = out_of_memory;
  // Scripts without a shebang keep Redis 6's freedom to touch several slots.
  rules.allow_cross_slot = !flags.has_shebang || flags.allow_cross_slot_keys;
  return rules;
}

ScriptRunHost::ScriptRunHost(CommandContext& ctx, commands::Dispatcher::ScriptRules rules,
                             scripting::ScriptKind kind, std::string_view name)
    : ctx_(ctx),
      client_(ctx.client),
      rules_(rules),
      running_(ScriptingOf(ctx).running()),
      kind_(kind),
      name_(name),
      started_ms_(common::MonotonicMillis()) {
  running_.Begin(ctx.client.is_primary_link(), kind, name, ctx.args);
  // In cluster mode the keys the script declared fix its slot, as Redis's client->slot: the
  // keys it touches without declaring them must hash there too.
  if (ctx.services.cluster != nullptr) {
    std::vector<std::string_view> keys;
    commands::ExtractKeys(ctx.spec, ctx.args, &keys);
    if (!keys.empty()) {
      rules_.slot = common::KeyHashSlot(keys.front());
    }
  }
}

ScriptRunHost::~ScriptRunHost() {
  running_.End();
  if (busy_) {
    ctx_.services.settings.busy_script.store(commands::BusyScript::kNone,
                                             std::memory_order_relaxed);
  }
}

bool ScriptRunHost::Call(std::span<const std::string_view> args, bool resp3, bool propagate,
                         std::string* reply, std::string* error) {
  client_.CaptureInto(reply, resp3);
  rules_.propagate = propagate;
  const bool ran = ctx_.dispatcher->ExecuteFromScript(client_, args, rules_, error);
  if (rules_.wrote) {
    running_.MarkWrote();
  }
  if (!ran) {
    // A refused command counts in errorstats, as its error would outside a script.
    if (protocol::ErrorObserver* observer = client_.reply().error_observer()) {
      observer->OnErrorReply(std::string_view(*error).substr(0, error->find(' ')));
    }
  }
  return ran;
}

bool ScriptRunHost::AclCheck(std::span<const std::string_view> args, bool* allowed,
                             std::string* error) {
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

void ScriptRunHost::StillRunning() {
  const int64_t threshold = ctx_.settings.busy_reply_threshold_ms.load(std::memory_order_relaxed);
  const int64_t elapsed = common::MonotonicMillis() - started_ms_;
  if (threshold <= 0 || elapsed < threshold) {
    return;
  }
  if (!busy_) {
    busy_ = true;
    const bool function = kind_ == scripting::ScriptKind::kFunction;
    ctx_.services.settings.busy_script.store(
        function ? commands::BusyScript::kFunction : commands::BusyScript::kEval,
        std::memory_order_relaxed);
    common::Log(common::LogLevel::kWarning,
                "Slow script detected: still in execution after " + std::to_string(elapsed) +
                    " milliseconds. You can try killing the script using the " +
                    (function ? "FUNCTION KILL" : "SCRIPT KILL") +
                    " command. Script name is: " + std::string(name_) + ".");
  }
  if (Connection* conn = ConnectionOf(ctx_)) {
    conn->ServeOthersWhileBusy();
  }
}

void ReplyToKill(CommandContext& ctx, scripting::ScriptKind kind) {
  using Outcome = scripting::RunningScript::KillOutcome;
  switch (ScriptingOf(ctx).running().Kill(kind)) {
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
    case Outcome::kOtherKind:
      // SCRIPT KILL of a function names FUNCTION KILL, and the other way round.
      return ctx.reply.Error(kind == scripting::ScriptKind::kEval ? commands::kErrBusyFunction
                                                                  : commands::kErrBusyScript);
    case Outcome::kKilled:
      return ctx.reply.Ok();
  }
}

}  // namespace redoubt::server
