// TLS server context; see tls_context.h.
#include "tls/tls_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509err.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "common/ascii.h"
#include "tls/x509_text.h"

namespace redoubt::tls {
namespace {

// Identifies our sessions in the server-side cache and in tickets while no client certificate
// is asked for. OpenSSL refuses to resume any session of a context that verifies peers and has
// no session id context, and resumes only sessions made under the same one.
constexpr char kSessionIdContext[] = "redoubt";

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

CertificateInfo DescribeCertificate(X509* cert) {
  CertificateInfo info;
  info.not_before = FormatAsn1Time(X509_get0_notBefore(cert));
  info.not_after = FormatAsn1Time(X509_get0_notAfter(cert));
  info.not_after_unix = Asn1TimeToUnix(X509_get0_notAfter(cert));
  info.serial_hex = SerialHex(X509_get0_serialNumber(cert));
  info.subject = NameToText(X509_get_subject_name(cert));
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
    // Redis's words ("Failed to load private key: <file>: <OpenSSL error>"), then a hint.
    std::string error = TakeOpenSslError();
    bool encrypted = error.find("interrupted or cancelled") != std::string::npos ||
                     error.find("bad decrypt") != std::string::npos;
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
  common::UniqueBio bio(BIO_new_file(path.c_str(), "r"));
  common::UniqueEvpPkey params(bio == nullptr ? nullptr
                                              : PEM_read_bio_Parameters(bio.get(), nullptr));
  if (params == nullptr) {
    return Fail("can't read DH parameters from tls-dh-params-file '" + path + "'");
  }
  if (SSL_CTX_set0_tmp_dh_pkey(ctx, params.get()) != 1) {
    return Fail("can't use the DH parameters in tls-dh-params-file '" + path + "'");
  }
  (void)params.release();  // the context owns them now
  return absl::OkStatus();
}

// tls-crl-expired-policy allow: the one verification error that is forgiven. OpenSSL raises it
// from its CRL time check and goes on to look the certificate up in that same CRL when the
// callback returns 1, so a serial the expired CRL lists is still refused. The error is cleared
// so that SSL_get_verify_result reports a clean verification.
int AllowExpiredCrl(int ok, X509_STORE_CTX* store_ctx) {
  if (ok == 0 && X509_STORE_CTX_get_error(store_ctx) == X509_V_ERR_CRL_HAS_EXPIRED) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_OK);
    return 1;
  }
  return ok;
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

// tls-auth-clients: the verify mode, the CA names offered to clients (so that a client with
// several certificates picks one these CAs signed) and the expired-CRL policy.
absl::Status ConfigureClientAuth(SSL_CTX* ctx, const TlsSettings& s) {
  if (s.client_auth == ClientAuth::kNo) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return absl::OkStatus();
  }
  int mode = SSL_VERIFY_PEER;
  if (s.client_auth == ClientAuth::kYes) {
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode,
                     s.crl_expired_policy == CrlExpiredPolicy::kAllow ? AllowExpiredCrl : nullptr);
  if (!s.ca_cert_file.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.ca_cert_file.c_str());
    if (names == nullptr) {
      return Fail("can't read the CA names of tls-ca-cert-file '" + s.ca_cert_file + "'");
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }
  return absl::OkStatus();
}

// tls-crl-file: read and checked against the CAs the context already holds, then added to its
// store with leaf-only CRL checking (see TlsSettings::crl_file).
absl::StatusOr<std::unique_ptr<const CrlSet>> LoadCrls(SSL_CTX* ctx, const TlsSettings& s) {
  if (s.crl_file.empty()) {
    return std::unique_ptr<const CrlSet>();
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  absl::StatusOr<std::unique_ptr<const CrlSet>> crls = CrlSet::Load(s.crl_file, store);
  if (!crls.ok()) {
    return crls.status();
  }
  if (!(*crls)->AddTo(store) || X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK) != 1) {
    return Fail("can't use the CRLs of tls-crl-file '" + s.crl_file + "'");
  }
  return crls;
}

// See TlsContext::Create: with client certificates, the session id context is a digest of the
// rules that accepted them, so that a session made under other rules is not resumed.
absl::Status SetSessionIdContext(SSL_CTX* ctx, const TlsSettings& s, const CrlSet* crls) {
  std::string context = kSessionIdContext;
  if (s.client_auth != ClientAuth::kNo) {
    std::string rules = "redoubt client certificates\n";
    rules += std::string(ClientAuthName(s.client_auth)) + "\n";
    rules += std::string(CrlExpiredPolicyName(s.crl_expired_policy)) + "\n";
    if (!s.ca_cert_file.empty()) {
      std::ifstream in(s.ca_cert_file, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      rules += "file " + std::to_string(bytes.size()) + "\n" + bytes;
    }
    rules += "dir " + std::to_string(s.ca_cert_dir.size()) + "\n" + s.ca_cert_dir;
    rules += "crls " + (crls == nullptr ? std::string() : crls->digest());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(rules.data(), rules.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
      return Fail("can't digest the client certificate settings");
    }
    context.assign(reinterpret_cast<const char*>(digest), len);  // 32 bytes: OpenSSL's maximum
  }
  if (SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(context.data()),
                                     static_cast<unsigned int>(context.size())) != 1) {
    return Fail("can't set the session id context");
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

std::optional<ClientAuth> ParseClientAuth(std::string_view text) {
  if (common::EqualsIgnoreCase(text, "yes")) {
    return ClientAuth::kYes;
  }
  if (common::EqualsIgnoreCase(text, "optional")) {
    return ClientAuth::kOptional;
  }
  if (common::EqualsIgnoreCase(text, "no")) {
    return ClientAuth::kNo;
  }
  return std::nullopt;
}

std::string_view ClientAuthName(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::kYes:
      return "yes";
    case ClientAuth::kOptional:
      return "optional";
    case ClientAuth::kNo:
      break;
  }
  return "no";
}

std::optional<CrlExpiredPolicy> ParseCrlExpiredPolicy(std::string_view text) {
  if (common::EqualsIgnoreCase(text, "reject")) {
    return CrlExpiredPolicy::kReject;
  }
  if (common::EqualsIgnoreCase(text, "allow")) {
    return CrlExpiredPolicy::kAllow;
  }
  return std::nullopt;
}

std::string_view CrlExpiredPolicyName(CrlExpiredPolicy policy) {
  return policy == CrlExpiredPolicy::kAllow ? "allow" : "reject";
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
  common::UniqueSslCtx ctx(SSL_CTX_new(TLS_server_method()));
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
  if (absl::Status st = LoadCaCertificates(ctx.get(), settings); !st.ok()) {
    return st;
  }
  if (absl::Status st = ConfigureClientAuth(ctx.get(), settings); !st.ok()) {
    return st;
  }
  absl::StatusOr<std::unique_ptr<const CrlSet>> crls = LoadCrls(ctx.get(), settings);
  if (!crls.ok()) {
    return crls.status();
  }
  if (absl::Status st = LoadDhParams(ctx.get(), settings.dh_params_file); !st.ok()) {
    return st;
  }
  if (absl::Status st = ConfigureSessions(ctx.get(), settings, ticket_keys); !st.ok()) {
    return st;
  }
  if (absl::Status st = SetSessionIdContext(ctx.get(), settings, crls->get()); !st.ok()) {
    return st;
  }
  CertificateInfo info = DescribeCertificate(SSL_CTX_get0_certificate(ctx.get()));
  return std::shared_ptr<const TlsContext>(
      new TlsContext(std::move(ctx), settings, info, std::move(*crls)));
}

CrlInfo TlsContext::crl_info() const {
  return crls_ == nullptr ? CrlInfo{} : crls_->InfoAt(static_cast<int64_t>(time(nullptr)));
}

bool TlsContext::IsRevoked(const PeerCertificate& peer) const {
  return peer.present && crls_ != nullptr && crls_->IsRevoked(peer.issuer_der, peer.serial_der);
}

common::UniqueSsl TlsContext::NewSession() const {
  common::UniqueSsl ssl(SSL_new(ctx_.get()));
  if (ssl != nullptr) {
    SSL_set_accept_state(ssl.get());
  }
  return ssl;
}

}  // namespace redoubt::tls
