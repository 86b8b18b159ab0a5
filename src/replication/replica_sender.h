// The primary's side of one replica's link, from its PSYNC (or SYNC) on: the connection is
// handed over by its I/O thread to a thread of its own, which answers PSYNC, sends the full
// sync's snapshot when the stream cannot be continued, then streams the replication stream
// from the replica's position and reads its REPLCONF ACKs.
//
// Why a thread per replica and not the I/O threads: a full sync writes for seconds to minutes,
// a write that may block is simplest on a thread that does nothing else, and replicas are few
// (a handful per primary). The stream is read in large pieces after each I/O batch's wake-up
// (replication_stream.h), so a replica costs one write per batch, not per command.
//
// Thread: Start/Stop/status from any thread (Stop joins); the rest on the sender's thread.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "net/transport.h"
#include "persistence/rdb_snapshot.h"
#include "replication/replication_stream.h"

namespace redoubt::replication {

// What the replica said with REPLCONF before PSYNC.
struct ReplicaHandshake {
  int listening_port = 0;
  std::string announced_ip;  // REPLCONF ip-address
  bool capa_eof = false;     // it reads a snapshot streamed without its length ($EOF:)
  bool capa_psync2 = false;
  bool unix_socket = false;  // connected over the Unix socket (never closed for being plaintext)
  // The client it was before PSYNC, for CLIENT LIST and CLIENT KILL (a replica is listed as
  // Redis lists it, flags=S).
  uint64_t client_id = 0;
  std::string peer_address;   // ip:port
  std::string local_address;  // ip:port
  std::string client_name;
  std::string user_name;
  int64_t created_ms = 0;
};

// PSYNC replid offset, or SYNC (the old protocol: a full sync without +FULLRESYNC).
struct SyncRequest {
  bool psync = true;
  std::string replid = "?";
  int64_t offset = -1;
};

struct SenderSettings {
  int64_t repl_timeout_ms = 60000;
  int64_t output_hard_limit = 256 << 20;  // client-output-buffer-limit replica
  int64_t output_soft_limit = 64 << 20;
  int64_t output_soft_seconds = 60;
};

// A snapshot begun for a full sync: Begin() already ran (with the cut inside it); release()
// gives the keyspace's snapshot slot back.
struct FullSyncSnapshot {
  std::unique_ptr<persistence::RdbSnapshot> snapshot;
  std::function<void()> release;
};

// INFO stats' sync_full, sync_partial_ok and sync_partial_err, counted by the senders.
struct SyncCounters {
  std::atomic<uint64_t> full{0};
  std::atomic<uint64_t> partial_ok{0};
  std::atomic<uint64_t> partial_err{0};
};

// What the server provides.
struct SenderEnv {
  ReplicationStream& stream;
  SyncCounters& counters;
  // Takes the snapshot slot and begins a snapshot, running at_cut while every shard is locked;
  // an error when the slot is busy (a BGSAVE or an AOF rewrite runs): the sender retries.
  std::function<absl::StatusOr<FullSyncSnapshot>(const std::function<void()>& at_cut)>
      begin_snapshot;
  std::function<SenderSettings()> settings;
};

// What INFO replication's slaveN line and ROLE show.
struct ReplicaStatus {
  uint64_t id = 0;
  std::string ip;
  int port = 0;
  std::string state;  // wait_bgsave, send_bulk, online
  int64_t ack_offset = 0;
  int64_t lag_seconds = 0;
};

class ReplicaSender {
 public:
  ReplicaSender(SenderEnv env, std::unique_ptr<net::Transport> transport, std::string peer_ip,
                ReplicaHandshake handshake, SyncRequest request, std::string unread_input,
                uint64_t id);
  ~ReplicaSender();

  // unsent_output: replies the connection had not written yet (to REPLCONF), sent first.
  void Start(std::string unsent_output);
  // Closes the link and waits for the thread.
  void Stop();
  // Closes the link without waiting (the owner reaps the sender once finished()): safe where
  // the thread may be waiting for a lock the caller holds.
  void RequestStop();
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  ReplicaStatus status() const;
  const ReplicaHandshake& handshake() const { return handshake_; }
  // Its CLIENT LIST line.
  std::string DescribeClient() const;
  int64_t ack_offset() const { return ack_offset_.load(std::memory_order_acquire); }
  bool online() const { return state_.load(std::memory_order_relaxed) == State::kOnline; }
  // Whether the link is plaintext over TCP (what tls-mode required closes).
  bool plaintext_tcp() const { return !tls_ && !handshake_.unix_socket; }
  // Seconds since the last ACK (min-replicas-max-lag counts only the replicas within it).
  int64_t lag_seconds() const;

 private:
  enum class State { kWaitSnapshot, kSendBulk, kOnline };
  void Run();
  // PSYNC's answer; the reader to stream from (a full sync sends the snapshot first).
  absl::StatusOr<std::unique_ptr<ReplicationStream::Reader>> Synchronize();
  absl::StatusOr<std::unique_ptr<ReplicationStream::Reader>> FullSync();
  absl::Status Stream(ReplicationStream::Reader& reader);
  // Reads what the replica sent (REPLCONF ACK); false when it closed.
  absl::Status ReadAcks(int timeout_ms);
  void Log(const std::string& text) const;

  SenderEnv env_;
  std::unique_ptr<net::Transport> transport_;
  const int fd_;
  const bool tls_;
  const std::string peer_ip_;
  const ReplicaHandshake handshake_;
  const SyncRequest request_;
  std::string input_;
  const uint64_t id_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::atomic<State> state_{State::kWaitSnapshot};
  std::atomic<int64_t> ack_offset_{0};
  std::atomic<int64_t> last_ack_ms_{0};
  int64_t ack_count_ = 0;  // ACKs read (the sender's thread only)
};

}  // namespace redoubt::replication
