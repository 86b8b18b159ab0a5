// Registers MIGRATE (migrate_command.cc): keys moved to another node by DUMP and RESTORE, over
// connections kept for the next call.
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterMigrateCommand(commands::CommandTable& table);
// Closes the kept connections idle for more than 10 seconds (from the server cron).
void CloseIdleMigrateConnections();

}  // namespace redoubt::server
