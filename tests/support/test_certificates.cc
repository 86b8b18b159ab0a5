// In-process test certificates; see test_certificates.h.
#include "support/test_certificates.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
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

enum class Kind { kCa, kCaWithoutCrlSign, kServer, kClient };

X509* NewCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial,
              int64_t not_before_s, int64_t not_after_s, Kind kind) {
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
  switch (kind) {
    case Kind::kCa:
      AddExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
      AddExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case Kind::kCaWithoutCrlSign:
      AddExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
      AddExtension(cert, signer, NID_key_usage, "critical,keyCertSign");
      break;
    case Kind::kServer:
      AddExtension(cert, signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
      break;
    case Kind::kClient:
      AddExtension(cert, signer, NID_ext_key_usage, "clientAuth");
      break;
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

std::string Pem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

ASN1_TIME* TimeFromNow(int64_t offset_s) {
  return ASN1_TIME_adj(nullptr, time(nullptr), 0, static_cast<long>(offset_s));
}

}  // namespace

TestCertificates::TestCertificates(const std::string& ca_name, bool ca_signs_crls) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "redoubt-certs-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = tmpl;
  ca_key_ = NewKey();
  ca_cert_ = NewCert(ca_name, ca_key_, nullptr, ca_key_, next_serial_++, -86400, 30 * 86400,
                     ca_signs_crls ? Kind::kCa : Kind::kCaWithoutCrlSign);
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
  long serial = next_serial_++;
  X509* cert =
      NewCert(name, key, ca_cert_, ca_key_, serial, not_before_s, not_after_s, Kind::kServer);
  CertFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key", serial};
  WriteCert(files.cert, cert);
  WriteKey(files.key, key, key_pass);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

std::string TestCertificates::ca_pem() const {
  return Pem([](BIO* bio, void* cert) { return PEM_write_bio_X509(bio, static_cast<X509*>(cert)); },
             ca_cert_);
}

CertFiles TestCertificates::IssueClient(const std::string& cn, int64_t not_before_s,
                                        int64_t not_after_s) {
  EVP_PKEY* key = NewKey();
  long serial = next_serial_++;
  X509* cert =
      NewCert(cn, key, ca_cert_, ca_key_, serial, not_before_s, not_after_s, Kind::kClient);
  std::string base = dir_ + "/client-" + std::to_string(serial);
  CertFiles files{base + ".crt", base + ".key", serial};
  WriteCert(files.cert, cert);
  WriteKey(files.key, key, "");
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

std::string TestCertificates::CrlPem(const CrlSpec& spec) const {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);  // v2: the only version with extensions and entry reasons
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca_cert_));
  ASN1_TIME* last = TimeFromNow(spec.last_update_s);
  ASN1_TIME* next = TimeFromNow(spec.next_update_s);
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  for (long serial : spec.revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    ASN1_INTEGER* number = ASN1_INTEGER_new();
    ASN1_INTEGER_set(number, serial);
    X509_REVOKED_set_serialNumber(entry, number);
    X509_REVOKED_set_revocationDate(entry, last);
    X509_CRL_add0_revoked(crl, entry);
    ASN1_INTEGER_free(number);
  }
  X509_CRL_sort(crl);
  X509_CRL_sign(crl, ca_key_, EVP_sha256());
  std::string pem =
      Pem([](BIO* bio, void* c) { return PEM_write_bio_X509_CRL(bio, static_cast<X509_CRL*>(c)); },
          crl);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  return pem;
}

X509* TestCertificates::ReadCertificate(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return nullptr;
  }
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return cert;
}

std::string TestCertificates::WriteFile(const std::string& name,
                                        const std::string& contents) const {
  std::string path = dir_ + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

}  // namespace redoubt::test_support
