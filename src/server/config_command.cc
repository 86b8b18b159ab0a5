// CONFIG: reads and changes the directive table of config.h at run time. Texts follow Redis
// 7.0's config.c; the change itself is Server::SetConfig (all pairs or none).
//
// Thread: handlers run on the caller's I/O thread; Server serialises configuration changes.
#include "server/config_command.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/glob.h"
#include "server/command_helpers.h"
#include "server/config.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

// CONFIG GET pattern [pattern ...]: every directive matching any pattern, each once. As in
// Redis 7.0's configGetCommand, a pattern without glob characters ("[*?") is looked up
// directly and answered under the name as the client spelled it ("MAXMEMORY"); glob matches
// are answered under the directive's own name.
void CmdConfigGet(CommandContext& ctx) {
  Config config = Conn(ctx).server().config();
  std::vector<std::pair<std::string_view, const DirectiveSpec*>> matched;
  auto seen = [&](const DirectiveSpec* d) {
    for (const auto& [name, m] : matched) {
      if (m == d) {
        return true;
      }
    }
    return false;
  };
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view pattern = ctx.args[i];
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      const DirectiveSpec* d = FindDirective(pattern);
      if (d != nullptr && !seen(d)) {
        matched.emplace_back(pattern, d);
      }
      continue;
    }
    for (const DirectiveSpec& d : Directives()) {
      if (!seen(&d) && common::GlobMatch(pattern, d.name, /*nocase=*/true)) {
        matched.emplace_back(d.name, &d);
      }
    }
  }
  ctx.reply.MapHeader(matched.size());
  for (const auto& [name, d] : matched) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(d->get(config));
  }
}

// CONFIG SET name value [name value ...]
void CmdConfigSet(CommandContext& ctx) {
  // The table's arity (-4) refuses fewer than one pair; an odd count after that is Redis's
  // "syntax error", checked before any name.
  if (ctx.argc() % 2 != 0) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  std::vector<std::pair<std::string, std::string>> changes;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    const DirectiveSpec* d = FindDirective(ctx.args[i]);
    if (d == nullptr) {
      return ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                             std::string(ctx.args[i]) + "'");
    }
    for (const auto& [name, value] : changes) {
      if (name == d->name) {
        return ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" +
                               std::string(ctx.args[i]) + "') - duplicate parameter");
      }
    }
    changes.emplace_back(std::string(d->name), std::string(ctx.args[i + 1]));
  }
  absl::Status st = Conn(ctx).server().SetConfig(changes);
  if (!st.ok()) {
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
  ctx.reply.Ok();
}

void CmdConfigResetStat(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  conn.server().ResetStats(conn.thread());
  ctx.reply.Ok();
}

void CmdConfigRewrite(CommandContext& ctx) {
  absl::Status st = Conn(ctx).server().RewriteConfig();
  if (!st.ok()) {
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
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
