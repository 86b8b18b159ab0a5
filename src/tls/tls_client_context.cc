// The client side of TLS for the server's own links; see tls_client_context.h.
#include "tls/tls_client_context.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "tls/context_setup.h"

namespace redoubt::tls {

absl::StatusOr<std::shared_ptr<const TlsClientContext>> TlsClientContext::Create(
    const TlsClientSettings& settings) {
  const TlsSettings& s = settings.server;
  if (s.ca_cert_file.empty() && s.ca_cert_dir.empty()) {
    return absl::InvalidArgumentError(
        "needs tls-ca-cert-file or tls-ca-cert-dir to verify the peer (the primary, or the "
        "other nodes of the cluster)");
  }
  common::UniqueSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) {
    return Fail("can't create a TLS client context");
  }
  if (absl::Status st = ApplyProtocols(ctx.get(), s.protocols); !st.ok()) {
    return st;
  }
  if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(ctx.get(), s.ciphers.c_str()) != 1) {
    return Fail("can't set tls-ciphers");
  }
  if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx.get(), s.ciphersuites.c_str()) != 1) {
    return Fail("can't set tls-ciphersuites");
  }
  if (absl::Status st = LoadCaCertificates(ctx.get(), s); !st.ok()) {
    return st;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  // Non-blocking writers (the cluster bus) hand SSL_write what their buffer holds, which grows
  // and moves between retries.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  TlsSettings identity = s;
  if (!settings.client_cert_file.empty()) {
    identity.cert_file = settings.client_cert_file;
    identity.key_file = settings.client_key_file;
    identity.key_file_pass = settings.client_key_file_pass;
  }
  if (!identity.cert_file.empty()) {
    if (absl::Status st = LoadCertificateAndKey(ctx.get(), identity); !st.ok()) {
      return st;
    }
  }
  return std::shared_ptr<const TlsClientContext>(new TlsClientContext(std::move(ctx)));
}

absl::StatusOr<std::unique_ptr<TlsTransport>> TlsClientContext::Connect(int fd,
                                                                        int timeout_ms) const {
  common::UniqueSsl ssl(SSL_new(ctx_.get()));
  if (ssl == nullptr) {
    close(fd);
    return Fail("can't create a TLS session");
  }
  SSL_set_connect_state(ssl.get());
  auto transport = std::make_unique<TlsTransport>(fd, std::move(ssl));
  for (;;) {
    std::string error;
    TlsTransport::HandshakeStatus st = transport->Handshake(&error);
    if (st == TlsTransport::HandshakeStatus::kDone) {
      return transport;
    }
    if (st == TlsTransport::HandshakeStatus::kFailed) {
      return absl::UnavailableError("TLS handshake with the primary failed: " + error);
    }
    pollfd p{fd,
             static_cast<short>(st == TlsTransport::HandshakeStatus::kWantRead ? POLLIN : POLLOUT),
             0};
    int r;
    do {
      r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
      return absl::DeadlineExceededError("TLS handshake with the primary timed out");
    }
  }
}

std::unique_ptr<TlsTransport> TlsClientContext::NewSession(int fd) const {
  common::UniqueSsl ssl(SSL_new(ctx_.get()));
  if (ssl == nullptr) {
    return nullptr;
  }
  SSL_set_connect_state(ssl.get());
  return std::make_unique<TlsTransport>(fd, std::move(ssl));
}

}  // namespace redoubt::tls
