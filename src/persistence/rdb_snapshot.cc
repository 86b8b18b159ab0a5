// RDB snapshots; see rdb_snapshot.h.
#include "persistence/rdb_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

#include "commands/command_log.h"
#include "common/clock.h"
#include "common/file_io.h"
#include "persistence/aof_base_encoder.h"
#include "persistence/crc64.h"
#include "persistence/encrypted_rdb.h"
#include "persistence/rdb_encoder.h"
#include "persistence/rdb_format.h"

namespace redoubt::persistence {

namespace {

// Buckets walked per step under one shard lock: a few dozen keys (~100 µs for 1 KB values), so
// a command on that shard waits for microseconds. The thread runs at the I/O threads' priority:
// at a lower one (nice +10 was tried) the scheduler parks it while it holds a shard, and a step
// of 256 buckets then held its shard for 10–90 ms on a busy machine (bench/snapshot_bench.py).
constexpr size_t kBucketsPerStep = 64;
// Encoded bytes gathered before a write to the file.
constexpr size_t kWriteChunk = 1 << 20;

absl::Status WriteAll(int fd, const char* p, size_t n) {
  std::string_view bytes(p, n);
  if (!common::WriteAll(fd, &bytes)) {
    return absl::InternalError(std::string("write error: ") + std::strerror(errno));
  }
  return absl::OkStatus();
}

}  // namespace

RdbSnapshot::RdbSnapshot(storage::Keyspace& keyspace, SnapshotOptions options)
    : keyspace_(keyspace), options_(std::move(options)) {
  pending_.assign(storage::Keyspace::kNumShards, std::vector<std::string>(keyspace.databases()));
  staged_.assign(storage::Keyspace::kNumShards, std::vector<StagedStrings>(keyspace.databases()));
}

void RdbSnapshot::StagedStrings::Add(std::string_view key, std::string_view value,
                                     int64_t expire_ms) {
  bytes.append(key).append(value);
  items.push_back(
      {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()), expire_ms});
}

void RdbSnapshot::StagedStrings::Clear() {
  // The walk swaps these with the shard's to keep their capacity; a buffer a huge value grew
  // is not kept.
  if (bytes.capacity() > kWriteChunk) {
    std::string().swap(bytes);
  }
  bytes.clear();
  items.clear();
}

RdbSnapshot::~RdbSnapshot() {
  End();
}

void RdbSnapshot::Begin(const std::function<void()>& while_all_locked) {
  storage::ShardLocks all(keyspace_);
  all.LockAll();
  const int64_t start = common::MonotonicMicros();
  if (while_all_locked) {
    while_all_locked();
  }
  if (options_.function_libraries) {
    libraries_ = options_.function_libraries();
  }
  keyspace_.BeginSnapshot(this);
  begun_ = true;
  db_keys_.assign(keyspace_.databases(), 0);
  db_expires_.assign(keyspace_.databases(), 0);
  for (int db = 0; db < keyspace_.databases(); ++db) {
    db_keys_[db] = keyspace_.DbSize(db);
    db_expires_[db] = keyspace_.VolatileCount(db);
  }
  begin_us_ = common::MonotonicMicros() - start;
}

void RdbSnapshot::End() {
  if (!begun_) {
    return;
  }
  storage::ShardLocks all(keyspace_);
  all.LockAll();
  keyspace_.EndSnapshot();
  begun_ = false;
}

void RdbSnapshot::Write(int shard, int db, const storage::Entry& e, bool before_change) {
  keys_.fetch_add(1, std::memory_order_relaxed);
  if (e.type() == storage::ValueType::kString) {
    staged_[shard][db].Add(e.key(), e.value(), e.expire_ms());
    if (before_change) {
      copied_.fetch_add(e.key().size() + e.value().size(), std::memory_order_relaxed);
    }
    return;
  }
  std::string& out = pending_[shard][db];
  size_t before = out.size();
  if (options_.as_commands) {
    AppendEntryCommands(&out, e);
  } else {
    RdbEncoder enc(&out, options_.compress);
    enc.KeyValue(e);
  }
  if (before_change) {
    copied_.fetch_add(out.size() - before, std::memory_order_relaxed);
  }
}

absl::Status RdbSnapshot::Flush(const ByteWriter& write, std::string& bytes) {
  if (bytes.empty()) {
    return absl::OkStatus();
  }
  if (options_.checksum && !options_.as_commands) {
    crc_ = Crc64(crc_, bytes.data(), bytes.size());
  }
  absl::Status st = write(bytes);
  written_ += bytes.size();
  bytes.clear();
  return st;
}

absl::Status RdbSnapshot::Run(int fd) {
  return Run([fd](std::string_view bytes) { return WriteAll(fd, bytes.data(), bytes.size()); });
}

absl::Status RdbSnapshot::Run(const ByteWriter& write) {
  std::string out;
  if (options_.as_commands) {
    if (options_.timestamp) {
      out.append("#TS:").append(std::to_string(std::time(nullptr))).append("\r\n");
    }
    for (const std::string& code : libraries_) {
      commands::AppendRespCommand(&out, {"FUNCTION", "LOAD", code});
    }
    absl::Status st;
    for (int db = 0; db < keyspace_.databases() && st.ok(); ++db) {
      if (db_keys_[db] > 0) {
        commands::AppendSelect(&out, db);
      }
      st = WalkDatabase(db, nullptr, out, write);
    }
    if (st.ok()) {
      st = Flush(write, out);
    }
    End();
    return st;
  }
  RdbEncoder enc(&out, options_.compress);
  char magic[16];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", kRdbVersion);
  enc.Raw(magic);
  enc.Aux("redis-ver", "7.0.15");
  enc.Aux("redis-bits", "64");
  enc.Aux("ctime", std::to_string(std::time(nullptr)));
  enc.Aux("used-mem", std::to_string(options_.used_memory));
  for (const auto& [k, v] : options_.aux) {
    enc.Aux(k, v);
  }
  enc.Aux("aof-base", options_.aof_base ? "1" : "0");
  for (const std::string& code : libraries_) {
    enc.Byte(kOpFunction2);
    enc.String(code);
  }
  absl::Status st;
  for (int db = 0; db < keyspace_.databases() && st.ok(); ++db) {
    if (db_keys_[db] > 0) {
      enc.Byte(kOpSelectDb);
      enc.Length(static_cast<uint64_t>(db));
      enc.Byte(kOpResizeDb);
      enc.Length(db_keys_[db]);
      enc.Length(db_expires_[db]);
    }
    st = WalkDatabase(db, &enc, out, write);
  }
  if (st.ok()) {
    enc.Byte(kOpEof);
    st = Flush(write, out);
  }
  if (st.ok()) {
    enc.Int64Le(options_.checksum ? static_cast<int64_t>(crc_) : 0);
    written_ += out.size();
    st = write(out);
  }
  End();
  return st;
}

absl::Status RdbSnapshot::WalkDatabase(int db, RdbEncoder* enc, std::string& out,
                                       const ByteWriter& write) {
  absl::Status st;
  // Swapped with the shard's buffers at each step, so that both keep their capacity.
  std::string encoded;
  StagedStrings strings;
  for (int s = 0; s < storage::Keyspace::kNumShards && st.ok(); ++s) {
    bool done = false;
    while (!done && st.ok()) {
      if (encoded.capacity() > kWriteChunk) {
        std::string().swap(encoded);  // a large value's encoding is not kept
      }
      encoded.clear();
      strings.Clear();
      const uint64_t keys_before = keys_written();
      {
        std::lock_guard<std::mutex> lock(keyspace_.shard_mutex(s));
        const int64_t step_start = common::MonotonicMicros();
        done = keyspace_.SnapshotStep(s, db, kBucketsPerStep);
        // Everything of this table so far: walked entries and the ones commands wrote
        // before changing them. Once done, nothing more can arrive for it.
        encoded.swap(pending_[s][db]);
        std::swap(strings, staged_[s][db]);
        max_step_us_ = std::max(max_step_us_, common::MonotonicMicros() - step_start);
      }
      if (options_.key_save_delay_us > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(
            options_.key_save_delay_us * static_cast<int64_t>(keys_written() - keys_before)));
      }
      out.append(encoded);
      std::string_view bytes = strings.bytes;
      for (const StagedStrings::Item& item : strings.items) {
        std::string_view key = bytes.substr(0, item.key_len);
        std::string_view value = bytes.substr(item.key_len, item.value_len);
        bytes.remove_prefix(item.key_len + item.value_len);
        if (enc != nullptr) {
          enc->StringKeyValue(key, value, item.expire_ms);
        } else {
          AppendStringCommands(&out, key, value, item.expire_ms);
        }
      }
      if (out.size() >= kWriteChunk) {
        st = Flush(write, out);
      }
    }
  }
  return st;
}

absl::Status SaveSnapshotToFile(RdbSnapshot& snapshot, const std::string& path,
                                const EncryptionKey* key) {
  std::string dir = ".";
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) {
    dir = path.substr(0, slash);
  }
  std::string tmp = dir + "/temp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(reinterpret_cast<uintptr_t>(&snapshot) & 0xFFFFFF) + ".rdb";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    absl::Status err = absl::InternalError("Failed opening the temp RDB file " + tmp + ": " +
                                           std::strerror(errno));
    return err;
  }
  absl::Status st;
  if (key == nullptr) {
    st = snapshot.Run(fd);
  } else {
    absl::StatusOr<std::unique_ptr<EncryptedRdbWriter>> writer = EncryptedRdbWriter::Create(
        *key, [fd](std::string_view bytes) { return WriteAll(fd, bytes.data(), bytes.size()); });
    st = writer.status();
    if (st.ok()) {
      st = snapshot.Run([w = writer->get()](std::string_view bytes) { return w->Write(bytes); });
    }
    if (st.ok()) {
      st = (*writer)->Finish();
    }
  }
  if (st.ok() && ::fsync(fd) != 0) {
    st = absl::InternalError(std::string("fsync error: ") + std::strerror(errno));
  }
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = absl::InternalError("Error moving temp DB file " + tmp + " on the final destination " +
                             path + ": " + std::strerror(errno));
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
  }
  return st;
}

}  // namespace redoubt::persistence
