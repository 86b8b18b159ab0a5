// Registers the hash commands (HSET, HGET, HDEL, HGETALL, HINCRBY, …) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterHashCommands(CommandTable& table);

}  // namespace redoubt::commands
