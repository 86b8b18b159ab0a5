// Blocking I/O for replication links; see blocking_io.h.
#include "replication/blocking_io.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/clock.h"
#include "net/socket_util.h"

namespace redoubt::replication {

bool WaitFd(int fd, bool write, int timeout_ms) {
  pollfd p{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
  int r;
  do {
    r = poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

absl::Status WriteFully(net::Transport& t, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    net::IoResult r = t.Write(data.data(), data.size());
    switch (r.kind) {
      case net::IoResult::kOk:
        data.remove_prefix(r.bytes);
        break;
      case net::IoResult::kWouldBlock:
        if (!WaitFd(t.fd(), true, timeout_ms)) {
          return absl::DeadlineExceededError("timeout writing to the link");
        }
        break;
      case net::IoResult::kClosed:
        return absl::UnavailableError("connection closed");
      case net::IoResult::kError:
        return absl::UnavailableError(std::string("write error: ") + strerror(errno));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ReadSome(net::Transport& t, std::string* out, size_t max, int timeout_ms) {
  const size_t before = out->size();
  out->resize(before + max);
  for (bool waited = false;;) {
    net::IoResult r = t.Read(out->data() + before, max);
    if (r.kind == net::IoResult::kOk) {
      out->resize(before + r.bytes);
      return r.bytes;
    }
    if (r.kind == net::IoResult::kWouldBlock && !waited) {
      waited = true;
      if (t.HasBufferedInput() || WaitFd(t.fd(), false, timeout_ms)) {
        continue;
      }
      out->resize(before);
      return size_t{0};
    }
    out->resize(before);
    if (r.kind == net::IoResult::kWouldBlock) {
      return size_t{0};
    }
    if (r.kind == net::IoResult::kClosed) {
      return absl::UnavailableError("connection closed");
    }
    return absl::UnavailableError(std::string("read error: ") + strerror(errno));
  }
}

absl::StatusOr<std::string> ReadLine(net::Transport& t, std::string* pending, int timeout_ms) {
  const int64_t deadline = common::MonotonicMicros() / 1000 + timeout_ms;
  for (;;) {
    size_t nl = pending->find('\n');
    if (nl != std::string::npos) {
      std::string line = pending->substr(0, nl);
      pending->erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      return line;
    }
    if (pending->size() > 64 * 1024) {
      return absl::DataLossError("line too long from the link");
    }
    const int64_t left = deadline - common::MonotonicMicros() / 1000;
    if (left <= 0) {
      return absl::DeadlineExceededError("timeout reading from the link");
    }
    absl::StatusOr<size_t> n = ReadSome(t, pending, 16 * 1024, static_cast<int>(left));
    if (!n.ok()) {
      return n.status();
    }
  }
}

absl::StatusOr<int> ConnectTcp(const std::string& host, int port, int timeout_ms,
                               const std::atomic<bool>* cancel, const std::string& source_ip) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(std::string("cannot resolve ") + host + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    net::BindSourceBestEffort(fd, a->ai_family, source_ip);
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      int err = ETIMEDOUT;
      constexpr int kSliceMs = 100;
      for (int waited = 0; waited < timeout_ms; waited += kSliceMs) {
        if (cancel != nullptr && cancel->load()) {
          err = ECANCELED;
          break;
        }
        if (WaitFd(fd, true, std::min(kSliceMs, timeout_ms - waited))) {
          socklen_t len = sizeof(err);
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
          break;
        }
      }
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      freeaddrinfo(found);
      return fd;
    }
    last_error = strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return absl::UnavailableError(last_error);
}

}  // namespace redoubt::replication
