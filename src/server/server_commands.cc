// Server commands: TIME LASTSAVE DEBUG SHUTDOWN MONITOR LOLWUT MODULE. Redis 7.0 semantics and
// texts.
//
// Thread: handlers run on the caller's I/O thread. DEBUG SLEEP blocks that thread (and every
// connection it serves) on purpose, as Redis's blocks its single thread.
#include "server/server_commands.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <string>
#include <string_view>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/numbers.h"
#include "scripting/scripting.h"
#include "server/aof_service.h"
#include "server/command_helpers.h"
#include "server/connection.h"
#include "server/snapshot_service.h"
#include "server/version.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;

// TIME: [unix seconds, microseconds], both as bulk strings.
void CmdTime(CommandContext& ctx) {
  int64_t us = common::UnixMicros();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

// Nothing is ever saved: LASTSAVE is the start time, as for a Redis that has not saved yet.
void CmdLastSave(CommandContext& ctx) {
  ctx.reply.Integer(Admin(ctx).last_save_seconds());
}

// enable-debug-command, as Redis 7 checks it: "no" refuses, "local" admits loopback peers.
bool DebugAllowedOrReply(CommandContext& ctx) {
  if (AllowProtectedAction(Admin(ctx).config().enable_debug_command, ctx.client.is_local())) {
    return true;
  }
  ctx.reply.Error(
      "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
      "you can run it from a local connection, otherwise you need to set this option in the "
      "configuration file, and then restart the server.");
  return false;
}

// DEBUG PROTOCOL <type>: a test value of each RESP3 type (RESP2 gets their RESP2 forms), as
// client libraries' tests use it.
void DebugProtocol(CommandContext& ctx, std::string_view name) {
  protocol::ReplyWriter& w = ctx.reply;
  if (EqualsIgnoreCase(name, "string")) {
    w.Bulk("Hello World");
  } else if (EqualsIgnoreCase(name, "integer")) {
    w.Integer(12345);
  } else if (EqualsIgnoreCase(name, "double")) {
    w.Double(3.141);
  } else if (EqualsIgnoreCase(name, "bignum")) {
    w.BigNumber("1234567999999999999999999999999999999");
  } else if (EqualsIgnoreCase(name, "null")) {
    w.Null();
  } else if (EqualsIgnoreCase(name, "array") || EqualsIgnoreCase(name, "set")) {
    EqualsIgnoreCase(name, "set") ? w.SetHeader(3) : w.ArrayHeader(3);
    for (int j = 0; j < 3; ++j) {
      w.Integer(j);
    }
  } else if (EqualsIgnoreCase(name, "map")) {
    w.MapHeader(3);
    for (int j = 0; j < 3; ++j) {
      w.Integer(j);
      w.Bool(j == 1);
    }
  } else if (EqualsIgnoreCase(name, "attrib")) {
    if (w.resp3()) {
      w.Raw("|1\r\n");  // an attribute: RESP2 has none
      w.Bulk("key-popularity");
      w.ArrayHeader(2);
      w.Bulk("key:123");
      w.Integer(90);
    }
    w.Bulk("Some real reply following the attribute");
  } else if (EqualsIgnoreCase(name, "push")) {
    if (!w.resp3()) {
      return w.Error("ERR RESP2 is not supported by this command");
    }
    w.PushHeader(2);
    w.Bulk("server-cpu-usage");
    w.Integer(42);
    w.Bulk("Some real reply following the push reply");
  } else if (EqualsIgnoreCase(name, "true") || EqualsIgnoreCase(name, "false")) {
    w.Bool(EqualsIgnoreCase(name, "true"));
  } else if (EqualsIgnoreCase(name, "verbatim")) {
    w.Verbatim("txt", "This is a verbatim\nstring");
  } else {
    w.Error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

// DEBUG SLEEP | ERROR | LOG | PROTOCOL | SET-ACTIVE-EXPIRE | HELP: the subcommands that tests
// and client libraries use (the rest of Redis's DEBUG inspects or crashes its internals).
void CmdDebug(CommandContext& ctx) {
  if (!DebugAllowedOrReply(ctx)) {
    return;
  }
  std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "help") && ctx.argc() == 2) {
    ReplyHelp(ctx, "DEBUG",
              {"ERROR <string>",
               "    Return a Redis protocol error with <string> as message. Useful for clients",
               "    unit tests to simulate Redis errors.", "LOG <message>",
               "    Write <message> to the server log.", "PROTOCOL <type>",
               "    Reply with a test value of the specified type. <type> can be: string,",
               "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
               "    true, false.", "SET-ACTIVE-EXPIRE <0|1>",
               "    Setting it to 0 disables expiring keys in background when they are not",
               "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
               "    default.", "SLEEP <seconds>",
               "    Stop the server for <seconds>. Decimals allowed."});
    return;
  }
  if (EqualsIgnoreCase(sub, "sleep") && ctx.argc() == 3) {
    // Redis parses the seconds with strtod, so text that is not a number sleeps for 0 seconds.
    double seconds = common::ParseDouble(ctx.args[2]).value_or(0);
    // A duration whose microseconds do not fit in 64 bits (1e300, inf, nan) makes Redis's
    // nanosleep fail at once, so it replies +OK without sleeping; so does this. (Converting
    // it blindly once gave a time nanosleep refused, retried forever: a spinning thread.)
    if (std::isfinite(seconds) && seconds > 0 && seconds * 1e6 < 9.2e18) {
      int64_t us = static_cast<int64_t>(seconds * 1e6);
      timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
    }
    return ctx.reply.Ok();
  }
  if (EqualsIgnoreCase(sub, "error") && ctx.argc() == 3) {
    // The text as the error, newlines made spaces; written as Redis writes it (addReplySds),
    // so not counted in errorstats.
    std::string text = "-" + std::string(ctx.args[2]);
    std::replace(text.begin(), text.end(), '\r', ' ');
    std::replace(text.begin(), text.end(), '\n', ' ');
    text += "\r\n";
    return ctx.reply.Raw(text);
  }
  if (EqualsIgnoreCase(sub, "log") && ctx.argc() == 3) {
    common::Log(common::LogLevel::kWarning, "DEBUG LOG: " + std::string(ctx.args[2]));
    return ctx.reply.Ok();
  }
  if (EqualsIgnoreCase(sub, "protocol") && ctx.argc() == 3) {
    return DebugProtocol(ctx, ctx.args[2]);
  }
  if (EqualsIgnoreCase(sub, "set-active-expire") && ctx.argc() == 3) {
    // atoi, as Redis: anything but a non-zero number switches it off.
    const int64_t on = common::ParseInt64(ctx.args[2]).value_or(0);
    ctx.services.settings.active_expire.store(on != 0, std::memory_order_relaxed);
    return ctx.reply.Ok();
  }
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(sub.substr(0, 128)) + "'. Try DEBUG HELP.");
}

// LOLWUT [VERSION v]: Redis 7.0's own output, its version line. Versions 5 and 6 draw
// computer art in Redis (random, so no two servers agree); here every version gets the line.
void CmdLolwut(CommandContext& ctx) {
  if (ctx.argc() >= 3 && EqualsIgnoreCase(ctx.args[1], "version")) {
    int64_t version = 0;
    if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &version)) {
      return;
    }
  }
  ctx.reply.Verbatim("txt", "Redis ver. " + std::string(kRedisVersion) + "\n");
}

// MODULE: Redoubt loads no modules. LIST is empty; LOAD, LOADEX and UNLOAD answer as Redis
// does when enable-module-command refuses them, or when loading fails.
bool ModuleAllowedOrReply(CommandContext& ctx) {
  if (AllowProtectedAction(Admin(ctx).config().enable_module_command, ctx.client.is_local())) {
    return true;
  }
  ctx.reply.Error(
      "ERR MODULE command not allowed. If the enable-module-command option is set to "
      "\"local\", you can run it from a local connection, otherwise you need to set this "
      "option in the configuration file, and then restart the server.");
  return false;
}

void CmdModuleList(CommandContext& ctx) {
  ctx.reply.ArrayHeader(0);
}

void CmdModuleLoad(CommandContext& ctx) {
  if (ModuleAllowedOrReply(ctx)) {
    ctx.reply.Error("ERR Error loading the extension. Please check the server logs.");
  }
}

void CmdModuleUnload(CommandContext& ctx) {
  if (ModuleAllowedOrReply(ctx)) {
    ctx.reply.Error("ERR Error unloading module: no such module with that name");
  }
}

void CmdModuleHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "MODULE",
            {"LIST", "    Return a list of loaded modules.", "LOAD <path> [<arg> ...]",
             "    Load a module library from <path>, passing to it any optional arguments.",
             "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
             "    Load a module library from <path>, while passing it module configurations and "
             "optional arguments.",
             "UNLOAD <name>", "    Unload a module."});
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. SAVE writes a snapshot before exiting, NOSAVE
// does not, and without either one is written when save points are configured, as Redis does;
// a snapshot that fails keeps the server running. NOW and FORCE change nothing yet (there are
// no replicas to wait for). On success there is no reply: the server closes every connection as
// it exits.
void CmdShutdown(CommandContext& ctx) {
  bool save = false;
  bool nosave = false;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.args[i];
    if (EqualsIgnoreCase(a, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(a, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(a, "now") || EqualsIgnoreCase(a, "force")) {
      continue;
    } else if (EqualsIgnoreCase(a, "abort")) {
      abort = true;
    } else {
      return ctx.reply.Error(commands::kErrSyntax);
    }
  }
  if ((save && nosave) || (abort && ctx.argc() != 2)) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  if (abort) {
    return ctx.reply.Error("ERR No shutdown in progress.");
  }
  // While a script is busy it holds every shard: a shutdown that saves could never take them.
  // As Redis: -BUSY, unless NOSAVE, which stops the script (even one that wrote) and exits.
  if (const commands::BusyScript busy = ctx.settings.busy_script.load(std::memory_order_relaxed);
      busy != commands::BusyScript::kNone) {
    if (!nosave) {
      return ctx.reply.Error(busy == commands::BusyScript::kFunction ? commands::kErrBusyFunction
                                                                     : commands::kErrBusyScript);
    }
    static_cast<scripting::Scripting&>(*ctx.services.scripting).running().KillForShutdown();
  }
  common::Log(common::LogLevel::kWarning, "User requested shutdown...");
  Admin(ctx).RequestShutdownSaving(save     ? ShutdownSave::kSave
                                   : nosave ? ShutdownSave::kNoSave
                                            : ShutdownSave::kDefault);
}

// SAVE: a snapshot written before the reply (other clients are served meanwhile).
void CmdSave(CommandContext& ctx) {
  if (absl::Status st = Admin(ctx).snapshots().Save(); !st.ok()) {
    std::string text(st.message());
    return ctx.reply.Error(text.starts_with("ERR") ? text : "ERR " + text);
  }
  ctx.reply.Ok();
}

// BGSAVE [SCHEDULE]: a snapshot written by a background thread.
void CmdBgsave(CommandContext& ctx) {
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !EqualsIgnoreCase(ctx.args[1], "schedule"))) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  if (absl::Status st = Admin(ctx).snapshots().StartBackgroundSave(); !st.ok()) {
    if (ctx.argc() == 2) {
      // Redis schedules it when another snapshot (an AOF rewrite) is what stands in the way.
      st = Admin(ctx).snapshots().ScheduleBackgroundSave();
      if (st.ok()) {
        return ctx.reply.SimpleString("Background saving scheduled");
      }
    }
    return ctx.reply.Error(std::string(st.message()));
  }
  ctx.reply.SimpleString("Background saving started");
}

// BGREWRITEAOF: a new base written by a background thread from a snapshot, as Redis 7.0's.
void CmdBgrewriteaof(CommandContext& ctx) {
  absl::StatusOr<std::string> started = Admin(ctx).aof().StartRewrite();
  if (!started.ok()) {
    return ctx.reply.Error(std::string(started.status().message()));
  }
  ctx.reply.SimpleString(*started);
}

// MONITOR: from now on the connection receives every command the server runs (see
// commands::Dispatcher::FeedMonitors). A second MONITOR is ignored without a reply, as in Redis.
void CmdMonitor(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  if (conn.monitor()) {
    return;
  }
  conn.SetMonitor(true);
  ctx.reply.Ok();
}

}  // namespace

void RegisterServerCommands(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint64_t kAclAdminSlow = kAclAdmin | kAclSlow | kAclDangerous;
  table.Add({.name = "time",
             .arity = 1,
             .flags = kLoading | kStale | kFast,
             .acl = kAclFast,
             .handler = CmdTime,
             .summary = "Returns the server time.",
             .since = "2.6.0",
             .group = "server"});
  table.Add({.name = "lastsave",
             .arity = 1,
             .flags = kLoading | kStale | kFast,
             .acl = kAclAdmin | kAclFast | kAclDangerous,
             .handler = CmdLastSave,
             .summary = "Returns the Unix timestamp of the last successful save to disk.",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "save",
             .arity = 1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
             .acl = kAclAdminSlow,
             .handler = CmdSave,
             .summary = "Synchronously save the dataset to disk",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "bgsave",
             .arity = -1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading,
             .acl = kAclAdminSlow,
             .handler = CmdBgsave,
             .summary = "Asynchronously save the dataset to disk",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "bgrewriteaof",
             .arity = 1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading,
             .acl = kAclAdminSlow,
             .handler = CmdBgrewriteaof,
             .summary = "Asynchronously rewrite the append-only file",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "debug",
             .arity = -2,
             .flags = kAdmin | kNoScript | kLoading | kStale,
             .acl = kAclAdminSlow,
             .handler = CmdDebug,
             .summary = "A container for debugging commands.",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "shutdown",
             .arity = -1,
             .flags = kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy,
             .acl = kAclAdminSlow,
             .handler = CmdShutdown,
             .summary = "Synchronously saves the database(s) to disk and shuts down the Redis "
                        "server.",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "lolwut",
             .arity = -1,
             .flags = kReadOnly | kFast,
             .acl = kAclRead | kAclFast,
             .handler = CmdLolwut,
             .summary = "Displays computer art and the Redis version",
             .since = "5.0.0",
             .group = "server"});
  auto module_sub = [](std::string_view name, int arity, uint32_t flags, uint64_t acl,
                       commands::Handler handler, std::string_view summary) {
    return commands::CommandSpec{.name = name,
                                 .arity = arity,
                                 .flags = flags,
                                 .acl = acl,
                                 .handler = handler,
                                 .summary = summary,
                                 .since = "4.0.0",
                                 .group = "server"};
  };
  constexpr uint32_t kModuleChange = kAdmin | kNoScript | kNoAsyncLoading;
  table.Add({.name = "module",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for module commands",
             .since = "4.0.0",
             .group = "server",
             .subcommands = {
                 module_sub("module|help", 2, kLoading | kStale, kAclSlow, CmdModuleHelp,
                            "Returns helpful text about the different subcommands."),
                 module_sub("module|list", 2, kAdmin | kNoScript, kAclAdminSlow, CmdModuleList,
                            "Returns all loaded modules."),
                 module_sub("module|load", -3, kModuleChange, kAclAdminSlow, CmdModuleLoad,
                            "Loads a module."),
                 module_sub("module|loadex", -3, kModuleChange, kAclAdminSlow, CmdModuleLoad,
                            "Loads a module using extended parameters."),
                 module_sub("module|unload", 3, kModuleChange, kAclAdminSlow, CmdModuleUnload,
                            "Unloads a module."),
             }});
  table.Add({.name = "monitor",
             .arity = 1,
             .flags = kAdmin | kNoScript | kLoading | kStale,
             .acl = kAclAdminSlow,
             .handler = CmdMonitor,
             .summary = "Listens for all requests received by the server in real-time.",
             .since = "1.0.0",
             .group = "server"});
}

}  // namespace redoubt::server
