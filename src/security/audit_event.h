// The records of the connection audit log (audit-log-file) and their JSON-lines form: one
// plain struct per event (connect, auth, refused, disconnect), filled by the server at the
// moment of the event, and ToJsonLine(), which formats it as one JSON object ending in '\n'.
// Every line starts with "time" (ISO-8601 UTC with milliseconds) and "event"; fields that do
// not apply (TLS details of a plaintext connection, a missing client certificate) are left out.
//
// Secrets: no record has a field for a password or token, so none can be written (CONTRIBUTING.md).
// Strings that clients or certificates choose (user names, subjects, detail text) are cut to
// kMaxAuditFieldBytes and escaped so that a record is always exactly one line of valid JSON
// that no terminal or viewer acts on: every control character (C0, DEL, C1, and U+2028/U+2029)
// is written as \uXXXX, and each byte that is not part of well-formed UTF-8 as \ufffd (U+FFFD)
// rather than refused (audit_event.cc says why not \u00XX).
//
// Thread: plain values and pure functions; build and format them on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace redoubt::security {

// Longest string field written, in bytes. A client can send a 512 MB user name; the audit log
// must not copy it (into the queue, then the file) for each attempt.
inline constexpr size_t kMaxAuditFieldBytes = 1024;

// "2026-11-23T17:02:03.123Z": ISO-8601, UTC, milliseconds.
std::string FormatAuditTime(int64_t unix_ms);

enum class AuditTransport { kTcp, kTls };
// How a client authenticated: AUTH, HELLO ... AUTH, or its TLS client certificate.
enum class AuthMethod { kAuth, kHello, kCertificate };
// Why a connection was refused before it could run a command.
enum class RefusalReason {
  kNetworkAllow,     // network-allow excludes the source address
  kCrl,              // the client certificate is revoked
  kTlsRequired,      // plaintext while tls-mode is required
  kHandshakeFailed,  // the TLS handshake failed or timed out
  kMaxClients,       // maxclients reached
  kCertificate,      // the client certificate is missing, expired or untrusted
};

// The names written to the log: "tcp", "tls"; "auth", "hello", "certificate";
// "network-allow", "crl", "tls-required", "handshake-failed", "maxclients", "certificate".
std::string_view AuditTransportName(AuditTransport transport);
std::string_view AuthMethodName(AuthMethod method);
std::string_view RefusalReasonName(RefusalReason reason);

// What the log says about a client certificate: tls::PeerCertificate's subject and serial_hex,
// copied (security may not depend on tls), so that the audit log, CLIENT LIST and INFO name a
// certificate alike.
struct AuditCertificate {
  std::string subject;     // one-line RFC 2253 form ("CN=app1,O=Example")
  std::string serial_hex;  // upper-case hex, two digits a byte ("03E9")
};

// Each record takes its time when it is made (unix_ms's default), so build it where the event
// happens; tests set unix_ms to a fixed value.

// A connection was accepted (for TLS: its handshake completed).
struct ConnectAuditRecord {
  int64_t unix_ms = common::UnixMillis();
  uint64_t client_id = 0;
  std::string source_address;  // "10.1.2.3", "::1"
  uint16_t source_port = 0;
  uint16_t local_port = 0;
  AuditTransport transport = AuditTransport::kTcp;
  // Written only for kTls.
  std::string tls_version;  // "TLSv1.3", as SSL_get_version reports it
  std::string tls_cipher;   // "TLS_AES_256_GCM_SHA384", as SSL_CIPHER_get_name reports it
  // Written only for kTls, when the client presented one.
  std::optional<AuditCertificate> client_certificate;

  // {"time":…,"event":"connect","client_id":7,"source_address":"10.1.2.3","source_port":51000,
  //  "local_port":6379,"transport":"tls","tls_version":"TLSv1.3","tls_cipher":"…",
  //  "client_cert_subject":"CN=app1","client_cert_serial":"03E9"}\n
  std::string ToJsonLine() const;
};

// An authentication attempt, successful or not. There is deliberately no password field.
struct AuthAuditRecord {
  int64_t unix_ms = common::UnixMillis();
  bool success = false;
  std::string user;  // the user name presented ("default" for one-argument AUTH)
  AuthMethod method = AuthMethod::kAuth;
  uint64_t client_id = 0;
  std::string source_address;
  uint16_t source_port = 0;

  // {"time":…,"event":"auth","result":"success"|"failure","user":"alice","method":"auth",
  //  "client_id":7,"source_address":"10.1.2.3","source_port":51000}\n
  std::string ToJsonLine() const;
};

// A connection refused before it could run a command.
struct RefusedAuditRecord {
  int64_t unix_ms = common::UnixMillis();
  RefusalReason reason = RefusalReason::kNetworkAllow;
  std::string detail;  // for the operator: "10.9.0.0/16 not in network-allow", the OpenSSL error
  std::string source_address;
  uint16_t source_port = 0;
  uint16_t local_port = 0;

  // {"time":…,"event":"refused","reason":"network-allow","detail":"…",
  //  "source_address":"10.9.1.1","source_port":51000,"local_port":6379}\n
  std::string ToJsonLine() const;
};

// A connection closed, for whatever reason.
struct DisconnectAuditRecord {
  int64_t unix_ms = common::UnixMillis();
  std::string reason;  // "client closed", "killed", "timeout", "tls-mode required", …
  uint64_t client_id = 0;
  int64_t duration_ms = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  std::string user;  // the user the connection was authenticated as when it closed

  // {"time":…,"event":"disconnect","reason":"client closed","client_id":7,"duration_ms":1500,
  //  "bytes_in":120,"bytes_out":4096,"user":"alice"}\n
  std::string ToJsonLine() const;
};

}  // namespace redoubt::security
