// What the TLS unit tests share: a server TlsTransport and an OpenSSL client on the two ends of
// a non-blocking socket pair, driven in turns until both sides finish the handshake; the client
// contexts the tests connect with (verifying the server, with or without a client
// certificate); a fixture with a CA, a server certificate and ticket keys to build server
// contexts from; and the PeerCertificate of a certificate file.
//
// Thread: one link per test, on the test's thread.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>

#include "common/openssl_ptr.h"
#include "support/test_certificates.h"
#include "tls/peer_certificate.h"
#include "tls/tls_context.h"
#include "tls/tls_transport.h"

namespace redoubt::tls {

struct TlsLink {
  // client_ctx is borrowed: the client SSL takes a reference of its own.
  TlsLink(const TlsContext& server_context, SSL_CTX* client_ctx) {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    server = std::make_unique<TlsTransport>(fds[0], server_context.NewSession());
    client_fd = fds[1];
    client.reset(SSL_new(client_ctx));
    SSL_set_fd(client.get(), client_fd);
  }
  ~TlsLink() {
    client.reset();
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
        int r = SSL_connect(client.get());
        client_done = r == 1;
        if (r <= 0 && SSL_get_error(client.get(), r) != SSL_ERROR_WANT_READ) {
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
      n = SSL_read(client.get(), buf, sizeof(buf));
    }
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

  // The client's session, to resume on a later link: read after a reply (when the ticket has
  // arrived), then the client closes cleanly, which keeps the session resumable.
  common::UniqueSslSession TakeClientSession() {
    EXPECT_EQ(server->Write("+OK\r\n", 5).kind, net::IoResult::kOk);
    EXPECT_EQ(ClientRead(), "+OK\r\n");
    common::UniqueSslSession session(SSL_get1_session(client.get()));
    SSL_shutdown(client.get());
    return session;
  }

  std::unique_ptr<TlsTransport> server;
  std::string server_error;
  common::UniqueSsl client;
  int client_fd = -1;
};

// A client context that verifies the server against ca_file and, when client_cert is given,
// presents that certificate.
inline common::UniqueSslCtx NewClientContext(const std::string& ca_file,
                                             const test_support::CertFiles* client_cert = nullptr) {
  common::UniqueSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (client_cert != nullptr) {
    EXPECT_EQ(SSL_CTX_use_certificate_file(ctx.get(), client_cert->cert.c_str(), SSL_FILETYPE_PEM),
              1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx.get(), client_cert->key.c_str(), SSL_FILETYPE_PEM),
              1);
  }
  return ctx;
}

// The identity a connection would keep from the certificate in files.cert.
inline PeerCertificate PeerOf(const test_support::CertFiles& files) {
  common::UniqueX509 cert = test_support::TestCertificates::ReadCertificate(files.cert);
  return DescribePeerCertificate(cert.get());
}

// A CA (certs_), ticket keys and settings_ that load a server certificate of that CA; tests
// change settings_ and build contexts from it.
class TlsServerTest : public ::testing::Test {
 protected:
  // OpenSSL's socket BIO writes with write(), not send(MSG_NOSIGNAL); the server ignores
  // SIGPIPE for that reason (Server::Run), and so must these tests.
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    test_support::CertFiles server = certs_.Issue("server");
    settings_.cert_file = server.cert;
    settings_.key_file = server.key;
  }

  std::shared_ptr<const TlsContext> Context(const TlsSettings& s) {
    auto built = TlsContext::Create(s, keys_);
    EXPECT_TRUE(built.ok()) << built.status();
    return built.ok() ? *built : nullptr;
  }
  std::shared_ptr<const TlsContext> Context() { return Context(settings_); }

  test_support::TestCertificates certs_;
  TicketKeys keys_ = RandomTicketKeys();
  TlsSettings settings_;
};

}  // namespace redoubt::tls
