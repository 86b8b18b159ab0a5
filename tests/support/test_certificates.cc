// In-process test certificates; see test_certificates.h.
#include "support/test_certificates.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace redoubt::test_support {
namespace {

EVP_PKEY* NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) {
    throw std::runtime_error("EC key generation failed");
  }
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* NewCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial,
              int64_t not_before_s, int64_t not_after_s, bool ca) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(not_before_s));
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(not_after_s));
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer == nullptr ? cert : issuer;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  if (ca) {
    AddExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  X509_sign(cert, issuer_key, EVP_sha256());
  return cert;
}

void WriteCert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
}

void WriteKey(const std::string& path, EVP_PKEY* key, const std::string& pass) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (pass.empty()) {
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(),
                         reinterpret_cast<const unsigned char*>(pass.data()),
                         static_cast<int>(pass.size()), nullptr, nullptr);
  }
  std::fclose(f);
}

}  // namespace

TestCertificates::TestCertificates() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "redoubt-certs-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = tmpl;
  ca_key_ = NewKey();
  ca_cert_ = NewCert("Redoubt Test CA", ca_key_, nullptr, ca_key_, next_serial_++, -86400,
                     30 * 86400, true);
  ca_file_ = dir_ + "/ca.crt";
  WriteCert(ca_file_, ca_cert_);
}

TestCertificates::~TestCertificates() {
  X509_free(ca_cert_);
  EVP_PKEY_free(ca_key_);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestCertificates::Issue(const std::string& name, int64_t not_before_s,
                                  int64_t not_after_s, const std::string& key_pass) {
  EVP_PKEY* key = NewKey();
  X509* cert =
      NewCert(name, key, ca_cert_, ca_key_, next_serial_++, not_before_s, not_after_s, false);
  CertFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  WriteCert(files.cert, cert);
  WriteKey(files.key, key, key_pass);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace redoubt::test_support
