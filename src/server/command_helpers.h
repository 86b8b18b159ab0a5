// Small helpers shared by the server-side command families (CLIENT, CONFIG, COMMAND, INFO,
// SLOWLOG, …): reaching the node's administration and the Connection behind a command's client,
// and writing HELP replies.
//
// Thread: each helper runs on the calling command's I/O thread.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "commands/command_context.h"
#include "server/connection.h"
#include "server/server_admin.h"

namespace redoubt::server {

// The node's configuration, clients and reports. Server commands are registered only in a
// server's table, whose services always carry its administration.
inline ServerAdmin& Admin(commands::CommandContext& ctx) {
  return static_cast<ServerAdmin&>(*ctx.services.admin);
}

// The connection behind the client, for the commands that concern that connection itself
// (CLIENT SETNAME/REPLY/KILL, HELLO, MONITOR, RESET): they run only for a network connection.
inline Connection& Conn(commands::CommandContext& ctx) {
  return static_cast<Connection&>(ctx.client);
}

// The connection behind the client, or null when the client is no socket (a test harness,
// later a script or a replication link), for a command that also acts on its own connection
// when there is one (ACL SETUSER on one's own user, CONFIG SET network-allow).
inline Connection* ConnectionOf(commands::CommandContext& ctx) {
  return dynamic_cast<Connection*>(&ctx.client);
}

// Replies to "<COMMAND> HELP" as Redis does: an array of status lines, the usage line first
// and the HELP entry last.
inline void ReplyHelp(commands::CommandContext& ctx, std::string_view command,
                      std::initializer_list<std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size() + 3);
  std::string head(command);
  head += " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  ctx.reply.SimpleString(head);
  for (std::string_view line : lines) {
    ctx.reply.SimpleString(line);
  }
  ctx.reply.SimpleString("HELP");
  ctx.reply.SimpleString("    Prints this help.");
}

// Redis's addReplySubcommandSyntaxError: the subcommand as the client spelled it (cut at 128
// bytes), the command in upper case. Used where a subcommand's own argument count check
// fails after the table's arity check passed.
inline void ReplySubcommandSyntaxError(commands::CommandContext& ctx, std::string_view command) {
  std::string text = "ERR unknown subcommand or wrong number of arguments for '";
  text += ctx.args[1].substr(0, 128);
  text += "'. Try ";
  text += command;
  text += " HELP.";
  ctx.reply.Error(text);
}

}  // namespace redoubt::server
