// An AOF base in its command form (aof-use-rdb-preamble no): each key as the commands that
// rebuild it, as Redis 7.0's rewriteAppendOnlyFileRio writes them — SET for a string, RPUSH,
// SADD, ZADD and HMSET with at most 64 items per command for the other types, then PEXPIREAT
// for a TTL — so that redis-server loads a base Redoubt wrote, and the reverse.
//
// Thread: the caller's; an entry is read under its shard's lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/entry.h"

namespace redoubt::persistence {

// Appends the commands of a non-string entry (and its TTL).
void AppendEntryCommands(std::string* out, const storage::Entry& e);
// Appends SET key value (and PEXPIREAT when expire_ms is a time).
void AppendStringCommands(std::string* out, std::string_view key, std::string_view value,
                          int64_t expire_ms);

}  // namespace redoubt::persistence
