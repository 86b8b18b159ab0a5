// Listening sockets and their runtime changes; see listen_sockets.h.
#include "server/listen_sockets.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "net/socket_util.h"

namespace redoubt::server {
namespace {

bool Same(const ListenSocket& a, const ListenSocket& b) {
  return a.address == b.address && a.port == b.port && a.kind == b.kind;
}

std::vector<ListenSocket> Wanted(const ListenOptions& o) {
  std::vector<ListenSocket> wanted;
  for (auto [port, kind] :
       {std::pair{o.port, ListenKind::kMainPort}, std::pair{o.tls_port, ListenKind::kTlsPort}}) {
    if (port == 0) {
      continue;
    }
    for (const std::string& address : o.bind) {
      wanted.push_back({.fd = -1, .address = address, .port = port, .kind = kind});
    }
  }
  return wanted;
}

}  // namespace

ListenSockets::~ListenSockets() {
  for (const ListenSocket& s : sockets_) {
    close(s.fd);
  }
}

void ListenSockets::SetKeepAlive(int seconds) {
  for (const ListenSocket& s : sockets_) {
    net::SetKeepAlive(s.fd, seconds);
  }
}

absl::Status ListenSockets::Apply(const ListenOptions& options, ListenChange* change,
                                  std::string* detail) {
  *change = {};
  std::vector<ListenSocket> wanted = Wanted(options);
  std::vector<ListenSocket> next;
  std::vector<ListenSocket> retired;
  for (const ListenSocket& s : sockets_) {
    bool kept = std::any_of(wanted.begin(), wanted.end(),
                            [&](const ListenSocket& w) { return Same(s, w); });
    (kept ? next : retired).push_back(s);
  }
  // Give up the old ports first, so that a port may move between the main and the TLS
  // listener; the descriptors stay open (see the file comment).
  for (const ListenSocket& s : retired) {
    shutdown(s.fd, SHUT_RDWR);
  }
  std::vector<ListenSocket> opened;
  auto undo = [&](const absl::Status& error) {
    for (const ListenSocket& s : opened) {
      close(s.fd);
    }
    for (const ListenSocket& s : retired) {
      listen(s.fd, options.backlog);  // still bound: listens again, as before the change
    }
    return error;
  };
  for (const ListenKind kind : {ListenKind::kMainPort, ListenKind::kTlsPort}) {
    bool any = false;
    for (const ListenSocket& w : wanted) {
      if (w.kind != kind) {
        continue;
      }
      auto existing =
          std::find_if(next.begin(), next.end(), [&](const ListenSocket& s) { return Same(s, w); });
      if (existing != next.end()) {
        any = true;
        continue;
      }
      absl::StatusOr<int> fd = net::ListenTcp(w.address, w.port, options.backlog);
      if (!fd.ok()) {
        *detail = std::string(fd.status().message());
        return undo(absl::UnavailableError(std::string(fd.status().message())));
      }
      if (*fd < 0) {
        continue;  // "-address": skipped when unavailable, as Redis does
      }
      net::SetNoDelay(*fd);
      net::SetKeepAlive(*fd, options.keepalive_seconds);
      ListenSocket s = w;
      s.fd = *fd;
      opened.push_back(s);
      any = true;
    }
    int port = kind == ListenKind::kMainPort ? options.port : options.tls_port;
    if (port != 0 && !any) {
      *detail = "Failed listening on any bind address for port " + std::to_string(port);
      return undo(absl::UnavailableError(*detail));
    }
  }
  next.insert(next.end(), opened.begin(), opened.end());
  sockets_ = std::move(next);
  change->opened = std::move(opened);
  change->retired = std::move(retired);
  return absl::OkStatus();
}

}  // namespace redoubt::server
