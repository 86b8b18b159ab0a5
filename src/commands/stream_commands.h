// Registers the stream commands (XADD, XRANGE, XREAD, XDEL, XTRIM, XINFO, …) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterStreamCommands(CommandTable& table);
// XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM (stream_group_commands.cc).
void RegisterStreamGroupCommands(CommandTable& table);
// XINFO and its subcommands (stream_info_commands.cc).
void RegisterStreamInfoCommands(CommandTable& table);

}  // namespace redoubt::commands
