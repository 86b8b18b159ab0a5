// An immutable OpenSSL server context built from the tls-* directives: certificate chain and
// key, protocol versions, ciphers and session resumption (cache and tickets). Building one
// validates everything a handshake would need, so a bad certificate, a key that does not match
// it, an expired certificate or a bad cipher string is refused here with an error that names
// the problem, and the server keeps the context it already has.
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
#include <string>

namespace redoubt::tls {

// The tls-* directives that shape a context (names as in Redis 7's redis.conf).
struct TlsSettings {
  std::string cert_file;
  std::string key_file;
  std::string key_file_pass;
  std::string ca_cert_file;
  std::string ca_cert_dir;
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
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Create(const TlsSettings& settings,
                                                                  const TicketKeys& ticket_keys);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new server-side SSL for one connection, or nullptr when OpenSSL is out of memory.
  SSL* NewSession() const;
  const CertificateInfo& certificate() const { return certificate_; }
  const TlsSettings& settings() const { return settings_; }

 private:
  TlsContext(SSL_CTX* ctx, TlsSettings settings, CertificateInfo certificate)
      : ctx_(ctx), settings_(std::move(settings)), certificate_(std::move(certificate)) {}

  SSL_CTX* const ctx_;
  const TlsSettings settings_;
  const CertificateInfo certificate_;
};

// The oldest queued OpenSSL error as text ("error:0A00018F:SSL routines::ee key too small"),
// and clears the thread's error queue. "unknown error" when the queue is empty.
std::string TakeOpenSslError();

}  // namespace redoubt::tls
