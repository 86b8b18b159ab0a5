// ACL subcommands, with Redis 7.0's replies and error texts. The users themselves, their rules
// and the log live in security::AclRegistry; this file parses arguments, formats replies and
// closes the connections of users that a change revoked.
#include "server/acl_command.h"

#include <absl/strings/escaping.h>
#include <openssl/rand.h>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "security/acl_categories.h"
#include "server/command_helpers.h"
#include "server/connection.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::CommandSpec;

security::AclRegistry& Acl(CommandContext& ctx) {
  return ctx.services.acl;
}

void CmdAclSetUser(CommandContext& ctx) {
  // As Redis: every argument from the user name on may hold a password, so SLOWLOG (and any
  // later log of the command) shows "(redacted)" for all of them, even when the command fails.
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.client.RedactArgument(i);
  }
  security::AclRegistry& acl = Acl(ctx);
  std::shared_ptr<const security::AclUser> before = acl.Find(ctx.args[2]);
  absl::Status st = acl.SetUser(ctx.args[2], ctx.args.subspan(3));
  if (!st.ok()) {
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
  std::shared_ptr<const security::AclUser> after = acl.Find(ctx.args[2]);
  // Switching a user off closes its connections (Redis 7.0 leaves them open; see README),
  // except the connection that made the change, which goes on as Redis's does, also through
  // further changes it makes to that user while it is off.
  if (after != nullptr && !after->enabled()) {
    Connection* self = ConnectionOf(ctx);
    if (self != nullptr && self->authenticated() && self->user().uid() == after->uid()) {
      self->KeepAfterOwnChange(after);
    }
    if (before != nullptr && before->enabled()) {
      Admin(ctx).CloseRevokedUserClients();
    }
  }
  if (before != nullptr && after != nullptr && !after->all_channels()) {
    Admin(ctx).CloseSubscribersWithoutPermission();
  }
  ctx.reply.Ok();
}

void CmdAclDelUser(CommandContext& ctx) {
  absl::StatusOr<int> deleted = Acl(ctx).DeleteUsers(ctx.args.subspan(2));
  if (!deleted.ok()) {
    return ctx.reply.Error("ERR " + std::string(deleted.status().message()));
  }
  if (*deleted > 0) {
    Admin(ctx).CloseRevokedUserClients();
  }
  ctx.reply.Integer(*deleted);
}

void ReplySelector(CommandContext& ctx, const security::AclSelector& s,
                   const security::AclCommandCatalog& catalog) {
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk(s.DescribeCommands(catalog));
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk(s.DescribeKeys());
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk(s.DescribeChannels());
}

void CmdAclGetUser(CommandContext& ctx) {
  security::AclRegistry& acl = Acl(ctx);
  std::shared_ptr<const security::AclUser> user = acl.Find(ctx.args[2]);
  if (user == nullptr) {
    return ctx.reply.Null();
  }
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  std::vector<std::string_view> flags = user->FlagNames();
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) {
    ctx.reply.Bulk(f);
  }
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(user->passwords().size());
  for (const security::PasswordHash& p : user->passwords()) {
    ctx.reply.Bulk(security::ToHex(p));
  }
  ReplySelector(ctx, user->root(), acl.catalog());
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(user->selectors().size());
  for (const security::AclSelector& s : user->selectors()) {
    ctx.reply.MapHeader(3);
    ReplySelector(ctx, s, acl.catalog());
  }
}

void CmdAclList(CommandContext& ctx) {
  security::AclRegistry& acl = Acl(ctx);
  std::vector<std::shared_ptr<const security::AclUser>> users = acl.Users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) {
    ctx.reply.Bulk("user " + u->name() + " " + u->Describe(acl.catalog()));
  }
}

void CmdAclUsers(CommandContext& ctx) {
  std::vector<std::shared_ptr<const security::AclUser>> users = Acl(ctx).Users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& u : users) {
    ctx.reply.Bulk(u->name());
  }
}

void CmdAclWhoAmI(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.client.user().name());
}

void CmdAclCat(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    ctx.reply.ArrayHeader(security::AclCategories().size());
    for (const security::AclCategoryName& c : security::AclCategories()) {
      ctx.reply.Bulk(c.name);
    }
    return;
  }
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "ACL");
  }
  uint64_t category = security::FindAclCategory(ctx.args[2]);
  if (category == 0) {
    return ctx.reply.Error("ERR Unknown category '" + std::string(ctx.args[2]) + "'");
  }
  const security::AclCommandCatalog& catalog = Acl(ctx).catalog();
  std::vector<std::string_view> names;
  for (int id : catalog.top_level()) {
    const security::AclCommand* cmd = catalog.ById(id);
    if (cmd->categories & category) {
      names.push_back(cmd->name);
    }
    for (int sub : cmd->subcommands) {
      const security::AclCommand* s = catalog.ById(sub);
      if (s->categories & category) {
        names.push_back(s->name);
      }
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view n : names) {
    ctx.reply.Bulk(n);
  }
}

void CmdAclGenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "ACL");
  }
  if (ctx.argc() == 3) {
    if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &bits)) {
      return;
    }
    if (bits <= 0 || bits > 4096) {
      return ctx.reply.Error(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
    }
  }
  size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::vector<unsigned char> random((chars + 1) / 2);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return ctx.reply.Error("ERR failed to generate random bytes");
  }
  std::string out = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
  out.resize(chars);
  ctx.reply.Bulk(out);
}

void CmdAclLog(CommandContext& ctx) {
  security::AclLog& log = Acl(ctx).log();
  int64_t count = 10;
  if (ctx.argc() > 3) {
    return ReplySubcommandSyntaxError(ctx, "ACL");
  }
  if (ctx.argc() == 3) {
    if (commands::EqualsIgnoreCase(ctx.args[2], "reset")) {
      log.Reset();
      return ctx.reply.Ok();
    }
    if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &count)) {
      return;
    }
  }
  std::vector<security::AclLogEntry> entries =
      log.Latest(static_cast<size_t>(std::max<int64_t>(count, 0)));
  int64_t now = common::UnixMillis();
  ctx.reply.ArrayHeader(entries.size());
  for (const security::AclLogEntry& e : entries) {
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("count");
    ctx.reply.Integer(static_cast<int64_t>(e.count));
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(e.reason);
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(e.context);
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(now - e.created_ms) / 1000.0);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

void CmdAclSave(CommandContext& ctx) {
  absl::Status st = Admin(ctx).SaveAclFile();
  if (!st.ok()) {
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
  ctx.reply.Ok();
}

void CmdAclLoad(CommandContext& ctx) {
  absl::Status st = Admin(ctx).LoadAclFile();
  if (!st.ok()) {
    return ctx.reply.Error("ERR " + std::string(st.message()));
  }
  ctx.reply.Ok();
}

// ACL DRYRUN user command [arg…]: the permission check alone (no NOAUTH, no user-off check).
void CmdAclDryRun(CommandContext& ctx) {
  std::shared_ptr<const security::AclUser> user = ctx.services.acl.Find(ctx.args[2]);
  if (user == nullptr) {
    return ctx.reply.Error("ERR User '" + std::string(ctx.args[2]) + "' not found");
  }
  std::span<const std::string_view> args = ctx.args.subspan(3);
  const CommandSpec* spec = ctx.services.table.Resolve(args);
  if (spec == nullptr) {
    return ctx.reply.Error("ERR Command '" + std::string(args[0]) + "' not found");
  }
  if ((spec->arity > 0 && static_cast<int>(args.size()) != spec->arity) ||
      static_cast<int>(args.size()) < -spec->arity) {
    return ctx.reply.Error(commands::WrongArityText(spec->name));
  }
  if (spec->flags & commands::kNoAuth) {
    return ctx.reply.Ok();
  }
  commands::AclKeyAccess::Scratch scratch;
  size_t denied = 0;
  security::AclVerdict verdict = ctx.services.acl_key_access.Check(
      *user, ctx.services.acl.catalog().ById(spec->stats_index), *spec, args, &scratch, &denied);
  switch (verdict) {
    case security::AclVerdict::kAllowed:
      return ctx.reply.Ok();
    case security::AclVerdict::kDeniedCommand:
      return ctx.reply.Bulk("This user has no permissions to run the '" + std::string(spec->name) +
                            "' command");
    case security::AclVerdict::kDeniedKey:
      return ctx.reply.Bulk("This user has no permissions to access the '" +
                            std::string(scratch.uses[denied].key) + "' key");
    case security::AclVerdict::kDeniedChannel:
      return ctx.reply.Bulk("This user has no permissions to access the '" +
                            std::string(scratch.channels[denied].name) + "' channel");
  }
}

void CmdAclHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "ACL",
            {"CAT [<category>]",
             "    List all commands that belong to <category>, or all command categories",
             "    when no category is specified.",
             "DELUSER <username> [<username> ...]",
             "    Delete a list of users.",
             "DRYRUN <username> <command> [<arg> ...]",
             "    Returns whether the user can execute the given command without executing the "
             "command.",
             "GETUSER <username>",
             "    Get the user's details.",
             "GENPASS [<bits>]",
             "    Generate a secure 256-bit user password. The optional `bits` argument can",
             "    be used to specify a different size.",
             "LIST",
             "    Show users details in config file format.",
             "LOAD",
             "    Reload users from the ACL file.",
             "LOG [<count> | RESET]",
             "    Show the ACL log entries.",
             "SAVE",
             "    Save the current config to the ACL file.",
             "SETUSER <username> <attribute> [<attribute> ...]",
             "    Create or modify a user with the specified attributes.",
             "USERS",
             "    List all the registered usernames.",
             "WHOAMI",
             "    Return the current connection username."});
}

}  // namespace

void RegisterAclCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
  constexpr uint32_t kPlainFlags = kNoScript | kLoading | kStale;
  constexpr uint64_t kAdminAcl = kAclAdmin | kAclSlow | kAclDangerous;
  auto sub = [](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                std::string_view summary) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .acl = acl,
                       .handler = handler,
                       .summary = summary,
                       .since = "6.0.0",
                       .group = "server"};
  };
  table.Add({.name = "acl",
             .arity = -2,
             .acl = kAclSlow,
             .summary = "A container for Access List Control commands.",
             .since = "6.0.0",
             .group = "server",
             .subcommands = {
                 sub("acl|cat", -2, kPlainFlags, kAclSlow, CmdAclCat,
                     "Lists the ACL categories, or the commands inside a category."),
                 sub("acl|deluser", -3, kAdminFlags, kAdminAcl, CmdAclDelUser,
                     "Deletes ACL users, and terminates their connections."),
                 sub("acl|dryrun", -4, kAdminFlags, kAdminAcl, CmdAclDryRun,
                     "Simulates the execution of a command by a user, without executing the "
                     "command."),
                 sub("acl|genpass", -2, kPlainFlags, kAclSlow, CmdAclGenPass,
                     "Generates a pseudorandom, secure password that can be used to identify ACL "
                     "users."),
                 sub("acl|getuser", 3, kAdminFlags, kAdminAcl, CmdAclGetUser,
                     "Lists the ACL rules of a user."),
                 sub("acl|help", 2, kLoading | kStale, kAclSlow, CmdAclHelp,
                     "Returns helpful text about the different subcommands."),
                 sub("acl|list", 2, kAdminFlags, kAdminAcl, CmdAclList,
                     "Dumps the effective rules in ACL file format."),
                 sub("acl|load", 2, kAdminFlags, kAdminAcl, CmdAclLoad,
                     "Reloads the rules from the configured ACL file."),
                 sub("acl|log", -2, kAdminFlags, kAdminAcl, CmdAclLog,
                     "Lists recent security events generated due to commands rejected by ACL "
                     "rules."),
                 sub("acl|save", 2, kAdminFlags, kAdminAcl, CmdAclSave,
                     "Saves the effective ACL rules in the configured ACL file."),
                 sub("acl|setuser", -3, kAdminFlags, kAdminAcl, CmdAclSetUser,
                     "Creates and modifies an ACL user and its rules."),
                 sub("acl|users", 2, kAdminFlags, kAdminAcl, CmdAclUsers, "Lists all ACL users."),
                 sub("acl|whoami", 2, kPlainFlags, kAclSlow, CmdAclWhoAmI,
                     "Returns the authenticated username of the current connection."),
             }});
}

}  // namespace redoubt::server
