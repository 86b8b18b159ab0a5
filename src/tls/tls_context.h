// An immutable OpenSSL server context built from the tls-* directives: certificate chain and
// key, protocol versions, ciphers, session resumption (cache and tickets), and the checking of
// client certificates (tls-auth-clients, the CAs that sign them, the CRLs that revoke them).
// Building one validates everything a handshake would need, so a bad certificate, a key that
// does not match it, an expired certificate, a bad cipher string, a CRL that no configured CA
// signed is refused here with an error that names the problem, and the server keeps the
// context it already has.
//
// Thread: Create() on any thread; a built context is shared read-only by every I/O thread
// (SSL_CTX is safe for concurrent SSL_new and its internal session cache locks itself). The
// server swaps contexts by replacing a shared_ptr; connections keep the one they started with.
#pragma once

#include <absl/status/statusor.h>
#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/openssl_ptr.h"
#include "tls/crl_set.h"
#include "tls/peer_certificate.h"

namespace redoubt::tls {

// tls-auth-clients (Redis 7 spelling and meaning):
//   kYes       a client must send a certificate that a CA of tls-ca-cert-file/-dir signed
//              (and no loaded CRL revokes); without one the handshake fails.
//   kOptional  a client may send none and is accepted; one that sends a certificate that
//              does not verify is refused, exactly as with kYes.
//   kNo        no certificate is asked for.
enum class ClientAuth { kNo, kOptional, kYes };
// "yes", "optional", "no" (any case) → the value; nullopt for anything else.
std::optional<ClientAuth> ParseClientAuth(std::string_view text);
std::string_view ClientAuthName(ClientAuth auth);  // "yes", "optional", "no"

// tls-crl-expired-policy: what a handshake does when the CRL of the client's CA is past its
// nextUpdate.
//   kReject (default)  refuse the client ("CRL has expired"). An expired CRL means the
//                      revocation information is stale: a certificate revoked since it was
//                      issued would pass. Failing closed is OpenSSL's own default.
//   kAllow             ignore exactly that error: the expired CRL is still used, so the
//                      serials it lists stay revoked; every other verification error still
//                      refuses the client.
enum class CrlExpiredPolicy { kReject, kAllow };
std::optional<CrlExpiredPolicy> ParseCrlExpiredPolicy(std::string_view text);  // "reject", "allow"
std::string_view CrlExpiredPolicyName(CrlExpiredPolicy policy);

// The tls-* directives that shape a context (names as in Redis 7's redis.conf).
struct TlsSettings {
  std::string cert_file;
  std::string key_file;
  std::string key_file_pass;
  // Trust anchors for client certificates (and the issuers CRLs must come from). With
  // tls-auth-clients yes/optional, the subjects of tls-ca-cert-file are also sent to clients
  // as the list of acceptable CAs (those of tls-ca-cert-dir are not: OpenSSL would read every
  // file in it); a client with a certificate sends it anyway.
  std::string ca_cert_file;
  std::string ca_cert_dir;
  ClientAuth client_auth = ClientAuth::kNo;
  // PEM, one or more CRLs (any number of CAs) in one file; needs tls-ca-cert-file or -dir.
  // Loaded and checked even with tls-auth-clients no, so that switching that on later cannot
  // meet a bad file. Only the client certificate itself is checked against the CRLs
  // (X509_V_FLAG_CRL_CHECK, not CRL_CHECK_ALL): the CA that issued a client certificate must
  // have a CRL in this file, or its clients are refused ("unable to get certificate CRL");
  // intermediate and root CAs need none.
  std::string crl_file;
  CrlExpiredPolicy crl_expired_policy = CrlExpiredPolicy::kReject;
  std::string dh_params_file;  // PEM DH parameters for DHE ciphers (TLS 1.2); empty: none
  std::string protocols;       // "TLSv1.2 TLSv1.3"; empty: TLS 1.2 and 1.3
  std::string ciphers;         // TLS 1.2 and below (OpenSSL cipher list)
  std::string ciphersuites;    // TLS 1.3
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  int session_cache_size = 20 * 1024;
  int session_cache_timeout_seconds = 300;

  bool operator==(const TlsSettings&) const = default;
};

// What INFO ssl shows about the loaded certificate.
struct CertificateInfo {
  std::string not_before;  // "Mar 20 23:27:07 2017 GMT", as the managed services print it
  std::string not_after;
  std::string serial_hex;  // upper-case hex, no separators
  std::string subject;     // one-line RFC 2253 form
  int64_t not_after_unix = 0;
};

// Session-ticket encryption keys (name, HMAC and AES keys: 80 bytes, OpenSSL's layout).
// The server makes them once and gives them to every context it builds, so a client's ticket
// still resumes after a certificate reload.
using TicketKeys = std::array<unsigned char, 80>;
TicketKeys RandomTicketKeys();

class TlsContext {
 public:
  // Errors for client authentication and CRLs, besides those of CrlSet::Load (crl_set.h):
  //   "tls-auth-clients <yes|optional> needs tls-ca-cert-file or tls-ca-cert-dir: the CAs
  //    whose client certificates are accepted"
  //   "tls-crl-file needs tls-ca-cert-file or tls-ca-cert-dir: the CAs that sign its CRLs"
  //   "can't load CA certificates from tls-ca-cert-file/tls-ca-cert-dir: <OpenSSL reason>"
  //   "can't read the CA names of tls-ca-cert-file '<path>': <OpenSSL reason>"
  //
  // Session resumption and client certificates: a resumed session skips verification and
  // keeps the certificate it was made with. With tls-auth-clients yes/optional the session
  // id context (which OpenSSL checks before resuming a session or ticket) is a digest of
  // everything that decides whether a client certificate is accepted: tls-auth-clients, the
  // CA file's bytes, the CA directory's path, the CRLs and tls-crl-expired-policy. A session
  // made under other rules (before a CRL that revokes its certificate was loaded, or while
  // tls-auth-clients was no) is then not resumed: the client does a full handshake. A context
  // that only changes the server certificate keeps the digest, so tickets still resume.
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Create(const TlsSettings& settings,
                                                                  const TicketKeys& ticket_keys);
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new server-side SSL for one connection, or nullptr when OpenSSL is out of memory.
  common::UniqueSsl NewSession() const;
  const CertificateInfo& certificate() const { return certificate_; }
  const TlsSettings& settings() const { return settings_; }

  // INFO ssl: the CRLs of tls-crl-file, expired computed against the current time; count is
  // 0 (and every field empty) when no tls-crl-file is set.
  CrlInfo crl_info() const;
  // Whether this context's CRLs revoke peer's certificate (matched by issuer name and serial,
  // as OpenSSL does in a handshake). False when peer has no certificate or no CRL is loaded.
  // For the server after it swaps in a context with new CRLs: it asks the *new* context about
  // each open connection's PeerCertificate (kept from its handshake; the connection's own
  // context has the old lists) and closes those revoked. Any thread.
  bool IsRevoked(const PeerCertificate& peer) const;

 private:
  TlsContext(common::UniqueSslCtx ctx, TlsSettings settings, CertificateInfo certificate,
             std::unique_ptr<const CrlSet> crls)
      : ctx_(std::move(ctx)),
        settings_(std::move(settings)),
        certificate_(std::move(certificate)),
        crls_(std::move(crls)) {}

  const common::UniqueSslCtx ctx_;
  const TlsSettings settings_;
  const CertificateInfo certificate_;
  const std::unique_ptr<const CrlSet> crls_;  // null without tls-crl-file
};

// The oldest queued OpenSSL error as text ("error:0A00018F:SSL routines::ee key too small"),
// and clears the thread's error queue. "unknown error" when the queue is empty.
std::string TakeOpenSslError();

}  // namespace redoubt::tls
