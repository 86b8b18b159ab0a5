// Plain TCP transport; see plain_transport.h.
#include "net/plain_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace redoubt::net {
namespace {

// The result of a send()/sendmsg() that did not fail with EINTR: bytes, would-block or error.
IoResult SendResult(ssize_t n) {
  if (n >= 0) {
    return {IoResult::kOk, static_cast<size_t>(n)};
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    return {IoResult::kWouldBlock, 0};
  }
  return {IoResult::kError, 0};
}

}  // namespace

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
  ssize_t n;
  do {
    // MSG_NOSIGNAL: a peer that went away is an error on this call, not a SIGPIPE.
    n = ::send(fd_, buf, len, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return SendResult(n);
}

IoResult PlainTransport::Writev(const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(count);
  ssize_t n;
  do {
    n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return SendResult(n);
}

}  // namespace redoubt::net
