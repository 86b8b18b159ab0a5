// Registers the commands on whole databases (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB) in a command
// table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterDatabaseCommands(CommandTable& table);

}  // namespace redoubt::commands
