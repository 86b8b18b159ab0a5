// Registers the set commands in a command table: those on one set (set_commands.cc) and those
// over several (set_algebra_commands.cc).
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterSetCommands(CommandTable& table);
void RegisterSetAlgebraCommands(CommandTable& table);

}  // namespace redoubt::commands
