// The server's listening sockets: opening them at start-up (port, tls-port on every bind
// address, the Unix socket), reconciling maxclients with the open-files limit, moving them at
// run time (CONFIG SET port|bind|tls-port), and the acceptors each I/O thread runs on them. What
// happens to an accepted socket is server::Admission's (admission.h).
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "commands/command_table.h"
#include "common/log.h"
#include "net/socket_util.h"
#include "server/admission.h"
#include "server/open_files_limit.h"
#include "server/server.h"

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

}  // namespace

absl::Status Server::ReconcileMaxclients() {
  absl::MutexLock lock(&config_mu_);
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
  absl::MutexLock lock(&config_mu_);
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
    return absl::InvalidArgumentError(ConfigSetFailedText(
        name, bind_changed ? "Failed to bind to specified addresses."
                           : "Unable to listen on this port. Check server logs."));
  }
  if (!change.empty()) {
    HandOverListeners(std::move(change));
  }
  return absl::OkStatus();
}

void Server::AddAcceptor(IoThread& t, int fd, IncomingConnection::Listener listener,
                         std::string local_address) {
  if (!t.AddAcceptor(std::make_unique<net::Acceptor>(
          t.loop, fd, accept_mu_,
          std::make_unique<Admission>(*this, t, listener, local_address)))) {
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
        raw->RemoveAcceptor(s.fd);
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

void Server::AddAcceptors(IoThread& t) {
  std::vector<ListenSocket> sockets;
  std::string unix_socket;
  {
    absl::MutexLock lock(&config_mu_);
    sockets = listeners_.sockets();
    unix_socket = config_.unixsocket;
  }
  for (const ListenSocket& s : sockets) {
    AddAcceptor(t, s.fd, ListenerOf(s.kind), AcceptorAddress(s.fd));
  }
  if (unix_listen_fd_ >= 0) {
    // The socket's path and ":0" is both ends' address, as Redis shows a Unix client.
    AddAcceptor(t, unix_listen_fd_, IncomingConnection::Listener::kUnixSocket, unix_socket + ":0");
  }
}

}  // namespace redoubt::server
