// Small helpers shared by the server-side command families (CLIENT, CONFIG, COMMAND, INFO,
// SLOWLOG, …): reaching the Connection behind a command's Session and writing HELP replies.
//
// Thread: each helper runs on the calling command's I/O thread.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "commands/command_context.h"
#include "server/connection.h"

namespace redoubt::server {

// Every Session the dispatcher hands to a handler is a Connection (tests build one too).
inline Connection& Conn(commands::CommandContext& ctx) {
  return static_cast<Connection&>(ctx.client);
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
