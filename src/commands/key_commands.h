// Registers the generic key commands (DEL, EXISTS, EXPIRE and the TTL family, KEYS, SCAN,
// RENAME, COPY, MOVE, OBJECT, …) and the database-wide ones (DBSIZE, FLUSHDB, FLUSHALL,
// SWAPDB) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterKeyCommands(CommandTable& table);

}  // namespace redoubt::commands
