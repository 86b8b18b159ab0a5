// Registers SORT and SORT_RO in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterSortCommands(CommandTable& table);

}  // namespace redoubt::commands
