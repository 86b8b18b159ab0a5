// Plain TCP transport; see plain_transport.h.
#include "net/plain_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace redoubt::net {

PlainTransport::~PlainTransport() {
  close(fd_);
}

IoResult PlainTransport::Read(char* buf, size_t len) {
  while (true) {
    ssize_t n = ::read(fd_, buf, len);
    if (n > 0) {
      return {IoResult::kOk, static_cast<size_t>(n)};
    }
    if (n == 0) {
      return {IoResult::kClosed, 0};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {IoResult::kWouldBlock, 0};
    }
    return {IoResult::kError, 0};
  }
}

IoResult PlainTransport::Write(const char* buf, size_t len) {
  while (true) {
    // MSG_NOSIGNAL: a peer that went away is an error on this call, not a SIGPIPE.
    ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
    if (n >= 0) {
      return {IoResult::kOk, static_cast<size_t>(n)};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {IoResult::kWouldBlock, 0};
    }
    return {IoResult::kError, 0};
  }
}

IoResult PlainTransport::Writev(const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(count);
  while (true) {
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      return {IoResult::kOk, static_cast<size_t>(n)};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {IoResult::kWouldBlock, 0};
    }
    return {IoResult::kError, 0};
  }
}

}  // namespace redoubt::net
