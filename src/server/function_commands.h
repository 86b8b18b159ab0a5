// Registers FCALL, FCALL_RO and FUNCTION (LOAD DELETE FLUSH LIST DUMP RESTORE STATS KILL HELP):
// Redis 7.0's functions on the scripting layer (scripting/function_libraries.h).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterFunctionCommands(commands::CommandTable& table);

}  // namespace redoubt::server
