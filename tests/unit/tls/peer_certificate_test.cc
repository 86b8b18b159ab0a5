// PeerCertificate: the identity a connection keeps from its client's certificate.
#include "tls/peer_certificate.h"

#include <gtest/gtest.h>

#include <ctime>

#include "common/openssl_ptr.h"
#include "support/test_certificates.h"
#include "unit/tls/tls_link.h"

namespace redoubt::tls {
namespace {

using test_support::CertFiles;
using test_support::TestCertificates;

TEST(PeerCertificateTest, DescribesTheCertificate) {
  TestCertificates certs;
  CertFiles alice = certs.IssueClient("alice");

  PeerCertificate peer = PeerOf(alice);

  EXPECT_TRUE(peer.present);
  EXPECT_EQ(peer.common_name, "alice");
  EXPECT_EQ(peer.subject, "CN=alice");
  EXPECT_EQ(peer.issuer, "CN=Redoubt Test CA");
  EXPECT_EQ(peer.serial_hex, alice.serial_hex());
  EXPECT_NEAR(peer.not_after_unix, static_cast<int64_t>(time(nullptr)) + 86400, 5);
  EXPECT_FALSE(peer.issuer_der.empty());
  EXPECT_FALSE(peer.serial_der.empty());
}

TEST(PeerCertificateTest, NoCertificateIsNotPresentAndEmpty) {
  EXPECT_EQ(DescribePeerCertificate(nullptr), PeerCertificate{});
}

TEST(PeerCertificateTest, SeveralCommonNamesAreNoIdentity) {
  common::UniqueX509Name name(X509_NAME_new());
  for (const char* cn : {"first", "second"}) {
    X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  }
  common::UniqueX509 cert(X509_new());
  X509_set_subject_name(cert.get(), name.get());

  PeerCertificate peer = DescribePeerCertificate(cert.get());

  // Which CN would name the ACL user is a convention: with two, none does.
  EXPECT_EQ(peer.common_name, "");
  EXPECT_EQ(peer.subject, "CN=second,CN=first");
}

TEST(PeerCertificateTest, CommonNameWithANulByteIsNoIdentity) {
  common::UniqueX509Name name(X509_NAME_new());
  const unsigned char cn[] = {'a', 'd', 'm', 'i', 'n', 0, 'x'};
  X509_NAME_add_entry_by_txt(name.get(), "CN", V_ASN1_UTF8STRING, cn, sizeof(cn), -1, 0);
  common::UniqueX509 cert(X509_new());
  X509_set_subject_name(cert.get(), name.get());

  PeerCertificate peer = DescribePeerCertificate(cert.get());

  EXPECT_TRUE(peer.present);
  EXPECT_EQ(peer.common_name, "");
}

}  // namespace
}  // namespace redoubt::tls
