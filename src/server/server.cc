// The server's life: construction (the command table, ACL registry, execution services and
// config appliers), start-up checks, the I/O threads, the cron and the signal loop, shutdown.
// Listening sockets, TLS, access and configuration are in server_listeners.cc, server_tls.cc,
// server_access.cc and server_config.cc; see server.h.
#include "server/server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "commands/dispatcher.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/random_id.h"
#include "net/plain_transport.h"
#include "net/socket_util.h"
#include "server/admission.h"
#include "server/aof_replay.h"
#include "server/audit_records.h"
#include "server/connection.h"
#include "server/incoming_connection.h"
#include "server/info_command.h"
#include "server/latency_command.h"
#include "server/memory_stats.h"
#include "server/migrate_command.h"
#include "server/open_files_limit.h"

namespace redoubt::server {
Server::Server(Config config)
    : config_(std::move(config)),
      keyspace_(std::make_unique<storage::Keyspace>(config_.databases)),
      start_time_ms_(common::UnixMillis()),
      run_id_(common::RandomHexId()),
      ticket_keys_(tls::RandomTicketKeys()) {
  keyspace_->set_key_observer(&key_events_);
  if (config_.cluster_enabled) {
    keyspace_->EnableClusterMode();  // before any key is stored or loaded
  }
  RegisterAllCommands(commands_);
  // ACL ids are the statistics indexes, so the dispatcher checks permissions by the index it
  // already has; Redis commands not implemented here follow with ids of their own.
  acl_ = std::make_unique<security::AclRegistry>(commands::BuildAclCatalog(commands_));
  acl_key_access_ = std::make_unique<commands::AclKeyAccess>(commands_);
  services_ = std::make_unique<commands::ExecutionServices>(commands::ExecutionServices{
      .table = commands_,
      .keyspace = *keyspace_,
      .settings = settings_,
      .acl = *acl_,
      .acl_key_access = *acl_key_access_,
      .pause = pause_,
      .slowlog = slowlog_,
      .monitors = clients_,
      .pubsub = pubsub_,
      .admin = this,
  });
  scripting_ = std::make_unique<scripting::Scripting>(std::string(kRedisVersion));
  services_->scripting = scripting_.get();
  services_->tracking = &tracking_;
  snapshots_ = std::make_unique<SnapshotService>(
      *keyspace_, settings_, *scripting_, snapshot_slot_,
      [this] {
        absl::MutexLock lock(&config_mu_);
        const Config& c = config_;
        return SnapshotSettings{.path = c.dbfilename,
                                .compress = c.rdbcompression,
                                .checksum = c.rdbchecksum,
                                .stop_writes_on_error = c.stop_writes_on_bgsave_error,
                                .key_save_delay_us = c.rdb_key_save_delay,
                                .save_points = c.save,
                                .keys = rdb_keys_};
      },
      [this] {
        uint64_t total = 0;
        for (const auto& t : threads_) {
          total += t->stats.dirty.Get();
        }
        return total;
      },
      [this] { return keyspace_->used_bytes(); });
  aof_ = std::make_unique<AofService>(*keyspace_, settings_, *scripting_, snapshot_slot_, [this] {
    Config c = this->config();
    return AofSettings{.enabled = c.appendonly,
                       .dirname = c.appenddirname,
                       .filename = c.appendfilename,
                       .fsync = AofFsyncOf(c.appendfsync),
                       .load_truncated = c.aof_load_truncated,
                       .auto_rewrite_percentage = c.auto_aof_rewrite_percentage,
                       .auto_rewrite_min_size = c.auto_aof_rewrite_min_size,
                       .rdb_compression = c.rdbcompression,
                       .rdb_checksum = c.rdbchecksum,
                       .use_rdb_preamble = c.aof_use_rdb_preamble,
                       .timestamps = c.aof_timestamp_enabled,
                       .key_save_delay_us = c.rdb_key_save_delay};
  });
  replication_ = std::make_unique<ReplicationService>(*keyspace_, settings_, *scripting_,
                                                      snapshot_slot_, *aof_, pause_,
                                                      [this] { return ReplicationSettingsNow(); });
  services_->log = &replication_->log();
  key_events_.set_command_log(&replication_->log());
  RegisterConfigAppliers();
  appliers_.Publish(config_);
}

Server::~Server() {
  if (unix_listen_fd_ >= 0) {
    close(unix_listen_fd_);
    unlink(config_.unixsocket.c_str());  // as Redis removes its socket file at shutdown
  }
}

void Server::BlockSignals() {
  sigset_t signals = WaitedSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A write past RLIMIT_FSIZE fails with EFBIG instead of ending the process: the AOF's
  // writer reports it (MISCONF) and tries again, as for a full disk.
  signal(SIGXFSZ, SIG_IGN);
}

sigset_t Server::WaitedSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  return signals;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Config config) {
  // Before any thread exists (the audit log's writer starts below, the I/O threads in Run):
  // a thread inherits its creator's mask, so no thread can ever receive SIGTERM/SIGINT/SIGHUP,
  // whose default action would end the process; they stay pending for Run's sigtimedwait.
  BlockSignals();
  std::unique_ptr<Server> server(new Server(std::move(config)));
  std::shared_ptr<const tls::TlsContext> context;
  const Config cfg = server->config();
  absl::Status st = server->PrepareTls(Config{}, cfg, &context);
  if (!st.ok()) {
    return absl::InvalidArgumentError("Failed to configure TLS: " + std::string(st.message()));
  }
  server->tls_context_.store(context, std::memory_order_release);
  absl::StatusOr<std::shared_ptr<const persistence::EncryptionKeyring>> keys =
      persistence::LoadEncryptionKeyring(cfg.rdb_encryption_key_file,
                                         cfg.rdb_encryption_old_key_files);
  if (!keys.ok()) {
    return absl::InvalidArgumentError("Failed to read the RDB encryption keys: " +
                                      std::string(keys.status().message()));
  }
  {
    absl::MutexLock lock(&server->config_mu_);
    server->rdb_keys_ = *std::move(keys);
  }
  st = server->LoadConfiguredUsers();
  if (!st.ok()) {
    return st;
  }
  if (!cfg.audit_log_file.empty()) {
    st = server->audit_.Open(cfg.audit_log_file);
    if (!st.ok()) {
      return st;
    }
  }
  if (st = server->ReconcileMaxclients(); !st.ok()) {
    return st;
  }
  st = server->Listen();
  if (!st.ok()) {
    return st;
  }
  if (cfg.cluster_enabled) {
    if (st = server->OpenCluster(); !st.ok()) {
      return st;
    }
  }
  // Last, so that a start-up that fails writes nothing; before Run, so that no client sees an
  // id before the recorded secret replaces the provisional one.
  std::string dir = cfg.dir.empty() ? "." : cfg.dir;
  st = server->acl_->AttachCredentialState(dir + "/" + std::string(security::kCredentialStateFile));
  if (!st.ok()) {
    common::Log(common::LogLevel::kWarning, std::string(st.message()));
  }
  return server;
}

void Server::ResetStats() {
  stats_.ResetCounters();
  acl_->stats().Reset();
  keyspace_->ResetStats();
  replication_->ResetStats();
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    if (raw->loop.InLoopThread()) {
      raw->stats.Reset();  // the caller's: its next INFO must already show zeros
    } else {
      raw->loop.Post([raw] { raw->stats.Reset(); });
    }
  }
}

std::string Server::Info(std::span<const std::string_view> sections) {
  return BuildInfo(*this, sections);
}

MemoryOverhead Server::MemoryNow(ClientMemory* clients) {
  *clients = CollectClientMemory(*this);
  return CollectMemoryOverhead(*this, clients->buffers);
}

commands::LatencyDistribution Server::LatencyOf(const commands::CommandSpec& spec) {
  return CommandLatency(*this, spec);
}

void Server::RequestShutdownSaving(ShutdownSave save) {
  shutdown_save_.store(save);
  RequestShutdown();
}

void Server::RequestShutdown() {
  shutdown_.store(true);
  kill(getpid(), SIGTERM);
}

void Server::Cron() {
  cron_cycles_.fetch_add(1, std::memory_order_relaxed);
  keyspace_->Tick(static_cast<uint32_t>(common::UnixMillis() / 1000));
  // Redis spends up to 25% of a cron period on active expiry.
  int hz = config().hz;
  if (settings_.active_expire.load(std::memory_order_relaxed)) {
    keyspace_->ActiveExpireCycle(250000 / hz);
  }
  keyspace_->DropIdleSlotListings();  // cluster mode's, after a resharding
  tracking_.EnforceKeyLimit();        // tracking-table-max-keys, also between commands
  // Over maxmemory (lowered by CONFIG SET, or data grown by commands that do not evict), keys
  // go without waiting for the next command, as Redis's eviction time proc does. Here, on the
  // cron thread, no shard lock is held (an applier may run inside EXEC, which holds some).
  commands::HasRoomInMemory(services());
  // The peak of the dataset alone; INFO adds client buffers when it computes used_memory.
  uint64_t used = keyspace_->used_bytes();
  if (used > stats_.peak_memory.load(std::memory_order_relaxed)) {
    stats_.peak_memory.store(used, std::memory_order_relaxed);
  }
  WarnIfCrlExpired();
  acl_->PersistCredentialState();  // nothing to do unless a credential changed
  snapshots_->Cron();
  aof_->Cron();
  replication_->Cron();
  if (cluster_ != nullptr) {
    cluster_->Cron();
    cluster_->SyncReplicationRole(nullptr);  // a role changed by a command, if the bus missed it
  }
  CloseIdleMigrateConnections();
}

void Server::PublishToCluster(std::string_view channel, std::string_view message, bool shard) {
  if (cluster_bus_ != nullptr) {
    cluster_bus_->Publish(channel, message, shard);
  }
}

absl::Status Server::OpenCluster() {
  absl::StatusOr<std::unique_ptr<cluster::ClusterState>> state =
      cluster::ClusterState::Open(ClusterSettingsOf(config()), *keyspace_);
  if (!state.ok()) {
    return state.status();
  }
  cluster_ = *std::move(state);
  router_ = std::make_unique<cluster::SlotRouter>(*cluster_, commands_, *keyspace_);
  services_->cluster = router_.get();
  const Config c = config();
  // The bus listens on cluster-port, or port + 10000, whatever port it announces.
  const int bus_port = static_cast<int>(c.cluster_port != 0 ? c.cluster_port : c.port + 10000);
  if (c.cluster_port == 0 && c.port > 55535) {
    return absl::FailedPreconditionError(
        "Redis port number too high. Cluster communication port is 10,000 port numbers higher "
        "than your Redis port. Your Redis port number must be 55535 or less.");
  }
  cluster_bus_tls_ = std::make_unique<ClusterBusTls>(*this);
  if (absl::Status st = cluster_bus_tls_->Configure(c); !st.ok()) {
    return st;
  }
  cluster_bus_ = std::make_unique<cluster::ClusterBus>(
      *cluster_,
      [this](std::string_view channel, std::string_view message, bool shard) {
        // Another node's PUBLISH reaches this node's subscribers, as a local one would.
        if (shard) {
          pubsub_.PublishToShard(channel, message, nullptr);
        } else {
          pubsub_.Publish(channel, message, nullptr);
        }
      },
      cluster_bus_tls_.get());
  return cluster_bus_->Start(c.bind, bus_port);
}

void Server::ConnectClusterToReplication() {
  cluster_->set_replication_hooks(cluster::ReplicationHooks{
      .offset = [this] { return static_cast<uint64_t>(replication_->offset()); },
      .primary_silence_ms = [this] { return replication_->primary_silence_ms(); },
      .follow = [this](const std::string& ip, int port) { replication_->Follow(ip, port); },
      .become_primary = [this] { replication_->BecomePrimary(); },
      // A manual failover quiets the stream as FAILOVER does.
      .pause_writes = [this](int64_t until_ms) { replication_->QuiesceForFailover(until_ms); },
      .resume_writes = [this] { replication_->ResumeAfterFailover(); },
  });
  cluster_->SyncReplicationRole(nullptr);
}

void Server::WritePidFile(const std::string& path) {
  if (path.empty()) {
    return;
  }
  // As Redis's createPidFile: a failure is logged, not fatal.
  FILE* f = fopen(path.c_str(), "w");
  if (f == nullptr) {
    common::Log(common::LogLevel::kWarning,
                "Failed to write PID file: " + std::string(strerror(errno)));
    return;
  }
  fprintf(f, "%d\n", static_cast<int>(getpid()));
  fclose(f);
}

int Server::Run() {
  // Blocked since Create (in every thread); the main thread takes them here.
  BlockSignals();
  sigset_t signals = WaitedSignals();

  // jemalloc sets up its statistics (~290 KB) on their first read: done now, as Redis pays it
  // at start-up, rather than by the first INFO memory (which memory measurements start from).
  (void)ReadAllocatorStats();

  Config cfg = config();
  for (int i = 0; i < cfg.io_threads; ++i) {
    threads_.push_back(std::make_unique<IoThread>(i, commands_.stats_slots(), *services_));
  }
  for (auto& t : threads_) {
    AddAcceptors(*t);
    IoThread* raw = t.get();
    t->loop.SetPeriodic(10, [raw] {
      int64_t now = common::MonotonicMicros();
      int64_t wall = common::UnixMicros();
      std::vector<Connection*> snapshot = raw->connections;
      for (Connection* c : snapshot) {
        c->OnTimer(wall);
      }
      std::vector<IncomingConnection*> incoming = raw->incoming;
      for (IncomingConnection* c : incoming) {
        c->OnTimer(now);
      }
    });
    // After each batch: the AOF written (and, with appendfsync always, synced) once for the
    // whole batch, then the replies that waited for it.
    t->loop.SetBeforeSleep([this, raw] {
      tracking_.FlushBroadcasts();  // the BCAST messages of the batch's changes
      aof_->WriteBeforeSleep();
      replication_->WakeSenders();
      // Walked by index in place: the list keeps its capacity from batch to batch, and a
      // connection held while these are sent (none is expected) is sent too.
      for (size_t i = 0; i < raw->held_replies.size(); ++i) {
        raw->held_replies[i]->SendHeldReplies();
      }
      raw->held_replies.clear();
    });
  }
  std::string addrs;
  for (const std::string& a : cfg.bind) {
    addrs += " " + a;
  }
  std::string tls_text = "tls-mode " + std::string(TlsModeName(cfg.tls_mode));
  if (cfg.tls_port != 0) {
    tls_text += ", TLS-only port " + std::to_string(cfg.tls_port);
  }
  if (!cfg.unixsocket.empty()) {
    tls_text += ", unix socket " + cfg.unixsocket;
  }
  common::Log(common::LogLevel::kNotice,
              "Redoubt " + std::string(kRedoubtVersion) + " (Redis " + std::string(kRedisVersion) +
                  " compatible) ready to accept connections on port " + std::to_string(cfg.port) +
                  " (bind" + addrs + ", " + tls_text + ", " + std::to_string(cfg.io_threads) +
                  " I/O threads)");

  // With appendonly yes the AOF is the dataset, as in Redis: the RDB file is not read.
  if (cfg.appendonly) {
    if (absl::Status st = aof_->Start(MakeAofReplayRunner(services())); !st.ok()) {
      common::Log(common::LogLevel::kWarning, "Fatal error loading the append only file: " +
                                                  std::string(st.message()) + ". Exiting.");
      return 1;
    }
  } else if (absl::Status st = snapshots_->LoadAtStartup(); !st.ok()) {
    common::Log(common::LogLevel::kWarning, "Fatal error loading the DB (" + cfg.dbfilename +
                                                "): " + std::string(st.message()) + ". Exiting.");
    return 1;
  }
  // A replica connects to its primary once its own data is loaded (a full sync replaces it).
  replication_->Start(
      services(), [this] { aof_->Disable(); },
      [this] {
        if (config().appendonly) {
          aof_->Enable();  // a new base from the loaded data, as Redis restarts its AOF
        }
      });
  if (cluster_ != nullptr) {
    ConnectClusterToReplication();  // a replica in nodes.conf follows its primary from now on
  }
  WritePidFile(cfg.pidfile);
  // Only now: a client that gets an answer finds the start-up lines already in the log.
  for (auto& t : threads_) {
    t->Start();
  }

  int64_t last_ops = 0;
  uint64_t last_in = 0;
  uint64_t last_out = 0;
  int64_t last_ops_time = common::MonotonicMicros();
  while (true) {
    // One period of `hz` (1..500). tv_nsec must stay below a second: at hz 1 a {0, 1e9}
    // timespec is EINVAL, which returned at once and ran the cron in a busy loop.
    const int64_t period_ns = 1000000000 / config().hz;
    timespec wait{static_cast<time_t>(period_ns / 1000000000),
                  static_cast<long>(period_ns % 1000000000)};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    // SHUTDOWN sets shutdown_ and raises SIGTERM; the flag alone also ends the loop, so a
    // shutdown never depends on signal delivery.
    if (sig == SIGTERM || sig == SIGINT || shutdown_.load()) {
      // SHUTDOWN already logged "User requested shutdown..." and raised SIGTERM only to wake
      // this wait: the log must not claim a signal arrived.
      if (!shutdown_.load()) {
        common::Log(common::LogLevel::kWarning, sig == SIGINT
                                                    ? "Received SIGINT scheduling shutdown..."
                                                    : "Received SIGTERM scheduling shutdown...");
      }
      ShutdownSave save = shutdown_save_.load();
      aof_->WaitForRewrite();  // its snapshot and the final one cannot run at once
      if (save == ShutdownSave::kSave ||
          (save == ShutdownSave::kDefault && !config().save.empty())) {
        common::Log(common::LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
        if (absl::Status st = snapshots_->Save(); !st.ok()) {
          common::Log(common::LogLevel::kWarning,
                      "Error trying to save the DB, can't exit: " + std::string(st.message()));
          shutdown_.store(false);
          shutdown_save_.store(ShutdownSave::kDefault);
          continue;
        }
      }
      break;
    }
    if (sig == SIGHUP) {
      // As Redis: reopen the log (rotation). Also re-read the TLS certificate and key, so a
      // renewed certificate written over the old files takes effect without a CONFIG SET.
      common::OpenLog(config().logfile);
      (void)ReloadTlsFiles();
      // Log rotation: the audit log is opened again by name.
      if (absl::Status st = audit_.Reopen(); !st.ok()) {
        common::Log(common::LogLevel::kWarning, std::string(st.message()));
      }
      continue;
    }
    Cron();
    int64_t now = common::MonotonicMicros();
    if (now - last_ops_time >= 1000000) {
      int64_t total = 0;
      uint64_t in = 0;
      uint64_t out = 0;
      for (auto& t : threads_) {
        total += static_cast<int64_t>(t->stats.commands_processed.Get());
        in += t->stats.net_input_bytes.Get();
        out += t->stats.net_output_bytes.Get();
      }
      int64_t elapsed = now - last_ops_time;
      // CONFIG RESETSTAT can move the totals backwards: report 0 for that second.
      stats_.instantaneous_ops.store(
          total >= last_ops ? static_cast<uint64_t>((total - last_ops) * 1000000 / elapsed) : 0,
          std::memory_order_relaxed);
      double seconds = static_cast<double>(elapsed) / 1e6;
      stats_.instantaneous_input_kbps.store(
          in >= last_in ? static_cast<double>(in - last_in) / 1024 / seconds : 0,
          std::memory_order_relaxed);
      stats_.instantaneous_output_kbps.store(
          out >= last_out ? static_cast<double>(out - last_out) / 1024 / seconds : 0,
          std::memory_order_relaxed);
      last_ops = total;
      last_in = in;
      last_out = out;
      last_ops_time = now;
    }
  }
  // Each thread stops accepting, closes its own connections (a connection is only touched by
  // its thread), then stops; Run() frees what was closed before it returns. Accepting stops
  // first: posted tasks run before the batch's sockets, so a listening socket's event in the
  // same batch would otherwise add a connection after the others were closed, never freed.
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    raw->loop.Post([raw] {
      raw->StopAccepting();
      std::vector<Connection*> open = raw->connections;
      for (Connection* c : open) {
        c->Close("shutdown");
      }
      std::vector<IncomingConnection*> incoming = raw->incoming;
      for (IncomingConnection* c : incoming) {
        c->Abort();
      }
    });
  }
  for (auto& t : threads_) {
    t->StopAndJoin();
  }
  replication_->Shutdown();  // after the I/O threads: replicas get what they appended
  aof_->Shutdown();  // after the I/O threads: every write they appended is written and synced
  audit_.Close();    // after the I/O threads: their last disconnect records are written too
  acl_->PersistCredentialState();  // a change made since the last cron
  if (!cfg.pidfile.empty()) {
    unlink(cfg.pidfile.c_str());  // as Redis removes its pidfile at shutdown
  }
  common::Log(common::LogLevel::kWarning, "Redoubt is now ready to exit, bye bye...");
  return 0;
}

}  // namespace redoubt::server
