// FUNCTION and FCALL, as Redis 7.0's functions.c: libraries are loaded (their code run once, in
// a Lua state of its own, to collect what they register) into the server's shared set
// (scripting/function_libraries.h); FCALL runs a function in its thread's functions state,
// rebuilt from that set after any change, through script_run.h as EVAL runs a script.
//
// Atomicity and order: FCALL, like EVAL, holds every shard while the function runs. The commands
// that change the libraries hold every shard too (kWholeKeyspace), so they are ordered with the
// commands around them in the AOF and the replication stream, and a snapshot (which takes the
// libraries while it holds every shard) has exactly the libraries its keys were written under.
//
// Thread: handlers run on the caller's I/O thread; the libraries are shared.
#include "server/function_commands.h"

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/ascii.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "persistence/dump_commands.h"
#include "persistence/rdb_decoder.h"
#include "persistence/rdb_encoder.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"
#include "scripting/function_libraries.h"
#include "scripting/scripting.h"
#include "server/command_helpers.h"
#include "server/script_run.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;
using scripting::FunctionLibraries;
using scripting::FunctionLibrary;

// Redis's LOAD_TIMEOUT_MS: a library's code only registers functions, so half a second is
// plenty; code from this node's primary or the AOF is obeyed whatever it takes.
constexpr int64_t kLoadTimeoutMs = 500;

int64_t LoadTimeoutMs(CommandContext& ctx) {
  return ctx.client.is_primary_link() ? 0 : kLoadTimeoutMs;
}

// FUNCTION LOAD [REPLACE] code
void CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t pos = 2;
  while (pos < ctx.argc() - 1) {
    const std::string_view option = ctx.args[pos++];
    if (!EqualsIgnoreCase(option, "replace")) {
      return ctx.reply.Error("ERR Unknown option given: " + std::string(option));
    }
    replace = true;
  }
  scripting::Scripting& scripting = ScriptingOf(ctx);
  const std::shared_ptr<const FunctionLibraries::Set> current = scripting.functions().Current();
  FunctionLibrary library;
  std::string error = scripting.CompileLibrary(ctx.args[pos], LoadTimeoutMs(ctx),
                                               replace ? nullptr : current.get(), &library);
  const std::string name = library.name;
  if (error.empty()) {
    error = scripting.functions().Add(std::move(library), replace);
  }
  if (!error.empty()) {
    return ctx.reply.Error("ERR " + error);
  }
  ++ctx.dirty;  // replicated and persisted, as Redis counts it
  ctx.reply.Bulk(name);
}

void CmdFunctionDelete(CommandContext& ctx) {
  if (!ScriptingOf(ctx).functions().Delete(ctx.args[2])) {
    return ctx.reply.Error("ERR Library not found");
  }
  ++ctx.dirty;
  ctx.reply.Ok();
}

void CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "FUNCTION");
  }
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.args[2], "async") &&
      !EqualsIgnoreCase(ctx.args[2], "sync")) {
    return ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  // ASYNC and SYNC alike: the libraries are dropped by swapping in an empty set; the old one is
  // freed when the last thread using it moves on.
  ScriptingOf(ctx).functions().ReplaceAll({});
  ++ctx.dirty;
  ctx.reply.Ok();
}

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
void CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const std::string_view arg = ctx.args[i];
    if (!with_code && EqualsIgnoreCase(arg, "withcode")) {
      with_code = true;
      continue;
    }
    if (!pattern && EqualsIgnoreCase(arg, "libraryname")) {
      if (i >= ctx.argc() - 1) {
        return ctx.reply.Error("ERR library name argument was not given");
      }
      pattern = ctx.args[++i];
      continue;
    }
    return ctx.reply.Error("ERR Unknown argument " + std::string(arg));
  }
  const std::shared_ptr<const FunctionLibraries::Set> set = ScriptingOf(ctx).functions().Current();
  std::vector<const FunctionLibrary*> listed;
  for (const auto& [name, library] : set->libraries) {
    if (!pattern || common::GlobMatch(*pattern, name, /*nocase=*/true)) {
      listed.push_back(&library);
    }
  }
  ctx.reply.ArrayHeader(listed.size());
  for (const FunctionLibrary* library : listed) {
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(library->name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(library->functions.size());
    for (const scripting::FunctionDef& f : library->functions) {
      ctx.reply.MapHeader(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(f.name);
      ctx.reply.Bulk("description");
      if (f.description) {
        ctx.reply.Bulk(*f.description);
      } else {
        ctx.reply.Null();
      }
      ctx.reply.Bulk("flags");
      const std::vector<std::string_view> flags = scripting::ScriptFlagNames(f.flags);
      ctx.reply.SetHeader(flags.size());
      for (std::string_view flag : flags) {
        ctx.reply.SimpleString(flag);
      }
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(library->code);
    }
  }
}

// FUNCTION DUMP: each library as RDB's FUNCTION2 opcode and its code, then DUMP's footer.
void CmdFunctionDump(CommandContext& ctx) {
  std::string payload;
  persistence::RdbEncoder enc(&payload,
                              ctx.settings.rdbcompression.load(std::memory_order_relaxed));
  for (const auto& [name, library] : ScriptingOf(ctx).functions().Current()->libraries) {
    enc.Byte(persistence::kOpFunction2);
    enc.String(library.code);
  }
  persistence::AppendDumpFooter(&payload);
  ctx.reply.Bulk(payload);
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
void CmdFunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ReplySubcommandSyntaxError(ctx, "FUNCTION");
  }
  enum class Policy { kFlush, kAppend, kReplace } policy = Policy::kAppend;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "append")) {
      policy = Policy::kAppend;
    } else if (EqualsIgnoreCase(ctx.args[3], "replace")) {
      policy = Policy::kReplace;
    } else if (EqualsIgnoreCase(ctx.args[3], "flush")) {
      policy = Policy::kFlush;
    } else {
      return ctx.reply.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  const std::string_view payload = ctx.args[2];
  if (!persistence::DumpPayloadValid(payload)) {
    return ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
  }
  const std::string_view body = payload.substr(0, payload.size() - persistence::kDumpFooterBytes);
  persistence::RdbInput in(body);
  persistence::RdbDecoder dec(in);
  scripting::Scripting& scripting = ScriptingOf(ctx);
  // Loaded one by one into a set of their own first, as Redis does, so that two libraries of
  // the payload that collide are refused before anything changes.
  FunctionLibraries::Set loaded;
  std::vector<FunctionLibrary> libraries;
  while (in.offset() < body.size()) {
    uint8_t type = 0;
    if (!dec.Byte(&type)) {
      return ctx.reply.Error("ERR can not read data type");
    }
    if (type != persistence::kOpFunction2 && type != persistence::kOpFunctionPreGa) {
      return ctx.reply.Error("ERR given type is not a function");
    }
    std::string code;
    if (!dec.FunctionLibraryCode(type, &code)) {
      return ctx.reply.Error("ERR failed loading the given functions payload");
    }
    FunctionLibrary library;
    if (std::string error = scripting.CompileLibrary(code, 0, &loaded, &library); !error.empty()) {
      return ctx.reply.Error("ERR " + error);
    }
    loaded.libraries.emplace(library.name, library);
    libraries.push_back(std::move(library));
  }
  FunctionLibraries& functions = scripting.functions();
  std::string error = policy == Policy::kFlush
                          ? functions.ReplaceAll(std::move(libraries))
                          : functions.AddAll(std::move(libraries), policy == Policy::kReplace);
  if (!error.empty()) {
    return ctx.reply.Error("ERR " + error);
  }
  ++ctx.dirty;
  ctx.reply.Ok();
}

void CmdFunctionStats(CommandContext& ctx) {
  scripting::Scripting& scripting = ScriptingOf(ctx);
  const std::optional<scripting::RunningScript::Info> running = scripting.running().Current();
  if (running && running->kind == scripting::ScriptKind::kEval) {
    return ctx.reply.Error(commands::kErrBusyScript);
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (!running) {
    ctx.reply.Null();
  } else {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(running->name);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(running->command.size());
    for (const std::string& arg : running->command) {
      ctx.reply.Bulk(arg);
    }
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer(running->duration_ms);
  }
  const std::shared_ptr<const FunctionLibraries::Set> set = scripting.functions().Current();
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(set->libraries.size()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(set->function_count));
}

void CmdFunctionKill(CommandContext& ctx) {
  ReplyToKill(ctx, scripting::ScriptKind::kFunction);
}

void CmdFunctionHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "FUNCTION",
      {"LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>",
       "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:",
       "    * Library name",
       "    * The engine used to run the Library",
       "    * Library description",
       "    * Functions list",
       "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME "
       "argument.",
       "STATS",
       "    Return information about the current function running:",
       "    * Function name",
       "    * Command used to run the function",
       "    * Duration in MS that the function is running",
       "    If no function is running, return nil",
       "    In addition, returns a list of available engines.",
       "KILL",
       "    Kill the current running function.",
       "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.",
       "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored "
       "using FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a "
       "restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
       "abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
       "replace the old",
       "      libraries with the new libraries (notice that even on this option there is a "
       "chance of failure",
       "      in case of functions name collision with another library)."});
}

// FCALL and FCALL_RO: function numkeys [key ...] [arg ...]
void FcallGeneric(CommandContext& ctx, bool read_only_command) {
  FeedMonitorsFirst(ctx);
  scripting::Scripting& scripting = ScriptingOf(ctx);
  scripting::ThreadFunctions& functions = scripting.FunctionsForThisThread();
  const scripting::ThreadFunctions::Loaded* function = functions.Find(ctx.args[1]);
  if (function == nullptr) {
    return ctx.reply.Error("ERR Function not found");
  }
  const std::optional<int64_t> numkeys = common::ParseInt64(ctx.args[2]);
  if (!numkeys) {
    return ctx.reply.Error("ERR Bad number of keys provided");
  }
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    return ctx.reply.Error("ERR Number of keys can't be greater than number of args");
  }
  if (*numkeys < 0) {
    return ctx.reply.Error("ERR Number of keys can't be negative");
  }
  const scripting::FunctionDef& def = *function->def;
  const bool out_of_memory = OverMaxmemory(ctx);
  if (std::string refusal = RefusalBeforeRun(ctx, def.flags, read_only_command, out_of_memory);
      !refusal.empty()) {
    return ctx.reply.Error(refusal);
  }
  const size_t keys = static_cast<size_t>(*numkeys);
  RunScript(ctx, [&] {
    ScriptRunHost host(ctx, RulesFor(def.flags, read_only_command, out_of_memory),
                       scripting::ScriptKind::kFunction, def.name);
    functions.lua->CallFunction(function->ref, def.name, ctx.args.subspan(3, keys),
                                ctx.args.subspan(3 + keys), host, ctx.reply);
  });
}

// The flags FCALL is checked with: those of the function it names (see ScriptCommandFlags).
uint32_t FcallFlags(std::span<const std::string_view> args,
                    const commands::ExecutionServices& services, uint32_t flags) {
  auto& scripting = static_cast<scripting::Scripting&>(*services.scripting);
  const scripting::ThreadFunctions::Loaded* function =
      scripting.FunctionsForThisThread().Find(args[1]);
  return function == nullptr ? flags : ScriptCommandFlags(flags, function->def->flags);
}

void CmdFcall(CommandContext& ctx) {
  FcallGeneric(ctx, /*read_only_command=*/false);
}
void CmdFcallRo(CommandContext& ctx) {
  FcallGeneric(ctx, /*read_only_command=*/true);
}

}  // namespace

void RegisterFunctionCommands(commands::CommandTable& table) {
  using namespace commands;  // NOLINT(google-build-using-namespace): flag and category names
  // As EVAL: the function's commands are checked one by one as it calls them; FCALL holds every
  // shard and lets MONITOR show the commands rather than itself.
  const uint32_t kFcallFlags =
      kNoScript | kStale | kSkipMonitor | kNoMandatoryKeys | kWholeKeyspace;
  auto fcall = [&](std::string_view name, uint32_t extra, Handler handler,
                   std::string_view summary) {
    table.Add({.name = name,
               .arity = -3,
               .flags = kFcallFlags | extra,
               .acl = kAclSlow | kAclScripting,
               .handler = handler,
               .key_finder = KeysAfterCount<2>,
               .effective_flags = FcallFlags,
               .summary = summary,
               .since = "7.0.0",
               .group = "scripting"});
  };
  fcall("fcall", 0, CmdFcall, "Invoke a function");
  fcall("fcall_ro", kReadOnly, CmdFcallRo, "Invoke a read-only function");

  // The changes hold every shard (see the top of this file).
  const uint32_t kChange = kWrite | kNoScript | kWholeKeyspace;
  const uint64_t kChangeAcl = kAclWrite | kAclSlow | kAclScripting;
  auto sub = [](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                std::string_view summary) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .acl = acl,
                       .handler = handler,
                       .summary = summary,
                       .since = "7.0.0",
                       .group = "scripting"};
  };
  table.Add({.name = "function",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for function commands",
             .since = "7.0.0",
             .group = "scripting",
             .subcommands = {
                 sub("function|load", -3, kChange | kDenyOom, kChangeAcl, CmdFunctionLoad,
                     "Create a function with the given arguments (name, code, description)"),
                 sub("function|delete", 3, kChange, kChangeAcl, CmdFunctionDelete,
                     "Delete a function by name"),
                 sub("function|flush", -2, kChange, kChangeAcl, CmdFunctionFlush,
                     "Deleting all functions"),
                 sub("function|list", -2, kNoScript, kAclSlow | kAclScripting, CmdFunctionList,
                     "List information about all the functions"),
                 sub("function|dump", 2, kNoScript, kAclSlow | kAclScripting, CmdFunctionDump,
                     "Dump all functions into a serialized binary payload"),
                 sub("function|restore", -3, kChange | kDenyOom, kChangeAcl, CmdFunctionRestore,
                     "Restore all the functions on the given payload"),
                 sub("function|stats", 2, kNoScript | kAllowBusy, kAclSlow | kAclScripting,
                     CmdFunctionStats,
                     "Return information about the function currently running "
                     "(name, description, duration)"),
                 sub("function|kill", 2, kNoScript | kAllowBusy, kAclSlow | kAclScripting,
                     CmdFunctionKill, "Kill the function currently in execution."),
                 sub("function|help", 2, kLoading | kStale, kAclSlow | kAclScripting,
                     CmdFunctionHelp, "Show helpful text about the different subcommands"),
             }});
}

}  // namespace redoubt::server
