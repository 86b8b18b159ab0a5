// Shared steps of building OpenSSL contexts; see context_setup.h.
#include "tls/context_setup.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/ascii.h"
#include "common/file_io.h"
#include "tls/x509_text.h"

namespace redoubt::tls {
namespace {

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  // No password configured: refuse, as Redis's callback does, rather than try an empty one
  // (OpenSSL then says "interrupted or cancelled", the text Redis shows for this case).
  if (pass->empty()) {
    return -1;
  }
  int n = static_cast<int>(std::min<size_t>(pass->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

}  // namespace

absl::Status Fail(const std::string& what) {
  return absl::InvalidArgumentError(what + ": " + TakeOpenSslError());
}

absl::Status CheckReadable(const std::string& path, const char* what) {
  if (path.empty()) {
    return absl::InvalidArgumentError(std::string(what) + " is not set");
  }
  if (access(path.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError("can't read " + std::string(what) + " '" + path +
                                      "': " + std::strerror(errno));
  }
  return absl::OkStatus();
}

absl::Status ApplyProtocols(SSL_CTX* ctx, const std::string& protocols) {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  if (!protocols.empty()) {
    min_version = 0;
    max_version = 0;
    std::istringstream words(protocols);
    std::string w;
    while (words >> w) {
      int v;
      if (common::EqualsIgnoreCase(w, "tlsv1")) {
        v = TLS1_VERSION;
      } else if (common::EqualsIgnoreCase(w, "tlsv1.1")) {
        v = TLS1_1_VERSION;
      } else if (common::EqualsIgnoreCase(w, "tlsv1.2")) {
        v = TLS1_2_VERSION;
      } else if (common::EqualsIgnoreCase(w, "tlsv1.3")) {
        v = TLS1_3_VERSION;
      } else {
        return absl::InvalidArgumentError("invalid tls-protocols value '" + w +
                                          "' (use TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)");
      }
      min_version = min_version == 0 ? v : std::min(min_version, v);
      max_version = std::max(max_version, v);
    }
    if (min_version == 0) {
      return absl::InvalidArgumentError("tls-protocols names no protocol");
    }
  }
  if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, max_version) != 1) {
    return Fail("can't set tls-protocols");
  }
  return absl::OkStatus();
}

absl::Status LoadCertificateAndKey(SSL_CTX* ctx, const TlsSettings& s) {
  if (absl::Status st = CheckReadable(s.cert_file, "tls-cert-file"); !st.ok()) {
    return st;
  }
  if (absl::Status st = CheckReadable(s.key_file, "tls-key-file"); !st.ok()) {
    return st;
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) != 1) {
    return Fail("can't load certificate from tls-cert-file '" + s.cert_file + "'");
  }
  // The callback reads the password from the settings, which outlive this call; it is only
  // needed while the key is loaded, so it is removed right after.
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&s.key_file_pass));
  int loaded = SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb(ctx, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (loaded != 1 && ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
    loaded = 0;  // reported below, in the same words as a mismatch found afterwards
  } else if (loaded != 1) {
    // Redis's words ("Failed to load private key: <file>: <OpenSSL error>"), then a hint.
    std::string error = TakeOpenSslError();
    // Whether the key is encrypted is read from the file, not from OpenSSL's error: a wrong
    // password decrypts to garbage whose padding checks out once in 256 tries, and the error
    // is then a decoder's ("unsupported"), not "bad decrypt".
    std::string pem;
    const bool encrypted = error.find("interrupted or cancelled") != std::string::npos ||
                           error.find("bad decrypt") != std::string::npos ||
                           (common::ReadSmallFile(s.key_file, 1 << 20, &pem).ok() &&
                            (pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos ||
                             pem.find("Proc-Type: 4,ENCRYPTED") != std::string::npos));
    return absl::InvalidArgumentError("Failed to load private key: " + s.key_file + ": " + error +
                                      (!encrypted ? ""
                                       : s.key_file_pass.empty()
                                           ? " (the key is encrypted: set tls-key-file-pass)"
                                           : " (is tls-key-file-pass right?)"));
  }
  if (loaded != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    TakeOpenSslError();
    return absl::InvalidArgumentError("the private key in tls-key-file '" + s.key_file +
                                      "' does not match the certificate in tls-cert-file '" +
                                      s.cert_file + "'");
  }
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
    return absl::InvalidArgumentError("the certificate in tls-cert-file '" + s.cert_file +
                                      "' has expired (notAfter " +
                                      FormatAsn1Time(X509_get0_notAfter(cert)) + ")");
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
    return absl::InvalidArgumentError("the certificate in tls-cert-file '" + s.cert_file +
                                      "' is not yet valid (notBefore " +
                                      FormatAsn1Time(X509_get0_notBefore(cert)) + ")");
  }
  return absl::OkStatus();
}

absl::Status LoadCaCertificates(SSL_CTX* ctx, const TlsSettings& s) {
  bool have_ca = !s.ca_cert_file.empty() || !s.ca_cert_dir.empty();
  if (s.client_auth != ClientAuth::kNo && !have_ca) {
    return absl::InvalidArgumentError(
        "tls-auth-clients " + std::string(ClientAuthName(s.client_auth)) +
        " needs tls-ca-cert-file or tls-ca-cert-dir: the CAs whose client certificates are "
        "accepted");
  }
  if (!s.crl_file.empty() && !have_ca) {
    return absl::InvalidArgumentError(
        "tls-crl-file needs tls-ca-cert-file or tls-ca-cert-dir: the CAs that sign its CRLs");
  }
  if (!have_ca) {
    return absl::OkStatus();
  }
  if (!s.ca_cert_file.empty()) {
    if (absl::Status st = CheckReadable(s.ca_cert_file, "tls-ca-cert-file"); !st.ok()) {
      return st;
    }
  }
  const char* file = s.ca_cert_file.empty() ? nullptr : s.ca_cert_file.c_str();
  const char* dir = s.ca_cert_dir.empty() ? nullptr : s.ca_cert_dir.c_str();
  if (SSL_CTX_load_verify_locations(ctx, file, dir) != 1) {
    return Fail("can't load CA certificates from tls-ca-cert-file/tls-ca-cert-dir");
  }
  return absl::OkStatus();
}

}  // namespace redoubt::tls
