// Registers CLIENT and its subcommands (ID SETNAME GETNAME LIST KILL INFO SETINFO PAUSE
// UNPAUSE NO-EVICT REPLY UNBLOCK GETREDIR TRACKINGINFO HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterClientCommand(commands::CommandTable& table);

}  // namespace redoubt::server
