// Certificates for unit tests, made in-process with OpenSSL (EC P-256, so making one costs
// microseconds): a CA, server and client certificates it signs with chosen validity windows,
// CRLs it signs, and PEM files in a temporary directory that is removed with the object. A test
// that needs a second CA makes a second object. Integration tests use the openssl command line
// instead (tests/support/tls_certs.py), as operators do.
//
// Thread: one object per test.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/openssl_ptr.h"

namespace redoubt::test_support {

struct CertFiles {
  std::string cert;
  std::string key;
  long serial = 0;  // what a CRL lists to revoke it

  // The serial as OpenSSL's BN_bn2hex prints it, which is how INFO, CLIENT LIST and the audit
  // log show it: upper-case hex, whole bytes ("03E9").
  std::string serial_hex() const;
};

// A CRL of the CA; times are seconds relative to now.
struct CrlSpec {
  std::vector<long> revoked;  // serials (CertFiles::serial)
  int64_t last_update_s = -3600;
  int64_t next_update_s = 86400;
};

class TestCertificates {
 public:
  // ca_signs_crls false: a CA whose keyUsage lacks cRLSign (it may sign only certificates).
  explicit TestCertificates(const std::string& ca_name = "Redoubt Test CA",
                            bool ca_signs_crls = true);
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_file() const { return ca_file_; }
  // The CA certificate, PEM (to build a CA file that holds several CAs).
  std::string ca_pem() const;
  // A server certificate (CN and subjectAltName 127.0.0.1/localhost) signed by the CA, valid
  // from now + not_before_s to now + not_after_s. key_pass: encrypt the key file with it.
  CertFiles Issue(const std::string& name, int64_t not_before_s = -3600,
                  int64_t not_after_s = 86400, const std::string& key_pass = "");
  // A client certificate (subject CN=cn, extendedKeyUsage clientAuth) signed by the CA, in
  // files named after its serial.
  CertFiles IssueClient(const std::string& cn, int64_t not_before_s = -3600,
                        int64_t not_after_s = 86400);
  // A v2 CRL signed with the CA's key, PEM.
  std::string CrlPem(const CrlSpec& spec) const;
  // The first certificate of a PEM file, or null.
  static common::UniqueX509 ReadCertificate(const std::string& path);
  // Writes contents to dir()/name and returns the path.
  std::string WriteFile(const std::string& name, const std::string& contents) const;

 private:
  std::string dir_;
  std::string ca_file_;
  common::UniqueEvpPkey ca_key_;
  common::UniqueX509 ca_cert_;
  long next_serial_ = 1000;
};

}  // namespace redoubt::test_support
