// A point-in-time RDB snapshot of the whole keyspace, written while commands go on (SAVE,
// BGSAVE, the snapshot at SHUTDOWN): the keyspace's snapshot walk (storage/keyspace.h) hands
// every entry, as it was at Begin(), to this sink, which encodes it into a buffer per shard and
// database; the writing thread drains those buffers into the file, one database after another,
// so that each database's keys follow one SELECTDB as in a file redis-server writes.
//
// Thread: Begin and Run on one thread (a background one for BGSAVE) that holds no shard lock;
// Write is called under a shard lock by the walk or by any command thread, and only touches
// that shard's buffers.
#pragma once

#include <absl/status/status.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "persistence/encryption_keys.h"
#include "persistence/rdb_encoder.h"
#include "storage/keyspace.h"

namespace redoubt::persistence {

struct SnapshotOptions {
  bool compress = true;  // rdbcompression
  bool checksum = true;  // rdbchecksum
  // AUX fields after Redis's own (redis-ver, redis-bits, ctime, used-mem, aof-base).
  std::vector<std::pair<std::string, std::string>> aux;
  uint64_t used_memory = 0;
  // rdb-key-save-delay: microseconds slept per key written, after each step (tests).
  int64_t key_save_delay_us = 0;
  bool aof_base = false;  // the AUX field aof-base: the snapshot is an AOF's base
  // An AOF base in command form (aof-use-rdb-preamble no): SELECT and the commands that
  // rebuild each key (persistence/aof_base_encoder.h) instead of RDB; no header or checksum.
  bool as_commands = false;
  // With as_commands: a "#TS:<unix seconds>" annotation first (aof-timestamp-enabled), as
  // Redis starts a rewritten AOF.
  bool timestamp = false;
  // The function libraries' code (FUNCTION LOAD's argument each), taken in Begin while every
  // shard is held, so they are the libraries of that moment; written before the keys, as
  // FUNCTION2 opcodes or FUNCTION LOAD commands. Null: none.
  std::function<std::vector<std::string>()> function_libraries;
};

class RdbSnapshot final : public storage::SnapshotSink {
 public:
  RdbSnapshot(storage::Keyspace& keyspace, SnapshotOptions options);
  ~RdbSnapshot() override;

  // Marks the start: every shard locked for as long as it takes to flag the tables.
  // while_all_locked runs then too: the AOF cuts its stream there, so that the snapshot and
  // the commands after it meet exactly.
  void Begin(const std::function<void()>& while_all_locked = {});
  // Walks the keyspace and writes the RDB stream to fd; ends the snapshot (also on failure).
  absl::Status Run(int fd);
  // The same, handing the stream to `write` in pieces of about a hundred kilobytes (a
  // replica's socket, for a full sync); an error from it stops the walk.
  using ByteWriter = std::function<absl::Status(std::string_view)>;
  absl::Status Run(const ByteWriter& write);
  // Bytes written by Run.
  uint64_t bytes_written() const { return written_; }
  uint64_t keys_written() const { return keys_.load(std::memory_order_relaxed); }

  void Write(int shard, int db, const storage::Entry& e, bool before_change) override;
  // Bytes the snapshot kept for the entries commands changed while it ran, taken before the
  // change (a string's key and value, another type's encoding): INFO's rdb_last_cow_size.
  uint64_t copied_bytes() const { return copied_.load(std::memory_order_relaxed); }
  // How long Begin held every shard (the only moment all commands wait), and the longest a
  // walk step held one shard, in microseconds: the pauses the snapshot imposes.
  int64_t begin_micros() const { return begin_us_; }
  int64_t max_step_micros() const { return max_step_us_; }

 private:
  absl::Status Flush(const ByteWriter& write, std::string& bytes);
  // Walks database db, appending each entry's encoding to out (RDB through enc, or commands
  // when enc is null) and handing out to write whenever it grows past a chunk.
  absl::Status WalkDatabase(int db, RdbEncoder* enc, std::string& out, const ByteWriter& write);
  void End();

  storage::Keyspace& keyspace_;
  const SnapshotOptions options_;
  bool begun_ = false;
  // String keys copied out under their shard's lock, encoded (and LZF-compressed) after the
  // lock is released: most of a step's work then happens outside it. Keys and values lie back
  // to back in one buffer (two allocations per key cost 5% of a rewrite).
  struct StagedStrings {
    struct Item {
      uint32_t key_len;
      uint32_t value_len;
      int64_t expire_ms;
    };
    std::string bytes;
    std::vector<Item> items;
    void Add(std::string_view key, std::string_view value, int64_t expire_ms);
    void Clear();
  };
  // [shard][db]: entries waiting to be written, each guarded by its shard's lock: other types
  // encoded, strings copied.
  std::vector<std::vector<std::string>> pending_;
  std::vector<std::vector<StagedStrings>> staged_;
  std::vector<std::string> libraries_;  // function libraries at Begin
  std::vector<uint64_t> db_keys_;       // keys per database at Begin
  std::vector<uint64_t> db_expires_;    // of which with a TTL
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
  std::atomic<uint64_t> keys_{0};  // counted under any shard's lock
  std::atomic<uint64_t> copied_{0};
  int64_t begin_us_ = 0;
  int64_t max_step_us_ = 0;
};

// Writes a snapshot to `path` through a temporary file in the same directory (fsynced, then
// renamed over path), as Redis's rdbSave does; encrypted under key when there is one
// (encrypted_rdb.h).
absl::Status SaveSnapshotToFile(RdbSnapshot& snapshot, const std::string& path,
                                const EncryptionKey* key = nullptr);

}  // namespace redoubt::persistence
