// Registers MEMORY and its subcommands (USAGE STATS DOCTOR MALLOC-STATS PURGE HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterMemoryCommand(commands::CommandTable& table);

}  // namespace redoubt::server
