// DUMP and RESTORE: a key's value in Redis's serialization (an RDB object, its RDB version and
// a CRC64), byte-compatible with redis-server 7.0 both ways, so a payload one server DUMPs the
// other RESTOREs (and MIGRATE between them can follow).
#pragma once

#include <string>

#include "commands/command_table.h"
#include "storage/entry.h"

namespace redoubt::persistence {

// The DUMP payload of an entry; strings over 20 bytes LZF-compressed when `compress`
// (rdbcompression, which Redis's DUMP follows too).
std::string DumpPayload(const storage::Entry& e, bool compress = true);

void RegisterDumpCommands(commands::CommandTable& table);

}  // namespace redoubt::persistence
