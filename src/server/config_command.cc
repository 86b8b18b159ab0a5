// CONFIG: reads and changes the directives of config_directive.h at run time. Texts follow
// Redis 7.0's config.c; the change itself is Server::SetConfig (all pairs or none), which
// also decides whether this caller may change a protected directive.
//
// Thread: handlers run on the caller's I/O thread; Server serialises configuration changes.
#include "server/config_command.h"

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/glob.h"
#include "common/log.h"
#include "security/network_allow_list.h"
#include "server/command_helpers.h"
#include "server/config.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

// CONFIG GET pattern [pattern ...]: every directive matching any pattern, each once, as
// Redis 7.0's configGetCommand: a pattern without glob characters ("[*?") is looked up
// directly (hidden directives too) and answered under the name as the client spelled it
// ("MAXMEMORY", "slaveof"); a glob is matched against every name and alias of the
// directives that are not hidden, so "slave*" lists the aliases under their own names.
void CmdConfigGet(CommandContext& ctx) {
  Config config = Admin(ctx).config();
  std::vector<std::pair<std::string_view, const DirectiveSpec*>> matched;
  std::unordered_set<std::string> seen;  // lower case: a name is answered once
  auto add = [&](std::string_view name, const DirectiveSpec* d) {
    if (seen.insert(commands::ToLower(name)).second) {
      matched.emplace_back(name, d);
    }
  };
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view pattern = ctx.args[i];
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      if (const DirectiveSpec* d = FindDirective(pattern); d != nullptr) {
        add(pattern, d);
      }
      continue;
    }
    for (const DirectiveSpec& d : Directives()) {
      if (d.Has(kHidden)) {
        continue;
      }
      for (std::string_view name : {d.name, d.alias}) {
        if (!name.empty() && common::GlobMatch(pattern, name, /*nocase=*/true)) {
          add(name, &d);
        }
      }
    }
  }
  ctx.reply.MapHeader(matched.size());
  for (const auto& [name, d] : matched) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(d->get(config));
  }
}

// A network-allow that would exclude the connection changing it would lock every operator out
// (the usual case: they all come from where this one does), until a restart that loses the
// data. Such a change is refused; a Unix-socket connection, never filtered, may make it.
bool ChangeKeepsCallerAllowedOrReply(
    CommandContext& ctx, const std::vector<std::pair<std::string, std::string>>& changes) {
  const Connection* conn = ConnectionOf(ctx);
  if (conn == nullptr || conn->is_unix_socket()) {
    return true;  // no source that the list could exclude
  }
  for (const auto& [name, value] : changes) {
    if (!commands::EqualsIgnoreCase(name, "network-allow")) {
      continue;
    }
    absl::StatusOr<security::NetworkAllowList> list = security::NetworkAllowList::Parse(value);
    if (!list.ok() || list->empty()) {
      continue;  // a bad rule gets SetConfig's error; empty allows everyone
    }
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    if (getpeername(conn->fd(), reinterpret_cast<sockaddr*>(&peer), &len) != 0 ||
        list->Allows(reinterpret_cast<const sockaddr*>(&peer))) {
      continue;
    }
    ctx.reply.Error("ERR " + ConfigSetFailedText(
                                 "network-allow",
                                 "it would exclude this connection (" + conn->peer_address() +
                                     ") and so lock its source out: include that address, or make "
                                     "the change over the unix socket (unixsocket), which "
                                     "network-allow never filters"));
    return false;
  }
  return true;
}

// CONFIG SET name value [name value ...]. The checks and the change are Server::SetConfig's
// (all pairs or none); here: the syntax, and hiding secrets from SLOWLOG and MONITOR.
void CmdConfigSet(CommandContext& ctx) {
  // The table's arity (-4) refuses fewer than one pair; an odd count after that is Redis's
  // "syntax error", checked before any name.
  if (ctx.argc() % 2 != 0) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  std::vector<std::pair<std::string, std::string>> changes;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    // Every sensitive value is redacted, even when the command fails, as Redis does.
    if (const DirectiveSpec* d = FindDirective(ctx.args[i]); d != nullptr && d->Has(kSensitive)) {
      ctx.client.RedactArgument(i + 1);
    }
    changes.emplace_back(std::string(ctx.args[i]), std::string(ctx.args[i + 1]));
  }
  if (!ChangeKeepsCallerAllowedOrReply(ctx, changes)) {
    return;
  }
  absl::Status st = Admin(ctx).SetConfig(changes, ctx.client.is_local());
  if (!st.ok()) {
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
  ctx.reply.Ok();
}

void CmdConfigResetStat(CommandContext& ctx) {
  Admin(ctx).ResetStats();
  ctx.reply.Ok();
}

void CmdConfigRewrite(CommandContext& ctx) {
  absl::Status st = Admin(ctx).RewriteConfig();
  if (!st.ok()) {
    if (!absl::IsFailedPrecondition(st)) {  // not "running without a config file"
      common::Log(common::LogLevel::kWarning,
                  "CONFIG-REWRITE failed: " + std::string(st.message()));
    }
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
  common::Log(common::LogLevel::kNotice, "CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void CmdConfigHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "CONFIG",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command.", "REWRITE",
       "    Rewrite the configuration file."});
}

}  // namespace

void RegisterConfigCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kFlags = kAdmin | kNoScript | kLoading | kStale;
  constexpr uint64_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  table.Add({.name = "config",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for server configuration commands.",
             .since = "2.0.0",
             .group = "server",
             .subcommands = {
                 {.name = "config|get",
                  .arity = -3,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdConfigGet,
                  .summary = "Returns the effective values of configuration parameters.",
                  .since = "2.0.0",
                  .group = "server"},
                 {.name = "config|set",
                  .arity = -4,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdConfigSet,
                  .summary = "Sets configuration parameters in-flight.",
                  .since = "2.0.0",
                  .group = "server"},
                 {.name = "config|resetstat",
                  .arity = 2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdConfigResetStat,
                  .summary = "Resets the server's statistics.",
                  .since = "2.0.0",
                  .group = "server"},
                 {.name = "config|rewrite",
                  .arity = 2,
                  .flags = kFlags,
                  .acl = kAcl,
                  .handler = CmdConfigRewrite,
                  .summary = "Persists the effective configuration to file.",
                  .since = "2.8.0",
                  .group = "server"},
                 {.name = "config|help",
                  .arity = 2,
                  .flags = kLoading | kStale,
                  .acl = kAclSlow,
                  .handler = CmdConfigHelp,
                  .summary = "Returns helpful text about the different subcommands.",
                  .since = "5.0.0",
                  .group = "server"},
             }});
}

}  // namespace redoubt::server
