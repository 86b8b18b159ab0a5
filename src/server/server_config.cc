// The server's side of configuration: the current Config, CONFIG SET through the appliers each
// part of the server registers (config_appliers.h), CONFIG REWRITE. Start-up's own checks
// (certificates, listeners, the open-files limit) are in server.cc and its siblings.
//
// Appliers are registered in the order CONFIG SET must try them: those that can refuse first
// (TLS context, maxclients against the open-files limit, listening sockets, dir, the audit log
// file), then those that publish values to the running server (atomics read on the request
// path, the ACL registry, the log level). Each names the directives it reads, so a directive a
// component does not name cannot reach it, and no directive name is matched anywhere else.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "commands/keyspace_notifications.h"
#include "common/log.h"
#include "server/config_appliers.h"
#include "server/open_files_limit.h"
#include "server/server.h"
#include "server/tls_client_settings.h"

namespace redoubt::server {
namespace {

absl::Status SetFailed(std::string_view directive, std::string_view why) {
  return absl::InvalidArgumentError(ConfigSetFailedText(directive, why));
}

// The directives the TLS context is built from (tls::TlsSettings), and those that decide
// whether a context must exist.
const std::vector<std::string_view> kTlsContextDirectives = {"tls-cert-file",
                                                             "tls-key-file",
                                                             "tls-key-file-pass",
                                                             "tls-ca-cert-file",
                                                             "tls-ca-cert-dir",
                                                             "tls-dh-params-file",
                                                             "tls-crl-file",
                                                             "tls-ciphers",
                                                             "tls-ciphersuites",
                                                             "tls-protocols",
                                                             "tls-prefer-server-ciphers",
                                                             "tls-session-caching",
                                                             "tls-session-cache-size",
                                                             "tls-session-cache-timeout",
                                                             "tls-auth-clients",
                                                             "tls-crl-expired-policy",
                                                             "tls-mode",
                                                             "tls-port"};

}  // namespace

Config Server::config() const {
  absl::MutexLock lock(&config_mu_);
  return config_;
}

absl::Status Server::SetConfig(const std::vector<std::pair<std::string, std::string>>& changes,
                               bool caller_is_local) {
  absl::MutexLock lock(&config_mu_);
  absl::StatusOr<Config> next = ConfigSetValues(config_, changes, caller_is_local);
  if (!next.ok()) {
    return next.status();
  }
  std::vector<std::string> named;
  for (const auto& change : changes) {
    named.push_back(change.first);
  }
  if (absl::Status st = appliers_.Apply({.old = config_, .next = *next, .named = named});
      !st.ok()) {
    return st;
  }
  config_ = *std::move(next);
  return absl::OkStatus();
}

absl::Status Server::RewriteConfig() {
  Config c = config();
  if (!c.aclfile.empty()) {
    return RewriteConfigFile(c);
  }
  // Without an aclfile the users live in the config file, as `user` lines (Redis does the
  // same): the current definitions replace the old lines.
  std::vector<std::string> users;
  std::string text = acl_->Serialize();
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    users.push_back(text.substr(start, nl - start));
    start = nl == std::string::npos ? text.size() : nl + 1;
  }
  return RewriteConfigFile(c, &users);
}

void Server::RegisterConfigAppliers() {
  // ---- Appliers that can refuse.

  // TLS: a new context is built and checked before anything changes; installed at once (new
  // handshakes take it), the previous one back on undo. Connections whose certificate the new
  // CRLs revoke are closed only once the whole command succeeded.
  appliers_.Add(
      {.name = "tls",
       .directives = kTlsContextDirectives,
       .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
         // As Redis's VOLATILE_CONFIG: setting a file directive re-reads the file even when the
         // path is unchanged (a renewed certificate or CRL written over the old one).
         bool reread = c.NamedVolatile();
         std::shared_ptr<const tls::TlsContext> context;
         if (absl::Status st = PrepareTls(c.old, c.next, &context, reread); !st.ok()) {
           if (reread) {
             // A refused swap of the certificate files is a failed reload, as a failed SIGHUP.
             stats_.tls_certificate_reload_failures.fetch_add(1, std::memory_order_relaxed);
             common::Log(common::LogLevel::kWarning,
                         "TLS reload by CONFIG SET failed, keeping the current certificate: " +
                             std::string(st.message()));
           }
           // Name the first TLS directive of the command, as Redis names the argument it
           // suspects; then Redis's text, and why (which Redis leaves to its log).
           std::string culprit = "tls-cert-file";
           for (const std::string& n : c.named) {
             if (const DirectiveSpec* d = FindDirective(n);
                 d != nullptr && d->name.substr(0, 4) == "tls-") {
               culprit = std::string(d->name);
               break;
             }
           }
           return SetFailed(culprit,
                            "Unable to update TLS configuration: " + std::string(st.message()));
         }
         std::shared_ptr<const tls::TlsContext> previous = tls_context();
         if (context == previous) {
           return AppliedChange{};
         }
         tls_context_.store(context, std::memory_order_release);
         return AppliedChange{
             .undo = [this, previous] { tls_context_.store(previous, std::memory_order_release); },
             .then =
                 [this, context] {
                   stats_.tls_certificate_reloads.fetch_add(1, std::memory_order_relaxed);
                   if (context != nullptr) {
                     LogTlsReload(*context, "CONFIG SET");
                   }
                   CloseRevokedCertificateClients(context);
                 }};
       }});

  // maxclients: as Redis's updateMaxclients, a higher value raises the open-files limit for
  // it, or is refused with the number the system allows.
  appliers_.Add(
      {.name = "maxclients",
       .directives = {"maxclients"},
       .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
         if (c.next.maxclients > c.old.maxclients) {
           OpenFilesOutcome limit = AdjustOpenFilesLimit(c.next.maxclients, c.next.io_threads);
           if (limit.maxclients < c.next.maxclients) {
             return SetFailed("maxclients",
                              "The operating system is not able to handle the specified number "
                              "of clients, try with " +
                                  std::to_string(limit.maxclients));
           }
         }
         maxclients.store(c.next.maxclients, std::memory_order_relaxed);
         int old = c.old.maxclients;
         return AppliedChange{
             .undo = [this, old] { maxclients.store(old, std::memory_order_relaxed); }};
       }});

  // port, bind, tls-port: the new sockets are opened before any is given up (a failure changes
  // nothing, with Redis's text); undo moves back to the old addresses.
  appliers_.Add({.name = "listeners",
                 .directives = {"port", "bind", "tls-port"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   config_mu_.AssertHeld();  // appliers run under it: SetConfig
                   std::vector<std::string> names(c.named.begin(), c.named.end());
                   if (absl::Status st = ChangeListeners(c.next, names); !st.ok()) {
                     return st;
                   }
                   Config old = c.old;
                   return AppliedChange{.undo = [this, old] {
                     config_mu_.AssertHeld();
                     if (absl::Status st = ChangeListeners(old, {}); !st.ok()) {
                       common::Log(
                           common::LogLevel::kWarning,
                           "Could not listen on the previous addresses again after a refused "
                           "CONFIG SET: " +
                               std::string(st.message()));
                     }
                   }};
                 }});

  // tcp-keepalive is set on the listening sockets; accepted ones inherit it.
  appliers_.Add({.name = "tcp-keepalive",
                 .directives = {"tcp-keepalive"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   config_mu_.AssertHeld();  // appliers run under it: SetConfig
                   listeners_.SetKeepAlive(c.next.tcp_keepalive);
                   int old = c.old.tcp_keepalive;
                   return AppliedChange{.undo = [this, old] {
                     config_mu_.AssertHeld();
                     listeners_.SetKeepAlive(old);
                   }};
                 }});

  // The cluster's announced addresses and down-state rules take effect at once.
  appliers_.Add(
      {.name = "cluster",
       .directives = {"cluster-announce-ip", "cluster-announce-port", "cluster-announce-tls-port",
                      "cluster-announce-bus-port", "cluster-announce-hostname",
                      "cluster-preferred-endpoint-type", "cluster-node-timeout",
                      "cluster-require-full-coverage", "cluster-allow-reads-when-down",
                      "cluster-allow-pubsubshard-when-down", "cluster-replica-no-failover",
                      "cluster-replica-validity-factor", "cluster-allow-replica-migration",
                      "cluster-migration-barrier", "repl-ping-replica-period"},
       .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
         if (cluster_ == nullptr) {
           return AppliedChange{};
         }
         cluster_->UpdateSettings(ClusterSettingsOf(c.next));
         Config old = c.old;
         return AppliedChange{
             .undo = [this, old] { cluster_->UpdateSettings(ClusterSettingsOf(old)); }};
       }});

  // dir moves the process, as Redis's chdir; validated already, so this fails only if the
  // directory went away meanwhile.
  appliers_.Add({.name = "dir",
                 .directives = {"dir"},
                 .apply = [](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   char cwd[PATH_MAX];
                   std::string previous = getcwd(cwd, sizeof(cwd)) != nullptr ? cwd : "";
                   if (chdir(c.next.dir.c_str()) != 0) {
                     return SetFailed("dir", strerror(errno));
                   }
                   return AppliedChange{.undo = [previous] {
                     if (previous.empty() || chdir(previous.c_str()) != 0) {
                       common::Log(common::LogLevel::kWarning,
                                   "Could not return to the previous dir after a refused "
                                   "CONFIG SET");
                     }
                   }};
                 }});

  // audit-log-file: the new file is opened before anything else changes, so a bad path
  // refuses the whole CONFIG SET.
  appliers_.Add({.name = "audit-log-file",
                 .directives = {"audit-log-file"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   if (absl::Status st = audit_.SetPath(c.next.audit_log_file); !st.ok()) {
                     return SetFailed("audit-log-file", std::string(st.message()));
                   }
                   std::string old = c.old.audit_log_file;
                   return AppliedChange{.undo = [this, old] { (void)audit_.SetPath(old); }};
                 }});

  // rdb-encryption-key-file and -old-key-files: every file is read and checked before the new
  // keys replace the old ones (a missing or malformed key refuses the whole CONFIG SET); the
  // next snapshot is written with the new current key. Under config_mu_, as SnapshotSettings
  // reads the keys.
  appliers_.Add({.name = "rdb-encryption",
                 .directives = {"rdb-encryption-key-file", "rdb-encryption-old-key-files"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   config_mu_.AssertHeld();
                   absl::StatusOr<std::shared_ptr<const persistence::EncryptionKeyring>> keys =
                       persistence::LoadEncryptionKeyring(c.next.rdb_encryption_key_file,
                                                          c.next.rdb_encryption_old_key_files);
                   if (!keys.ok()) {
                     std::string_view culprit = c.Named("rdb-encryption-old-key-files") &&
                                                        !c.Named("rdb-encryption-key-file")
                                                    ? "rdb-encryption-old-key-files"
                                                    : "rdb-encryption-key-file";
                     return SetFailed(culprit, std::string(keys.status().message()));
                   }
                   std::shared_ptr<const persistence::EncryptionKeyring> previous = rdb_keys_;
                   rdb_keys_ = *std::move(keys);
                   return AppliedChange{
                       .undo =
                           [this, previous] {
                             config_mu_.AssertHeld();
                             rdb_keys_ = previous;
                           },
                       .then =
                           [this] {
                             config_mu_.AssertHeld();
                             common::Log(
                                 common::LogLevel::kNotice,
                                 "RDB encryption keys set by CONFIG SET: " +
                                     (rdb_keys_ ? rdb_keys_->DescribeIds() : std::string("none")));
                           }};
                 }});

  // appendonly: switched on by a rewrite the cron starts (the base is written from a snapshot
  // while commands go on), switched off at once; appendfsync takes effect at the next write.
  appliers_.Add({.name = "appendonly",
                 .directives = {"appendonly"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   auto set = [this](bool on) { on ? aof_->Enable() : aof_->Disable(); };
                   set(c.next.appendonly);
                   bool old = c.old.appendonly;
                   return AppliedChange{.undo = [set, old] { set(old); }};
                 }});
  // tls-replication and the client certificate: refused when the TLS client context cannot
  // be built (no CA to verify the primary, an unreadable key); a replica's link reconnects.
  appliers_.Add({.name = "tls-replication",
                 .directives = {"tls-replication", "tls-client-cert-file", "tls-client-key-file",
                                "tls-client-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   if (c.next.tls_replication) {
                     absl::StatusOr<std::shared_ptr<const tls::TlsClientContext>> ctx =
                         tls::TlsClientContext::Create(TlsClientSettingsOf(c.next));
                     if (!ctx.ok()) {
                       return SetFailed("tls-replication",
                                        "tls-replication " + std::string(ctx.status().message()));
                     }
                   }
                   if (c.next.tls_replication != c.old.tls_replication) {
                     // By the cron, once the settings are live: the link's thread reads them
                     // under the config lock this applier holds.
                     replication_->RequestLinkRestart();
                   }
                   return AppliedChange{};
                 }});
  // tls-cluster: the bus's outbound links reopen over TLS (or plaintext) at its next tick;
  // refused when the client context cannot be built. Without cluster mode it waits, as Redis.
  appliers_.Add({.name = "tls-cluster",
                 .directives = {"tls-cluster", "tls-client-cert-file", "tls-client-key-file",
                                "tls-client-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir",
                                "tls-cert-file", "tls-key-file", "tls-key-file-pass"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   if (cluster_bus_tls_ == nullptr) {
                     return AppliedChange{};
                   }
                   if (absl::Status st = cluster_bus_tls_->Configure(c.next); !st.ok()) {
                     return SetFailed("tls-cluster", std::string(st.message()));
                   }
                   const Config old = c.old;
                   return AppliedChange{
                       .undo = [this, old] { (void)cluster_bus_tls_->Configure(old); }};
                 }});
  appliers_.AddPublisher("aof-timestamp-enabled", {"aof-timestamp-enabled"},
                         [this](const Config& c) {
                           if (aof_ != nullptr) {
                             aof_->SetTimestamps(c.aof_timestamp_enabled);
                           }
                         });
  appliers_.AddPublisher("appendfsync", {"appendfsync"}, [this](const Config& c) {
    if (aof_ != nullptr) {
      aof_->SetFsync(AofFsyncOf(c.appendfsync));
    }
  });

  // ---- Appliers that publish values: they cannot refuse, undo publishes the old ones.

  appliers_.AddPublisher("tls-mode", {"tls-mode"}, [this](const Config& c) {
    tls_mode_.store(c.tls_mode, std::memory_order_relaxed);
  });
  // What a switch of tls-mode does beyond the value: said in the log, and plaintext clients
  // closed (after their pending replies) when it becomes required. Not undoable, so last.
  appliers_.Add({.name = "tls-mode switch",
                 .directives = {"tls-mode"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   TlsMode from = c.old.tls_mode;
                   TlsMode to = c.next.tls_mode;
                   return AppliedChange{.then = [this, from, to] {
                     common::Log(common::LogLevel::kNotice,
                                 "tls-mode changed from " + std::string(TlsModeName(from)) +
                                     " to " + std::string(TlsModeName(to)));
                     if (to == TlsMode::kRequired) {
                       ClosePlaintextClients();
                       replication_->ClosePlaintextReplicas();
                     }
                   }};
                 }});
  appliers_.AddPublisher(
      "tls connections", {"tls-handshake-timeout", "tls-auth-clients-user"},
      [this](const Config& c) {
        tls_handshake_timeout_us_.store(int64_t{c.tls_handshake_timeout_ms} * 1000,
                                        std::memory_order_relaxed);
        tls_auth_clients_user_cn_.store(c.tls_auth_clients_user_cn, std::memory_order_relaxed);
      });
  // network-allow: published for the acceptors; open connections it now excludes are closed
  // once the command succeeded.
  appliers_.AddPublisher("network-allow", {"network-allow"}, [this](const Config& c) {
    // Validated when the directive was set, so this parse cannot fail.
    absl::StatusOr<security::NetworkAllowList> allow =
        security::NetworkAllowList::Parse(c.network_allow);
    allow_list_.store(allow.ok() && !allow->empty()
                          ? std::make_shared<const security::NetworkAllowList>(*std::move(allow))
                          : nullptr,
                      std::memory_order_release);
  });
  appliers_.Add({.name = "network-allow closes",
                 .directives = {"network-allow"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   if (c.next.network_allow.empty()) {
                     return AppliedChange{};
                   }
                   return AppliedChange{.then = [this] { CloseDisallowedClients(); }};
                 }});
  appliers_.AddPublisher("protected-mode", {"protected-mode"}, [this](const Config& c) {
    protected_mode.store(c.protected_mode, std::memory_order_relaxed);
  });
  appliers_.AddPublisher(
      "client limits", {"client-query-buffer-limit", "client-output-buffer-limit", "timeout"},
      [this](const Config& c) {
        query_buffer_limit.store(c.client_query_buffer_limit, std::memory_order_relaxed);
        auto store = [](OutputLimits& to, const OutputBufferLimit& from) {
          to.hard_bytes.store(from.hard_bytes, std::memory_order_relaxed);
          to.soft_bytes.store(from.soft_bytes, std::memory_order_relaxed);
          to.soft_seconds.store(from.soft_seconds, std::memory_order_relaxed);
        };
        store(normal_output_limits, c.output_limit_normal);
        store(pubsub_output_limits, c.output_limit_pubsub);
        idle_timeout_seconds.store(c.timeout, std::memory_order_relaxed);
      });
  // What commands read on every call (commands::RuntimeSettings) and the keyspace's LFU mode.
  appliers_.AddPublisher(
      "command settings",
      {"proto-max-bulk-len", "maxmemory", "maxmemory-policy", "maxmemory-samples",
       "latency-tracking", "hash-max-listpack-entries", "hash-max-listpack-value",
       "set-max-intset-entries", "zset-max-listpack-entries", "zset-max-listpack-value",
       "stream-node-max-entries", "stream-node-max-bytes", "hll-sparse-max-bytes",
       "notify-keyspace-events", "rdbcompression", "busy-reply-threshold",
       "tracking-table-max-keys"},
      [this](const Config& c) {
        settings_.proto_max_bulk_len.store(c.proto_max_bulk_len, std::memory_order_relaxed);
        settings_.maxmemory.store(c.maxmemory, std::memory_order_relaxed);
        settings_.maxmemory_policy.store(c.maxmemory_policy, std::memory_order_relaxed);
        settings_.maxmemory_samples.store(c.maxmemory_samples, std::memory_order_relaxed);
        settings_.latency_tracking.store(c.latency_tracking, std::memory_order_relaxed);
        settings_.hash_max_listpack_entries.store(c.hash_max_listpack_entries,
                                                  std::memory_order_relaxed);
        settings_.hash_max_listpack_value.store(c.hash_max_listpack_value,
                                                std::memory_order_relaxed);
        settings_.set_max_intset_entries.store(c.set_max_intset_entries, std::memory_order_relaxed);
        settings_.zset_max_listpack_entries.store(c.zset_max_listpack_entries,
                                                  std::memory_order_relaxed);
        settings_.zset_max_listpack_value.store(c.zset_max_listpack_value,
                                                std::memory_order_relaxed);
        settings_.stream_node_max_entries.store(c.stream_node_max_entries,
                                                std::memory_order_relaxed);
        settings_.stream_node_max_bytes.store(c.stream_node_max_bytes, std::memory_order_relaxed);
        tracking_.set_max_keys(static_cast<uint64_t>(c.tracking_table_max_keys));
        settings_.hll_sparse_max_bytes.store(c.hll_sparse_max_bytes, std::memory_order_relaxed);
        settings_.notify_keyspace_events.store(c.notify_keyspace_events, std::memory_order_relaxed);
        settings_.rdbcompression.store(c.rdbcompression, std::memory_order_relaxed);
        settings_.busy_reply_threshold_ms.store(c.busy_reply_threshold, std::memory_order_relaxed);
        keyspace_->set_report_misses((c.notify_keyspace_events & commands::kNotifyKeyMiss) != 0);
        keyspace_->set_lfu(storage::IsLfu(c.maxmemory_policy));
      });
  // A failed background save refuses writes (MISCONF) only while save points are configured
  // and stop-writes-on-bgsave-error is yes.
  appliers_.AddPublisher(
      "snapshot write refusal", {"save", "stop-writes-on-bgsave-error"}, [this](const Config& c) {
        if (snapshots_ != nullptr) {
          snapshots_->UpdateWriteRefusal(
              {.stop_writes_on_error = c.stop_writes_on_bgsave_error, .save_points = c.save});
        }
      });
  // Without waiting for the replication cron: a write right after CONFIG SET
  // min-replicas-to-write is already refused, as in Redis.
  appliers_.AddPublisher("replication gate",
                         {"min-replicas-to-write", "min-replicas-max-lag", "replica-read-only",
                          "replica-serve-stale-data"},
                         [this](const Config& c) {
                           if (replication_ == nullptr) {
                             return;
                           }
                           ReplicationSettings s;
                           s.read_only = c.replica_read_only;
                           s.serve_stale_data = c.replica_serve_stale_data;
                           s.min_replicas_to_write = c.min_replicas_to_write;
                           s.min_replicas_max_lag = c.min_replicas_max_lag;
                           replication_->UpdateGate(s);
                         });
  appliers_.AddPublisher("slowlog", {"slowlog-log-slower-than", "slowlog-max-len"},
                         [this](const Config& c) {
                           slowlog_.set_slower_than_us(c.slowlog_log_slower_than);
                           slowlog_.set_max_len(c.slowlog_max_len);
                         });
  appliers_.AddPublisher("acl", {"acllog-max-len", "acl-pubsub-default"}, [this](const Config& c) {
    acl_->log().set_max_len(static_cast<size_t>(c.acllog_max_len));
    acl_->set_all_channels_by_default(c.acl_pubsub_allchannels);
  });
  // requirepass gives the default user exactly this password (start-up sets it with the
  // configured users, LoadConfiguredUsers).
  appliers_.Add({.name = "requirepass",
                 .directives = {"requirepass"},
                 .apply = [this](const ConfigChange& c) -> absl::StatusOr<AppliedChange> {
                   acl_->SetDefaultPassword(c.next.requirepass);
                   std::string old = c.old.requirepass;
                   return AppliedChange{.undo = [this, old] { acl_->SetDefaultPassword(old); }};
                 }});
  appliers_.AddPublisher("loglevel", {"loglevel"}, [](const Config& c) {
    common::SetLogLevel(common::ParseLogLevel(c.loglevel));
  });
}

void Server::RecordReplicaOf(std::string text) {
  absl::MutexLock lock(&config_mu_);
  config_.replicaof = std::move(text);
}

ReplicationSettings Server::ReplicationSettingsNow() {
  Config c;
  ReplicationSettings s;
  {
    absl::MutexLock lock(&config_mu_);
    c = config_;
    s.rdb_keys = rdb_keys_;
  }
  s.replicaof = c.replicaof;
  s.masteruser = c.masteruser;
  s.masterauth = c.masterauth;
  s.read_only = c.replica_read_only;
  s.serve_stale_data = c.replica_serve_stale_data;
  s.backlog_size = c.repl_backlog_size;
  s.timeout_seconds = c.repl_timeout;
  s.ping_period_seconds = c.repl_ping_replica_period;
  s.min_replicas_to_write = c.min_replicas_to_write;
  s.min_replicas_max_lag = c.min_replicas_max_lag;
  s.listening_port =
      static_cast<int>(c.replica_announce_port != 0 ? c.replica_announce_port : c.port);
  s.announce_ip = c.replica_announce_ip;
  s.bind_source_addr = c.bind_source_addr;
  s.sender = replication::SenderSettings{
      .repl_timeout_ms = c.repl_timeout * 1000,
      .output_hard_limit = static_cast<int64_t>(c.output_limit_replica.hard_bytes),
      .output_soft_limit = static_cast<int64_t>(c.output_limit_replica.soft_bytes),
      .output_soft_seconds = c.output_limit_replica.soft_seconds};
  s.rdb_compression = c.rdbcompression;
  s.rdb_checksum = c.rdbchecksum;
  s.used_memory = keyspace_->used_bytes();
  s.key_save_delay_us = c.rdb_key_save_delay;
  s.tls_replication = c.tls_replication;
  s.tls_client = TlsClientSettingsOf(c);
  return s;
}

cluster::ClusterSettings Server::ClusterSettingsOf(const Config& c) {
  cluster::ClusterSettings s;
  s.config_file = c.cluster_config_file;
  if (!s.config_file.empty() && s.config_file.front() != '/' && !c.dir.empty()) {
    s.config_file = c.dir + "/" + s.config_file;  // relative to dir, as Redis after its chdir
  }
  // Redis learns its own address from the first node that meets it; until then it has none
  // unless cluster-announce-ip names it.
  s.ip = c.cluster_announce_ip;
  s.port = static_cast<int>(c.cluster_announce_port != 0 ? c.cluster_announce_port : c.port);
  s.tls_port = static_cast<int>(c.cluster_announce_tls_port);
  s.bus_port = static_cast<int>(c.cluster_announce_bus_port != 0 ? c.cluster_announce_bus_port
                                : c.cluster_port != 0            ? c.cluster_port
                                                                 : c.port + 10000);
  s.hostname = c.cluster_announce_hostname;
  s.preferred_endpoint_type = c.cluster_preferred_endpoint_type;
  s.node_timeout_ms = c.cluster_node_timeout_ms;
  s.require_full_coverage = c.cluster_require_full_coverage;
  s.allow_reads_when_down = c.cluster_allow_reads_when_down;
  s.allow_pubsubshard_when_down = c.cluster_allow_pubsubshard_when_down;
  s.replica_no_failover = c.cluster_replica_no_failover;
  s.replica_validity_factor = c.cluster_replica_validity_factor;
  s.repl_ping_period_ms = c.repl_ping_replica_period * 1000;
  s.allow_replica_migration = c.cluster_allow_replica_migration;
  s.migration_barrier = c.cluster_migration_barrier;
  return s;
}

}  // namespace redoubt::server
