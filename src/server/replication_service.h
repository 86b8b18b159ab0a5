// Replication for the server: this node's role (a primary, or a replica of `replicaof`), its
// replication stream and backlog, the senders of the replicas that follow it, and the link to
// the primary it follows. REPLICAOF, ROLE, PSYNC/SYNC, REPLCONF, WAIT and INFO replication go
// through here (server/replication_commands.cc); the parts live in src/replication/.
//
// Roles:
//   - primary: writes reach the stream through ReplicationLog (with the AOF); each replica's
//     PSYNC hands its connection to a ReplicaSender.
//   - replica: a PrimaryLink applies the primary's stream; clients' writes get -READONLY
//     (replica-read-only), and nothing expires here: the primary's DEL removes expired keys,
//     as Redis replicas wait for it.
//
// Thread: thread-safe; mu_ guards the role, the senders and the link. The request path reads
// only RuntimeSettings::replica_gate and the stream's atomics.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "commands/client_pause.h"
#include "commands/execution_services.h"
#include "commands/runtime_settings.h"
#include "net/transport.h"
#include "persistence/encryption_keys.h"
#include "persistence/snapshot_slot.h"
#include "replication/primary_link.h"
#include "replication/replica_sender.h"
#include "replication/replication_log.h"
#include "replication/replication_stream.h"
#include "storage/keyspace.h"
#include "tls/tls_client_context.h"

namespace redoubt::server {

struct ReplicationSettings {
  std::string replicaof;  // "host port", empty for a primary
  std::string masteruser;
  std::string masterauth;
  bool read_only = true;
  bool serve_stale_data = true;
  int64_t backlog_size = 1 << 20;
  int64_t timeout_seconds = 60;
  int64_t ping_period_seconds = 10;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  int listening_port = 0;  // REPLCONF listening-port: replica-announce-port, or port
  std::string announce_ip;
  std::string bind_source_addr;  // where the link to the primary connects from
  replication::SenderSettings sender;
  bool rdb_compression = true;
  bool rdb_checksum = true;
  // rdb-encryption-key-file: a replica keeps the snapshot it receives encrypted on disk.
  std::shared_ptr<const persistence::EncryptionKeyring> rdb_keys;
  uint64_t used_memory = 0;
  bool tls_replication = false;  // the link to the primary goes over TLS
  tls::TlsClientSettings tls_client;
  int64_t key_save_delay_us = 0;  // rdb-key-save-delay, for a full sync's snapshot too
};

class ReplicationService {
 public:
  // aof: the AOF, which ReplicationLog feeds beside the stream.
  // pause: CLIENT PAUSE's state, which FAILOVER uses to stop writes.
  ReplicationService(storage::Keyspace& keyspace, commands::RuntimeSettings& runtime,
                     commands::ScriptingServices& functions, persistence::SnapshotSlot& slot,
                     commands::CommandLog& aof, commands::ClientPause& pause,
                     std::function<ReplicationSettings()> settings);
  ~ReplicationService();

  // What the dispatchers propagate to.
  commands::CommandLog& log() { return log_; }
  replication::ReplicationStream& stream() { return stream_; }

  // Start-up: follows `replicaof` when it is set. services runs the primary's commands;
  // before_load/after_load surround a full sync's load (the AOF's restart).
  void Start(const commands::ExecutionServices& services, std::function<void()> before_load,
             std::function<void()> after_load);
  // REPLICAOF host port. false when it already follows that primary (Redis's "+OK Already
  // connected to specified master").
  bool Follow(const std::string& host, int port);
  // REPLICAOF NO ONE: a primary from now on, its history continuing (replid2).
  void BecomePrimary();
  // The link's transport changed (tls-replication): a replica reconnects at the next cron and
  // continues with PSYNC. Takes no lock (a CONFIG SET applier calls it).
  void RequestLinkRestart() { restart_link_.store(true); }
  bool is_replica() const;
  // Whether a replica's link to its primary is up (a sub-replica may sync only then).
  bool link_up() const;
  // A replica's time without news from its primary (PrimaryLink::silence_ms); -1 for a primary.
  int64_t primary_silence_ms() const;

  // FAILOVER [TO host port [FORCE]] [TIMEOUT ms], as Redis 7: writes are paused, the target
  // (or the first replica to catch up) is waited for until it acknowledged everything, then
  // this node follows it with PSYNC ... FAILOVER, which makes the target promote itself and
  // continue this node's history. The cron drives it. An error in Redis's words, or OK.
  struct FailoverRequest {
    std::string host;  // empty: any replica
    int port = 0;
    int64_t timeout_ms = 0;  // 0: none
    bool force = false;      // at the timeout, hand over anyway
  };
  absl::Status StartFailover(const FailoverRequest& request);
  absl::Status AbortFailover();
  // PSYNC ... FAILOVER from our primary: we become a primary first, when replid is the id of
  // the stream we follow; an error otherwise.
  absl::Status PromoteForFailover(std::string_view replid);

  // A replica's PSYNC (or SYNC): its connection, taken from its I/O thread.
  void AttachReplica(std::unique_ptr<net::Transport> transport, std::string peer_ip,
                     replication::ReplicaHandshake handshake, replication::SyncRequest request,
                     std::string unread_input, std::string unsent_output);

  // The replicas as clients (CLIENT LIST, CLIENT KILL): what a filter may match, and the line.
  struct ReplicaClient {
    replication::ReplicaHandshake identity;
    std::string line;
  };
  std::vector<ReplicaClient> ReplicaClients();
  // Closes the links of the replicas whose client ids are given (CLIENT KILL); the replicas
  // reconnect and continue by PSYNC, as from Redis's CLIENT KILL TYPE replica.
  void KillReplicaClients(const std::vector<uint64_t>& client_ids);

  // tls-mode required: the replicas linked in plaintext over TCP are disconnected, as plaintext
  // clients are (they come back over TLS, or not at all).
  void ClosePlaintextReplicas();
  // After each I/O batch: wakes the senders that wait for bytes.
  void WakeSenders() { stream_.Wake(); }
  // The server cron: reaps ended senders, pings replicas, updates the gates.
  void Cron();
  // A failover's quiet stream (FAILOVER's own, and a cluster manual failover's through the
  // cluster's hooks): the target must reach exactly the offset this primary stopped at, so
  // until until_unix_ms (or ResumeAfterFailover) nothing more enters the stream: writes wait
  // (held, not refused), keys do not expire, the periodic PING is not sent, as in Redis.
  void QuiesceForFailover(int64_t until_unix_ms);  // takes no lock
  // Writes go on; expiry too on a primary (a replica leaves it to its primary's DELs).
  void ResumeAfterFailover() ABSL_LOCKS_EXCLUDED(mu_);
  // WAIT: replicas that acknowledged offset; RequestAcks asks them all (REPLCONF GETACK).
  int64_t CountAcked(int64_t offset);
  void RequestAcks();
  int64_t offset() const { return stream_.offset(); }
  const replication::SyncCounters& sync_counters() const { return counters_; }
  // CONFIG RESETSTAT: sync_full, sync_partial_ok and sync_partial_err back to 0, as Redis.
  void ResetStats() {
    counters_.full.store(0);
    counters_.partial_ok.store(0);
    counters_.partial_err.store(0);
  }

  // INFO replication's lines, as "name:value" pairs in Redis's order.
  std::vector<std::pair<std::string, std::string>> InfoFields();
  // ROLE's reply parts.
  struct RoleView {
    bool replica = false;
    int64_t offset = 0;
    std::vector<replication::ReplicaStatus> replicas;  // primary
    std::string host;                                  // replica
    int port = 0;
    std::string state;
  };
  RoleView Role();

  void Shutdown();

  // What replication refuses now (RuntimeSettings::replica_gate): read-only, stale or too few
  // good replicas, from s's read_only, serve_stale_data and min_replicas_* (the rest unused).
  // The cron keeps it current; CONFIG SET of those directives applies it at once.
  void UpdateGate(const ReplicationSettings& s) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void FollowLocked(const std::string& host, int port) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The failover's next step (cron); and its end: writes resume, the state is cleared.
  void StepFailover() ABSL_LOCKS_EXCLUDED(mu_);
  void EndFailoverLocked(const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ResumeAfterFailoverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends a failover that did not happen; revert: this node already followed the target and
  // becomes a primary again.
  void AbandonFailover(bool revert, const std::string& why) ABSL_LOCKS_EXCLUDED(mu_);
  void BecomePrimaryLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartLinkLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RestartLink() ABSL_LOCKS_EXCLUDED(mu_);
  // A replica's link stopped and gone (false: this node is a primary).
  bool StopLink() ABSL_LOCKS_EXCLUDED(mu_);
  void StopSendersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<replication::FullSyncSnapshot> BeginSnapshot(const std::function<void()>& at_cut);

  storage::Keyspace& keyspace_;
  commands::RuntimeSettings& runtime_;
  commands::ScriptingServices& functions_;  // the function libraries, sent and received
  persistence::SnapshotSlot& slot_;
  commands::ClientPause& pause_;
  const std::function<ReplicationSettings()> settings_;
  replication::ReplicationStream stream_;
  replication::ReplicationLog log_;
  replication::SyncCounters counters_;

  // Until then the stream is kept quiet for a failover (QuiesceForFailover).
  std::atomic<int64_t> quiet_until_ms_{0};

  mutable absl::Mutex mu_;
  bool replica_ ABSL_GUARDED_BY(mu_) = false;
  std::string host_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<replication::PrimaryLink> link_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<replication::ReplicaSender>> senders_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sender_id_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_ping_ms_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by Start: how the link applies the primary's commands and surrounds a load.
  std::function<bool(std::span<const std::string_view>)> apply_ ABSL_GUARDED_BY(mu_);
  std::function<void()> before_load_ ABSL_GUARDED_BY(mu_);
  std::function<void()> after_load_ ABSL_GUARDED_BY(mu_);
  uint64_t good_replicas_ ABSL_GUARDED_BY(mu_) = 0;  // min_slaves_good_slaves
  std::atomic<bool> restart_link_{false};

  // FAILOVER's state (INFO master_failover_state).
  enum class FailoverState { kNone, kWaitingForSync, kInProgress };
  FailoverState failover_ ABSL_GUARDED_BY(mu_) = FailoverState::kNone;
  FailoverRequest failover_request_ ABSL_GUARDED_BY(mu_);
  int64_t failover_deadline_ms_ ABSL_GUARDED_BY(mu_) = 0;  // 0: none
  bool failover_link_ ABSL_GUARDED_BY(mu_) = false;        // the link sends PSYNC ... FAILOVER
};

// Parses "host port" (replicaof's text).
bool ParseReplicaOf(const std::string& text, std::string* host, int* port);

}  // namespace redoubt::server
