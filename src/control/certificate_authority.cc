// The control plane's CA; see certificate_authority.h.
#include "control/certificate_authority.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/clock.h"
#include "common/errno_text.h"
#include "common/file_io.h"

namespace redoubt::control {
namespace {

absl::Status OpenSslError(std::string_view what) {
  char text[256] = "unknown error";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, text, sizeof text);
  }
  ERR_clear_error();
  return absl::InternalError(std::string(what) + ": " + text);
}

common::UniqueEvpPkey NewKey(bool rsa) {
  return common::UniqueEvpPkey(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
}

std::string PemOf(X509* cert) {
  common::UniqueBio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string PemOf(EVP_PKEY* key) {
  common::UniqueBio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) {
    return false;
  }
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate with a random 127-bit serial, the subject CN, valid from an hour ago (clocks
// differ) for `seconds`, with the key's public half; the caller adds extensions and signs it.
common::UniqueX509 NewCertificate(const std::string& common_name, EVP_PKEY* key, int64_t seconds) {
  common::UniqueX509 cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  common::UniqueBignum bn(BN_bin2bn(serial, sizeof serial, nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(seconds));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Redoubt"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_pubkey(cert.get(), key);
  return cert;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CertificateAuthority>> CertificateAuthority::LoadOrCreate(
    const std::string& dir) {
  const std::string cert_path = dir + "/ca.crt";
  const std::string key_path = dir + "/ca.key";
  std::string cert_pem;
  std::string key_pem;
  absl::Status cert_read = common::ReadSmallFile(cert_path, 1 << 20, &cert_pem);
  absl::Status key_read = common::ReadSmallFile(key_path, 1 << 20, &key_pem);
  if (absl::IsNotFound(cert_read) && absl::IsNotFound(key_read)) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::InternalError("cannot create " + dir + ": " + ec.message());
    }
    common::UniqueEvpPkey key = NewKey(false);
    common::UniqueX509 cert =
        NewCertificate("Redoubt control plane CA", key.get(), int64_t{3650} * 86400);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    if (!key || !AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
        !AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
        X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
      return OpenSslError("cannot make the CA");
    }
    // The key first: a crash between the two leaves no certificate without its key.
    if (const int err = common::ReplaceFileDurably(key_path, PemOf(key.get()), 0600); err != 0) {
      return absl::InternalError("cannot write " + key_path + ": " + common::ErrnoText(err));
    }
    std::string pem = PemOf(cert.get());
    if (const int err = common::ReplaceFileDurably(cert_path, pem, 0644); err != 0) {
      return absl::InternalError("cannot write " + cert_path + ": " + common::ErrnoText(err));
    }
    return std::shared_ptr<const CertificateAuthority>(
        new CertificateAuthority(std::move(cert), std::move(key), cert_path, std::move(pem)));
  }
  if (!cert_read.ok() || !key_read.ok()) {
    return absl::FailedPreconditionError(
        "the CA in " + dir +
        " is incomplete: " + std::string((cert_read.ok() ? key_read : cert_read).message()));
  }
  common::UniqueBio cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  common::UniqueBio key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  common::UniqueX509 cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  common::UniqueEvpPkey key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!cert || !key || X509_check_private_key(cert.get(), key.get()) != 1) {
    return OpenSslError("the CA in " + dir + " does not read, or its key does not match");
  }
  return std::shared_ptr<const CertificateAuthority>(
      new CertificateAuthority(std::move(cert), std::move(key), cert_path, std::move(cert_pem)));
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::Issue(
    const CertificateRequest& request) const {
  common::UniqueEvpPkey key = NewKey(request.rsa);
  if (!key) {
    return OpenSslError("cannot make a key");
  }
  common::UniqueX509 cert = NewCertificate(request.common_name, key.get(), request.valid_seconds);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_.get()));
  std::string sans;
  for (const std::string& ip : request.ip_addresses) {
    sans += (sans.empty() ? "IP:" : ",IP:") + ip;
  }
  for (const std::string& dns : request.dns_names) {
    sans += (sans.empty() ? "DNS:" : ",DNS:") + dns;
  }
  const std::string usage =
      request.rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature";
  if (!AddExtension(cert.get(), cert_.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), cert_.get(), NID_key_usage, usage) ||
      !AddExtension(cert.get(), cert_.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !AddExtension(cert.get(), cert_.get(), NID_authority_key_identifier, "keyid:always") ||
      (!sans.empty() && !AddExtension(cert.get(), cert_.get(), NID_subject_alt_name, sans)) ||
      X509_sign(cert.get(), key_.get(), EVP_sha256()) == 0) {
    return OpenSslError("cannot issue a certificate for " + request.common_name);
  }
  IssuedCertificate issued;
  issued.cert_pem = PemOf(cert.get());
  issued.key_pem = PemOf(key.get());
  issued.not_after_ms = common::UnixMillis() + request.valid_seconds * 1000;
  return issued;
}

}  // namespace redoubt::control
