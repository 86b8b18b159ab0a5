// The server: owns the keyspace, the command table, the I/O threads with their event loops,
// the listening sockets and the client registry, and runs the cron (active expiry, stats,
// clocks) on the main thread, which also waits for SIGTERM/SIGINT.
//
// Thread: created and run on the main thread. Accessors are thread-safe as noted on each.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_bus.h"
#include "cluster/cluster_state.h"
#include "cluster/slot_router.h"
#include "commands/acl_key_access.h"
#include "commands/client_pause.h"
#include "commands/command_context.h"
#include "commands/command_table.h"
#include "commands/dispatcher.h"
#include "commands/execution_services.h"
#include "commands/slowlog.h"
#include "net/acceptor.h"
#include "net/event_loop.h"
#include "net/io_thread.h"
#include "persistence/encryption_keys.h"
#include "scripting/scripting.h"
#include "security/acl_registry.h"
#include "security/audit_event.h"
#include "security/audit_log.h"
#include "security/network_allow_list.h"
#include "server/aof_service.h"
#include "server/blocking_registry.h"
#include "server/client_registry.h"
#include "server/cluster_bus_tls.h"
#include "server/config.h"
#include "server/config_appliers.h"
#include "server/incoming_connection.h"
#include "server/io_thread.h"
#include "server/key_events.h"
#include "server/listen_sockets.h"
#include "server/pubsub_registry.h"
#include "server/replication_service.h"
#include "server/server_admin.h"
#include "server/server_stats.h"
#include "server/snapshot_service.h"
#include "server/tracking_registry.h"
#include "server/version.h"
#include "server/watch_registry.h"
#include "storage/keyspace.h"
#include "tls/tls_context.h"

namespace redoubt::server {

class Connection;
class IncomingConnection;

class Server final : public ServerAdmin {
 public:
  // Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every thread it starts
  // afterwards) and ignores SIGPIPE. Create calls it first; main may call it earlier.
  static void BlockSignals();
  static absl::StatusOr<std::unique_ptr<Server>> Create(Config config);
  ~Server() override;

  // Starts the I/O threads and runs the cron until shutdown. Returns the exit code.
  int Run();
  // Thread-safe: asks Run() to return (SHUTDOWN, signals).
  void RequestShutdown() override;
  void RequestShutdownSaving(ShutdownSave save) override;
  SnapshotService& snapshots() override { return *snapshots_; }
  AofService& aof() override { return *aof_; }
  ReplicationService& replication() override { return *replication_; }
  void RecordReplicaOf(std::string text) override ABSL_LOCKS_EXCLUDED(config_mu_);
  cluster::ClusterState* cluster() override { return cluster_.get(); }
  void PublishToCluster(std::string_view channel, std::string_view message, bool shard) override;

  // Thread-safe accessors.
  storage::Keyspace& keyspace() { return *keyspace_; }
  // The clients blocked on keys (BLPOP and the like). Thread-safe.
  BlockingRegistry& blocking() { return blocking_; }
  // The keys clients WATCH. Thread-safe.
  WatchRegistry& watches() { return watches_; }
  TrackingRegistry& tracking() { return tracking_; }
  // Channel and pattern subscriptions, and PUBLISH. Thread-safe.
  PubSubRegistry& pubsub() override { return pubsub_; }
  const commands::CommandTable& commands() const { return commands_; }
  commands::RuntimeSettings& settings() { return settings_; }
  ServerStats& stats() { return stats_; }
  ClientRegistry& clients() override { return clients_; }
  const std::vector<std::unique_ptr<IoThread>>& threads() const { return threads_; }
  int64_t start_time_ms() const { return start_time_ms_; }
  int64_t last_save_seconds() const override { return snapshots_->status().last_save_seconds; }
  // A copy of the configuration in force.
  Config config() const override ABSL_LOCKS_EXCLUDED(config_mu_);
  int64_t hz_cycles() const { return cron_cycles_.load(std::memory_order_relaxed); }
  // A random 40-hex-digit id chosen at start (INFO run_id).
  const std::string& run_id() const { return run_id_; }

  // CONFIG RESETSTAT: resets the server, keyspace and command counters. The calling I/O
  // thread's are reset now; the other I/O threads reset their own soon after, as each is the
  // single writer of its counters.
  void ResetStats() override;

  // CONFIG SET: applies all pairs (names as the client typed them) or none. Errors use Redis's
  // CONFIG SET texts. caller_is_local: the client is on the loopback interface or a unix
  // socket, for enable-protected-configs local.
  absl::Status SetConfig(const std::vector<std::pair<std::string, std::string>>& changes,
                         bool caller_is_local) override ABSL_LOCKS_EXCLUDED(config_mu_);
  absl::Status RewriteConfig() override;

  // TLS. The context in use (nullptr until a certificate is configured): new handshakes take
  // it; a reload swaps it atomically and running sessions keep the one they began with.
  std::shared_ptr<const tls::TlsContext> tls_context() const {
    return tls_context_.load(std::memory_order_acquire);
  }
  TlsMode tls_mode() const { return tls_mode_.load(std::memory_order_relaxed); }
  int64_t tls_handshake_timeout_us() const {
    return tls_handshake_timeout_us_.load(std::memory_order_relaxed);
  }
  // network-allow in force; nullptr when everyone may connect (then the acceptor pays one
  // atomic shared_ptr load per connection, without a reference count).
  std::shared_ptr<const security::NetworkAllowList> allow_list() const {
    return allow_list_.load(std::memory_order_acquire);
  }

  // The connection audit log (audit-log-file); Record() never blocks. Thread-safe.
  security::AuditLog& audit() { return audit_; }
  void AuditRefused(security::RefusalReason reason, std::string_view detail, std::string_view peer,
                    std::string_view local);
  bool tls_auth_clients_user_cn() const {
    return tls_auth_clients_user_cn_.load(std::memory_order_relaxed);
  }

  // ACL users and how commands' keys are checked. Thread-safe.
  security::AclRegistry& acl() { return *acl_; }
  const commands::AclKeyAccess& acl_key_access() const { return *acl_key_access_; }
  // After users were deleted, switched off or redefined (ACL DELUSER, SETUSER off, ACL LOAD):
  // every I/O thread closes the connections whose user was revoked, after pending replies.
  void CloseRevokedUserClients() override;
  void CloseSubscribersWithoutPermission() override;
  // ACL SAVE / ACL LOAD with the aclfile directive's file. Errors are Redis's texts.
  absl::Status SaveAclFile() override;
  absl::Status LoadAclFile() override;

  // Reports for INFO, MEMORY and LATENCY (server_admin.h).
  std::string Info(std::span<const std::string_view> sections) override;
  MemoryOverhead MemoryNow(ClientMemory* clients) override;
  commands::LatencyDistribution LatencyOf(const commands::CommandSpec& spec) override;

  // SIGHUP: re-reads the certificate and key files named by the current config. On error the
  // old context stays and the error is returned (and logged).
  absl::Status ReloadTlsFiles() ABSL_LOCKS_EXCLUDED(config_mu_);

  // CLIENT PAUSE / UNPAUSE. Thread-safe.
  commands::ClientPause& pause() { return pause_; }

  // SLOWLOG. Thread-safe.
  commands::Slowlog& slowlog() { return slowlog_; }

  // What every dispatcher and handler shares (dispatcher.h). Thread-safe.
  const commands::ExecutionServices& services() const { return *services_; }
  scripting::Scripting& scripting() { return *scripting_; }

  // Limits read on every request; relaxed atomics (independent values).
  std::atomic<int64_t> query_buffer_limit{1 << 30};
  // client-output-buffer-limit of the normal and pubsub classes (0: no limit).
  struct OutputLimits {
    std::atomic<uint64_t> hard_bytes{0};
    std::atomic<uint64_t> soft_bytes{0};
    std::atomic<int> soft_seconds{0};
  };
  OutputLimits normal_output_limits;
  OutputLimits pubsub_output_limits;
  std::atomic<int> idle_timeout_seconds{0};
  std::atomic<int> maxclients{10000};
  std::atomic<bool> protected_mode{true};

 private:
  explicit Server(Config config);
  static sigset_t WaitedSignals();
  // Raises RLIMIT_NOFILE for maxclients, or lowers maxclients to what the limit allows.
  absl::Status ReconcileMaxclients() ABSL_LOCKS_EXCLUDED(config_mu_);
  absl::Status Listen() ABSL_LOCKS_EXCLUDED(config_mu_);
  ListenOptions ListenOptionsFor(const Config& c) const;
  // CONFIG SET of port, bind or tls-port: makes the listening sockets match `next` (Redis's
  // error texts on failure, nothing changed) and hands the new and retired sockets to the I/O
  // threads. Requires: config_mu_ held.
  absl::Status ChangeListeners(const Config& next, const std::vector<std::string>& changed_names)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(config_mu_);
  // Every I/O thread starts accepting on change.opened and stops on change.retired; the last
  // one to do so closes the retired descriptors.
  void HandOverListeners(ListenChange change);
  // Registers thread t's acceptors for every listening socket (server_listeners.cc).
  void AddAcceptors(IoThread& t);
  // Registers an acceptor for fd on thread t. Requires: on t's loop thread, or before it runs.
  void AddAcceptor(IoThread& t, int fd, IncomingConnection::Listener listener,
                   std::string local_address);
  // Validates the TLS part of `next` against `current`: builds a new context when the TLS
  // settings changed, refuses a mode that needs a certificate while none is loaded.
  // *context receives the context to install (unchanged when nothing TLS changed).
  absl::Status PrepareTls(const Config& current, const Config& next,
                          std::shared_ptr<const tls::TlsContext>* context,
                          bool reread_files = false) const;
  // After a switch to tls-mode required: every I/O thread closes its plaintext connections
  // once their pending replies are written.
  void ClosePlaintextClients();
  // After network-allow changed: every I/O thread closes the connections (and pending
  // handshakes) whose source the new list excludes.
  void CloseDisallowedClients();
  // Posts to every I/O thread: closes the connections connection_excluded picks after their
  // pending replies, and aborts the not-yet-admitted ones incoming_excluded picks by socket
  // (when given), counting each in *closed.
  void CloseClientsWhere(std::function<bool(const Connection&)> connection_excluded,
                         std::function<bool(int fd)> incoming_excluded, common::Counter* closed,
                         std::string reason);
  // After a context with CRLs was installed (CONFIG SET, SIGHUP): closes the TLS connections
  // whose client certificate the new CRLs revoke.
  void CloseRevokedCertificateClients(std::shared_ptr<const tls::TlsContext> context);
  // The notice for a new certificate in use; by: "SIGHUP" or "CONFIG SET".
  static void LogTlsReload(const tls::TlsContext& context, std::string_view by);
  // Loads `user` directives and the aclfile at start-up.
  absl::Status LoadConfiguredUsers();
  void Cron();
  // Start-up: says that data is kept in memory only (a warning when save/appendonly are set).
  // pidfile: the process id, written at start and removed at shutdown, as Redis does.
  static void WritePidFile(const std::string& path);
  // Logs (at most once a minute) that the loaded CRLs are past their nextUpdate.
  void WarnIfCrlExpired();
  int64_t last_crl_warning_ms_ = 0;  // main thread (cron) only
  // CONFIG SET's appliers, in the order they run (server_config.cc).
  void RegisterConfigAppliers();
  // The replication settings from the current configuration.
  ReplicationSettings ReplicationSettingsNow();
  // The cluster's settings from a configuration (server_config.cc); OpenCluster makes the
  // cluster state and its router at start-up (cluster-enabled yes).
  static cluster::ClusterSettings ClusterSettingsOf(const Config& c);
  absl::Status OpenCluster();
  // Once replication has started: the cluster drives it (a replica follows the primary the
  // cluster names, a won election stops following) and reads its offsets.
  void ConnectClusterToReplication();
  void AcceptOn(IoThread& thread, int listen_fd);

  mutable absl::Mutex config_mu_;
  Config config_ ABSL_GUARDED_BY(config_mu_);
  // The keys of rdb-encryption-key-file and -old-key-files, read when they are set (start-up,
  // CONFIG SET); null: snapshots in plaintext.
  std::shared_ptr<const persistence::EncryptionKeyring> rdb_keys_ ABSL_GUARDED_BY(config_mu_);
  ConfigAppliers appliers_;  // built in the constructor; run under config_mu_

  // Before the keyspace, which reports to them until it is destroyed.
  ClientRegistry clients_;
  BlockingRegistry blocking_;
  WatchRegistry watches_;
  TrackingRegistry tracking_{clients_};
  PubSubRegistry pubsub_;
  commands::RuntimeSettings settings_;
  KeyEvents key_events_{blocking_, watches_, tracking_, pubsub_, settings_};
  std::unique_ptr<storage::Keyspace> keyspace_;
  commands::CommandTable commands_;
  std::unique_ptr<security::AclRegistry> acl_;
  std::unique_ptr<commands::AclKeyAccess> acl_key_access_;
  ServerStats stats_;
  std::vector<std::unique_ptr<IoThread>> threads_;
  ListenSockets listeners_ ABSL_GUARDED_BY(config_mu_);  // main port and tls-port
  int unix_listen_fd_ = -1;                              // unixsocket: plaintext, never filtered
  const int64_t start_time_ms_;
  std::atomic<bool> shutdown_{false};
  std::atomic<ShutdownSave> shutdown_save_{ShutdownSave::kDefault};
  persistence::SnapshotSlot
      snapshot_slot_;  // BGSAVE and the AOF rewrite take turns on the keyspace
  std::unique_ptr<SnapshotService> snapshots_;
  std::unique_ptr<AofService> aof_;
  std::unique_ptr<ReplicationService> replication_;
  // Cluster mode (cluster-enabled yes): the node's view of its cluster and the request path's
  // slot routing; null otherwise. Made at start-up, before any key is loaded.
  std::unique_ptr<cluster::ClusterState> cluster_;
  std::unique_ptr<cluster::SlotRouter> router_;
  // TLS on the bus (tls-cluster, tls-mode required); before the bus, which borrows it.
  std::unique_ptr<ClusterBusTls> cluster_bus_tls_;
  std::unique_ptr<cluster::ClusterBus> cluster_bus_;  // stopped before the state goes

  std::atomic<std::shared_ptr<const tls::TlsContext>> tls_context_;
  std::atomic<TlsMode> tls_mode_{TlsMode::kNone};
  std::atomic<std::shared_ptr<const security::NetworkAllowList>> allow_list_;
  std::atomic<int64_t> tls_handshake_timeout_us_{5000000};
  std::atomic<bool> tls_auth_clients_user_cn_{false};
  security::AuditLog audit_;
  std::atomic<int64_t> cron_cycles_{0};

  const std::string run_id_;
  const tls::TicketKeys ticket_keys_;

  commands::ClientPause pause_;
  absl::Mutex accept_mu_;  // shared by every Acceptor: see net::Acceptor
  commands::Slowlog slowlog_;
  // EVAL and SCRIPT: the script cache, the running script, each thread's Lua state.
  std::unique_ptr<scripting::Scripting> scripting_;
  std::unique_ptr<commands::ExecutionServices> services_;  // refers to the members above
};

// Registers every command family.
void RegisterAllCommands(commands::CommandTable& table);

}  // namespace redoubt::server
