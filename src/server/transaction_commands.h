// Registers the transaction commands (MULTI EXEC DISCARD WATCH UNWATCH).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterTransactionCommands(commands::CommandTable& table);

}  // namespace redoubt::server
