// The seam between a connection and its bytes on the wire. A connection reads and writes only
// through this interface: plain TCP (PlainTransport) or TLS (TlsTransport in src/tls/),
// so that encryption and handshakes run on the I/O threads without the connection knowing.
//
// Thread: confined to the owning connection's I/O thread.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <string_view>

namespace redoubt::net {

struct IoResult {
  enum Kind { kOk, kWouldBlock, kClosed, kError };
  Kind kind = kOk;
  size_t bytes = 0;  // for kOk
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Hot path: one call per read or write, never per byte.
  virtual IoResult Read(char* buf, size_t len) = 0;
  virtual IoResult Write(const char* buf, size_t len) = 0;
  // Writes the buffers in order, as far as the socket takes them (kOk with the bytes written,
  // possibly fewer than given). The default writes them one by one; PlainTransport uses one
  // sendmsg for all.
  virtual IoResult Writev(const iovec* iov, int count);
  // Bytes already decrypted and buffered inside the transport that epoll will not report
  // (SSL_pending); the connection drains them before waiting for the socket again.
  virtual bool HasBufferedInput() const { return false; }
  // "tcp" or "tls", for CLIENT LIST and INFO.
  virtual std::string_view kind() const = 0;
  // Negotiated protocol version and cipher ("TLSv1.3", "TLS_AES_256_GCM_SHA384"); empty for
  // plaintext. For CLIENT LIST, so an operator can find who still has to move to TLS.
  virtual std::string_view tls_version() const { return {}; }
  virtual std::string_view tls_cipher() const { return {}; }
  virtual int fd() const = 0;
};

}  // namespace redoubt::net
