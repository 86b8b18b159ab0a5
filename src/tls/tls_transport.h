// Transport over TLS: a server-side OpenSSL session on a non-blocking socket. The handshake is
// driven step by step (Handshake() on each readiness event) so that it never blocks an I/O
// thread; afterwards Read/Write decrypt and encrypt on the same thread.
//
// Thread: confined to the owning connection's I/O thread. Owns the socket and the SSL.
// OpenSSL's socket BIO writes with write(), which raises SIGPIPE on a closed peer: the process
// must ignore SIGPIPE (Server::Run does).
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "net/transport.h"

namespace redoubt::tls {

class TlsTransport final : public net::Transport {
 public:
  enum class HandshakeStatus { kDone, kWantRead, kWantWrite, kFailed };

  // Takes ownership of fd and ssl (from TlsContext::NewSession).
  TlsTransport(int fd, SSL* ssl);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // One step of the server handshake. On kFailed, *error says why ("peer closed", OpenSSL's
  // reason such as "wrong version number").
  HandshakeStatus Handshake(std::string* error);
  bool resumed() const { return SSL_session_reused(ssl_) == 1; }

  net::IoResult Read(char* buf, size_t len) override;
  net::IoResult Write(const char* buf, size_t len) override;
  bool HasBufferedInput() const override { return SSL_has_pending(ssl_) == 1; }
  std::string_view kind() const override { return "tls"; }
  std::string_view tls_version() const override { return SSL_get_version(ssl_); }
  std::string_view tls_cipher() const override;
  int fd() const override { return fd_; }

 private:
  // Maps an SSL_get_error code after a failed read or write.
  net::IoResult Failure(int ret);

  const int fd_;
  SSL* const ssl_;
  // Set after a fatal error: OpenSSL forbids SSL_shutdown then.
  bool broken_ = false;
};

}  // namespace redoubt::tls
