// Formatting of audit records as JSON lines (see audit_event.h).
#include "security/audit_event.h"

#include <absl/strings/str_cat.h>
#include <time.h>

#include <cstdio>
#include <string>

namespace redoubt::security {
namespace {

void AppendUnicodeEscape(std::string& out, uint32_t code_point) {
  absl::StrAppend(&out, "\\u", absl::Hex(code_point, absl::kZeroPad4));
}

// Length of the well-formed UTF-8 character at s[i] (Unicode's table 3-7: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when the byte there does not start one.
size_t Utf8CharLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  unsigned b0 = byte(i);
  if (b0 < 0x80) {
    return 1;
  }
  if (in(b0, 0xC2, 0xDF)) {
    return in(byte(i + 1), 0x80, 0xBF) ? 2 : 0;
  }
  if (in(b0, 0xE0, 0xEF)) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) && in(byte(i + 3), 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

// Appends s as the inside of a JSON string. Every control character is written as \uXXXX:
// C0 (below 0x20) and DEL, which a log viewer or terminal would act on, and C1 (U+0080 to
// U+009F, e.g. U+009B, a CSI on some terminals); U+2028 and U+2029 too, which end lines in
// JavaScript and some viewers. A byte that is not part of a well-formed UTF-8 character
// becomes \ufffd (U+FFFD, one per byte): \u00XX would decode as the Latin-1 character U+00XX,
// indistinguishable from a real one (the stray byte 0xE9 and a valid "é" would read alike),
// while U+FFFD can only mean "not text here", and every JSON reader accepts the line.
void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      AppendUnicodeEscape(out, c);
      ++i;
      continue;
    }
    size_t n = Utf8CharLength(s, i);
    if (n == 0) {
      AppendUnicodeEscape(out, 0xFFFD);
      ++i;
      continue;
    }
    uint32_t code_point = n == 2 ? (c & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu)
                          : n == 3
                              ? (c & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu)
                              : c;  // ASCII, or beyond U+FFFF where no control lives
    if ((code_point >= 0x80 && code_point <= 0x9F) || code_point == 0x2028 ||
        code_point == 0x2029) {
      AppendUnicodeEscape(out, code_point);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

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

// One record: a JSON object on one line, its fields in the order they are added ("time",
// "event", then the event's own), the same way every time. Written by hand rather than with
// nlohmann-json because the escaping above is the point of the format: nlohmann leaves DEL and
// C1 controls raw.
class JsonLine {
 public:
  JsonLine(int64_t unix_ms, std::string_view event) {
    String("time", FormatAuditTime(unix_ms));
    String("event", event);
  }

  // value is cut to kMaxAuditFieldBytes.
  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, Bounded(value));
  }
  void Number(std::string_view key, int64_t value) {
    Key(key);
    out_ += std::to_string(value);
  }
  void Unsigned(std::string_view key, uint64_t value) {
    Key(key);
    out_ += std::to_string(value);
  }
  std::string Finish() && {
    out_ += "}\n";
    return std::move(out_);
  }

 private:
  // Keys are our constants: plain ASCII that needs no escaping.
  void Key(std::string_view key) {
    if (out_.size() > 1) {
      out_.push_back(',');
    }
    out_.push_back('"');
    out_.append(key);
    out_ += "\":";
  }

  std::string out_ = "{";
};

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
  JsonLine j(unix_ms, "connect");
  j.Unsigned("client_id", client_id);
  j.String("source_address", source_address);
  j.Unsigned("source_port", source_port);
  j.Unsigned("local_port", local_port);
  j.String("transport", AuditTransportName(transport));
  if (transport == AuditTransport::kTls) {
    j.String("tls_version", tls_version);
    j.String("tls_cipher", tls_cipher);
    if (client_certificate.has_value()) {
      j.String("client_cert_subject", client_certificate->subject);
      j.String("client_cert_serial", client_certificate->serial_hex);
    }
  }
  return std::move(j).Finish();
}

std::string AuthAuditRecord::ToJsonLine() const {
  JsonLine j(unix_ms, "auth");
  j.String("result", success ? "success" : "failure");
  j.String("user", user);
  j.String("method", AuthMethodName(method));
  j.Unsigned("client_id", client_id);
  j.String("source_address", source_address);
  j.Unsigned("source_port", source_port);
  return std::move(j).Finish();
}

std::string RefusedAuditRecord::ToJsonLine() const {
  JsonLine j(unix_ms, "refused");
  j.String("reason", RefusalReasonName(reason));
  j.String("detail", detail);
  j.String("source_address", source_address);
  j.Unsigned("source_port", source_port);
  j.Unsigned("local_port", local_port);
  return std::move(j).Finish();
}

std::string DisconnectAuditRecord::ToJsonLine() const {
  JsonLine j(unix_ms, "disconnect");
  j.String("reason", reason);
  j.Unsigned("client_id", client_id);
  j.Number("duration_ms", duration_ms);
  j.Unsigned("bytes_in", bytes_in);
  j.Unsigned("bytes_out", bytes_out);
  j.String("user", user);
  return std::move(j).Finish();
}

}  // namespace redoubt::security
