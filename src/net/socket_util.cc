// Socket helpers; see socket_util.h.
#include "net/socket_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace redoubt::net {
std::string FormatAddress(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  } else {
    return "?:0";
  }
  return std::string(ip) + ":" + std::to_string(port);
}

absl::StatusOr<int> ListenUnix(const std::string& path, unsigned perm, int backlog) {
  sockaddr_un sa{};
  if (path.size() > sizeof(sa.sun_path) - 1) {
    return absl::InvalidArgumentError("unix socket path too long (" + std::to_string(path.size()) +
                                      "), must be under " + std::to_string(sizeof(sa.sun_path)));
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  unlink(path.c_str());  // a socket left by an earlier run; failing is fine
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError("socket(" + path + "): " + std::strerror(errno));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
      (perm != 0 && chmod(path.c_str(), perm) != 0) || listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError("Failed opening Unix socket " + path + ": " + std::strerror(err));
  }
  return fd;
}

absl::StatusOr<int> ListenTcp(const std::string& host, int port, int backlog) {
  std::string h = host;
  bool optional = false;
  if (!h.empty() && h[0] == '-') {  // Redis: "-::1" means "skip if unavailable"
    optional = true;
    h = h.substr(1);
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (h == "*") {
    h = "0.0.0.0";
  } else if (h == "::*") {
    h = "::";
  }
  if (h.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, h.c_str(), &a->sin6_addr) != 1) {
      return absl::InvalidArgumentError("Invalid bind address '" + host + "'");
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, h.c_str(), &a->sin_addr) != 1) {
      return absl::InvalidArgumentError("Invalid bind address '" + host + "'");
    }
    len = sizeof(sockaddr_in);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (optional) {
      return -1;
    }
    return absl::UnavailableError("socket(" + host + "): " + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
      return -1;
    }
    return absl::UnavailableError("Could not create server TCP listening socket " + h + ":" +
                                  std::to_string(port) + ": " + std::strerror(err));
  }
  return fd;
}

void BindSourceBestEffort(int fd, int family, const std::string& ip) {
  if (ip.empty()) {
    return;
  }
  sockaddr_storage source{};
  auto* s4 = reinterpret_cast<sockaddr_in*>(&source);
  auto* s6 = reinterpret_cast<sockaddr_in6*>(&source);
  if (family == AF_INET && inet_pton(AF_INET, ip.c_str(), &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    (void)bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(sockaddr_in));
  } else if (family == AF_INET6 && inet_pton(AF_INET6, ip.c_str(), &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    (void)bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(sockaddr_in6));
  }
}

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void SetKeepAlive(int fd, int interval_seconds) {
  int enable = interval_seconds > 0 ? 1 : 0;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &enable, sizeof(enable));
  if (!enable) {
    return;
  }
  int idle = interval_seconds;
  int intvl = interval_seconds / 3 > 0 ? interval_seconds / 3 : 1;
  int cnt = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

std::string PeerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return "?:0";
  }
  return FormatAddress(ss);
}

std::string LocalAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return "?:0";
  }
  return FormatAddress(ss);
}

}  // namespace redoubt::net
