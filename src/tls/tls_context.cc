// TLS server context; see tls_context.h.
#include "tls/tls_context.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstream>
#include <vector>

namespace redoubt::tls {
namespace {

// Identifies our sessions in the server-side cache (required once the cache is on).
constexpr unsigned char kSessionIdContext[] = "redoubt";

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxDeleter>;

absl::Status Fail(const std::string& what) {
  return absl::InvalidArgumentError(what + ": " + TakeOpenSslError());
}

// A file we cannot open gets the system's reason ("No such file or directory"), which says more
// than OpenSSL's "system lib".
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

// tls-protocols: "TLSv1.2 TLSv1.3" → the lowest and highest version named. As in Redis, the
// versions in between are allowed too.
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
      if (strcasecmp(w.c_str(), "tlsv1") == 0) {
        v = TLS1_VERSION;
      } else if (strcasecmp(w.c_str(), "tlsv1.1") == 0) {
        v = TLS1_1_VERSION;
      } else if (strcasecmp(w.c_str(), "tlsv1.2") == 0) {
        v = TLS1_2_VERSION;
      } else if (strcasecmp(w.c_str(), "tlsv1.3") == 0) {
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

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  int n = static_cast<int>(std::min<size_t>(pass->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

std::string FormatAsn1Time(const ASN1_TIME* t) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (bio != nullptr && ASN1_TIME_print(bio, t) == 1) {
    char* data;
    long len = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  return out;
}

int64_t Asn1TimeToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }
  return static_cast<int64_t>(timegm(&tm));
}

CertificateInfo DescribeCertificate(X509* cert) {
  CertificateInfo info;
  info.not_before = FormatAsn1Time(X509_get0_notBefore(cert));
  info.not_after = FormatAsn1Time(X509_get0_notAfter(cert));
  info.not_after_unix = Asn1TimeToUnix(X509_get0_notAfter(cert));
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (serial != nullptr) {
    char* hex = BN_bn2hex(serial);
    info.serial_hex = hex;
    OPENSSL_free(hex);
    BN_free(serial);
  }
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr &&
      X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data;
    long len = BIO_get_mem_data(bio, &data);
    info.subject.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  return info;
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
    return Fail("can't load private key from tls-key-file '" + s.key_file + "'" +
                (s.key_file_pass.empty() ? "" : " (is tls-key-file-pass right?)"));
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

absl::Status ConfigureSessions(SSL_CTX* ctx, const TlsSettings& s, const TicketKeys& keys) {
  if (!s.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    return absl::OkStatus();
  }
  // Session IDs (TLS 1.2 clients that do not take tickets) hit this cache; tickets need no
  // server state at all.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, s.session_cache_size);
  SSL_CTX_set_timeout(ctx, s.session_cache_timeout_seconds);
  if (SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
    return Fail("can't set the session id context");
  }
  // One TLS 1.3 ticket per connection instead of OpenSSL's two: a client resumes with one,
  // and each ticket costs an encryption on every full handshake.
  SSL_CTX_set_num_tickets(ctx, 1);
  if (SSL_CTX_set_tlsext_ticket_keys(ctx, const_cast<unsigned char*>(keys.data()),
                                     static_cast<long>(keys.size())) != 1) {
    return Fail("can't set the session ticket keys");
  }
  return absl::OkStatus();
}

// tls-dh-params-file: only the finite-field DHE cipher suites of TLS 1.2 use it; without it
// they are not offered (ECDHE and TLS 1.3 need none), as in Redis.
absl::Status LoadDhParams(SSL_CTX* ctx, const std::string& path) {
  if (path.empty()) {
    return absl::OkStatus();
  }
  if (absl::Status st = CheckReadable(path, "tls-dh-params-file"); !st.ok()) {
    return st;
  }
  BIO* bio = BIO_new_file(path.c_str(), "r");
  EVP_PKEY* params = bio == nullptr ? nullptr : PEM_read_bio_Parameters(bio, nullptr);
  BIO_free(bio);
  if (params == nullptr) {
    return Fail("can't read DH parameters from tls-dh-params-file '" + path + "'");
  }
  // On success the context owns params.
  if (SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) {
    EVP_PKEY_free(params);
    return Fail("can't use the DH parameters in tls-dh-params-file '" + path + "'");
  }
  return absl::OkStatus();
}

}  // namespace

std::string TakeOpenSslError() {
  unsigned long code = ERR_get_error();
  std::string text = "unknown error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

TicketKeys RandomTicketKeys() {
  TicketKeys keys{};
  if (RAND_bytes(keys.data(), static_cast<int>(keys.size())) != 1) {
    // Without a random source there is no safe ticket key; tickets then fail to decrypt and
    // clients fall back to full handshakes, which is correct, only slower.
    TakeOpenSslError();
  }
  return keys;
}

absl::StatusOr<std::shared_ptr<const TlsContext>> TlsContext::Create(
    const TlsSettings& settings, const TicketKeys& ticket_keys) {
  ERR_clear_error();
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) {
    return Fail("can't create a TLS context");
  }
  // No renegotiation (OpenSSL 3 also refuses client-initiated renegotiation by default): a
  // handshake in the middle of traffic would need reads during writes.
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (settings.prefer_server_ciphers) {
    options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  }
  SSL_CTX_set_options(ctx.get(), options);
  // Partial writes and a moving buffer: a connection's output string may grow or move between
  // a write that would block and its retry.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read ahead: one read() system call takes every record the client has sent, instead of a
  // read for each record's header and another for its body. The transport then drains what
  // OpenSSL buffered (SSL_has_pending), since epoll cannot see it.
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  if (absl::Status st = ApplyProtocols(ctx.get(), settings.protocols); !st.ok()) {
    return st;
  }
  if (!settings.ciphers.empty() &&
      SSL_CTX_set_cipher_list(ctx.get(), settings.ciphers.c_str()) != 1) {
    return Fail("invalid tls-ciphers '" + settings.ciphers + "'");
  }
  if (!settings.ciphersuites.empty() &&
      SSL_CTX_set_ciphersuites(ctx.get(), settings.ciphersuites.c_str()) != 1) {
    return Fail("invalid tls-ciphersuites '" + settings.ciphersuites + "'");
  }
  if (absl::Status st = LoadCertificateAndKey(ctx.get(), settings); !st.ok()) {
    return st;
  }
  if (!settings.ca_cert_file.empty() || !settings.ca_cert_dir.empty()) {
    const char* file = settings.ca_cert_file.empty() ? nullptr : settings.ca_cert_file.c_str();
    const char* dir = settings.ca_cert_dir.empty() ? nullptr : settings.ca_cert_dir.c_str();
    if (SSL_CTX_load_verify_locations(ctx.get(), file, dir) != 1) {
      return Fail("can't load CA certificates from tls-ca-cert-file/tls-ca-cert-dir");
    }
  }
  if (absl::Status st = LoadDhParams(ctx.get(), settings.dh_params_file); !st.ok()) {
    return st;
  }
  if (absl::Status st = ConfigureSessions(ctx.get(), settings, ticket_keys); !st.ok()) {
    return st;
  }
  CertificateInfo info = DescribeCertificate(SSL_CTX_get0_certificate(ctx.get()));
  return std::shared_ptr<const TlsContext>(new TlsContext(ctx.release(), settings, info));
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

SSL* TlsContext::NewSession() const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl != nullptr) {
    SSL_set_accept_state(ssl);
  }
  return ssl;
}

}  // namespace redoubt::tls
