// TlsContext: what a certificate change is refused for (each error names the problem), and
// what INFO ssl reads from a loaded certificate.
#include "tls/tls_context.h"

#include <gtest/gtest.h>

#include <ctime>

#include "support/test_certificates.h"

namespace redoubt::tls {
namespace {

using test_support::CertFiles;
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
  SSL* ssl = (*context)->NewSession();
  ASSERT_NE(ssl, nullptr);
  SSL_free(ssl);
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

}  // namespace
}  // namespace redoubt::tls
