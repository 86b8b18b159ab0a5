// Formatting of audit records as JSON lines (see audit_event.h).
#include "security/audit_event.h"

#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace redoubt::security {
namespace {

// ordered_json keeps the fields in insertion order, so every line reads "time", "event", then
// the event's fields, the same way each time (plain json would sort them alphabetically).
using Json = nlohmann::ordered_json;

// Cuts a client- or certificate-chosen string to kMaxAuditFieldBytes, backing off to a UTF-8
// character boundary so that a cut never turns valid text into a replacement character.
std::string_view Bounded(std::string_view s) {
  if (s.size() <= kMaxAuditFieldBytes) {
    return s;
  }
  size_t end = kMaxAuditFieldBytes;
  // At most three continuation bytes (10xxxxxx) precede the cut in a valid sequence.
  for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80; ++i) {
    --end;
  }
  return s.substr(0, end);
}

Json Begin(int64_t unix_ms, const char* event) {
  Json j;
  j["time"] = FormatAuditTime(unix_ms);
  j["event"] = event;
  return j;
}

std::string ToLine(const Json& j) {
  // error_handler_t::replace: user names and certificate subjects need not be UTF-8, and the
  // default (strict) handler would throw on them; with replace, dump() cannot throw.
  std::string line = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

}  // namespace

std::string FormatAuditTime(int64_t unix_ms) {
  // Floor division, so that a time before 1970 still gets milliseconds in 0..999.
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  time_t t = static_cast<time_t>(seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  // Room for any int fields, which silences -Wformat-truncation; real times need 24 bytes.
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buf;
}

std::string_view AuditTransportName(AuditTransport transport) {
  switch (transport) {
    case AuditTransport::kTcp:
      return "tcp";
    case AuditTransport::kTls:
      return "tls";
  }
  return "unknown";
}

std::string_view AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kAuth:
      return "auth";
    case AuthMethod::kHello:
      return "hello";
    case AuthMethod::kCertificate:
      return "certificate";
  }
  return "unknown";
}

std::string_view RefusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kNetworkAllow:
      return "network-allow";
    case RefusalReason::kCrl:
      return "crl";
    case RefusalReason::kTlsRequired:
      return "tls-required";
    case RefusalReason::kHandshakeFailed:
      return "handshake-failed";
    case RefusalReason::kMaxClients:
      return "maxclients";
    case RefusalReason::kCertificate:
      return "certificate";
  }
  return "unknown";
}

std::string ConnectAuditRecord::ToJsonLine() const {
  Json j = Begin(unix_ms, "connect");
  j["client_id"] = client_id;
  j["source_address"] = Bounded(source_address);
  j["source_port"] = source_port;
  j["local_port"] = local_port;
  j["transport"] = AuditTransportName(transport);
  if (transport == AuditTransport::kTls) {
    j["tls_version"] = Bounded(tls_version);
    j["tls_cipher"] = Bounded(tls_cipher);
    if (client_certificate.has_value()) {
      j["client_cert_subject"] = Bounded(client_certificate->subject);
      j["client_cert_serial"] = Bounded(client_certificate->serial_hex);
    }
  }
  return ToLine(j);
}

std::string AuthAuditRecord::ToJsonLine() const {
  Json j = Begin(unix_ms, "auth");
  j["result"] = success ? "success" : "failure";
  j["user"] = Bounded(user);
  j["method"] = AuthMethodName(method);
  j["client_id"] = client_id;
  j["source_address"] = Bounded(source_address);
  j["source_port"] = source_port;
  return ToLine(j);
}

std::string RefusedAuditRecord::ToJsonLine() const {
  Json j = Begin(unix_ms, "refused");
  j["reason"] = RefusalReasonName(reason);
  j["detail"] = Bounded(detail);
  j["source_address"] = Bounded(source_address);
  j["source_port"] = source_port;
  j["local_port"] = local_port;
  return ToLine(j);
}

std::string DisconnectAuditRecord::ToJsonLine() const {
  Json j = Begin(unix_ms, "disconnect");
  j["reason"] = Bounded(reason);
  j["client_id"] = client_id;
  j["duration_ms"] = duration_ms;
  j["bytes_in"] = bytes_in;
  j["bytes_out"] = bytes_out;
  j["user"] = Bounded(user);
  return ToLine(j);
}

}  // namespace redoubt::security
