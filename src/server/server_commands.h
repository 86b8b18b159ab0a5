// Registers the server commands TIME LASTSAVE DEBUG SHUTDOWN MONITOR.
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterServerCommands(commands::CommandTable& table);

}  // namespace redoubt::server
