// DUMP and RESTORE: a key's value in Redis's serialization (an RDB object, its RDB version and
// a CRC64), byte-compatible with redis-server 7.0 both ways, so a payload one server DUMPs the
// other RESTOREs (and MIGRATE between them can follow).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "commands/command_table.h"
#include "storage/entry.h"

namespace redoubt::persistence {

// The DUMP payload of an entry; strings over 20 bytes LZF-compressed when `compress`
// (rdbcompression, which Redis's DUMP follows too).
std::string DumpPayload(const storage::Entry& e, bool compress = true);

// What follows the serialized data in a DUMP payload (and in FUNCTION DUMP's): the RDB
// version (two bytes) and the CRC64 of everything before it (eight).
inline constexpr size_t kDumpFooterBytes = 10;
void AppendDumpFooter(std::string* payload);
// Redis's verifyDumpPayload: a footer with an RDB version this server reads and the right
// CRC64.
bool DumpPayloadValid(std::string_view payload);

void RegisterDumpCommands(commands::CommandTable& table);

}  // namespace redoubt::persistence
