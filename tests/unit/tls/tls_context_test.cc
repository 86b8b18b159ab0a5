// TlsContext: what a certificate change is refused for (each error names the problem), the
// client-certificate and CRL settings it refuses, and what INFO ssl reads from a loaded
// certificate and CRL. Handshakes with client certificates are in mutual_tls_test.cc.
#include "tls/tls_context.h"

#include <gtest/gtest.h>

#include <ctime>

#include "support/test_certificates.h"

namespace redoubt::tls {
namespace {

using test_support::CertFiles;
using test_support::CrlSpec;
using test_support::TestCertificates;

class TlsContextTest : public ::testing::Test {
 protected:
  TlsSettings SettingsFor(const CertFiles& files) {
    TlsSettings s;
    s.cert_file = files.cert;
    s.key_file = files.key;
    return s;
  }
  absl::Status CreateStatus(const TlsSettings& s) { return TlsContext::Create(s, keys_).status(); }

  TestCertificates certs_;
  TicketKeys keys_ = RandomTicketKeys();
};

TEST_F(TlsContextTest, ValidCertificateLoadsAndIsDescribed) {
  CertFiles server = certs_.Issue("server", -3600, 86400);

  auto context = TlsContext::Create(SettingsFor(server), keys_);

  ASSERT_TRUE(context.ok()) << context.status();
  const CertificateInfo& info = (*context)->certificate();
  EXPECT_FALSE(info.serial_hex.empty());
  EXPECT_EQ(info.serial_hex.find_first_not_of("0123456789ABCDEF"), std::string::npos);
  // "Mar 20 23:27:07 2017 GMT": month, day, time, year, GMT.
  EXPECT_EQ(info.not_after.size(), 24u) << info.not_after;
  EXPECT_EQ(info.not_after.substr(info.not_after.size() - 4), " GMT");
  int64_t left = info.not_after_unix - static_cast<int64_t>(time(nullptr));
  EXPECT_GT(left, 86400 - 60);
  EXPECT_LE(left, 86400);
  EXPECT_NE(info.subject.find("CN=server"), std::string::npos);
  EXPECT_NE((*context)->NewSession(), nullptr);
}

TEST_F(TlsContextTest, MissingFileIsNamedWithTheSystemReason) {
  TlsSettings s;
  s.cert_file = certs_.dir() + "/missing.crt";
  s.key_file = certs_.dir() + "/missing.key";

  absl::Status st = CreateStatus(s);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tls-cert-file"), std::string_view::npos) << st;
  EXPECT_NE(st.message().find("No such file or directory"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  CertFiles a = certs_.Issue("a");
  CertFiles b = certs_.Issue("b");
  TlsSettings s = SettingsFor(a);
  s.key_file = b.key;

  absl::Status st = CreateStatus(s);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("does not match the certificate"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, ExpiredCertificateIsRefused) {
  CertFiles old = certs_.Issue("old", -7200, -3600);

  absl::Status st = CreateStatus(SettingsFor(old));

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has expired"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, NotYetValidCertificateIsRefused) {
  CertFiles future = certs_.Issue("future", 3600, 7200);

  absl::Status st = CreateStatus(SettingsFor(future));

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not yet valid"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, EncryptedKeyNeedsTheRightPassword) {
  CertFiles locked = certs_.Issue("locked", -3600, 86400, "s3cret");
  TlsSettings s = SettingsFor(locked);

  s.key_file_pass = "wrong";
  absl::Status wrong = CreateStatus(s);
  s.key_file_pass = "s3cret";
  absl::Status right = CreateStatus(s);

  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.message().find("tls-key-file-pass"), std::string_view::npos) << wrong;
  EXPECT_TRUE(right.ok()) << right;
}

TEST_F(TlsContextTest, EncryptedKeyWithoutPasswordGivesRedisText) {
  CertFiles locked = certs_.Issue("locked", -3600, 86400, "s3cret");
  TlsSettings s = SettingsFor(locked);

  absl::Status st = CreateStatus(s);

  ASSERT_FALSE(st.ok());
  // Redis 7.0 logs "Failed to load private key: <file>: error:...:interrupted or cancelled".
  EXPECT_TRUE(std::string(st.message())
                  .starts_with("Failed to load private key: " + locked.key + ": error:"))
      << st;
  EXPECT_NE(st.message().find("interrupted or cancelled"), std::string_view::npos) << st;
  EXPECT_NE(st.message().find("set tls-key-file-pass"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, ProtocolsAndCiphersAreValidated) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));

  s.protocols = "TLSv1.3";
  EXPECT_TRUE(CreateStatus(s).ok());
  s.protocols = "TLSv1.2 SSLv3";
  EXPECT_NE(CreateStatus(s).message().find("invalid tls-protocols value 'SSLv3'"),
            std::string_view::npos);
  s.protocols = "";
  s.ciphers = "NOT-A-CIPHER";
  EXPECT_NE(CreateStatus(s).message().find("invalid tls-ciphers"), std::string_view::npos);
  s.ciphers = "";
  s.ciphersuites = "TLS_NOPE";
  EXPECT_NE(CreateStatus(s).message().find("invalid tls-ciphersuites"), std::string_view::npos);
}

TEST_F(TlsContextTest, DhParamsFileMustHoldParameters) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));

  s.dh_params_file = s.cert_file;  // a certificate, not DH parameters
  absl::Status st = CreateStatus(s);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tls-dh-params-file"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, ClientCertificatesNeedACa) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));

  s.client_auth = ClientAuth::kYes;
  absl::Status yes = CreateStatus(s);
  s.client_auth = ClientAuth::kOptional;
  absl::Status optional = CreateStatus(s);
  s.ca_cert_file = certs_.ca_file();
  absl::Status with_ca = CreateStatus(s);

  EXPECT_EQ(yes.message(),
            "tls-auth-clients yes needs tls-ca-cert-file or tls-ca-cert-dir: the CAs whose "
            "client certificates are accepted");
  EXPECT_NE(optional.message().find("tls-auth-clients optional needs tls-ca-cert-file"),
            std::string_view::npos)
      << optional;
  EXPECT_TRUE(with_ca.ok()) << with_ca;
}

TEST_F(TlsContextTest, CrlFileNeedsACa) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));
  s.crl_file = certs_.WriteFile("crl.pem", certs_.CrlPem({}));

  absl::Status st = CreateStatus(s);

  EXPECT_EQ(st.message(),
            "tls-crl-file needs tls-ca-cert-file or tls-ca-cert-dir: the CAs that sign its CRLs");
}

TEST_F(TlsContextTest, MissingCaFileIsNamedWithTheSystemReason) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));
  s.ca_cert_file = certs_.dir() + "/missing-ca.crt";

  absl::Status st = CreateStatus(s);

  EXPECT_NE(st.message().find("can't read tls-ca-cert-file"), std::string_view::npos) << st;
  EXPECT_NE(st.message().find("No such file or directory"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, CrlOfAnotherCaIsRefusedNamingItsIssuer) {
  TestCertificates other("Other Test CA");
  TlsSettings s = SettingsFor(certs_.Issue("server"));
  s.ca_cert_file = certs_.ca_file();
  s.client_auth = ClientAuth::kYes;
  s.crl_file = certs_.WriteFile("other-crl.pem", other.CrlPem({}));

  absl::Status st = CreateStatus(s);

  EXPECT_EQ(st.message(), "CRL in tls-crl-file '" + s.crl_file +
                              "' is not issued by a configured CA (issuer: CN=Other Test CA)");
}

TEST_F(TlsContextTest, GarbageCrlFileIsRefused) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));
  s.ca_cert_file = certs_.ca_file();
  s.crl_file = certs_.WriteFile("garbage.pem", "garbage\n");

  absl::Status st = CreateStatus(s);

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tls-crl-file '" + s.crl_file + "'"), std::string_view::npos) << st;
}

TEST_F(TlsContextTest, CrlInfoDescribesTheLoadedCrls) {
  TlsSettings s = SettingsFor(certs_.Issue("server"));
  s.ca_cert_file = certs_.ca_file();
  auto without = TlsContext::Create(s, keys_);
  s.crl_file =
      certs_.WriteFile("crl.pem", certs_.CrlPem({.revoked = {11, 12, 13}, .next_update_s = 3600}));
  int64_t now = static_cast<int64_t>(time(nullptr));

  auto with = TlsContext::Create(s, keys_);

  ASSERT_TRUE(without.ok() && with.ok());
  EXPECT_EQ((*without)->crl_info().count, 0);
  EXPECT_EQ((*without)->crl_info().next_update, "");
  CrlInfo info = (*with)->crl_info();
  EXPECT_EQ(info.count, 1);
  EXPECT_EQ(info.revoked, 3);
  EXPECT_NEAR(info.next_update_unix, now + 3600, 5);
  EXPECT_NEAR(info.last_update_unix, now - 3600, 5);
  EXPECT_EQ(info.next_update.substr(info.next_update.size() - 4), " GMT");
  EXPECT_FALSE(info.expired);
}

TEST_F(TlsContextTest, DirectiveValuesParseAndPrintAsRedisSpellsThem) {
  for (ClientAuth auth : {ClientAuth::kNo, ClientAuth::kOptional, ClientAuth::kYes}) {
    EXPECT_EQ(ParseClientAuth(ClientAuthName(auth)), auth);
  }
  EXPECT_EQ(ParseClientAuth("YES"), ClientAuth::kYes);
  EXPECT_EQ(ParseClientAuth("maybe"), std::nullopt);
  for (CrlExpiredPolicy policy : {CrlExpiredPolicy::kReject, CrlExpiredPolicy::kAllow}) {
    EXPECT_EQ(ParseCrlExpiredPolicy(CrlExpiredPolicyName(policy)), policy);
  }
  EXPECT_EQ(CrlExpiredPolicyName(CrlExpiredPolicy::kReject), "reject");
  EXPECT_EQ(ParseCrlExpiredPolicy("ignore"), std::nullopt);
}

}  // namespace
}  // namespace redoubt::tls
