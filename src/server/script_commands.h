// Registers EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD EXISTS FLUSH KILL HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterScriptCommands(commands::CommandTable& table);

}  // namespace redoubt::server
