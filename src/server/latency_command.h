// Registers LATENCY and its subcommands (LATEST HISTORY RESET DOCTOR HELP).
#pragma once

#include "commands/command_table.h"

namespace redoubt::server {

void RegisterLatencyCommand(commands::CommandTable& table);

}  // namespace redoubt::server
