// Transport over TLS: a server-side OpenSSL session on a non-blocking socket. The handshake is
// driven step by step (Handshake() on each readiness event) so that it never blocks an I/O
// thread; afterwards Read/Write decrypt and encrypt on the same thread. When the context asks
// for client certificates, the verified identity is kept from the handshake (peer_certificate)
// and a failed verification is reported in OpenSSL's words ("certificate revoked").
//
// Thread: confined to the owning connection's I/O thread. Owns the socket and the SSL.
// OpenSSL's socket BIO writes with write(), which raises SIGPIPE on a closed peer: the process
// must ignore SIGPIPE (Server::Run does).
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "common/openssl_ptr.h"
#include "net/transport.h"
#include "tls/peer_certificate.h"

namespace redoubt::tls {

class TlsTransport final : public net::Transport {
 public:
  enum class HandshakeStatus { kDone, kWantRead, kWantWrite, kFailed };

  // Takes ownership of fd and ssl (from TlsContext::NewSession).
  TlsTransport(int fd, common::UniqueSsl ssl);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // One step of the server handshake. On kFailed, *error says why: "peer closed the
  // connection", OpenSSL's reason such as "error:0A00010B:SSL routines::wrong version number"
  // or "...::peer did not return a certificate" (tls-auth-clients yes, none sent), or, when
  // the client certificate failed verification, X509's reason alone: "certificate revoked",
  // "certificate has expired", "unable to get local issuer certificate", "CRL has expired",
  // "unable to get certificate CRL" (see verify_result()).
  HandshakeStatus Handshake(std::string* error);
  bool resumed() const { return SSL_session_reused(ssl_.get()) == 1; }

  // The client's certificate, read once when Handshake() returned kDone; present is false
  // before that and when the client sent none. A resumed session gives the certificate of
  // the handshake that made it (the session carries it). The connection keeps this for
  // TlsContext::IsRevoked after a CRL reload, and for logs and CLIENT LIST.
  const PeerCertificate& peer_certificate() const { return peer_; }
  // The X509 verification result (X509_V_OK, X509_V_ERR_CERT_REVOKED, ...): X509_V_OK when the
  // certificate verified or none was checked. After a kFailed handshake, the cause behind
  // *error, for counting failures by cause.
  long verify_result() const { return SSL_get_verify_result(ssl_.get()); }

  net::IoResult Read(char* buf, size_t len) override;
  net::IoResult Write(const char* buf, size_t len) override;
  bool HasBufferedInput() const override { return SSL_has_pending(ssl_.get()) == 1; }
  std::string_view kind() const override { return "tls"; }
  std::string_view tls_version() const override { return SSL_get_version(ssl_.get()); }
  std::string_view tls_cipher() const override;
  int fd() const override { return fd_; }

 private:
  // Maps an SSL_get_error code after a failed read or write.
  net::IoResult Failure(int ret);

  const int fd_;
  const common::UniqueSsl ssl_;
  // Set after a fatal error: OpenSSL forbids SSL_shutdown then.
  bool broken_ = false;
  bool handshake_done_ = false;
  PeerCertificate peer_;
};

}  // namespace redoubt::tls
