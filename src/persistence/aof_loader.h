// Loads Redis 7.0's multi-part append-only file at start-up: the base (an RDB snapshot, or
// commands when it was written in AOF form; an AOF file may also begin with an RDB preamble),
// then each incremental file's commands in order. Commands are handed to the caller to run
// (the server runs them through a dispatcher, as Redis's loader runs them on a fake client);
// MULTI … EXEC is collected here and handed over at EXEC, so that a transaction cut off by
// the end of the file is dropped whole, as Redis drops it.
//
// A torn tail — the last file ending inside a command or a transaction, as a crash leaves it —
// is cut off (the file is truncated there on disk) when aof-load-truncated is on, as Redis
// does; anywhere else it, and any malformed byte, refuses the load with the file and offset.
//
// Thread: start-up, one thread; the keyspace is not yet served.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "persistence/aof_manifest.h"
#include "storage/keyspace.h"

namespace redoubt::persistence {

// Runs one replayed command (argv[0] is its name). An error stops the load (an unknown
// command, as Redis refuses one); a command that fails as commands do (WRONGTYPE) does not.
using AofCommandRunner = std::function<absl::Status(std::span<const std::string_view> argv)>;

struct AofLoadOptions {
  bool load_truncated = true;   // aof-load-truncated
  bool verify_checksum = true;  // rdbchecksum, for an RDB base or preamble
  // Where the function libraries of an RDB base or preamble go (FUNCTION LOAD commands in
  // the AOF itself are replayed as any command); null: not loaded.
  commands::ScriptingServices* functions = nullptr;
};

struct AofLoadResult {
  uint64_t base_size = 0;   // bytes of the base file
  uint64_t total_size = 0;  // bytes of the base and incr files (after any truncation)
};

// Loads every file the manifest lists from dir. Logs what it does as Redis does.
absl::Status LoadAof(const std::string& dir, const AofManifest& manifest,
                     storage::Keyspace& keyspace, const commands::RuntimeSettings& settings,
                     const AofLoadOptions& options, const AofCommandRunner& run,
                     AofLoadResult* result);

// Loads one file (a Redis 7.0 base or incr file, or a single appendonly.aof of Redis 6):
// `last` says whether a torn tail may be cut off.
absl::Status LoadAofFile(const std::string& path, bool last, storage::Keyspace& keyspace,
                         const commands::RuntimeSettings& settings, const AofLoadOptions& options,
                         const AofCommandRunner& run, AofLoadResult* result);

}  // namespace redoubt::persistence
