// Registers the connection commands (PING ECHO QUIT RESET SELECT HELLO AUTH).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterConnectionCommands(commands::CommandTable& table);

}  // namespace redoubt::server
