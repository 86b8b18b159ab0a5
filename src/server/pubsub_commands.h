// Registers the pub/sub commands (SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE
// SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterPubSubCommands(commands::CommandTable& table);

}  // namespace redoubt::server
