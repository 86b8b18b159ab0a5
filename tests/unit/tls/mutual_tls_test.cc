// Mutual TLS end to end: a TlsContext with tls-auth-clients, CA and CRL settings, and a
// TlsTransport handshaking with an OpenSSL client over a socket pair. These tests span both
// classes (the behaviour is theirs together), hence a file of its own rather than
// tls_context_test.cc or tls_transport_test.cc.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "common/openssl_ptr.h"
#include "support/test_certificates.h"
#include "tls/tls_context.h"
#include "tls/tls_transport.h"
#include "unit/tls/tls_link.h"

namespace redoubt::tls {
namespace {

using test_support::CertFiles;
using test_support::CrlSpec;
using test_support::TestCertificates;
using Status = TlsTransport::HandshakeStatus;

class MutualTlsTest : public TlsServerTest {
 protected:
  void SetUp() override {
    TlsServerTest::SetUp();
    settings_.ca_cert_file = certs_.ca_file();
    settings_.client_auth = ClientAuth::kYes;
  }

  // A link whose client presents client_cert (none when null), after the handshake; the
  // client resumes session when one is given.
  std::unique_ptr<TlsLink> Connect(const TlsContext& context, const CertFiles* client_cert,
                                   SSL_SESSION* session = nullptr) {
    common::UniqueSslCtx client_ctx = NewClientContext(certs_.ca_file(), client_cert);
    auto link = std::make_unique<TlsLink>(context, client_ctx.get());
    if (session != nullptr) {
      SSL_set_session(link->client.get(), session);
    }
    status_ = link->Handshake();
    return link;
  }

  std::string WriteCrl(const CrlSpec& spec) {
    return certs_.WriteFile("crl-" + std::to_string(++crl_files_) + ".pem", certs_.CrlPem(spec));
  }

  TestCertificates other_{"Other Test CA"};
  Status status_ = Status::kWantRead;
  int crl_files_ = 0;
};

TEST_F(MutualTlsTest, YesAcceptsACertificateOfTheCaAndKeepsItsIdentity) {
  CertFiles alice = certs_.IssueClient("alice");

  auto link = Connect(*Context(), &alice);

  ASSERT_EQ(status_, Status::kDone) << link->server_error;
  const PeerCertificate& peer = link->server->peer_certificate();
  EXPECT_TRUE(peer.present);
  EXPECT_EQ(peer.common_name, "alice");
  EXPECT_EQ(peer.subject, "CN=alice");
  EXPECT_EQ(peer.issuer, "CN=Redoubt Test CA");
  EXPECT_EQ(peer.serial_hex, alice.serial_hex());
  EXPECT_EQ(link->server->verify_result(), X509_V_OK);
  ASSERT_EQ(SSL_write(link->client.get(), "PING", 4), 4);
  char buf[16];
  net::IoResult r = link->server->Read(buf, sizeof(buf));
  ASSERT_EQ(r.kind, net::IoResult::kOk);
  EXPECT_EQ(std::string(buf, r.bytes), "PING");
}

TEST_F(MutualTlsTest, YesRefusesAClientWithoutCertificate) {
  auto link = Connect(*Context(), nullptr);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_NE(link->server_error.find("peer did not return a certificate"), std::string::npos)
      << link->server_error;
}

TEST_F(MutualTlsTest, OptionalAcceptsAClientWithoutCertificate) {
  settings_.client_auth = ClientAuth::kOptional;

  auto link = Connect(*Context(), nullptr);

  ASSERT_EQ(status_, Status::kDone) << link->server_error;
  EXPECT_FALSE(link->server->peer_certificate().present);
}

TEST_F(MutualTlsTest, OptionalStillRefusesACertificateThatDoesNotVerify) {
  settings_.client_auth = ClientAuth::kOptional;
  CertFiles stranger = other_.IssueClient("stranger");

  auto link = Connect(*Context(), &stranger);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "unable to get local issuer certificate");
}

TEST_F(MutualTlsTest, NoAsksForNoCertificate) {
  settings_.client_auth = ClientAuth::kNo;
  CertFiles alice = certs_.IssueClient("alice");

  auto link = Connect(*Context(), &alice);

  ASSERT_EQ(status_, Status::kDone) << link->server_error;
  EXPECT_FALSE(link->server->peer_certificate().present);
}

TEST_F(MutualTlsTest, CertificateOfAnotherCaIsRefusedWithTheVerifyReason) {
  CertFiles stranger = other_.IssueClient("stranger");

  auto link = Connect(*Context(), &stranger);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "unable to get local issuer certificate");
  EXPECT_EQ(link->server->verify_result(), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_FALSE(link->server->peer_certificate().present);
}

TEST_F(MutualTlsTest, ExpiredClientCertificateIsRefused) {
  CertFiles old = certs_.IssueClient("old", -7200, -3600);

  auto link = Connect(*Context(), &old);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "certificate has expired");
}

TEST_F(MutualTlsTest, RevokedClientCertificateIsRefusedAndOthersAreNot) {
  CertFiles mallory = certs_.IssueClient("mallory");
  CertFiles alice = certs_.IssueClient("alice");
  settings_.crl_file = WriteCrl({.revoked = {mallory.serial}});
  auto context = Context();

  auto refused = Connect(*context, &mallory);
  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(refused->server_error, "certificate revoked");
  EXPECT_EQ(refused->server->verify_result(), X509_V_ERR_CERT_REVOKED);

  auto accepted = Connect(*context, &alice);
  EXPECT_EQ(status_, Status::kDone) << accepted->server_error;
}

TEST_F(MutualTlsTest, ExpiredCrlRefusesClientsWithReject) {
  CertFiles alice = certs_.IssueClient("alice");
  settings_.crl_file = WriteCrl({.last_update_s = -7200, .next_update_s = -60});
  ASSERT_EQ(settings_.crl_expired_policy, CrlExpiredPolicy::kReject);  // the default
  auto context = Context();
  EXPECT_TRUE(context->crl_info().expired);

  auto link = Connect(*context, &alice);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "CRL has expired");
}

TEST_F(MutualTlsTest, ExpiredCrlIsAcceptedWithAllow) {
  CertFiles alice = certs_.IssueClient("alice");
  settings_.crl_file = WriteCrl({.last_update_s = -7200, .next_update_s = -60});
  settings_.crl_expired_policy = CrlExpiredPolicy::kAllow;

  auto link = Connect(*Context(), &alice);

  ASSERT_EQ(status_, Status::kDone) << link->server_error;
  EXPECT_EQ(link->server->verify_result(), X509_V_OK);
  EXPECT_EQ(link->server->peer_certificate().common_name, "alice");
}

TEST_F(MutualTlsTest, ExpiredCrlWithAllowStillRevokesWhatItLists) {
  CertFiles mallory = certs_.IssueClient("mallory");
  settings_.crl_file =
      WriteCrl({.revoked = {mallory.serial}, .last_update_s = -7200, .next_update_s = -60});
  settings_.crl_expired_policy = CrlExpiredPolicy::kAllow;

  auto link = Connect(*Context(), &mallory);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "certificate revoked");
}

TEST_F(MutualTlsTest, AllowForgivesOnlyTheExpiredCrl) {
  CertFiles old = certs_.IssueClient("old", -7200, -3600);
  settings_.crl_file = WriteCrl({});
  settings_.crl_expired_policy = CrlExpiredPolicy::kAllow;

  auto link = Connect(*Context(), &old);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "certificate has expired");
}

TEST_F(MutualTlsTest, EveryCrlOfAFileIsUsedForItsOwnCa) {
  settings_.ca_cert_file = certs_.WriteFile("cas.pem", certs_.ca_pem() + other_.ca_pem());
  CertFiles mallory = certs_.IssueClient("mallory");
  CertFiles alice = certs_.IssueClient("alice");
  CertFiles eve = other_.IssueClient("eve");
  CertFiles bob = other_.IssueClient("bob");
  settings_.crl_file = certs_.WriteFile("crls.pem", certs_.CrlPem({.revoked = {mallory.serial}}) +
                                                        other_.CrlPem({.revoked = {eve.serial}}));
  auto context = Context();
  ASSERT_EQ(context->crl_info().count, 2);
  EXPECT_EQ(context->crl_info().revoked, 2);

  for (const CertFiles* refused : {&mallory, &eve}) {
    auto link = Connect(*context, refused);
    EXPECT_EQ(status_, Status::kFailed);
    EXPECT_EQ(link->server_error, "certificate revoked");
  }
  for (const CertFiles* accepted : {&alice, &bob}) {
    auto link = Connect(*context, accepted);
    EXPECT_EQ(status_, Status::kDone) << link->server_error;
  }
}

TEST_F(MutualTlsTest, ClientOfACaWithoutCrlIsRefusedOnceCrlsAreChecked) {
  // Leaf-only CRL checking still needs a CRL for the CA that issued the client certificate.
  settings_.ca_cert_file = certs_.WriteFile("cas.pem", certs_.ca_pem() + other_.ca_pem());
  settings_.crl_file = WriteCrl({});
  CertFiles bob = other_.IssueClient("bob");

  auto link = Connect(*Context(), &bob);

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "unable to get certificate CRL");
}

TEST_F(MutualTlsTest, CaDirectoryTrustsClientsAndSignsCrls) {
  // tls-ca-cert-dir holds CAs under their subject hash, as c_rehash names them.
  common::UniqueX509 ca = TestCertificates::ReadCertificate(certs_.ca_file());
  ASSERT_NE(ca, nullptr);
  char hashed[16];
  std::snprintf(hashed, sizeof(hashed), "%08lx.0", X509_subject_name_hash(ca.get()));
  std::string dir = certs_.dir() + "/cas";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  certs_.WriteFile(std::string("cas/") + hashed, certs_.ca_pem());
  settings_.ca_cert_file.clear();
  settings_.ca_cert_dir = dir;
  CertFiles mallory = certs_.IssueClient("mallory");
  CertFiles alice = certs_.IssueClient("alice");
  settings_.crl_file = WriteCrl({.revoked = {mallory.serial}});
  auto context = Context();
  ASSERT_NE(context, nullptr);

  auto refused = Connect(*context, &mallory);
  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(refused->server_error, "certificate revoked");
  auto accepted = Connect(*context, &alice);
  EXPECT_EQ(status_, Status::kDone) << accepted->server_error;
}

TEST_F(MutualTlsTest, NewCrlRevokesAnOpenConnectionsCertificate) {
  CertFiles alice = certs_.IssueClient("alice");
  CertFiles carol = certs_.IssueClient("carol");
  settings_.crl_file = WriteCrl({});
  auto before = Context();
  auto alice_link = Connect(*before, &alice);
  ASSERT_EQ(status_, Status::kDone) << alice_link->server_error;
  auto carol_link = Connect(*before, &carol);
  ASSERT_EQ(status_, Status::kDone) << carol_link->server_error;
  settings_.crl_file = WriteCrl({.revoked = {alice.serial}});

  auto after = Context();  // a reload: same settings, new CRL file contents

  const PeerCertificate& alice_peer = alice_link->server->peer_certificate();
  EXPECT_FALSE(before->IsRevoked(alice_peer));
  EXPECT_TRUE(after->IsRevoked(alice_peer));
  EXPECT_FALSE(after->IsRevoked(carol_link->server->peer_certificate()));
  EXPECT_FALSE(after->IsRevoked(PeerCertificate{}));
  settings_.crl_file.clear();
  EXPECT_FALSE(Context()->IsRevoked(alice_peer));  // no CRL: nothing is revoked
}

TEST_F(MutualTlsTest, SessionResumesAcrossAReloadAndKeepsThePeerCertificate) {
  CertFiles alice = certs_.IssueClient("alice");
  settings_.crl_file = WriteCrl({});
  common::UniqueSslSession session;
  {
    auto link = Connect(*Context(), &alice);
    ASSERT_EQ(status_, Status::kDone) << link->server_error;
    session = link->TakeClientSession();
    ASSERT_NE(session, nullptr);
  }
  CertFiles server2 = certs_.Issue("server2");
  settings_.cert_file = server2.cert;  // a certificate rotation: the client rules are the same
  settings_.key_file = server2.key;

  auto link = Connect(*Context(), &alice, session.get());

  ASSERT_EQ(status_, Status::kDone) << link->server_error;
  EXPECT_TRUE(link->server->resumed());
  EXPECT_EQ(link->server->peer_certificate().common_name, "alice");
}

TEST_F(MutualTlsTest, Tls12SessionCacheResumesWithVerificationOn) {
  settings_.protocols = "TLSv1.2";
  CertFiles alice = certs_.IssueClient("alice");
  auto context = Context();
  common::UniqueSslSession session;
  {
    auto link = Connect(*context, &alice);
    ASSERT_EQ(status_, Status::kDone) << link->server_error;
    session = link->TakeClientSession();
    ASSERT_NE(session, nullptr);
  }

  auto link = Connect(*context, &alice, session.get());

  ASSERT_EQ(status_, Status::kDone) << link->server_error;
  EXPECT_TRUE(link->server->resumed());
  EXPECT_EQ(link->server->peer_certificate().common_name, "alice");
}

TEST_F(MutualTlsTest, SessionFromBeforeANewCrlIsNotResumed) {
  CertFiles alice = certs_.IssueClient("alice");
  settings_.crl_file = WriteCrl({});
  common::UniqueSslSession session;
  {
    auto link = Connect(*Context(), &alice);
    ASSERT_EQ(status_, Status::kDone) << link->server_error;
    session = link->TakeClientSession();
    ASSERT_NE(session, nullptr);
  }
  settings_.crl_file = WriteCrl({.revoked = {alice.serial}});

  auto link = Connect(*Context(), &alice, session.get());

  // Resuming would skip verification; a full handshake finds the revocation.
  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_EQ(link->server_error, "certificate revoked");
}

TEST_F(MutualTlsTest, SessionWithoutCertificateDoesNotResumeOnceCertificatesAreRequired) {
  settings_.client_auth = ClientAuth::kNo;
  common::UniqueSslSession session;
  {
    auto link = Connect(*Context(), nullptr);
    ASSERT_EQ(status_, Status::kDone) << link->server_error;
    session = link->TakeClientSession();
    ASSERT_NE(session, nullptr);
  }
  settings_.client_auth = ClientAuth::kYes;

  auto link = Connect(*Context(), nullptr, session.get());

  EXPECT_EQ(status_, Status::kFailed);
  EXPECT_NE(link->server_error.find("peer did not return a certificate"), std::string::npos)
      << link->server_error;
}

}  // namespace
}  // namespace redoubt::tls
