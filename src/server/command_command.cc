// COMMAND: describes the command table to clients (cluster-aware clients read key positions
// from COMMAND INFO; redis-cli reads COMMAND DOCS for hints). Everything comes from the
// CommandSpec rows and their Redis 7 key specifications; the reply shapes are Redis 7.0's, RESP3
// types included (flags, ACL categories, tips and key specs are sets).
//
// Thread: handlers run on the caller's I/O thread; the command table is immutable.
#include "server/command_command.h"

#include <bit>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command_args.h"
#include "commands/command_context.h"
#include "commands/command_spec.h"
#include "commands/errors.h"
#include "common/glob.h"
#include "server/command_helpers.h"
#include "server/version.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::CommandSpec;
using commands::EqualsIgnoreCase;

// Names as COMMAND INFO shows them, in Redis 7.0's order (movablekeys, derived from the key
// specs, goes between no_multi and allow_busy). may_replicate is left out as Redis hides it.
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
    {commands::kAsking, "asking"},
    {commands::kFast, "fast"},
    {commands::kNoAuth, "no_auth"},
    {commands::kNoMandatoryKeys, "no_mandatory_keys"},
    {commands::kNoAsyncLoading, "no_async_loading"},
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
  constexpr int kOurVersion = VersionNumber(kRedisVersion);
  return VersionNumber(spec.since) <= kOurVersion;
}

size_t AdvertisedSubcommands(const CommandSpec& spec) {
  size_t n = 0;
  for (const CommandSpec& sub : spec.subcommands) {
    n += Advertised(sub) ? 1 : 0;
  }
  return n;
}

// The (first, last, step) triple and movablekeys of COMMAND INFO: from the key specs, as Redis
// derives them; a row without specs (a command Redis lacks) reports its own positions.
commands::LegacyKeyRange KeyRange(const CommandSpec& spec) {
  if (spec.key_specs.empty()) {
    return {.first = spec.keys.first,
            .last = spec.keys.last,
            .step = spec.keys.step,
            .movable = spec.key_finder != nullptr};
  }
  return commands::LegacyRangeFromSpecs(spec.key_specs);
}

void ReplyKeyFlags(CommandContext& ctx, uint32_t flags) {
  std::vector<std::string_view> names = commands::KeyFlagNames(flags);
  ctx.reply.SetHeader(names.size());
  for (std::string_view n : names) {
    ctx.reply.SimpleString(n);
  }
}

// A field of a begin_search or find_keys spec: a number, or a string when `text` is set.
struct RuleField {
  std::string_view name;
  int number = 0;
  std::string_view text;
};

// {type: <type>, spec: {<field>: <value>, ...}}, as a key spec's search rules are shown.
void ReplyRule(CommandContext& ctx, std::string_view type, std::initializer_list<RuleField> spec) {
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("type");
  ctx.reply.Bulk(type);
  ctx.reply.Bulk("spec");
  ctx.reply.MapHeader(spec.size());
  for (const RuleField& f : spec) {
    ctx.reply.Bulk(f.name);
    if (f.text.empty()) {
      ctx.reply.Integer(f.number);
    } else {
      ctx.reply.Bulk(f.text);
    }
  }
}

// One key specification as Redis 7.0 shows it: a map of notes (when present), flags,
// begin_search and find_keys; unknown rules have an empty spec map.
void ReplyKeySpec(CommandContext& ctx, const commands::KeySpecification& ks) {
  using commands::BeginSearch;
  using commands::FindKeys;
  ctx.reply.MapHeader(ks.notes.empty() ? 3 : 4);
  if (!ks.notes.empty()) {
    ctx.reply.Bulk("notes");
    ctx.reply.Bulk(ks.notes);
  }
  ctx.reply.Bulk("flags");
  ReplyKeyFlags(ctx, ks.flags);

  const BeginSearch& bs = ks.begin_search;
  ctx.reply.Bulk("begin_search");
  switch (bs.type) {
    case BeginSearch::kIndex:
      ReplyRule(ctx, "index", {{.name = "index", .number = bs.index}});
      break;
    case BeginSearch::kKeyword:
      ReplyRule(
          ctx, "keyword",
          {{.name = "keyword", .text = bs.keyword}, {.name = "startfrom", .number = bs.startfrom}});
      break;
    case BeginSearch::kUnknown:
      ReplyRule(ctx, "unknown", {});
      break;
  }

  const FindKeys& fk = ks.find_keys;
  ctx.reply.Bulk("find_keys");
  switch (fk.type) {
    case FindKeys::kRange:
      ReplyRule(ctx, "range",
                {{.name = "lastkey", .number = fk.lastkey},
                 {.name = "keystep", .number = fk.keystep},
                 {.name = "limit", .number = fk.limit}});
      break;
    case FindKeys::kKeynum:
      ReplyRule(ctx, "keynum",
                {{.name = "keynumidx", .number = fk.keynumidx},
                 {.name = "firstkey", .number = fk.firstkey},
                 {.name = "keystep", .number = fk.keystep}});
      break;
    case FindKeys::kUnknown:
      ReplyRule(ctx, "unknown", {});
      break;
  }
}

void ReplyCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  commands::LegacyKeyRange range = KeyRange(spec);
  ctx.reply.ArrayHeader(10);
  ctx.reply.Bulk(spec.name);
  ctx.reply.Integer(spec.arity);

  std::vector<std::string_view> flags;
  for (const auto& [bit, name] : kFlagNames) {
    if (spec.flags & bit) {
      flags.push_back(name);
    }
  }
  if (range.movable) {
    flags.insert(flags.end() - ((spec.flags & commands::kAllowBusy) ? 1 : 0), "movablekeys");
  }
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) {
    ctx.reply.SimpleString(f);
  }

  ctx.reply.Integer(range.first);
  ctx.reply.Integer(range.last);
  ctx.reply.Integer(range.step);

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

  ctx.reply.SetHeader(spec.tips.size());
  for (std::string_view tip : spec.tips) {
    ctx.reply.Bulk(tip);
  }
  ctx.reply.SetHeader(spec.key_specs.size());
  for (const commands::KeySpecification& ks : spec.key_specs) {
    ReplyKeySpec(ctx, ks);
  }

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

// COMMAND DOCS's arguments, as Redis's addReplyCommandArgList (the map's fields in its order).
void ReplyArguments(CommandContext& ctx, std::span<const commands::CommandArgument> args) {
  ctx.reply.ArrayHeader(args.size());
  for (const commands::CommandArgument& a : args) {
    const bool group = a.type == commands::ArgType::kOneOf || a.type == commands::ArgType::kBlock;
    // A token may be the empty string (MIGRATE's ""): set means a non-null view.
    const bool has_token = a.token.data() != nullptr;
    ctx.reply.MapHeader(2 + (a.key_spec_index >= 0) + has_token + !a.since.empty() +
                        !a.deprecated_since.empty() + (a.flags != 0) + group);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(a.name);
    ctx.reply.Bulk("type");
    ctx.reply.Bulk(commands::ArgTypeName(a.type));
    if (a.key_spec_index >= 0) {
      ctx.reply.Bulk("key_spec_index");
      ctx.reply.Integer(a.key_spec_index);
    }
    if (has_token) {
      ctx.reply.Bulk("token");
      ctx.reply.Bulk(a.token);
    }
    if (!a.since.empty()) {
      ctx.reply.Bulk("since");
      ctx.reply.Bulk(a.since);
    }
    if (!a.deprecated_since.empty()) {
      ctx.reply.Bulk("deprecated_since");
      ctx.reply.Bulk(a.deprecated_since);
    }
    if (a.flags != 0) {
      static constexpr std::pair<uint8_t, std::string_view> kNames[] = {
          {commands::kArgOptional, "optional"},
          {commands::kArgMultiple, "multiple"},
          {commands::kArgMultipleToken, "multiple_token"}};
      ctx.reply.Bulk("flags");
      ctx.reply.SetHeader(std::popcount(a.flags));
      for (const auto& [bit, name] : kNames) {
        if (a.flags & bit) {
          ctx.reply.SimpleString(name);
        }
      }
    }
    if (group) {
      ctx.reply.Bulk("arguments");
      ReplyArguments(ctx, commands::ChildrenOf(a));
    }
  }
}

// COMMAND DOCS for one command: the row's summary, then what Redis 7.0 declares of its
// interface (version, group, deprecation, arguments), then the subcommands. Redis's
// complexity and history texts are left out.
void ReplyCommandDocs(CommandContext& ctx, const CommandSpec& spec) {
  const commands::RedisCommandDocs* docs = commands::FindRedisCommandDocs(spec.name);
  size_t fields = 3 + !spec.subcommands.empty();
  if (docs != nullptr) {
    fields += (docs->doc_flags != 0) + !docs->deprecated_since.empty() +
              !docs->replaced_by.empty() + (docs->arguments > 0);
  }
  ctx.reply.MapHeader(fields);
  ctx.reply.Bulk("summary");
  ctx.reply.Bulk(spec.summary);
  // Redis's version and group for its commands; the row's own for one Redis does not have.
  ctx.reply.Bulk("since");
  ctx.reply.Bulk(docs != nullptr && !docs->since.empty() ? docs->since : spec.since);
  ctx.reply.Bulk("group");
  ctx.reply.Bulk(docs != nullptr ? docs->group : spec.group);
  if (docs != nullptr) {
    if (docs->doc_flags != 0) {
      ctx.reply.Bulk("doc_flags");
      ctx.reply.SetHeader(std::popcount(docs->doc_flags));
      if (docs->doc_flags & commands::kDocDeprecated) {
        ctx.reply.SimpleString("deprecated");
      }
      if (docs->doc_flags & commands::kDocSyscmd) {
        ctx.reply.SimpleString("syscmd");
      }
    }
    if (!docs->deprecated_since.empty()) {
      ctx.reply.Bulk("deprecated_since");
      ctx.reply.Bulk(docs->deprecated_since);
    }
    if (!docs->replaced_by.empty()) {
      ctx.reply.Bulk("replaced_by");
      ctx.reply.Bulk(docs->replaced_by);
    }
    if (docs->arguments > 0) {
      ctx.reply.Bulk("arguments");
      ReplyArguments(ctx, commands::ArgumentsOf(*docs));
    }
  }
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
  return ctx.services.table;
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

// COMMAND GETKEYS / GETKEYSANDFLAGS command [arg ...]: checks in Redis 7.0's order (command,
// keys, arity), then the keys the key specs (or the command's getkeys procedure) find.
void GetKeysOrReply(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> args = ctx.args.subspan(2);
  const CommandSpec* spec = Table(ctx).Resolve(args);
  if (spec == nullptr || !Advertised(*spec)) {
    return ctx.reply.Error("ERR Invalid command specified");
  }
  if (!commands::HasKeyArguments(*spec)) {
    return ctx.reply.Error("ERR The command has no key arguments");
  }
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    return ctx.reply.Error("ERR Invalid number of arguments specified for command");
  }
  std::vector<commands::KeyReference> keys;
  commands::FindKeysWithFlags(*spec, args, &keys);
  if (keys.empty() && !(spec->flags & commands::kNoMandatoryKeys)) {
    return ctx.reply.Error("ERR Invalid arguments specified for command");
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const commands::KeyReference& k : keys) {
    if (with_flags) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(args[k.pos]);
      ReplyKeyFlags(ctx, k.flags);
    } else {
      ctx.reply.Bulk(args[k.pos]);
    }
  }
}

void CmdCommandGetKeys(CommandContext& ctx) {
  GetKeysOrReply(ctx, /*with_flags=*/false);
}

void CmdCommandGetKeysAndFlags(CommandContext& ctx) {
  GetKeysOrReply(ctx, /*with_flags=*/true);
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
             "    Return the keys from a full Redis command.", "GETKEYSANDFLAGS <full-command>",
             "    Return the keys and the access flags from a full Redis command."});
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
           sub("command|getkeysandflags", -4, CmdCommandGetKeysAndFlags,
               "Extracts the key names and access flags for an arbitrary command.", "7.0.0"),
           sub("command|list", -2, CmdCommandList, "Returns a list of command names.", "7.0.0"),
           sub("command|help", 2, CmdCommandHelp,
               "Returns helpful text about the different subcommands.", "5.0.0"),
       }});
}

}  // namespace redoubt::server
