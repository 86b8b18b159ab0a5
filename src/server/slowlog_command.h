// Registers SLOWLOG and its subcommands (GET LEN RESET HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterSlowlogCommand(commands::CommandTable& table);

}  // namespace redoubt::server
