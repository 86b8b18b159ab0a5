// Registers the bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO) in a command table. They operate on string values; the bit arithmetic itself
// lives in bit_ops.h.
#pragma once

#include "commands/command_table.h"

namespace redoubt::commands {

void RegisterBitmapCommands(CommandTable& table);

}  // namespace redoubt::commands
