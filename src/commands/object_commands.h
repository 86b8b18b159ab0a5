// Registers OBJECT and its subcommands (ENCODING, FREQ, IDLETIME, REFCOUNT, HELP) in a command
// table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterObjectCommands(CommandTable& table);

}  // namespace redoubt::commands
