// Registers the HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST) in a
// command table. They operate on string values holding Redis's HLL bytes, whose encoding and
// arithmetic live in hyperloglog.h.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterHyperLogLogCommands(CommandTable& table);

}  // namespace redoubt::commands
