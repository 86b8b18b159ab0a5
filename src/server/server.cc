// Server wiring, accept path and cron; see server.h.
#include "server/server.h"

#include <absl/strings/escaping.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "common/clock.h"
#include "common/log.h"
#include "net/plain_transport.h"
#include "net/socket_util.h"
#include "server/admission.h"
#include "server/audit_records.h"
#include "server/connection.h"
#include "server/incoming_connection.h"
#include "server/open_files_limit.h"

namespace redoubt::server {
namespace {

IncomingConnection::Listener ListenerOf(ListenKind kind) {
  return kind == ListenKind::kTlsPort ? IncomingConnection::Listener::kTlsPort
                                      : IncomingConnection::Listener::kMainPort;
}

// The listener's "ip:port" when it is bound to one address (every accepted socket has it),
// empty for a wildcard bind (then each connection's own is asked).
std::string AcceptorAddress(int fd) {
  std::string local = net::LocalAddress(fd);
  bool wildcard = local.rfind("0.0.0.0:", 0) == 0 || local.rfind(":::", 0) == 0;
  return wildcard ? "" : local;
}

// A 40-character hex id, as Redis's run_id and replid.
std::string RandomHexId() {
  std::random_device rd;
  std::mt19937_64 rng((uint64_t{rd()} << 32) ^ rd());
  char bytes[20];
  for (char& b : bytes) {
    b = static_cast<char>(rng());
  }
  return absl::BytesToHexString(absl::string_view(bytes, sizeof(bytes)));
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      keyspace_(std::make_unique<storage::Keyspace>(config_.databases)),
      start_time_ms_(common::UnixMillis()),
      run_id_(RandomHexId()),
      replication_id_(RandomHexId()),
      ticket_keys_(tls::RandomTicketKeys()) {
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
  });
  RegisterConfigAppliers();
  appliers_.Publish(config_);
}

Server::~Server() {
  if (unix_listen_fd_ >= 0) {
    close(unix_listen_fd_);
    unlink(config_.unixsocket.c_str());  // as Redis removes its socket file at shutdown
  }
  for (auto& t : threads_) {
    for (net::Acceptor* acceptor : t->acceptors) {
      delete acceptor;
    }
  }
}

void Server::BlockSignals() {
  sigset_t signals = WaitedSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
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
  absl::Status st = server->PrepareTls(Config{}, server->config_, &context);
  if (!st.ok()) {
    return absl::InvalidArgumentError("Failed to configure TLS: " + std::string(st.message()));
  }
  server->tls_context_.store(context, std::memory_order_release);
  st = server->LoadConfiguredUsers();
  if (!st.ok()) {
    return st;
  }
  if (!server->config_.audit_log_file.empty()) {
    st = server->audit_.Open(server->config_.audit_log_file);
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
  // Last, so that a start-up that fails writes nothing; before Run, so that no client sees an
  // id before the recorded secret replaces the provisional one.
  std::string dir = server->config_.dir.empty() ? "." : server->config_.dir;
  st = server->acl_->AttachCredentialState(dir + "/" + std::string(security::kCredentialStateFile));
  if (!st.ok()) {
    common::Log(common::LogLevel::kWarning, std::string(st.message()));
  }
  return server;
}

absl::Status Server::ReconcileMaxclients() {
  int requested = config_.maxclients;
  OpenFilesOutcome outcome = AdjustOpenFilesLimit(requested, config_.io_threads);
  std::vector<std::string> lines = DescribeOpenFilesOutcome(outcome, requested, config_.io_threads);
  if (outcome.maxclients == 0) {
    return absl::ResourceExhaustedError(lines.front());
  }
  bool reduced = outcome.maxclients < requested;
  for (const std::string& line : lines) {
    common::Log(reduced ? common::LogLevel::kWarning : common::LogLevel::kNotice, line);
  }
  config_.maxclients = outcome.maxclients;
  maxclients.store(outcome.maxclients, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status Server::Listen() {
  if (!config_.unixsocket.empty()) {
    absl::StatusOr<int> fd = net::ListenUnix(
        config_.unixsocket, static_cast<unsigned>(config_.unixsocketperm), config_.tcp_backlog);
    if (!fd.ok()) {
      return fd.status();
    }
    unix_listen_fd_ = *fd;
  }
  ListenChange change;
  std::string detail;
  if (absl::Status st = listeners_.Apply(ListenOptionsFor(config_), &change, &detail); !st.ok()) {
    return absl::UnavailableError(detail);
  }
  return absl::OkStatus();
}

ListenOptions Server::ListenOptionsFor(const Config& c) const {
  return {.bind = c.bind,
          .port = c.port,
          .tls_port = c.tls_port,
          .backlog = c.tcp_backlog,
          .keepalive_seconds = c.tcp_keepalive};
}

absl::Status Server::ChangeListeners(const Config& next,
                                     const std::vector<std::string>& changed_names) {
  ListenChange change;
  std::string detail;
  absl::Status st = listeners_.Apply(ListenOptionsFor(next), &change, &detail);
  if (!st.ok()) {
    // Redis's texts, naming the directive it suspects: bind when the addresses changed.
    bool bind_changed = next.bind != config_.bind;
    std::string name = bind_changed ? "bind" : next.port != config_.port ? "port" : "tls-port";
    for (const std::string& changed : changed_names) {
      if (commands::EqualsIgnoreCase(changed, name)) {
        name = commands::ToLower(changed);  // as typed, an alias included
      }
    }
    common::Log(common::LogLevel::kWarning, "Failed to listen (" + name + "): " + detail);
    return absl::InvalidArgumentError(
        "CONFIG SET failed (possibly related to argument '" + name + "') - " +
        (bind_changed ? "Failed to bind to specified addresses."
                      : "Unable to listen on this port. Check server logs."));
  }
  if (!change.empty()) {
    HandOverListeners(std::move(change));
  }
  return absl::OkStatus();
}

void Server::AddAcceptor(IoThread& t, int fd, IncomingConnection::Listener listener,
                         std::string local_address) {
  auto* acceptor = new net::Acceptor(
      t.loop, fd, accept_mu_, std::make_unique<Admission>(*this, t, listener, local_address));
  t.acceptors.push_back(acceptor);
  if (!acceptor->Start()) {
    // The socket stays open and the other threads accept on it; this thread cannot.
    common::Log(common::LogLevel::kWarning, "Cannot watch listening socket " + local_address +
                                                " on I/O thread " + std::to_string(t.index) + ": " +
                                                strerror(errno));
  }
}

void Server::HandOverListeners(ListenChange change) {
  auto shared = std::make_shared<ListenChange>(std::move(change));
  auto pending = std::make_shared<std::atomic<size_t>>(threads_.size());
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    raw->loop.Post([this, raw, shared, pending] {
      for (const ListenSocket& s : shared->opened) {
        AddAcceptor(*raw, s.fd, ListenerOf(s.kind), AcceptorAddress(s.fd));
      }
      for (const ListenSocket& s : shared->retired) {
        auto it = std::find_if(raw->acceptors.begin(), raw->acceptors.end(),
                               [&](const net::Acceptor* a) { return a->listen_fd() == s.fd; });
        if (it != raw->acceptors.end()) {
          (*it)->Stop();
          raw->loop.DeleteLater(*it);  // an event for it may follow in this batch
          raw->acceptors.erase(it);
        }
      }
      // The last thread to let go closes them: no acceptor can use the numbers any more.
      if (pending->fetch_sub(1, std::memory_order_acq_rel) == 1) {
        for (const ListenSocket& s : shared->retired) {
          close(s.fd);
        }
      }
    });
  }
}

absl::Status Server::PrepareTls(const Config& current, const Config& next,
                                std::shared_ptr<const tls::TlsContext>* context,
                                bool reread_files) const {
  // Checked even while no certificate is loaded (TLS off), so that a setting which would
  // refuse every client later is refused now, where it is typed.
  bool has_ca = !next.tls.ca_cert_file.empty() || !next.tls.ca_cert_dir.empty();
  if (next.tls.client_auth != tls::ClientAuth::kNo && !has_ca) {
    return absl::InvalidArgumentError(
        "tls-auth-clients " + std::string(tls::ClientAuthName(next.tls.client_auth)) +
        " needs tls-ca-cert-file or tls-ca-cert-dir: the CAs whose client certificates are "
        "accepted");
  }
  if (!next.tls.crl_file.empty() && !has_ca) {
    return absl::InvalidArgumentError(
        "tls-crl-file needs tls-ca-cert-file or tls-ca-cert-dir: the CAs that sign its CRLs");
  }
  *context = tls_context();
  if (next.tls != current.tls || *context == nullptr || reread_files) {
    if (next.tls.cert_file.empty() && next.tls.key_file.empty()) {
      *context = nullptr;
    } else {
      absl::StatusOr<std::shared_ptr<const tls::TlsContext>> built =
          tls::TlsContext::Create(next.tls, ticket_keys_);
      if (!built.ok()) {
        return built.status();
      }
      *context = *built;
    }
  }
  if (*context == nullptr && next.tls_mode != TlsMode::kNone) {
    return absl::FailedPreconditionError(
        "tls-mode " + std::string(TlsModeName(next.tls_mode)) +
        " needs a certificate: set tls-cert-file and tls-key-file first");
  }
  if (*context == nullptr && next.tls_port != 0) {
    return absl::FailedPreconditionError(
        "tls-port needs a certificate: set tls-cert-file and tls-key-file");
  }
  return absl::OkStatus();
}

absl::Status Server::ReloadTlsFiles() {
  std::lock_guard<std::mutex> lock(config_mu_);
  if (config_.tls.cert_file.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::shared_ptr<const tls::TlsContext>> built =
      tls::TlsContext::Create(config_.tls, ticket_keys_);
  if (!built.ok()) {
    stats_.tls_certificate_reload_failures.fetch_add(1, std::memory_order_relaxed);
    common::Log(common::LogLevel::kWarning,
                "TLS reload by SIGHUP failed, keeping the current certificate: " +
                    std::string(built.status().message()));
    return built.status();
  }
  tls_context_.store(*built, std::memory_order_release);
  stats_.tls_certificate_reloads.fetch_add(1, std::memory_order_relaxed);
  LogTlsReload(**built, "SIGHUP");
  CloseRevokedCertificateClients(*built);
  return absl::OkStatus();
}

void Server::LogTlsReload(const tls::TlsContext& context, std::string_view by) {
  common::Log(common::LogLevel::kNotice, "TLS certificate reloaded by " + std::string(by) +
                                             " (serial " + context.certificate().serial_hex +
                                             ", expires " + context.certificate().not_after + ")");
}

void Server::CloseRevokedCertificateClients(std::shared_ptr<const tls::TlsContext> context) {
  if (context == nullptr || context->crl_info().count == 0) {
    return;
  }
  tls::CrlInfo crl = context->crl_info();
  common::Log(common::LogLevel::kNotice,
              "CRLs loaded: " + std::to_string(crl.count) + " list(s), " +
                  std::to_string(crl.revoked) + " revoked serial(s), next update " +
                  (crl.next_update.empty() ? std::string("none") : crl.next_update) +
                  (crl.expired ? " (EXPIRED)" : ""));
  // The new context decides: each connection's own context still has the old lists.
  CloseClientsWhere(
      [context](const Connection& c) {
        return c.is_tls() && c.peer_certificate().present &&
               context->IsRevoked(c.peer_certificate());
      },
      nullptr, &stats_.tls_revoked_connections_closed, "certificate revoked");
}

void Server::AuditRefused(security::RefusalReason reason, std::string_view detail,
                          std::string_view peer, std::string_view local) {
  audit_.Record(RefusedRecord(reason, detail, peer, local));
}

void Server::ClosePlaintextClients() {
  // A switch to required may race with a switch back: act only if still required.
  CloseClientsWhere(
      [this](const Connection& c) { return !c.is_tls() && tls_mode() == TlsMode::kRequired; },
      nullptr, &stats_.tls_plaintext_closed, "tls-mode required");
}

void Server::CloseClientsWhere(std::function<bool(const Connection&)> connection_excluded,
                               std::function<bool(int fd)> incoming_excluded,
                               std::atomic<uint64_t>* closed, std::string reason) {
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    // On the thread that owns the connections: only it may touch them.
    raw->loop.Post([raw, connection_excluded, incoming_excluded, closed, reason] {
      std::vector<Connection*> open = raw->connections;
      for (Connection* c : open) {
        if (!c->closing() && connection_excluded(*c)) {
          closed->fetch_add(1, std::memory_order_relaxed);
          c->CloseAfterPendingReplies(reason);
        }
      }
      if (!incoming_excluded) {
        return;
      }
      std::vector<IncomingConnection*> incoming = raw->incoming;
      for (IncomingConnection* c : incoming) {
        if (incoming_excluded(c->fd())) {
          closed->fetch_add(1, std::memory_order_relaxed);
          c->Abort();
        }
      }
    });
  }
}

absl::Status Server::LoadConfiguredUsers() {
  if (!config_.aclfile.empty() && !config_.users.empty()) {
    return absl::InvalidArgumentError(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and "
        "security holes, please define either an ACL file or declare users directly in your "
        "redis.conf, but not both.");
  }
  if (!config_.users.empty()) {
    std::vector<std::string> lines;
    for (const std::string& u : config_.users) {
      // As Redis's `user` directive: the existing default user is reset before its rules;
      // other users start new, as aclfile lines do.
      size_t space = u.find(' ');
      bool is_default = u.substr(0, space) == "default";
      lines.push_back("user " + (!is_default ? u
                                 : space == std::string::npos
                                     ? u + " reset"
                                     : u.substr(0, space) + " reset" + u.substr(space)));
    }
    absl::Status st = acl_->LoadUserLines(lines, "config", nullptr);
    if (!st.ok()) {
      return absl::InvalidArgumentError("Error in user declaration: " + std::string(st.message()));
    }
  }
  if (!config_.aclfile.empty()) {
    absl::Status st = LoadAclFile();
    if (!st.ok()) {
      return absl::InvalidArgumentError("Aborting Redoubt startup because of ACL errors: " +
                                        std::string(st.message()));
    }
  }
  if (!config_.requirepass.empty()) {
    acl_->SetDefaultPassword(config_.requirepass);
  }
  return absl::OkStatus();
}

absl::Status Server::LoadAclFile() {
  std::string path = config().aclfile;
  if (path.empty()) {
    return absl::FailedPreconditionError(
        "This Redis instance is not configured to use an ACL file. You may want to specify "
        "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
        "Redis configuration file set) in order to store users in the Redis configuration.");
  }
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError("Error loading ACLs, opening file '" + path +
                               "': " + std::string(strerror(errno)));
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
  }
  std::vector<std::string> changed;
  absl::Status st = acl_->LoadUserLines(lines, path, &changed);
  if (st.ok() && !changed.empty()) {
    CloseRevokedUserClients();
  }
  return st;
}

absl::Status Server::SaveAclFile() {
  std::string path = config().aclfile;
  if (path.empty()) {
    return absl::FailedPreconditionError(
        "This Redis instance is not configured to use an ACL file. You may want to specify "
        "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
        "Redis configuration file set) in order to store users in the Redis configuration.");
  }
  // Written aside and renamed, so a crash never leaves a half-written aclfile.
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << acl_->Serialize();
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return absl::InternalError(
          "There was an error trying to save the ACLs. Please check the "
          "server logs for more information");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(
        "There was an error trying to save the ACLs. Please check the "
        "server logs for more information");
  }
  return absl::OkStatus();
}

void Server::CloseRevokedUserClients() {
  CloseClientsWhere([](const Connection& c) { return c.UserRevoked(); }, nullptr,
                    &acl_->stats().revoked_clients_closed, "user revoked");
}

void Server::CloseDisallowedClients() {
  // Whether a socket's source is excluded, by asking the kernel for its peer (this runs once
  // per CONFIG SET, not per request).
  auto excluded = [this](int fd) {
    std::shared_ptr<const security::NetworkAllowList> allow = allow_list();
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    return allow != nullptr && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 &&
           !allow->Allows(reinterpret_cast<const sockaddr*>(&peer));
  };
  // Unix-socket clients have no network source and are never filtered.
  CloseClientsWhere(
      [excluded](const Connection& c) { return !c.is_unix_socket() && excluded(c.fd()); }, excluded,
      &stats_.network_allow_closed, "network-allow");
}

void Server::ResetStats(IoThread& current) {
  stats_.ResetCounters();
  acl_->stats().Reset();
  keyspace_->ResetStats();
  current.stats.Reset();
  for (auto& t : threads_) {
    if (t.get() != &current) {
      IoThread* raw = t.get();
      raw->loop.Post([raw] { raw->stats.Reset(); });
    }
  }
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
  keyspace_->ActiveExpireCycle(250000 / hz);
  // The peak of the dataset alone; INFO adds client buffers when it computes used_memory.
  uint64_t used = keyspace_->used_bytes();
  if (used > stats_.peak_memory.load(std::memory_order_relaxed)) {
    stats_.peak_memory.store(used, std::memory_order_relaxed);
  }
  WarnIfCrlExpired();
  acl_->PersistCredentialState();  // nothing to do unless a credential changed
}

void Server::WarnMemoryOnly(const Config& cfg) {
  // Until snapshots and the AOF exist, say so once, where the operator looks first; loudly
  // when the configuration asks for persistence.
  bool asked = !cfg.save.empty() || cfg.appendonly;
  common::Log(asked ? common::LogLevel::kWarning : common::LogLevel::kNotice,
              std::string(asked ? "save points or appendonly are configured, but " : "") +
                  "Redoubt keeps data in memory only: no RDB or AOF file is written or loaded, "
                  "and a restart loses the data (INFO persistence: persistence:memory-only)");
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

void Server::WarnIfCrlExpired() {
  // Once a minute at most: with tls-crl-expired-policy reject, every client of that CA is
  // being refused, which an operator must hear about before the clients do.
  int64_t now = common::UnixMillis();
  if (now - last_crl_warning_ms_ < 60000) {
    return;
  }
  std::shared_ptr<const tls::TlsContext> context = tls_context();
  if (context == nullptr || context->crl_info().count == 0 || !context->crl_info().expired) {
    return;
  }
  last_crl_warning_ms_ = now;
  bool reject = context->settings().crl_expired_policy == tls::CrlExpiredPolicy::kReject;
  common::Log(common::LogLevel::kWarning,
              "tls-crl-file " + context->settings().crl_file + " is past its next update (" +
                  context->crl_info().next_update + "): " +
                  (reject ? "client certificates are refused (tls-crl-expired-policy reject)"
                          : "still used (tls-crl-expired-policy allow)"));
}

int Server::Run() {
  // Blocked since Create (in every thread); the main thread takes them here.
  BlockSignals();
  sigset_t signals = WaitedSignals();

  Config cfg = config();
  for (int i = 0; i < cfg.io_threads; ++i) {
    threads_.push_back(std::make_unique<IoThread>(i, commands_.stats_slots(), *services_));
  }
  std::vector<ListenSocket> sockets;
  {
    std::lock_guard<std::mutex> lock(config_mu_);
    sockets = listeners_.sockets();
  }
  for (auto& t : threads_) {
    for (const ListenSocket& s : sockets) {
      AddAcceptor(*t, s.fd, ListenerOf(s.kind), AcceptorAddress(s.fd));
    }
    if (unix_listen_fd_ >= 0) {
      // The socket's path and ":0" is both ends' address, as Redis shows a Unix client.
      AddAcceptor(*t, unix_listen_fd_, IncomingConnection::Listener::kUnixSocket,
                  cfg.unixsocket + ":0");
    }
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

  WarnMemoryOnly(cfg);
  WritePidFile(cfg.pidfile);
  // Only now: a client that gets an answer finds the start-up lines already in the log.
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    t->thread = std::thread([raw] { raw->loop.Run(); });
  }

  int64_t last_ops = 0;
  uint64_t last_in = 0;
  uint64_t last_out = 0;
  int64_t last_ops_time = common::MonotonicMicros();
  while (true) {
    int hz = config().hz;
    timespec wait{0, static_cast<long>(1000000000 / hz)};
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
  // Each thread closes its own connections (a connection is only touched by its thread), then
  // stops; Run() frees what was closed before it returns.
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    raw->loop.Post([raw] {
      std::vector<Connection*> open = raw->connections;
      for (Connection* c : open) {
        c->Close("shutdown");
      }
      std::vector<IncomingConnection*> incoming = raw->incoming;
      for (IncomingConnection* c : incoming) {
        c->Abort();
      }
    });
    raw->loop.Stop();
  }
  for (auto& t : threads_) {
    t->thread.join();
  }
  audit_.Close();  // after the I/O threads: their last disconnect records are written too
  acl_->PersistCredentialState();  // a change made since the last cron
  if (!cfg.pidfile.empty()) {
    unlink(cfg.pidfile.c_str());  // as Redis removes its pidfile at shutdown
  }
  common::Log(common::LogLevel::kWarning, "Redoubt is now ready to exit, bye bye...");
  return 0;
}

}  // namespace redoubt::server
