// Registers CLUSTER and its subcommands, and ASKING, READONLY and READWRITE: Redis 7.0's
// cluster commands over the node's ClusterState (cluster/cluster_state.h). Outside cluster
// mode each answers "ERR This instance has cluster support disabled", as Redis does.
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterClusterCommands(commands::CommandTable& table);

}  // namespace redoubt::server
