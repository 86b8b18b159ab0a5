// Registers the replication commands: REPLICAOF (SLAVEOF), ROLE, WAIT, FAILOVER, and what a replica
// sends its primary (REPLCONF, PSYNC, SYNC).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterReplicationCommands(commands::CommandTable& table);

}  // namespace redoubt::server
