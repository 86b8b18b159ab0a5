// Registers the commands that find keys (KEYS, SCAN, RANDOMKEY) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterKeyListingCommands(CommandTable& table);

}  // namespace redoubt::commands
