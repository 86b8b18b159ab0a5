// Listening sockets and socket options (bind, backlog, keepalive, non-blocking), with errors
// that name the address, for start-up messages.
#pragma once

#include <absl/status/statusor.h>
#include <sys/socket.h>

#include <string>

namespace redoubt::net {

// Binds and listens on host:port (IPv4 or IPv6 literal, "*" or "::*" for any).
absl::StatusOr<int> ListenTcp(const std::string& host, int port, int backlog);
// Binds and listens on a Unix socket at path (an old socket file there is removed first, as
// Redis does); perm != 0 is applied to the file (unixsocketperm).
absl::StatusOr<int> ListenUnix(const std::string& path, unsigned perm, int backlog);
void SetNoDelay(int fd);
// Binds an outgoing socket of `family` to the source address ip before it connects
// (bind-source-addr; the cluster bus's first bind address). Best effort, as Redis: an empty ip,
// one of the other family or one that is gone leaves the choice to the kernel.
void BindSourceBestEffort(int fd, int family, const std::string& ip);
// interval_seconds <= 0 turns keepalive off.
void SetKeepAlive(int fd, int interval_seconds);
// "ip:port" of the peer / the local end, IPv6 as Redis prints it ("::1:6379").
std::string FormatAddress(const sockaddr_storage& address);
std::string PeerAddress(int fd);
std::string LocalAddress(int fd);

}  // namespace redoubt::net
