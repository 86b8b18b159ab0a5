// Replication for the server; see replication_service.h.
#include "server/replication_service.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "common/clock.h"
#include "common/log.h"
#include "persistence/rdb_snapshot.h"
#include "server/aof_replay.h"

namespace redoubt::server {

bool ParseReplicaOf(const std::string& text, std::string* host, int* port) {
  size_t space = text.rfind(' ');
  if (space == std::string::npos) {
    return false;
  }
  *host = text.substr(0, space);
  *port = std::atoi(text.c_str() + space + 1);
  return !host->empty() && *port > 0;
}

ReplicationService::ReplicationService(storage::Keyspace& keyspace,
                                       commands::RuntimeSettings& runtime,
                                       commands::ScriptingServices& functions,
                                       persistence::SnapshotSlot& slot, commands::CommandLog& aof,
                                       commands::ClientPause& pause,
                                       std::function<ReplicationSettings()> settings)
    : keyspace_(keyspace),
      runtime_(runtime),
      functions_(functions),
      slot_(slot),
      pause_(pause),
      settings_(std::move(settings)),
      stream_(settings_().backlog_size),
      log_(aof, stream_) {}

ReplicationService::~ReplicationService() {
  Shutdown();
}

void ReplicationService::Start(const commands::ExecutionServices& services,
                               std::function<void()> before_load,
                               std::function<void()> after_load) {
  const ReplicationSettings s = settings_();
  std::string host;
  int port = 0;
  {
    absl::MutexLock lock(&mu_);
    apply_ = MakePrimaryLinkRunner(services);
    before_load_ = std::move(before_load);
    after_load_ = std::move(after_load);
  }
  if (!s.replicaof.empty() && ParseReplicaOf(s.replicaof, &host, &port)) {
    Follow(host, port);
  }
}

bool ReplicationService::is_replica() const {
  absl::MutexLock lock(&mu_);
  return replica_;
}

bool ReplicationService::link_up() const {
  absl::MutexLock lock(&mu_);
  return link_ != nullptr && link_->up();
}

int64_t ReplicationService::primary_silence_ms() const {
  absl::MutexLock lock(&mu_);
  if (!replica_) {
    return -1;
  }
  return link_ != nullptr ? link_->silence_ms() : std::numeric_limits<int64_t>::max() / 2;
}

void ReplicationService::StopSendersLocked() {
  for (auto& sender : senders_) {
    sender->Stop();
  }
  senders_.clear();
}

bool ReplicationService::Follow(const std::string& host, int port) {
  {
    absl::MutexLock lock(&mu_);
    if (replica_ && host_ == host && port_ == port) {
      return false;
    }
  }
  StopLink();  // a replica changing primaries: the old link goes first
  {
    absl::MutexLock lock(&mu_);
    FollowLocked(host, port);
  }
  UpdateGate(settings_());
  return true;
}

void ReplicationService::FollowLocked(const std::string& host, int port) {
  const bool was_primary = !replica_;
  replica_ = true;
  host_ = host;
  port_ = port;
  // The replicas that followed this node resync (they will continue from the new primary's
  // stream through this one, by PSYNC when their offsets allow it), as Redis disconnects them.
  StopSendersLocked();
  if (was_primary) {
    // This node's own history stays its PSYNC request: a former primary that follows its
    // replica after a failover continues from its offset instead of a full copy.
    stream_.Activate();
  }
  log_.set_feeds_stream(false);
  keyspace_.set_expiry_paused(true);   // the primary's DEL removes expired keys
  keyspace_.set_replica_expiry(true);  // meanwhile its clients do not see them
  common::SetLogRole(true);
  common::Log(common::LogLevel::kNotice,
              "Connecting to MASTER " + host + ":" + std::to_string(port));
  StartLinkLocked();
}

void ReplicationService::StartLinkLocked() {
  replication::LinkEnv env{
      .stream = stream_,
      .keyspace = keyspace_,
      .runtime = runtime_,
      .functions = functions_,
      .apply = apply_,
      .before_load = before_load_ ? before_load_ : [] {},
      .after_load = after_load_ ? after_load_ : [] {},
      .settings =
          [this] {
            const ReplicationSettings now = settings_();
            replication::LinkSettings l;
            {
              absl::MutexLock lock(&mu_);
              l.host = host_;
              l.port = port_;
            }
            l.user = now.masteruser;
            l.password = now.masterauth;
            l.listening_port = now.listening_port;
            l.announce_ip = now.announce_ip;
            l.source_ip = now.bind_source_addr;
            l.repl_timeout_ms = now.timeout_seconds * 1000;
            l.rdb_checksum = now.rdb_checksum;
            l.rdb_keys = now.rdb_keys;
            {
              absl::MutexLock lock(&mu_);
              l.failover = failover_link_;
            }
            return l;
          },
      .wrap_tls = [this](int fd) -> absl::StatusOr<std::unique_ptr<net::Transport>> {
        const ReplicationSettings now = settings_();
        if (!now.tls_replication) {
          return std::unique_ptr<net::Transport>();
        }
        absl::StatusOr<std::shared_ptr<const tls::TlsClientContext>> ctx =
            tls::TlsClientContext::Create(now.tls_client);
        if (!ctx.ok()) {
          close(fd);
          return ctx.status();
        }
        absl::StatusOr<std::unique_ptr<tls::TlsTransport>> t =
            (*ctx)->Connect(fd, static_cast<int>(now.timeout_seconds * 1000));
        if (!t.ok()) {
          return t.status();
        }
        return std::unique_ptr<net::Transport>(std::move(*t));
      },
  };
  link_ = std::make_unique<replication::PrimaryLink>(std::move(env));
  link_->Start();
}

bool ReplicationService::StopLink() {
  std::unique_ptr<replication::PrimaryLink> old_link;
  {
    absl::MutexLock lock(&mu_);
    if (!replica_) {
      return false;
    }
    old_link = std::move(link_);
  }
  if (old_link != nullptr) {
    old_link->Stop();  // outside mu_: its thread reads the settings, which take mu_
  }
  return true;
}

void ReplicationService::RestartLink() {
  if (!StopLink()) {
    return;
  }
  absl::MutexLock lock(&mu_);
  if (replica_ && link_ == nullptr) {
    StartLinkLocked();
  }
}

void ReplicationService::BecomePrimary() {
  if (!StopLink()) {
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    BecomePrimaryLocked();
  }
  UpdateGate(settings_());
}

void ReplicationService::BecomePrimaryLocked() {
  replica_ = false;
  host_.clear();
  port_ = 0;
  // The history so far stays valid under the old id (replid2), so the other replicas of the
  // old primary continue from here with PSYNC; sub-replicas reconnect to learn the new id.
  stream_.ShiftReplicationId();
  StopSendersLocked();
  log_.set_feeds_stream(true);
  keyspace_.set_expiry_paused(false);
  keyspace_.set_replica_expiry(false);
  common::SetLogRole(false);
  common::Log(common::LogLevel::kNotice,
              "MASTER MODE enabled (user request from REPLICAOF NO ONE or a failover)");
}

absl::StatusOr<replication::FullSyncSnapshot> ReplicationService::BeginSnapshot(
    const std::function<void()>& at_cut) {
  if (!slot_.TryAcquire(persistence::SnapshotSlot::Owner::kFullSync)) {
    return absl::UnavailableError("a snapshot is running");
  }
  const ReplicationSettings s = settings_();
  persistence::SnapshotOptions options{
      .compress = s.rdb_compression,
      .checksum = s.rdb_checksum,
      .used_memory = s.used_memory,
      .key_save_delay_us = s.key_save_delay_us,
      .function_libraries = [this] { return functions_.FunctionLibraryCodes(); }};
  auto snapshot = std::make_unique<persistence::RdbSnapshot>(keyspace_, options);
  snapshot->Begin(at_cut);
  return replication::FullSyncSnapshot{std::move(snapshot), [this] { slot_.Release(); }};
}

void ReplicationService::AttachReplica(std::unique_ptr<net::Transport> transport,
                                       std::string peer_ip, replication::ReplicaHandshake handshake,
                                       replication::SyncRequest request, std::string unread_input,
                                       std::string unsent_output) {
  stream_.Activate();  // the backlog exists from the first replica on, as in Redis
  replication::SenderEnv env{
      .stream = stream_,
      .counters = counters_,
      .begin_snapshot =
          [this](const std::function<void()>& at_cut) { return BeginSnapshot(at_cut); },
      .settings = [this] { return settings_().sender; },
  };
  absl::MutexLock lock(&mu_);
  auto sender = std::make_unique<replication::ReplicaSender>(
      std::move(env), std::move(transport), std::move(peer_ip), std::move(handshake),
      std::move(request), std::move(unread_input), ++next_sender_id_);
  sender->Start(std::move(unsent_output));
  senders_.push_back(std::move(sender));
}

std::vector<ReplicationService::ReplicaClient> ReplicationService::ReplicaClients() {
  absl::MutexLock lock(&mu_);
  std::vector<ReplicaClient> out;
  for (const auto& sender : senders_) {
    if (!sender->finished()) {
      out.push_back({sender->handshake(), sender->DescribeClient()});
    }
  }
  return out;
}

void ReplicationService::KillReplicaClients(const std::vector<uint64_t>& client_ids) {
  absl::MutexLock lock(&mu_);
  for (auto& sender : senders_) {
    if (std::find(client_ids.begin(), client_ids.end(), sender->handshake().client_id) !=
        client_ids.end()) {
      common::Log(
          common::LogLevel::kNotice,
          "Closing the link of replica " + sender->handshake().peer_address + " (CLIENT KILL)");
      sender->RequestStop();  // reaped by the cron once its thread ends
    }
  }
}

void ReplicationService::ClosePlaintextReplicas() {
  // Runs inside a CONFIG SET (under the config lock, which a sender's thread may be waiting
  // for): the links are closed at once and their threads reaped by the cron.
  absl::MutexLock lock(&mu_);
  size_t closed = 0;
  for (auto& sender : senders_) {
    if (sender->plaintext_tcp()) {
      sender->RequestStop();
      ++closed;
    }
  }
  if (closed > 0) {
    common::Log(common::LogLevel::kNotice, "tls-mode required: closing " + std::to_string(closed) +
                                               " plaintext replica link(s)");
  }
}

absl::Status ReplicationService::StartFailover(const FailoverRequest& request) {
  absl::MutexLock lock(&mu_);
  if (replica_) {
    return absl::FailedPreconditionError("ERR FAILOVER is not valid when server is a replica.");
  }
  if (senders_.empty()) {
    return absl::FailedPreconditionError("ERR FAILOVER requires connected replicas.");
  }
  if (failover_ != FailoverState::kNone) {
    return absl::FailedPreconditionError("ERR FAILOVER already in progress.");
  }
  if (!request.host.empty()) {
    const replication::ReplicaSender* target = nullptr;
    for (const auto& sender : senders_) {
      const replication::ReplicaStatus st = sender->status();
      if (st.ip == request.host && st.port == request.port) {
        target = sender.get();
      }
    }
    if (target == nullptr) {
      return absl::FailedPreconditionError("ERR FAILOVER target HOST and PORT is not a replica.");
    }
    if (!target->online()) {
      return absl::FailedPreconditionError("ERR FAILOVER target replica is not online.");
    }
  }
  failover_ = FailoverState::kWaitingForSync;
  failover_request_ = request;
  const int64_t now = common::UnixMillis();
  failover_deadline_ms_ = request.timeout_ms > 0 ? now + request.timeout_ms : 0;
  // Until the failover ends, so that the stream stops where the target must catch up.
  QuiesceForFailover(std::numeric_limits<int64_t>::max() / 2);
  stream_.AppendRaw("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  stream_.Wake();
  common::Log(common::LogLevel::kNotice,
              "FAILOVER requested to " +
                  (request.host.empty() ? std::string("any replica")
                                        : request.host + ":" + std::to_string(request.port)) +
                  ".");
  return absl::OkStatus();
}

void ReplicationService::EndFailoverLocked(const std::string& why) {
  failover_ = FailoverState::kNone;
  failover_link_ = false;
  failover_deadline_ms_ = 0;
  ResumeAfterFailoverLocked();
  common::Log(common::LogLevel::kNotice, why);
}

void ReplicationService::QuiesceForFailover(int64_t until_unix_ms) {
  quiet_until_ms_.store(until_unix_ms);
  keyspace_.set_expiry_paused(true);
  pause_.Pause(until_unix_ms, /*writes_only=*/true);
}

void ReplicationService::ResumeAfterFailover() {
  absl::MutexLock lock(&mu_);
  ResumeAfterFailoverLocked();
}

void ReplicationService::ResumeAfterFailoverLocked() {
  pause_.Unpause();
  if (!replica_) {
    keyspace_.set_expiry_paused(false);
  }
  quiet_until_ms_.store(0);
}

absl::Status ReplicationService::AbortFailover() {
  bool revert = false;
  {
    absl::MutexLock lock(&mu_);
    if (failover_ == FailoverState::kNone) {
      return absl::FailedPreconditionError("ERR No failover in progress.");
    }
    revert = failover_ == FailoverState::kInProgress;
  }
  AbandonFailover(revert, "FAILOVER aborted: Failover manually aborted");
  return absl::OkStatus();
}

void ReplicationService::AbandonFailover(bool revert, const std::string& why) {
  // Following the target already: back to being a primary (the history continues).
  if (revert && StopLink()) {
    absl::MutexLock lock(&mu_);
    BecomePrimaryLocked();
  }
  absl::MutexLock lock(&mu_);
  EndFailoverLocked(why);
}

void ReplicationService::StepFailover() {
  std::string target_host;
  int target_port = 0;
  bool revert = false;
  {
    absl::MutexLock lock(&mu_);
    if (failover_ == FailoverState::kNone) {
      return;
    }
    const int64_t now = common::UnixMillis();
    if (failover_ == FailoverState::kInProgress) {
      const int result = link_ != nullptr ? link_->first_psync_result() : -1;
      if (result > 0) {
        EndFailoverLocked("Failover target accepted the handover: this node is a replica now.");
        return;
      }
      if (result < 0) {
        revert = true;
      } else {
        return;
      }
    } else {
      // Waiting for a replica (the target, or any) to acknowledge everything written.
      for (const auto& sender : senders_) {
        const replication::ReplicaStatus st = sender->status();
        const bool is_target =
            failover_request_.host.empty() ||
            (st.ip == failover_request_.host && st.port == failover_request_.port);
        if (is_target && sender->online() && sender->ack_offset() >= stream_.offset()) {
          target_host = st.ip;
          target_port = st.port;
          break;
        }
      }
      if (target_host.empty() && failover_deadline_ms_ != 0 && now >= failover_deadline_ms_) {
        if (!failover_request_.force) {
          EndFailoverLocked("FAILOVER aborted: Replica never caught up before timeout");
          return;
        }
        target_host = failover_request_.host;  // FORCE: hand over anyway
        target_port = failover_request_.port;
      }
      if (target_host.empty()) {
        return;
      }
      failover_ = FailoverState::kInProgress;
      failover_link_ = true;
    }
  }
  if (revert) {
    AbandonFailover(true, "FAILOVER aborted: the target refused the handover");
    return;
  }
  common::Log(common::LogLevel::kNotice, "Failover target " + target_host + ":" +
                                             std::to_string(target_port) +
                                             " is synced; handing over.");
  Follow(target_host, target_port);
}

absl::Status ReplicationService::PromoteForFailover(std::string_view replid) {
  {
    absl::MutexLock lock(&mu_);
    if (!replica_ || replid != stream_.replid()) {
      return absl::FailedPreconditionError("ERR PSYNC FAILOVER replid must match my replid.");
    }
  }
  common::Log(common::LogLevel::kNotice, "Failover request received: becoming a primary.");
  BecomePrimary();
  return absl::OkStatus();
}

void ReplicationService::Cron() {
  if (restart_link_.exchange(false)) {
    RestartLink();
  }
  const ReplicationSettings s = settings_();
  stream_.set_backlog_size(s.backlog_size);
  std::vector<std::unique_ptr<replication::ReplicaSender>> ended;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = senders_.begin(); it != senders_.end();) {
      if ((*it)->finished()) {
        ended.push_back(std::move(*it));
        it = senders_.erase(it);
      } else {
        ++it;
      }
    }
    // Redis's replicationCron: a PING in the stream every repl-ping-replica-period, so that
    // replicas see a live primary (and time out a dead one). A replica's stream is its
    // primary's, which pings for it.
    const int64_t now = common::MonotonicMillis();
    // Not while a failover keeps the stream quiet (QuiesceForFailover).
    if (!replica_ && !senders_.empty() && common::UnixMillis() >= quiet_until_ms_.load() &&
        now - last_ping_ms_ >= s.ping_period_seconds * 1000) {
      last_ping_ms_ = now;
      stream_.AppendRaw("*1\r\n$4\r\nPING\r\n");
    }
    good_replicas_ = 0;
    for (const auto& sender : senders_) {
      if (sender->online() && sender->lag_seconds() <= s.min_replicas_max_lag) {
        ++good_replicas_;
      }
    }
  }
  ended.clear();  // joined outside mu_
  StepFailover();
  UpdateGate(s);
  stream_.Wake();
}

void ReplicationService::UpdateGate(const ReplicationSettings& s) {
  uint32_t gate = 0;
  {
    absl::MutexLock lock(&mu_);
    if (replica_) {
      if (s.read_only) {
        gate |= commands::kGateReadOnly;
      }
      if (!s.serve_stale_data && (link_ == nullptr || !link_->up())) {
        gate |= commands::kGateStale;
      }
    } else if (s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0 &&
               good_replicas_ < static_cast<uint64_t>(s.min_replicas_to_write)) {
      gate |= commands::kGateNoReplicas;
    }
  }
  // The loading bit belongs to the link while it loads a snapshot.
  uint32_t current = runtime_.replica_gate.load();
  uint32_t next;
  do {
    next = (current & commands::kGateLoading) | gate;
  } while (!runtime_.replica_gate.compare_exchange_weak(current, next));
}

int64_t ReplicationService::CountAcked(int64_t offset) {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (const auto& sender : senders_) {
    if (sender->online() && sender->ack_offset() >= offset) {
      ++n;
    }
  }
  return n;
}

void ReplicationService::RequestAcks() {
  stream_.AppendRaw("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  stream_.Wake();
}

ReplicationService::RoleView ReplicationService::Role() {
  RoleView v;
  v.offset = stream_.offset();
  absl::MutexLock lock(&mu_);
  v.replica = replica_;
  if (replica_) {
    v.host = host_;
    v.port = port_;
    v.state = link_ != nullptr ? link_->status().state : "connect";
  } else {
    for (const auto& sender : senders_) {
      if (sender->online()) {
        v.replicas.push_back(sender->status());
      }
    }
  }
  return v;
}

std::vector<std::pair<std::string, std::string>> ReplicationService::InfoFields() {
  const ReplicationSettings s = settings_();
  const replication::StreamIds ids = stream_.ids();
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](std::string name, auto value) {
    if constexpr (std::is_convertible_v<decltype(value), std::string>) {
      out.emplace_back(std::move(name), std::string(value));
    } else {
      out.emplace_back(std::move(name), std::to_string(value));
    }
  };
  std::vector<replication::ReplicaStatus> replicas;
  absl::MutexLock lock(&mu_);
  for (const auto& sender : senders_) {
    if (!sender->finished()) {
      replicas.push_back(sender->status());
    }
  }
  if (replica_) {
    add("role", "slave");
    add("master_host", host_);
    add("master_port", port_);
    const replication::LinkStatus l =
        link_ != nullptr ? link_->status() : replication::LinkStatus{};
    add("master_link_status", l.up ? "up" : "down");
    add("master_last_io_seconds_ago", l.last_io_seconds);
    add("master_sync_in_progress", l.sync_in_progress ? 1 : 0);
    add("slave_read_repl_offset", ids.offset);
    add("slave_repl_offset", ids.offset);
    if (l.sync_in_progress) {
      add("master_sync_total_bytes", l.sync_total_bytes);
      add("master_sync_read_bytes", l.sync_read_bytes);
      add("master_sync_left_bytes",
          l.sync_total_bytes >= 0 ? l.sync_total_bytes - l.sync_read_bytes : -1);
      add("master_sync_perc", l.sync_total_bytes > 0
                                  ? std::to_string(100.0 * static_cast<double>(l.sync_read_bytes) /
                                                   static_cast<double>(l.sync_total_bytes))
                                  : std::string("-0.00"));
      add("master_sync_last_io_seconds_ago", l.last_io_seconds);
    }
    if (!l.up) {
      add("master_link_down_since_seconds", l.down_since_seconds);
    }
    add("slave_priority", 100);
    add("slave_read_only", s.read_only ? 1 : 0);
    add("replica_announced", 1);
  } else {
    add("role", "master");
  }
  add("connected_slaves", replicas.size());
  if (!replica_ && s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0) {
    add("min_slaves_good_slaves", good_replicas_);
  }
  for (size_t i = 0; i < replicas.size(); ++i) {
    const replication::ReplicaStatus& r = replicas[i];
    add("slave" + std::to_string(i),
        "ip=" + r.ip + ",port=" + std::to_string(r.port) + ",state=" + r.state +
            ",offset=" + std::to_string(r.ack_offset) + ",lag=" + std::to_string(r.lag_seconds));
  }
  add("master_failover_state", failover_ == FailoverState::kWaitingForSync ? "waiting-for-sync"
                               : failover_ == FailoverState::kInProgress   ? "failover-in-progress"
                                                                           : "no-failover");
  add("master_replid", ids.replid);
  add("master_replid2", ids.replid2);
  add("master_repl_offset", ids.offset);
  add("second_repl_offset", ids.second_offset);
  add("repl_backlog_active", ids.backlog_active ? 1 : 0);
  add("repl_backlog_size", ids.backlog_size);
  add("repl_backlog_first_byte_offset", ids.backlog_first_byte);
  add("repl_backlog_histlen", ids.backlog_histlen);
  return out;
}

void ReplicationService::Shutdown() {
  std::unique_ptr<replication::PrimaryLink> link;
  std::vector<std::unique_ptr<replication::ReplicaSender>> senders;
  {
    absl::MutexLock lock(&mu_);
    link = std::move(link_);
    senders = std::move(senders_);
    senders_.clear();
  }
  if (link != nullptr) {
    link->Stop();
  }
  for (auto& sender : senders) {
    sender->Stop();
  }
}

}  // namespace redoubt::server
