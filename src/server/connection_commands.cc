// Connection commands: PING ECHO QUIT RESET SELECT HELLO AUTH. They change the state of the
// connection that runs them, so they live in server/ beside Connection.
#include "server/connection_commands.h"

#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/errors.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "server/command_helpers.h"
#include "server/connection.h"
#include "server/replication_service.h"
#include "server/version.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;

Connection& Conn(CommandContext& ctx) {
  return static_cast<Connection&>(ctx.client);
}

void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    return ctx.reply.Error(commands::WrongArityText("ping"));
  }
  // A subscribed RESP2 client cannot tell a reply from a message: PING answers as a message
  // would look, as Redis's pingCommand.
  if (ctx.client.subscriptions() > 0 && !ctx.reply.resp3()) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    return ctx.reply.Bulk(ctx.argc() == 2 ? ctx.args[1] : std::string_view());
  }
  if (ctx.argc() == 2) {
    return ctx.reply.Bulk(ctx.args[1]);
  }
  ctx.reply.SimpleString("PONG");
}

void CmdEcho(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.args[1]);
}

void CmdQuit(CommandContext& ctx) {
  ctx.reply.Ok();
  Conn(ctx).CloseAfterReply();
}

void CmdReset(CommandContext& ctx) {
  Conn(ctx).ResetSession();
  ctx.reply.SimpleString("RESET");
}

void CmdSelect(CommandContext& ctx) {
  // Redis checks the integer first ("value is not an integer"), then the range.
  int index;
  if (ctx.services.keyspace.cluster_mode()) {
    // A cluster has database 0 only; a number is still checked first.
    if (!commands::ParseIntOrReply(ctx, ctx.args[1], &index)) {
      return;
    }
    if (index != 0) {
      return ctx.reply.Error("ERR SELECT is not allowed in cluster mode");
    }
  }
  if (!commands::ParseDbIndexOrReply(ctx, ctx.args[1], &index)) {
    return;
  }
  ctx.client.db = index;
  ctx.reply.Ok();
}

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

// Authenticates the connection as user with password; on failure replies WRONGPASS (the
// same text whatever the reason, so a client cannot probe which users exist) and logs it.
bool AuthenticateOrReply(CommandContext& ctx, std::string_view user, std::string_view password,
                         security::AuthMethod method) {
  Connection& conn = Conn(ctx);
  security::AuthResult r = ctx.services.acl.Authenticate(user, password, common::UnixMillis());
  if (!r.ok()) {
    conn.RecordAuthFailure(user, r.refusal, method, ctx.args[0]);
    ctx.reply.Error(kWrongPass);
    return false;
  }
  conn.SetAuthenticated(std::move(r), method);
  return true;
}

void CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  // As Redis, the password (and the user name) are hidden from SLOWLOG and MONITOR whether
  // or not they are accepted.
  Conn(ctx).RedactArgument(1);
  if (ctx.argc() == 3) {
    Conn(ctx).RedactArgument(2);
  }
  if (ctx.argc() == 2) {
    // Redis keeps the old error for the one-argument form while the default user has nopass.
    std::shared_ptr<const security::AclUser> def = ctx.services.acl.Find("default");
    if (def != nullptr && def->nopass()) {
      return ctx.reply.Error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
    }
    if (AuthenticateOrReply(ctx, "default", ctx.args[1], security::AuthMethod::kAuth)) {
      ctx.reply.Ok();
    }
    return;
  }
  if (AuthenticateOrReply(ctx, ctx.args[1], ctx.args[2], security::AuthMethod::kAuth)) {
    ctx.reply.Ok();
  }
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void CmdHello(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  int version = conn.writer().resp3() ? 3 : 2;
  size_t j = 1;
  if (ctx.argc() >= 2) {
    auto v = common::ParseInt64(ctx.args[1]);
    if (!v) {
      return ctx.reply.Error("ERR Protocol version is not an integer or out of range");
    }
    if (*v < 2 || *v > 3) {
      return ctx.reply.Error("NOPROTO unsupported protocol version");
    }
    version = static_cast<int>(*v);
    j = 2;
  }
  // As Redis 7.0's helloCommand, options act left to right as they are read: an AUTH pair
  // authenticates at once and SETNAME renames at once, so both stay even when a later option
  // fails (or the final authentication check does).
  for (; j < ctx.argc(); ++j) {
    size_t more = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(ctx.args[j], "AUTH") && more >= 2) {
      conn.RedactArgument(j + 1);
      conn.RedactArgument(j + 2);
      if (!AuthenticateOrReply(ctx, ctx.args[j + 1], ctx.args[j + 2],
                               security::AuthMethod::kHello)) {
        return;
      }
      j += 2;
    } else if (EqualsIgnoreCase(ctx.args[j], "SETNAME") && more >= 1) {
      std::string_view setname = ctx.args[j + 1];
      for (char c : setname) {
        if (c < '!' || c > '~') {
          return ctx.reply.Error(
              "ERR Client names cannot contain spaces, newlines or special characters.");
        }
      }
      conn.set_name(std::string(setname));
      j += 1;
    } else {
      return ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.args[j]) + "'");
    }
  }
  // As Redis 7.0: HELLO without AUTH on a connection that must authenticate is refused
  // (after the options were applied).
  if (!conn.authenticated() && ctx.services.acl.default_requires_auth()) {
    return ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
  }
  conn.set_resp3(version == 3);
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(version);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(conn.id()));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(Admin(ctx).replication().is_replica() ? "replica" : "master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

}  // namespace

void RegisterConnectionCommands(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  table.Add({.name = "ping",
             .arity = -1,
             .flags = kFast,
             .acl = kAclConnection | kAclFast,
             .handler = CmdPing,
             .summary = "Returns the server's liveliness response.",
             .since = "1.0.0",
             .group = "connection"});
  table.Add({.name = "echo",
             .arity = 2,
             .flags = kLoading | kStale | kFast,
             .acl = kAclConnection | kAclFast,
             .handler = CmdEcho,
             .summary = "Returns the given string.",
             .since = "1.0.0",
             .group = "connection"});
  table.Add({.name = "quit",
             .arity = -1,
             .flags = kAllowBusy | kNoScript | kNoAuth | kLoading | kStale | kFast,
             .acl = kAclConnection | kAclFast,
             .handler = CmdQuit,
             .summary = "Closes the connection.",
             .since = "1.0.0",
             .group = "connection"});
  table.Add({.name = "reset",
             .arity = 1,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
             .acl = kAclConnection | kAclFast,
             .handler = CmdReset,
             .summary = "Resets the connection.",
             .since = "6.2.0",
             .group = "connection"});
  table.Add({.name = "select",
             .arity = 2,
             .flags = kLoading | kStale | kFast,
             .acl = kAclConnection | kAclFast,
             .handler = CmdSelect,
             .summary = "Changes the selected database.",
             .since = "1.0.0",
             .group = "connection"});
  table.Add({.name = "auth",
             .arity = -2,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
             .acl = kAclConnection | kAclFast,
             .handler = CmdAuth,
             .summary = "Authenticates the connection.",
             .since = "1.0.0",
             .group = "connection"});
  table.Add({.name = "hello",
             .arity = -1,
             .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
             .acl = kAclConnection | kAclFast,
             .handler = CmdHello,
             .summary = "Handshakes with the Redis server.",
             .since = "6.0.0",
             .group = "connection"});
}

}  // namespace redoubt::server
