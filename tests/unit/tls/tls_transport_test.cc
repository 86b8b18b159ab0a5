// TlsTransport against an OpenSSL client over a socket pair: the step-by-step handshake,
// reads that drain every buffered record, and ticket resumption across contexts built with the
// same ticket keys (what keeps resumption working across a certificate reload).
#include "tls/tls_transport.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "common/openssl_ptr.h"
#include "tls/tls_context.h"
#include "unit/tls/tls_link.h"

namespace redoubt::tls {
namespace {

using Link = TlsLink;

class TlsTransportTest : public TlsServerTest {
 protected:
  void SetUp() override {
    TlsServerTest::SetUp();
    server_context_ = Context();
    ASSERT_NE(server_context_, nullptr);
  }

  std::unique_ptr<Link> Open(const TlsContext& context) {
    return std::make_unique<Link>(context, client_ctx_.get());
  }

  std::shared_ptr<const TlsContext> server_context_;
  common::UniqueSslCtx client_ctx_ = NewClientContext(certs_.ca_file());
};

TEST_F(TlsTransportTest, HandshakeThenEchoBothWays) {
  auto link = Open(*server_context_);
  TlsTransport& server = *link->server;

  ASSERT_EQ(link->Handshake(), TlsTransport::HandshakeStatus::kDone);
  EXPECT_EQ(server.kind(), "tls");
  EXPECT_EQ(server.tls_version(), "TLSv1.3");
  EXPECT_FALSE(server.tls_cipher().empty());

  // Three records in one go: a single Read returns all of them, as epoll would not report
  // what OpenSSL has already pulled off the socket.
  for (const char* part : {"*1\r\n", "$4\r\n", "PING\r\n"}) {
    ASSERT_EQ(SSL_write(link->client.get(), part, static_cast<int>(strlen(part))),
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
  EXPECT_EQ(link->ClientRead(), "+PONG\r\n");
}

TEST_F(TlsTransportTest, SmallBufferLeavesInputBufferedAndSaysSo) {
  auto link = Open(*server_context_);
  TlsTransport& server = *link->server;
  ASSERT_EQ(link->Handshake(), TlsTransport::HandshakeStatus::kDone);

  ASSERT_EQ(SSL_write(link->client.get(), "0123456789", 10), 10);
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
}

TEST_F(TlsTransportTest, GarbageInsteadOfClientHelloFailsTheHandshake) {
  auto link = Open(*server_context_);
  const char garbage[] = "\x16\x03\x01\x00\x05hello world, not TLS at all";
  ASSERT_GT(write(link->client_fd, garbage, sizeof(garbage)), 0);

  std::string error;
  TlsTransport::HandshakeStatus st = link->server->Handshake(&error);

  EXPECT_EQ(st, TlsTransport::HandshakeStatus::kFailed);
  EXPECT_FALSE(error.empty());
}

TEST_F(TlsTransportTest, PeerClosingMidHandshakeFails) {
  auto link = Open(*server_context_);
  const char partial[] = "\x16\x03\x01\x02\x00\x01";  // a ClientHello header, then nothing
  ASSERT_GT(write(link->client_fd, partial, sizeof(partial) - 1), 0);
  std::string error;
  ASSERT_EQ(link->server->Handshake(&error), TlsTransport::HandshakeStatus::kWantRead);

  shutdown(link->client_fd, SHUT_WR);

  EXPECT_EQ(link->server->Handshake(&error), TlsTransport::HandshakeStatus::kFailed);
}

TEST_F(TlsTransportTest, TicketFromOneContextResumesOnTheNextWithTheSameKeys) {
  common::UniqueSslSession session;
  {
    auto link = Open(*server_context_);
    ASSERT_EQ(link->Handshake(), TlsTransport::HandshakeStatus::kDone);
    EXPECT_FALSE(link->server->resumed());
    session = link->TakeClientSession();
    ASSERT_NE(session, nullptr);
  }
  auto files = certs_.Issue("server2");
  settings_.cert_file = files.cert;
  settings_.key_file = files.key;
  auto other_keys = TlsContext::Create(settings_, RandomTicketKeys());
  auto reloaded = TlsContext::Create(settings_, keys_);  // a reload: new certificate, same keys
  ASSERT_TRUE(other_keys.ok() && reloaded.ok());

  auto refused = Open(**other_keys);
  SSL_set_session(refused->client.get(), session.get());
  ASSERT_EQ(refused->Handshake(), TlsTransport::HandshakeStatus::kDone);
  EXPECT_FALSE(refused->server->resumed());  // other ticket keys cannot decrypt it

  auto resumed = Open(**reloaded);
  SSL_set_session(resumed->client.get(), session.get());
  ASSERT_EQ(resumed->Handshake(), TlsTransport::HandshakeStatus::kDone);
  EXPECT_TRUE(resumed->server->resumed());
}

}  // namespace
}  // namespace redoubt::tls
