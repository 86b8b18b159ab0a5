// Registers CONFIG and its subcommands (GET SET RESETSTAT REWRITE HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterConfigCommand(commands::CommandTable& table);

}  // namespace redoubt::server
