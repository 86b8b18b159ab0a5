// Registers the set commands (SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD) in a command
// table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterSetCommands(CommandTable& table);

}  // namespace redoubt::commands
