// Registers the commands on a key's time to live (EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL,
// PTTL, EXPIRETIME, PEXPIRETIME, PERSIST) in a command table.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterExpireCommands(CommandTable& table);

}  // namespace redoubt::commands
