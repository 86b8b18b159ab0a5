// Test helper for the TLS unit tests: a server TlsTransport and an OpenSSL client on the two
// ends of a non-blocking socket pair, driven in turns until both sides finish the handshake,
// and the client contexts the tests connect with (verifying the server, with or without a
// client certificate).
//
// Thread: one link per test, on the test's thread.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "support/test_certificates.h"
#include "tls/tls_context.h"
#include "tls/tls_transport.h"

namespace redoubt::tls {

struct TlsLink {
  TlsLink(const TlsContext& server_context, SSL_CTX* client_ctx) {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    server = std::make_unique<TlsTransport>(fds[0], server_context.NewSession());
    client_fd = fds[1];
    client = SSL_new(client_ctx);
    SSL_set_fd(client, client_fd);
  }
  ~TlsLink() {
    SSL_free(client);
    close(client_fd);
  }
  TlsLink(const TlsLink&) = delete;
  TlsLink& operator=(const TlsLink&) = delete;

  // Runs both sides of the handshake until each is done or fails; returns the server's status
  // and keeps its error in server_error. (With TLS 1.3 the client finishes first: the server
  // checks the client certificate after the client's last flight.)
  TlsTransport::HandshakeStatus Handshake() {
    TlsTransport::HandshakeStatus st = TlsTransport::HandshakeStatus::kWantRead;
    bool client_done = false;
    for (int i = 0; i < 50; ++i) {
      if (!client_done) {
        int r = SSL_connect(client);
        client_done = r == 1;
        if (r <= 0 && SSL_get_error(client, r) != SSL_ERROR_WANT_READ) {
          ERR_clear_error();
          break;
        }
      }
      if (st != TlsTransport::HandshakeStatus::kDone) {
        st = server->Handshake(&server_error);
      }
      if (st == TlsTransport::HandshakeStatus::kFailed ||
          (client_done && st == TlsTransport::HandshakeStatus::kDone)) {
        break;
      }
    }
    return st;
  }

  // Reads one application record on the client (skipping session tickets, which arrive first).
  std::string ClientRead() {
    char buf[256];
    int n = 0;
    for (int i = 0; i < 10 && n <= 0; ++i) {
      n = SSL_read(client, buf, sizeof(buf));
    }
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

  std::unique_ptr<TlsTransport> server;
  std::string server_error;
  SSL* client = nullptr;
  int client_fd = -1;
};

// A client context that verifies the server against ca_file and, when client_cert is given,
// presents that certificate. The caller frees it (SSL_CTX_free).
inline SSL_CTX* NewClientContext(const std::string& ca_file,
                                 const test_support::CertFiles* client_cert = nullptr) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (client_cert != nullptr) {
    EXPECT_EQ(SSL_CTX_use_certificate_file(ctx, client_cert->cert.c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx, client_cert->key.c_str(), SSL_FILETYPE_PEM), 1);
  }
  return ctx;
}

}  // namespace redoubt::tls
