// Transport over a plain TCP (or Unix) socket. Owns the file descriptor.
//
// Thread: confined to the owning connection's I/O thread.
#pragma once

#include "net/transport.h"

namespace redoubt::net {

class PlainTransport final : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  ~PlainTransport() override;
  PlainTransport(const PlainTransport&) = delete;
  PlainTransport& operator=(const PlainTransport&) = delete;

  IoResult Read(char* buf, size_t len) override;
  IoResult Write(const char* buf, size_t len) override;
  IoResult Writev(const iovec* iov, int count) override;
  std::string_view kind() const override { return "tcp"; }
  int fd() const override { return fd_; }

 private:
  const int fd_;
};

}  // namespace redoubt::net
