// Registers the commands on named keys of any type (DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME,
// RENAMENX, COPY, MOVE) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterKeyCommands(CommandTable& table);

}  // namespace redoubt::commands
