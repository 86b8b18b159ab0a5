// COMMAND: describes the command table to clients (cluster-aware clients read key positions
// from COMMAND INFO; redis-cli reads COMMAND DOCS for hints). Everything comes from the
// CommandSpec rows; the reply shapes are Redis 7.0's, RESP3 types included (flags, ACL
// categories, tips and key specs are sets).
//
// Thread: handlers run on the caller's I/O thread; the command table is immutable.
#include "server/command_command.h"

#include <string>
#include <string_view>
#include <vector>

#include "commands/command_context.h"
#include "commands/command_spec.h"
#include "commands/errors.h"
#include "common/glob.h"
#include "server/command_helpers.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::CommandSpec;
using commands::EqualsIgnoreCase;

// Names as COMMAND INFO shows them, in Redis 7.0's order. may_replicate is left out as Redis
// hides it.
constexpr std::pair<uint32_t, std::string_view> kFlagNames[] = {
    {commands::kWrite, "write"},
    {commands::kReadOnly, "readonly"},
    {commands::kDenyOom, "denyoom"},
    {commands::kAdmin, "admin"},
    {commands::kPubSub, "pubsub"},
    {commands::kNoScript, "noscript"},
    {commands::kBlocking, "blocking"},
    {commands::kLoading, "loading"},
    {commands::kStale, "stale"},
    {commands::kSkipMonitor, "skip_monitor"},
    {commands::kSkipSlowlog, "skip_slowlog"},
    {commands::kFast, "fast"},
    {commands::kNoAuth, "no_auth"},
    {commands::kNoMulti, "no_multi"},
    {commands::kAllowBusy, "allow_busy"},
};

// "7.0.15" -> 70015 (two digits each for minor and patch, as Redis's version numbers go).
constexpr int VersionNumber(std::string_view v) {
  int parts[3] = {0, 0, 0};
  size_t part = 0;
  for (char c : v) {
    if (c == '.') {
      if (++part == 3) {
        break;
      }
    } else if (c >= '0' && c <= '9') {
      parts[part] = parts[part] * 10 + (c - '0');
    }
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

// Whether COMMAND shows the command. Commands newer than the Redis version we report
// (HELLO, INFO) still run, because clients send them blindly (redis-py 5 sends CLIENT
// SETINFO on connect), but a 7.0 server does not list them, so neither do we.
bool Advertised(const CommandSpec& spec) {
  constexpr int kOurVersion = VersionNumber(Server::kRedisVersion);
  return VersionNumber(spec.since) <= kOurVersion;
}

size_t AdvertisedSubcommands(const CommandSpec& spec) {
  size_t n = 0;
  for (const CommandSpec& sub : spec.subcommands) {
    n += Advertised(sub) ? 1 : 0;
  }
  return n;
}

bool MovableKeys(const CommandSpec& spec) {
  return spec.key_finder != nullptr;
}

void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.ArrayHeader(10);
  ctx.reply.Bulk(spec.name);
  ctx.reply.Integer(spec.arity);

  std::vector<std::string_view> flags;
  for (const auto& [bit, name] : kFlagNames) {
    if (spec.flags & bit) {
      flags.push_back(name);
    }
  }
  if (MovableKeys(spec)) {
    flags.insert(flags.end() - ((spec.flags & commands::kAllowBusy) ? 1 : 0), "movablekeys");
  }
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) {
    ctx.reply.SimpleString(f);
  }

  ctx.reply.Integer(spec.keys.first);
  ctx.reply.Integer(spec.keys.last);
  ctx.reply.Integer(spec.keys.step);

  std::vector<std::string> acl;
  for (const security::AclCategoryName& c : security::AclCategories()) {
    if (spec.acl & c.bit) {
      acl.push_back("@" + std::string(c.name));
    }
  }
  ctx.reply.SetHeader(acl.size());
  for (const std::string& a : acl) {
    ctx.reply.SimpleString(a);
  }

  // Tips and key specs: the rows carry neither yet (first/last/step above describe keys).
  ctx.reply.SetHeader(0);
  ctx.reply.SetHeader(0);

  // Redis sends an empty set when there are no subcommands and an array otherwise.
  if (spec.subcommands.empty()) {
    ctx.reply.SetHeader(0);
  } else {
    ctx.reply.ArrayHeader(AdvertisedSubcommands(spec));
    for (const CommandSpec& sub : spec.subcommands) {
      if (Advertised(sub)) {
        ReplyCommandInfo(ctx, sub);
      }
    }
  }
}

size_t DocFields(const CommandSpec& spec) {
  return spec.subcommands.empty() ? 3 : 4;
}

void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.MapHeader(DocFields(spec));
  ctx.reply.Bulk("summary");
  ctx.reply.Bulk(spec.summary);
  ctx.reply.Bulk("since");
  ctx.reply.Bulk(spec.since);
  ctx.reply.Bulk("group");
  ctx.reply.Bulk(spec.group);
  if (!spec.subcommands.empty()) {
    ctx.reply.Bulk("subcommands");
    ctx.reply.MapHeader(AdvertisedSubcommands(spec));
    for (const CommandSpec& sub : spec.subcommands) {
      if (Advertised(sub)) {
        ctx.reply.Bulk(sub.name);
        ReplyCommandDocs(ctx, sub);
      }
    }
  }
}

const commands::CommandTable& Table(CommandContext& ctx) {
  return Conn(ctx).server().commands();
}

// Top-level commands COMMAND shows, in table order.
std::vector<const CommandSpec*> AdvertisedCommands(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  for (const auto& spec : Table(ctx).all()) {
    if (Advertised(*spec)) {
      specs.push_back(spec.get());
    }
  }
  return specs;
}

// COMMAND with no arguments: COMMAND INFO of every command.
void CmdCommand(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs = AdvertisedCommands(ctx);
  ctx.reply.ArrayHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ReplyCommandInfo(ctx, *spec);
  }
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(AdvertisedCommands(ctx).size()));
}

// Finds "get" or "config|get" (the subcommand form COMMAND INFO and DOCS accept); nullptr
// for unknown names and for commands COMMAND does not show.
const CommandSpec* FindByFullName(const commands::CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec != nullptr && bar != std::string_view::npos) {
    spec = commands::CommandTable::FindSubcommand(*spec, name.substr(bar + 1));
  }
  return spec != nullptr && Advertised(*spec) ? spec : nullptr;
}

// COMMAND INFO [name ...]: nil for unknown names; every command without names.
void CmdCommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    return CmdCommand(ctx);
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* spec = FindByFullName(Table(ctx), ctx.args[i]);
    if (spec == nullptr) {
      ctx.reply.Null();
    } else {
      ReplyCommandInfo(ctx, *spec);
    }
  }
}

// COMMAND DOCS [name ...]: a map from name to docs; unknown names are left out.
void CmdCommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argc() == 2) {
    specs = AdvertisedCommands(ctx);
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const CommandSpec* spec = FindByFullName(Table(ctx), ctx.args[i]);
      if (spec != nullptr) {
        specs.push_back(spec);
      }
    }
  }
  ctx.reply.MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.Bulk(spec->name);
    ReplyCommandDocs(ctx, *spec);
  }
}

// COMMAND GETKEYS command [arg ...]: checks in Redis 7.0's order (command, keys, arity).
void CmdCommandGetKeys(CommandContext& ctx) {
  std::span<const std::string_view> args = ctx.args.subspan(2);
  const CommandSpec* spec = Table(ctx).Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    spec = commands::CommandTable::FindSubcommand(*spec, args[1]);
  }
  if (spec == nullptr || !Advertised(*spec)) {
    return ctx.reply.Error("ERR Invalid command specified");
  }
  if (spec->keys.first <= 0 && !MovableKeys(*spec)) {
    return ctx.reply.Error("ERR The command has no key arguments");
  }
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    return ctx.reply.Error("ERR Invalid number of arguments specified for command");
  }
  std::vector<std::string_view> keys;
  commands::ExtractKeys(*spec, args, &keys);
  if (keys.empty()) {
    return ctx.reply.Error("ERR Invalid arguments specified for command");
  }
  ctx.reply.ArrayHeader(keys.size());
  for (std::string_view k : keys) {
    ctx.reply.Bulk(k);
  }
}

// Whether spec belongs in COMMAND LIST's result for the filter (none: every command).
using ListFilter = bool (*)(const CommandSpec& spec, std::string_view value);

bool AclCategoryFilter(const CommandSpec& spec, std::string_view value) {
  return (spec.acl & security::FindAclCategory(value)) != 0;
}

bool PatternFilter(const CommandSpec& spec, std::string_view value) {
  return common::GlobMatch(value, spec.name, /*nocase=*/true);
}

// No modules: nothing belongs to one.
bool ModuleFilter(const CommandSpec&, std::string_view) {
  return false;
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: names of commands
// and subcommands ("config|get").
void CmdCommandList(CommandContext& ctx) {
  ListFilter filter = nullptr;
  std::string_view value;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.args[2], "filterby")) {
    std::string_view kind = ctx.args[3];
    value = ctx.args[4];
    if (EqualsIgnoreCase(kind, "module")) {
      filter = ModuleFilter;
    } else if (EqualsIgnoreCase(kind, "aclcat")) {
      filter = AclCategoryFilter;
    } else if (EqualsIgnoreCase(kind, "pattern")) {
      filter = PatternFilter;
    } else {
      return ctx.reply.Error(commands::kErrSyntax);
    }
  } else if (ctx.argc() != 2) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  std::vector<std::string_view> names;
  auto consider = [&](const CommandSpec& spec) {
    if (Advertised(spec) && (filter == nullptr || filter(spec, value))) {
      names.push_back(spec.name);
    }
  };
  for (const auto& spec : Table(ctx).all()) {
    consider(*spec);
    for (const CommandSpec& sub : spec->subcommands) {
      consider(sub);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view n : names) {
    ctx.reply.Bulk(n);
  }
}

void CmdCommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
             "    Return the total number of commands in this Redis server.", "LIST",
             "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
             "    Return details about multiple Redis commands.",
             "    If no command names are given, documentation details for all",
             "    commands are returned.", "DOCS [<command-name> ...]",
             "    Return documentation details about multiple Redis commands.",
             "    If no command names are given, documentation details for all",
             "    commands are returned.", "GETKEYS <full-command>",
             "    Return the keys from a full Redis command.",
             "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
             "    Return a list of all commands in this Redis server."});
}

}  // namespace

void RegisterCommandCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kFlags = kLoading | kStale;
  constexpr uint64_t kAcl = kAclSlow | kAclConnection;
  auto sub = [](std::string_view name, int arity, Handler handler, std::string_view summary,
                std::string_view since) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = kFlags,
                       .acl = kAcl,
                       .handler = handler,
                       .summary = summary,
                       .since = since,
                       .group = "server"};
  };
  table.Add(
      {.name = "command",
       .arity = -1,
       .flags = kFlags,
       .acl = kAcl,
       .handler = CmdCommand,
       .summary = "Returns detailed information about all commands.",
       .since = "2.8.13",
       .group = "server",
       .subcommands = {
           sub("command|count", 2, CmdCommandCount, "Returns a count of commands.", "2.8.13"),
           sub("command|info", -2, CmdCommandInfo,
               "Returns information about one, multiple or all commands.", "2.8.13"),
           sub("command|docs", -2, CmdCommandDocs,
               "Returns documentary information about one, multiple or all commands.", "7.0.0"),
           sub("command|getkeys", -4, CmdCommandGetKeys,
               "Extracts the key names from an arbitrary command.", "2.8.13"),
           sub("command|list", -2, CmdCommandList, "Returns a list of command names.", "7.0.0"),
           sub("command|help", 2, CmdCommandHelp,
               "Returns helpful text about the different subcommands.", "5.0.0"),
       }});
}

}  // namespace redoubt::server
