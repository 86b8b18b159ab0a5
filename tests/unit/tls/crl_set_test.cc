// CrlSet: which CRL files are refused (each error names the file and the reason), what INFO ssl
// reads from the CRLs, and the revocation lookup the server uses after a CRL reload.
#include "tls/crl_set.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <string>

#include "common/openssl_ptr.h"
#include "support/test_certificates.h"
#include "tls/peer_certificate.h"
#include "unit/tls/tls_link.h"

namespace redoubt::tls {
namespace {

using test_support::CertFiles;
using test_support::CrlSpec;
using test_support::TestCertificates;

class CrlSetTest : public ::testing::Test {
 protected:
  // A store that trusts the CAs in ca_file, as TlsContext builds one.
  void Trust(const std::string& ca_file) {
    ASSERT_EQ(X509_STORE_load_file(store_.get(), ca_file.c_str()), 1);
  }

  absl::StatusOr<std::unique_ptr<const CrlSet>> Load(const std::string& path) {
    return CrlSet::Load(path, store_.get());
  }

  TestCertificates certs_;
  TestCertificates other_{"Other Test CA"};
  common::UniqueX509Store store_{X509_STORE_new()};
};

TEST_F(CrlSetTest, EveryCrlOfAFileIsLoadedAndDescribedByTheWorstCase) {
  std::string both = certs_.WriteFile("both.pem", certs_.ca_pem() + other_.ca_pem());
  Trust(both);
  std::string path = certs_.WriteFile(
      "crls.pem",
      certs_.CrlPem({.revoked = {7, 8}, .last_update_s = -3600, .next_update_s = 86400}) +
          other_.CrlPem({.revoked = {9}, .last_update_s = -7200, .next_update_s = 7200}));
  int64_t now = static_cast<int64_t>(time(nullptr));

  auto crls = Load(path);

  ASSERT_TRUE(crls.ok()) << crls.status();
  CrlInfo info = (*crls)->InfoAt(now);
  EXPECT_EQ(info.count, 2);
  EXPECT_EQ(info.revoked, 3);
  EXPECT_NEAR(info.last_update_unix, now - 7200, 5);            // the oldest
  EXPECT_NEAR(info.next_update_unix, now + 7200, 5);            // the first to expire
  EXPECT_EQ(info.next_update.size(), 24u) << info.next_update;  // "Mar 20 23:27:07 2017 GMT"
  EXPECT_EQ(info.next_update.substr(20), " GMT");
  EXPECT_EQ(info.last_update.size(), 24u) << info.last_update;
  EXPECT_FALSE(info.expired);
}

TEST_F(CrlSetTest, ExpiredOnceThePastTheEarliestNextUpdate) {
  Trust(certs_.ca_file());
  std::string path = certs_.WriteFile("crl.pem", certs_.CrlPem({.next_update_s = 600}));
  int64_t now = static_cast<int64_t>(time(nullptr));

  auto crls = Load(path);

  ASSERT_TRUE(crls.ok()) << crls.status();
  EXPECT_FALSE((*crls)->InfoAt(now).expired);
  EXPECT_TRUE((*crls)->InfoAt(now + 601 + 5).expired);
  EXPECT_FALSE(CrlInfo{}.ExpiredAt(now));  // no CRL, or none with a nextUpdate
}

TEST_F(CrlSetTest, CrlOfAnotherCaIsRefusedNamingItsIssuer) {
  Trust(certs_.ca_file());
  std::string path = certs_.WriteFile("other.pem", other_.CrlPem({}));

  absl::Status st = Load(path).status();

  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "CRL in tls-crl-file '" + path +
                              "' is not issued by a configured CA (issuer: CN=Other Test CA)");
}

TEST_F(CrlSetTest, CrlSignedByAnImpostorWithTheCasNameIsRefused) {
  Trust(certs_.ca_file());
  TestCertificates impostor;  // same CA name, another key
  std::string path = certs_.WriteFile("forged.pem", impostor.CrlPem({}));

  absl::Status st = Load(path).status();

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not issued by a configured CA (issuer: CN=Redoubt Test CA; "
                              "its signature does not verify with that CA's key)"),
            std::string_view::npos)
      << st;
}

TEST_F(CrlSetTest, CrlOfACaThatMayNotSignCrlsIsRefused) {
  TestCertificates limited("Limited CA", /*ca_signs_crls=*/false);
  Trust(limited.ca_file());
  std::string path = limited.WriteFile("crl.pem", limited.CrlPem({}));

  absl::Status st = Load(path).status();

  EXPECT_EQ(st.message(),
            "the CA 'CN=Limited CA' may not sign CRLs (its keyUsage lacks cRLSign), so the CRL in "
            "tls-crl-file '" +
                path + "' cannot be used");
}

TEST_F(CrlSetTest, OneBadCrlAmongGoodOnesRefusesTheFile) {
  Trust(certs_.ca_file());
  std::string path = certs_.WriteFile("mixed.pem", certs_.CrlPem({}) + other_.CrlPem({}));

  absl::Status st = Load(path).status();

  EXPECT_NE(st.message().find("issuer: CN=Other Test CA"), std::string_view::npos) << st;
}

TEST_F(CrlSetTest, FileWithoutCrlIsRefusedWithOpenSslsReason) {
  Trust(certs_.ca_file());
  std::string path = certs_.WriteFile("garbage.pem", "this is not a CRL\n");

  absl::Status st = Load(path).status();

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no CRL found in tls-crl-file '" + path + "'"),
            std::string_view::npos)
      << st;
  EXPECT_NE(st.message().find("no start line"), std::string_view::npos) << st;
}

TEST_F(CrlSetTest, CorruptCrlAfterAGoodOneIsRefusedWithOpenSslsReason) {
  Trust(certs_.ca_file());
  std::string corrupt = "-----BEGIN X509 CRL-----\nMIIBAAAAAAAA\n-----END X509 CRL-----\n";
  std::string path = certs_.WriteFile("corrupt.pem", certs_.CrlPem({}) + corrupt);

  absl::Status st = Load(path).status();

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("can't read CRL from tls-crl-file '" + path + "': error:"),
            std::string_view::npos)
      << st;
}

TEST_F(CrlSetTest, MissingFileIsNamedWithTheSystemReason) {
  Trust(certs_.ca_file());

  absl::Status st = Load(certs_.dir() + "/missing.pem").status();

  EXPECT_NE(st.message().find("No such file or directory"), std::string_view::npos) << st;
}

TEST_F(CrlSetTest, RevocationIsLookedUpByIssuerAndSerial) {
  Trust(certs_.ca_file());
  CertFiles revoked = certs_.IssueClient("revoked");
  CertFiles kept = certs_.IssueClient("kept");
  CertFiles elsewhere = other_.IssueClient("elsewhere");
  // The same serial as the revoked certificate (both CAs count from the same number), from
  // another issuer: not revoked.
  ASSERT_EQ(elsewhere.serial, revoked.serial);
  std::string path = certs_.WriteFile("crl.pem", certs_.CrlPem({.revoked = {revoked.serial}}));

  auto crls = Load(path);

  ASSERT_TRUE(crls.ok()) << crls.status();
  PeerCertificate peer = PeerOf(revoked);
  EXPECT_TRUE((*crls)->IsRevoked(peer.issuer_der, peer.serial_der));
  peer = PeerOf(kept);
  EXPECT_FALSE((*crls)->IsRevoked(peer.issuer_der, peer.serial_der));
  peer = PeerOf(elsewhere);
  EXPECT_FALSE((*crls)->IsRevoked(peer.issuer_der, peer.serial_der));
  EXPECT_FALSE((*crls)->IsRevoked("", ""));
  EXPECT_FALSE((*crls)->IsRevoked("\x30\x03garbage", "\x02"));
}

TEST_F(CrlSetTest, SameCrlsGiveTheSameDigest) {
  Trust(certs_.ca_file());
  std::string one = certs_.CrlPem({.revoked = {5}});
  std::string a = certs_.WriteFile("a.pem", one);
  std::string b = certs_.WriteFile("b.pem", one);
  std::string c = certs_.WriteFile("c.pem", certs_.CrlPem({.revoked = {5, 6}}));

  auto crl_a = Load(a);
  auto crl_b = Load(b);
  auto crl_c = Load(c);

  ASSERT_TRUE(crl_a.ok() && crl_b.ok() && crl_c.ok());
  EXPECT_EQ((*crl_a)->digest(), (*crl_b)->digest());
  EXPECT_NE((*crl_a)->digest(), (*crl_c)->digest());
}

}  // namespace
}  // namespace redoubt::tls
