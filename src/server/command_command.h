// Registers COMMAND and its subcommands (COUNT INFO DOCS GETKEYS LIST HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterCommandCommand(commands::CommandTable& table);

}  // namespace redoubt::server
