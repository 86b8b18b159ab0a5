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
#include "tls/context_setup.h"
#include "tls/x509_text.h"

namespace redoubt::tls {
namespace {

// Identifies our sessions in the server-side cache and in tickets while no client certificate
// is asked for. OpenSSL refuses to resume any session of a context that verifies peers and has
// no session id context, and resumes only sessions made under the same one.
constexpr char kSessionIdContext[] = "redoubt";

CertificateInfo DescribeCertificate(X509* cert) {
  CertificateInfo info;
  info.not_before = FormatAsn1Time(X509_get0_notBefore(cert));
  info.not_after = FormatAsn1Time(X509_get0_notAfter(cert));
  info.not_after_unix = Asn1TimeToUnix(X509_get0_notAfter(cert));
  info.serial_hex = SerialHex(X509_get0_serialNumber(cert));
  info.subject = NameToText(X509_get_subject_name(cert));
  return info;
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
