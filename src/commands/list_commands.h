// Registers the list commands (LPUSH, RPUSH, LPOP, LRANGE, LSET, …) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterListCommands(CommandTable& table);

}  // namespace redoubt::commands
