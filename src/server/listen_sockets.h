// The server's TCP listening sockets (the main port and tls-port, on every bind address) and
// how CONFIG SET port / bind / tls-port changes them on a running server, as Redis 7 does:
// sockets for the new addresses are opened before anything is given up, sockets whose address
// and port stay are kept (so their backlog is not lost), and a failure puts everything back.
//
// A socket being given up is shut down at once, which frees its port for a new listener (the
// `tls-port 0` then `port <the same number>` switch), but its descriptor stays open until every
// I/O thread has dropped its acceptor for it: closing it earlier would let the number be reused
// while a thread could still call accept4 on it.
//
// Thread: ListenSockets is guarded by the server's config mutex; descriptors are read by the
// I/O threads' acceptors.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::server {

enum class ListenKind : uint8_t { kMainPort, kTlsPort };

struct ListenSocket {
  int fd = -1;
  std::string address;  // as given to `bind` ("127.0.0.1", "-::1", "*")
  int port = 0;
  ListenKind kind = ListenKind::kMainPort;
};

struct ListenOptions {
  std::vector<std::string> bind;
  int port = 0;      // 0: no main-port listener
  int tls_port = 0;  // 0: no TLS-only listener
  int backlog = 511;
  int keepalive_seconds = 300;
};

// The outcome of a change: sockets to start accepting on and sockets to stop accepting on
// (already shut down; to be closed once no thread uses them).
struct ListenChange {
  std::vector<ListenSocket> opened;
  std::vector<ListenSocket> retired;
  bool empty() const { return opened.empty() && retired.empty(); }
};

class ListenSockets {
 public:
  ListenSockets() = default;
  ListenSockets(const ListenSockets&) = delete;
  ListenSockets& operator=(const ListenSockets&) = delete;
  ~ListenSockets();  // closes every socket

  // Makes the set match `options`. On error nothing changes (sockets shut down for the change
  // listen again) and the error is Redis's text for the directive that failed: "Unable to
  // listen on this port. Check server logs." for a port, "Failed to bind to specified
  // addresses." for bind. The error's detail (the system's reason) is in *detail.
  absl::Status Apply(const ListenOptions& options, ListenChange* change, std::string* detail);

  const std::vector<ListenSocket>& sockets() const { return sockets_; }
  // tcp-keepalive for connections accepted from now (Linux copies it from the listener).
  void SetKeepAlive(int seconds);

 private:
  std::vector<ListenSocket> sockets_;
};

}  // namespace redoubt::server
