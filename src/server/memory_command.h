// Registers MEMORY and its subcommands (USAGE PURGE DOCTOR HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterMemoryCommand(commands::CommandTable& table);

}  // namespace redoubt::server
