// Registers FUNCTION (FLUSH HELP). Scripting and functions come with the scripting issue; until
// then the library is always empty, so FLUSH has nothing to do and succeeds as Redis's does.
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterFunctionCommand(commands::CommandTable& table);

}  // namespace redoubt::server
