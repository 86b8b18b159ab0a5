// Admission of accepted connections; see admission.h.
#include "server/admission.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "common/log.h"
#include "net/plain_transport.h"
#include "net/socket_util.h"
#include "server/connection.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

// Refusals a client can cause as fast as it can connect: a few lines a second at most.
common::LogThrottle network_allow_log(1000, 10);
common::LogThrottle exhausted_log(10000, 1);

}  // namespace

uint64_t Admission::NextConnectionId() {
  return server_.clients().NextId();
}

std::string Admission::PeerText(const sockaddr_storage& peer) const {
  return unix_socket() ? local_address_ : net::FormatAddress(peer);
}

std::string Admission::LocalText(int fd) const {
  return local_address_.empty() ? net::LocalAddress(fd) : local_address_;
}

void Admission::OnAccepted(int fd, const sockaddr_storage& peer, uint64_t id) {
  server_.stats().connections_received.fetch_add(1, std::memory_order_relaxed);
  if (RefusedByNetworkAllow(fd, peer) || RefusedAsFull(fd, peer)) {
    return;
  }
  // TCP_NODELAY and the keepalive options are set on the listening socket, and Linux copies
  // them to every accepted socket: five system calls fewer per connection.
  std::string local = LocalText(fd);
  if (unix_socket() || (listener_ == IncomingConnection::Listener::kMainPort &&
                        server_.tls_mode() == TlsMode::kNone)) {
    // tls-mode none, or the Unix socket (plaintext, as Redis's): straight to a plaintext
    // connection, no first-byte check.
    auto* conn = new Connection(server_, thread_, std::make_unique<net::PlainTransport>(fd), id,
                                PeerText(peer), std::move(local), {}, unix_socket());
    conn->Start();
  } else {
    auto* incoming = new IncomingConnection(server_, thread_, fd, id, net::FormatAddress(peer),
                                            std::move(local), listener_);
    incoming->Start();
  }
}

bool Admission::RefusedByNetworkAllow(int fd, const sockaddr_storage& peer) {
  // Before anything is read from the socket or a place is reserved. A Unix socket has no
  // network source and is never filtered: it is the way back in after a network-allow that
  // excludes the operator.
  std::shared_ptr<const security::NetworkAllowList> allow = server_.allow_list();
  if (unix_socket() || allow == nullptr ||
      allow->Allows(reinterpret_cast<const sockaddr*>(&peer))) {
    return false;
  }
  server_.stats().network_allow_refused.fetch_add(1, std::memory_order_relaxed);
  network_allow_log.Log(common::LogLevel::kVerbose, [&] {
    return "Refused connection from " + net::FormatAddress(peer) + ": network-allow";
  });
  if (server_.audit().enabled()) {
    server_.AuditRefused(security::RefusalReason::kNetworkAllow, "source not in network-allow",
                         net::FormatAddress(peer), LocalText(fd));
  }
  close(fd);
  return true;
}

bool Admission::RefusedAsFull(int fd, const sockaddr_storage& peer) {
  // Connections still in their TLS handshake hold a place too, so that a flood of half-open
  // handshakes cannot exceed maxclients while they wait for their timeout. The place is
  // released when the Connection closes (or the IncomingConnection gives up).
  if (server_.stats().TryReserveConnectionSlot(
          server_.maxclients.load(std::memory_order_relaxed))) {
    return false;
  }
  // Redis's plaintext error, only where a plaintext client may be connecting: a TLS client
  // (tls-port, or tls-mode required) could not read it and is just closed.
  bool plaintext_possible =
      unix_socket() || (listener_ == IncomingConnection::Listener::kMainPort &&
                        server_.tls_mode() != TlsMode::kRequired);
  if (plaintext_possible) {
    static constexpr char kMsg[] = "-ERR max number of clients reached\r\n";
    (void)!send(fd, kMsg, sizeof(kMsg) - 1, MSG_NOSIGNAL);
  }
  if (server_.audit().enabled()) {
    server_.AuditRefused(security::RefusalReason::kMaxClients, "max number of clients reached",
                         PeerText(peer), LocalText(fd));
  }
  close(fd);
  server_.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Admission::OnAcceptExhausted(int error, int backoff_ms) {
  server_.stats().accept_backoffs.fetch_add(1, std::memory_order_relaxed);
  // As Redis's "Accepting client connection: …" warning, but once in a while: while
  // descriptors stay exhausted this happens every back-off on every thread.
  exhausted_log.Log(common::LogLevel::kWarning, [&] {
    return std::string("Accepting client connection: ") + strerror(error) +
           " (accepting paused for " + std::to_string(backoff_ms) +
           " ms; raise the open files "
           "limit or lower maxclients)";
  });
}

}  // namespace redoubt::server
