// Loads an RDB stream (a snapshot file written by Redoubt or by redis-server up to 7.0, RDB
// versions 1 to 10) into the keyspace: the header, AUX fields, function libraries, SELECTDB,
// RESIZEDB, expire and LRU/LFU opcodes, every key, the EOF marker and the CRC64 that follows it.
//
// A bad file is refused with an error that names the offset where reading failed; the keys read
// before it stay, so the caller (start-up) refuses to start rather than serve a partial dataset.
// An encrypted snapshot (encrypted_rdb.h) is authenticated whole before its first key is read:
// a wrong key, a tampered or a truncated file loads nothing.
//
// Thread: locks each key's shard while storing it; the keyspace may be in use meanwhile.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "persistence/encryption_keys.h"
#include "persistence/rdb_input.h"
#include "storage/keyspace.h"

namespace redoubt::persistence {

struct RdbLoadResult {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // already past their TTL, skipped (as a primary skips them)
  uint64_t function_libraries = 0;
  int rdb_version = 0;
  std::vector<std::pair<std::string, std::string>> aux;  // AUX fields, in file order
  std::string encryption_key_id;   // the key an encrypted file was read with; empty: plaintext
  bool read_with_old_key = false;  // one of rdb-encryption-old-key-files
};

struct RdbLoadOptions {
  bool verify_checksum = true;  // rdbchecksum
  // Keys whose TTL has passed are dropped, as a primary does (a replica keeps them).
  bool skip_expired = true;
  // Called for each key read (redoubt-check-rdb counts them by type).
  std::function<void(int db, uint8_t type, std::string_view key, int64_t expire_ms)> on_key;
  // Each key is deleted again once read, so that checking a file needs the memory of its
  // largest value only (redoubt-check-rdb); duplicates then go unnoticed.
  bool discard_keys = false;
  // The keys an encrypted file may be written with (LoadRdbFile); null: none configured.
  const EncryptionKeyring* keys = nullptr;
  // Where the file's function libraries go; null: they are read and counted, not loaded
  // (redoubt-check-rdb).
  commands::ScriptingServices* functions = nullptr;
};

absl::Status LoadRdb(RdbInput& in, storage::Keyspace& keyspace,
                     const commands::RuntimeSettings& settings, const RdbLoadOptions& options,
                     RdbLoadResult* result);

// Opens and loads the file at path, plaintext or encrypted; NotFound when there is none.
absl::Status LoadRdbFile(const std::string& path, storage::Keyspace& keyspace,
                         const commands::RuntimeSettings& settings, const RdbLoadOptions& options,
                         RdbLoadResult* result);

}  // namespace redoubt::persistence
