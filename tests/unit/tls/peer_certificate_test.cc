// PeerCertificate: the identity a connection keeps from its client's certificate.
#include "tls/peer_certificate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include "support/test_certificates.h"

namespace redoubt::tls {
namespace {

using test_support::CertFiles;
using test_support::TestCertificates;

PeerCertificate PeerOf(const CertFiles& files) {
  X509* cert = TestCertificates::ReadCertificate(files.cert);
  PeerCertificate peer = DescribePeerCertificate(cert);
  X509_free(cert);
  return peer;
}

TEST(PeerCertificateTest, DescribesTheCertificate) {
  TestCertificates certs;
  CertFiles alice = certs.IssueClient("alice");

  PeerCertificate peer = PeerOf(alice);

  EXPECT_TRUE(peer.present);
  EXPECT_EQ(peer.common_name, "alice");
  EXPECT_EQ(peer.subject, "CN=alice");
  EXPECT_EQ(peer.issuer, "CN=Redoubt Test CA");
  char hex[32];
  std::snprintf(hex, sizeof(hex), "%lX", alice.serial);
  std::string whole_bytes = std::string(std::strlen(hex) % 2, '0') + hex;  // as BN_bn2hex
  EXPECT_EQ(peer.serial_hex, whole_bytes);
  EXPECT_NEAR(peer.not_after_unix, static_cast<int64_t>(time(nullptr)) + 86400, 5);
  EXPECT_FALSE(peer.issuer_der.empty());
  EXPECT_FALSE(peer.serial_der.empty());
}

TEST(PeerCertificateTest, NoCertificateIsNotPresentAndEmpty) {
  EXPECT_EQ(DescribePeerCertificate(nullptr), PeerCertificate{});
}

TEST(PeerCertificateTest, SeveralCommonNamesAreNoIdentity) {
  X509_NAME* name = X509_NAME_new();
  for (const char* cn : {"first", "second"}) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  }
  X509* cert = X509_new();
  X509_set_subject_name(cert, name);

  PeerCertificate peer = DescribePeerCertificate(cert);

  // Which CN would name the ACL user is a convention: with two, none does.
  EXPECT_EQ(peer.common_name, "");
  EXPECT_EQ(peer.subject, "CN=second,CN=first");
  X509_free(cert);
  X509_NAME_free(name);
}

TEST(PeerCertificateTest, CommonNameWithANulByteIsNoIdentity) {
  X509_NAME* name = X509_NAME_new();
  const unsigned char cn[] = {'a', 'd', 'm', 'i', 'n', 0, 'x'};
  X509_NAME_add_entry_by_txt(name, "CN", V_ASN1_UTF8STRING, cn, sizeof(cn), -1, 0);
  X509* cert = X509_new();
  X509_set_subject_name(cert, name);

  PeerCertificate peer = DescribePeerCertificate(cert);

  EXPECT_TRUE(peer.present);
  EXPECT_EQ(peer.common_name, "");
  X509_free(cert);
  X509_NAME_free(name);
}

}  // namespace
}  // namespace redoubt::tls
