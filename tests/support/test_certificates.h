// Certificates for unit tests, made in-process with OpenSSL (EC P-256, so making one costs
// microseconds): a CA, certificates it signs with chosen validity windows, and PEM files in a
// temporary directory that is removed with the object. Integration tests use the openssl
// command line instead (tests/support/tls_certs.py), as operators do.
//
// Thread: one object per test.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <string>

namespace redoubt::test_support {

struct CertFiles {
  std::string cert;
  std::string key;
};

class TestCertificates {
 public:
  TestCertificates();
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_file() const { return ca_file_; }
  // A server certificate (CN and subjectAltName 127.0.0.1/localhost) signed by the CA, valid
  // from now + not_before_s to now + not_after_s. key_pass: encrypt the key file with it.
  CertFiles Issue(const std::string& name, int64_t not_before_s = -3600,
                  int64_t not_after_s = 86400, const std::string& key_pass = "");

 private:
  std::string dir_;
  std::string ca_file_;
  EVP_PKEY* ca_key_ = nullptr;
  X509* ca_cert_ = nullptr;
  long next_serial_ = 1000;
};

}  // namespace redoubt::test_support
