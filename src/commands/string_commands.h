// Registers the string commands (GET, SET, INCR, APPEND, GETRANGE, …) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterStringCommands(CommandTable& table);

}  // namespace redoubt::commands
