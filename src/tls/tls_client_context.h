// The client side of TLS, for the links this server opens itself (a replica's link to its
// primary with tls-replication yes, the cluster bus's outbound links with tls-cluster yes): the
// primary's certificate is verified against the trusted CAs (tls-ca-cert-file / tls-ca-cert-dir,
// required: an unverified link would be encrypted but not authenticated), and a client certificate
// is presented when one is configured (tls-client-cert-file and -key-file, or else tls-cert-file
// and -key-file, as Redis does), so that a primary with tls-auth-clients yes accepts the replica.
//
// Thread: Create on any thread; a built context is shared read-only, Connect from any thread.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <memory>
#include <string>

#include "common/openssl_ptr.h"
#include "tls/tls_context.h"
#include "tls/tls_transport.h"

namespace redoubt::tls {

struct TlsClientSettings {
  TlsSettings server;            // the server's tls-* (CAs, protocols, ciphers, its certificate)
  std::string client_cert_file;  // tls-client-cert-file (empty: the server's certificate)
  std::string client_key_file;
  std::string client_key_file_pass;
};

class TlsClientContext {
 public:
  static absl::StatusOr<std::shared_ptr<const TlsClientContext>> Create(
      const TlsClientSettings& settings);

  // The handshake over a connected non-blocking socket, waiting up to timeout_ms; the
  // transport owns fd from here on (also when the handshake fails, fd is closed).
  absl::StatusOr<std::unique_ptr<TlsTransport>> Connect(int fd, int timeout_ms) const;
  // A session over a connected non-blocking socket whose handshake the caller drives
  // (TlsTransport::Handshake on readiness events, as the cluster bus does); it owns fd. Null
  // when OpenSSL cannot make one (fd is then still the caller's).
  std::unique_ptr<TlsTransport> NewSession(int fd) const;

 private:
  explicit TlsClientContext(common::UniqueSslCtx ctx) : ctx_(std::move(ctx)) {}
  common::UniqueSslCtx ctx_;
};

}  // namespace redoubt::tls
