// TlsTransport against an OpenSSL client over a socket pair: the step-by-step handshake,
// reads that drain every buffered record, and ticket resumption across contexts built with the
// same ticket keys (what keeps resumption working across a certificate reload).
#include "tls/tls_transport.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "support/test_certificates.h"
#include "tls/tls_context.h"

namespace redoubt::tls {
namespace {

using test_support::TestCertificates;

class TlsTransportTest : public ::testing::Test {
 protected:
  // OpenSSL's socket BIO writes with write(), not send(MSG_NOSIGNAL); the server ignores
  // SIGPIPE for that reason (Server::Run), and so must this test.
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    auto files = certs_.Issue("server");
    settings_.cert_file = files.cert;
    settings_.key_file = files.key;
    auto built = TlsContext::Create(settings_, keys_);
    ASSERT_TRUE(built.ok()) << built.status();
    server_context_ = *built;
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(client_ctx_, certs_.ca_file().c_str(), nullptr);
    SSL_CTX_set_verify(client_ctx_, SSL_VERIFY_PEER, nullptr);
  }
  void TearDown() override { SSL_CTX_free(client_ctx_); }

  // Runs both sides of a handshake until each is done or fails; returns the server's status.
  TlsTransport::HandshakeStatus Connect(TlsTransport& server, SSL* client) {
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
      std::string error;
      if (st != TlsTransport::HandshakeStatus::kDone) {
        st = server.Handshake(&error);
      }
      if (st == TlsTransport::HandshakeStatus::kFailed) {
        break;
      }
      if (client_done && st == TlsTransport::HandshakeStatus::kDone) {
        break;
      }
    }
    return st;
  }

  // A non-blocking socket pair: [0] for the server transport, [1] for the client.
  void MakePair(int fds[2]) {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
  }

  TestCertificates certs_;
  TicketKeys keys_ = RandomTicketKeys();
  TlsSettings settings_;
  std::shared_ptr<const TlsContext> server_context_;
  SSL_CTX* client_ctx_ = nullptr;
};

TEST_F(TlsTransportTest, HandshakeThenEchoBothWays) {
  int fds[2];
  MakePair(fds);
  TlsTransport server(fds[0], server_context_->NewSession());
  SSL* client = SSL_new(client_ctx_);
  SSL_set_fd(client, fds[1]);

  ASSERT_EQ(Connect(server, client), TlsTransport::HandshakeStatus::kDone);
  EXPECT_EQ(server.kind(), "tls");
  EXPECT_EQ(server.tls_version(), "TLSv1.3");
  EXPECT_FALSE(server.tls_cipher().empty());

  // Three records in one go: a single Read returns all of them, as epoll would not report
  // what OpenSSL has already pulled off the socket.
  for (const char* part : {"*1\r\n", "$4\r\n", "PING\r\n"}) {
    ASSERT_EQ(SSL_write(client, part, static_cast<int>(strlen(part))),
              static_cast<int>(strlen(part)));
  }
  char buf[256];
  net::IoResult r = server.Read(buf, sizeof(buf));
  ASSERT_EQ(r.kind, net::IoResult::kOk);
  EXPECT_EQ(std::string(buf, r.bytes), "*1\r\n$4\r\nPING\r\n");
  EXPECT_FALSE(server.HasBufferedInput());
  EXPECT_EQ(server.Read(buf, sizeof(buf)).kind, net::IoResult::kWouldBlock);

  net::IoResult w = server.Write("+PONG\r\n", 7);
  ASSERT_EQ(w.kind, net::IoResult::kOk);
  EXPECT_EQ(w.bytes, 7u);
  int n = 0;
  for (int i = 0; i < 10 && n <= 0; ++i) {
    n = SSL_read(client, buf, sizeof(buf));  // skips the session ticket record first
  }
  ASSERT_EQ(n, 7);
  EXPECT_EQ(std::string(buf, 7), "+PONG\r\n");

  SSL_free(client);
  close(fds[1]);
}

TEST_F(TlsTransportTest, SmallBufferLeavesInputBufferedAndSaysSo) {
  int fds[2];
  MakePair(fds);
  TlsTransport server(fds[0], server_context_->NewSession());
  SSL* client = SSL_new(client_ctx_);
  SSL_set_fd(client, fds[1]);
  ASSERT_EQ(Connect(server, client), TlsTransport::HandshakeStatus::kDone);

  ASSERT_EQ(SSL_write(client, "0123456789", 10), 10);
  char buf[4];
  net::IoResult r = server.Read(buf, sizeof(buf));
  ASSERT_EQ(r.kind, net::IoResult::kOk);
  EXPECT_EQ(r.bytes, 4u);
  EXPECT_TRUE(server.HasBufferedInput());
  std::string rest;
  while (server.HasBufferedInput()) {
    r = server.Read(buf, sizeof(buf));
    ASSERT_EQ(r.kind, net::IoResult::kOk);
    rest.append(buf, r.bytes);
  }
  EXPECT_EQ(rest, "456789");

  SSL_free(client);
  close(fds[1]);
}

TEST_F(TlsTransportTest, GarbageInsteadOfClientHelloFailsTheHandshake) {
  int fds[2];
  MakePair(fds);
  TlsTransport server(fds[0], server_context_->NewSession());
  const char garbage[] = "\x16\x03\x01\x00\x05hello world, not TLS at all";
  ASSERT_GT(write(fds[1], garbage, sizeof(garbage)), 0);

  std::string error;
  TlsTransport::HandshakeStatus st = server.Handshake(&error);

  EXPECT_EQ(st, TlsTransport::HandshakeStatus::kFailed);
  EXPECT_FALSE(error.empty());
  close(fds[1]);
}

TEST_F(TlsTransportTest, PeerClosingMidHandshakeFails) {
  int fds[2];
  MakePair(fds);
  TlsTransport server(fds[0], server_context_->NewSession());
  const char partial[] = "\x16\x03\x01\x02\x00\x01";  // a ClientHello header, then nothing
  ASSERT_GT(write(fds[1], partial, sizeof(partial) - 1), 0);
  std::string error;
  ASSERT_EQ(server.Handshake(&error), TlsTransport::HandshakeStatus::kWantRead);

  close(fds[1]);

  EXPECT_EQ(server.Handshake(&error), TlsTransport::HandshakeStatus::kFailed);
}

TEST_F(TlsTransportTest, TicketFromOneContextResumesOnTheNextWithTheSameKeys) {
  SSL_SESSION* session = nullptr;
  {
    int fds[2];
    MakePair(fds);
    TlsTransport server(fds[0], server_context_->NewSession());
    SSL* client = SSL_new(client_ctx_);
    SSL_set_fd(client, fds[1]);
    ASSERT_EQ(Connect(server, client), TlsTransport::HandshakeStatus::kDone);
    EXPECT_FALSE(server.resumed());
    char buf[16];
    ASSERT_EQ(server.Write("+OK\r\n", 5).kind, net::IoResult::kOk);
    int n = 0;
    for (int i = 0; i < 10 && n <= 0; ++i) {
      n = SSL_read(client, buf, sizeof(buf));  // the ticket arrives before the reply
    }
    session = SSL_get1_session(client);
    ASSERT_NE(session, nullptr);
    SSL_shutdown(client);  // a clean close keeps the session resumable
    SSL_free(client);
    close(fds[1]);
  }
  auto files = certs_.Issue("server2");
  settings_.cert_file = files.cert;
  settings_.key_file = files.key;
  {
    // Other ticket keys cannot decrypt the ticket: a full handshake.
    auto other = TlsContext::Create(settings_, RandomTicketKeys());
    ASSERT_TRUE(other.ok());
    int fds[2];
    MakePair(fds);
    TlsTransport server(fds[0], (*other)->NewSession());
    SSL* client = SSL_new(client_ctx_);
    SSL_set_fd(client, fds[1]);
    SSL_set_session(client, session);
    ASSERT_EQ(Connect(server, client), TlsTransport::HandshakeStatus::kDone);
    EXPECT_FALSE(server.resumed());
    SSL_free(client);
    close(fds[1]);
  }
  // A reload: a new context from a new certificate, same ticket keys.
  auto reloaded = TlsContext::Create(settings_, keys_);
  ASSERT_TRUE(reloaded.ok());

  int fds[2];
  MakePair(fds);
  TlsTransport server(fds[0], (*reloaded)->NewSession());
  SSL* client = SSL_new(client_ctx_);
  SSL_set_fd(client, fds[1]);
  SSL_set_session(client, session);
  ASSERT_EQ(Connect(server, client), TlsTransport::HandshakeStatus::kDone);

  EXPECT_TRUE(server.resumed());
  SSL_SESSION_free(session);
  SSL_free(client);
  close(fds[1]);
}

}  // namespace
}  // namespace redoubt::tls
