// Admission: what happens to a connection one I/O thread accepted on one listener. The
// socket's source is checked against network-allow (never for the Unix socket, the way back
// in), a maxclients place is reserved (Redis's error to a plaintext client that finds the
// server full), and the socket becomes a plaintext Connection at once (tls-mode none, the Unix
// socket) or an IncomingConnection that looks at the first byte and runs the TLS handshake.
// Refusals are counted, audited and logged at a limited rate. accept4 itself, and its back-off
// when descriptors run out, is net::Acceptor's.
//
// Thread: one per (I/O thread, listener); runs on that I/O thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "net/acceptor.h"
#include "server/incoming_connection.h"

namespace redoubt::server {

class Server;
struct IoThread;

class Admission final : public net::AcceptHandler {
 public:
  // local_address: the listener's "ip:port" when bound to one address (then every accepted
  // socket has it), empty for a wildcard bind (then it is asked per connection); for the Unix
  // socket, its path and ":0".
  Admission(Server& server, IoThread& thread, IncomingConnection::Listener listener,
            std::string local_address)
      : server_(server),
        thread_(thread),
        listener_(listener),
        local_address_(std::move(local_address)) {}

  uint64_t NextConnectionId() override;
  void OnAccepted(int fd, const sockaddr_storage& peer, uint64_t id) override;
  void OnAcceptExhausted(int error, int backoff_ms) override;

 private:
  bool unix_socket() const { return listener_ == IncomingConnection::Listener::kUnixSocket; }
  // The peer as CLIENT LIST shows it: "ip:port", or for a Unix socket its path and ":0", as
  // Redis shows it (accept gives no path for the peer).
  std::string PeerText(const sockaddr_storage& peer) const;
  std::string LocalText(int fd) const;
  // network-allow refuses this source (false for the Unix socket).
  bool RefusedByNetworkAllow(int fd, const sockaddr_storage& peer);
  // maxclients is reached: refuses the socket.
  bool RefusedAsFull(int fd, const sockaddr_storage& peer);

  Server& server_;
  IoThread& thread_;
  const IncomingConnection::Listener listener_;
  const std::string local_address_;
};

}  // namespace redoubt::server
