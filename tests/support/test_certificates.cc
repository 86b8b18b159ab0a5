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
#include <utility>

namespace redoubt::test_support {
namespace {

common::UniqueEvpPkey NewKey() {
  common::UniqueEvpPkey key(EVP_EC_gen("P-256"));
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

common::UniqueX509 NewCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                           long serial, int64_t not_before_s, int64_t not_after_s, Kind kind) {
  common::UniqueX509 owned(X509_new());
  X509* cert = owned.get();
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
  return owned;
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
  common::UniqueBio bio(BIO_new(BIO_s_mem()));
  write(bio.get(), object);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

common::UniqueAsn1Time TimeFromNow(int64_t offset_s) {
  return common::UniqueAsn1Time(
      ASN1_TIME_adj(nullptr, time(nullptr), 0, static_cast<long>(offset_s)));
}

// A certificate of `kind` for cn signed by ca_cert, written to <base>.crt and <base>.key.
CertFiles IssueFiles(X509* ca_cert, EVP_PKEY* ca_key, Kind kind, const std::string& cn,
                     const std::string& base, long serial, int64_t not_before_s,
                     int64_t not_after_s, const std::string& key_pass) {
  common::UniqueEvpPkey key = NewKey();
  common::UniqueX509 cert =
      NewCert(cn, key.get(), ca_cert, ca_key, serial, not_before_s, not_after_s, kind);
  CertFiles files{base + ".crt", base + ".key", serial};
  WriteCert(files.cert, cert.get());
  WriteKey(files.key, key.get(), key_pass);
  return files;
}

}  // namespace

TestCertificates::TestCertificates(const std::string& ca_name, bool ca_signs_crls) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "redoubt-certs-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = tmpl;
  ca_key_ = NewKey();
  ca_cert_ = NewCert(ca_name, ca_key_.get(), nullptr, ca_key_.get(), next_serial_++, -86400,
                     30 * 86400, ca_signs_crls ? Kind::kCa : Kind::kCaWithoutCrlSign);
  ca_file_ = dir_ + "/ca.crt";
  WriteCert(ca_file_, ca_cert_.get());
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestCertificates::Issue(const std::string& name, int64_t not_before_s,
                                  int64_t not_after_s, const std::string& key_pass) {
  return IssueFiles(ca_cert_.get(), ca_key_.get(), Kind::kServer, name, dir_ + "/" + name,
                    next_serial_++, not_before_s, not_after_s, key_pass);
}

std::string TestCertificates::ca_pem() const {
  return Pem([](BIO* bio, void* cert) { return PEM_write_bio_X509(bio, static_cast<X509*>(cert)); },
             ca_cert_.get());
}

CertFiles TestCertificates::IssueClient(const std::string& cn, int64_t not_before_s,
                                        int64_t not_after_s) {
  long serial = next_serial_++;
  return IssueFiles(ca_cert_.get(), ca_key_.get(), Kind::kClient, cn,
                    dir_ + "/client-" + std::to_string(serial), serial, not_before_s, not_after_s,
                    "");
}

std::string TestCertificates::CrlPem(const CrlSpec& spec) const {
  common::UniqueX509Crl owned(X509_CRL_new());
  X509_CRL* crl = owned.get();
  X509_CRL_set_version(crl, 1);  // v2: the only version with extensions and entry reasons
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca_cert_.get()));
  common::UniqueAsn1Time last = TimeFromNow(spec.last_update_s);
  common::UniqueAsn1Time next = TimeFromNow(spec.next_update_s);
  X509_CRL_set1_lastUpdate(crl, last.get());
  X509_CRL_set1_nextUpdate(crl, next.get());
  for (long serial : spec.revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    common::UniqueAsn1Integer number(ASN1_INTEGER_new());
    ASN1_INTEGER_set(number.get(), serial);
    X509_REVOKED_set_serialNumber(entry, number.get());
    X509_REVOKED_set_revocationDate(entry, last.get());
    X509_CRL_add0_revoked(crl, entry);
  }
  X509_CRL_sort(crl);
  X509_CRL_sign(crl, ca_key_.get(), EVP_sha256());
  return Pem(
      [](BIO* bio, void* c) { return PEM_write_bio_X509_CRL(bio, static_cast<X509_CRL*>(c)); },
      crl);
}

common::UniqueX509 TestCertificates::ReadCertificate(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return nullptr;
  }
  common::UniqueX509 cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

std::string CertFiles::serial_hex() const {
  char hex[32];
  std::snprintf(hex, sizeof(hex), "%lX", serial);
  std::string digits(hex);
  return digits.size() % 2 == 0 ? digits : "0" + digits;
}

std::string TestCertificates::WriteFile(const std::string& name,
                                        const std::string& contents) const {
  std::string path = dir_ + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

}  // namespace redoubt::test_support
