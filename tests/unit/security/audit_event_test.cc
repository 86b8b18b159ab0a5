// Audit records as JSON lines: the fields of each event, the time format, no password field,
// and strings chosen by clients (newlines, quotes, invalid UTF-8, huge names) kept to one
// valid line.
#include "security/audit_event.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace redoubt::security {
namespace {

using nlohmann::json;

// 2026-11-23T17:02:03.123Z
constexpr int64_t kTime = 1795453323123;

// Parses one formatted record, checking that it is exactly one line.
json ParseLine(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << line;
  return j;
}

std::set<std::string> Keys(const json& j) {
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) {
    keys.insert(key);
  }
  return keys;
}

TEST(AuditEventTest, TimeIsIso8601UtcWithMilliseconds) {
  EXPECT_EQ(FormatAuditTime(kTime), "2026-11-23T17:02:03.123Z");
  EXPECT_EQ(FormatAuditTime(1795453323005), "2026-11-23T17:02:03.005Z");
  EXPECT_EQ(FormatAuditTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatAuditTime(-1), "1969-12-31T23:59:59.999Z");
}

TEST(AuditEventTest, EveryRecordStartsWithTimeAndEvent) {
  std::string lines[] = {
      ConnectAuditRecord{.unix_ms = kTime}.ToJsonLine(),
      AuthAuditRecord{.unix_ms = kTime}.ToJsonLine(),
      RefusedAuditRecord{.unix_ms = kTime}.ToJsonLine(),
      DisconnectAuditRecord{.unix_ms = kTime}.ToJsonLine(),
  };
  const char* events[] = {"connect", "auth", "refused", "disconnect"};

  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(lines[i].rfind("{\"time\":\"2026-11-23T17:02:03.123Z\",\"event\":\"" +
                                 std::string(events[i]) + "\",",
                             0),
              0u)
        << lines[i];
  }
}

TEST(AuditEventTest, PlaintextConnectHasNoTlsFields) {
  ConnectAuditRecord record{.unix_ms = kTime,
                            .client_id = 7,
                            .source_address = "10.1.2.3",
                            .source_port = 51000,
                            .local_port = 6379,
                            .transport = AuditTransport::kTcp,
                            .tls_version = "ignored for tcp"};

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(Keys(j), (std::set<std::string>{"time", "event", "client_id", "source_address",
                                            "source_port", "local_port", "transport"}));
  EXPECT_EQ(j["event"], "connect");
  EXPECT_EQ(j["client_id"], 7);
  EXPECT_EQ(j["source_address"], "10.1.2.3");
  EXPECT_EQ(j["source_port"], 51000);
  EXPECT_EQ(j["local_port"], 6379);
  EXPECT_EQ(j["transport"], "tcp");
}

TEST(AuditEventTest, TlsConnectHasVersionCipherAndClientCertificate) {
  ConnectAuditRecord record{
      .unix_ms = kTime,
      .client_id = 8,
      .source_address = "::1",
      .source_port = 40000,
      .local_port = 6380,
      .transport = AuditTransport::kTls,
      .tls_version = "TLSv1.3",
      .tls_cipher = "TLS_AES_256_GCM_SHA384",
      .client_certificate = AuditCertificate{.subject = "CN=app1,O=Example", .serial_hex = "03E9"},
  };

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(j["transport"], "tls");
  EXPECT_EQ(j["source_address"], "::1");
  EXPECT_EQ(j["tls_version"], "TLSv1.3");
  EXPECT_EQ(j["tls_cipher"], "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(j["client_cert_subject"], "CN=app1,O=Example");
  EXPECT_EQ(j["client_cert_serial"], "03E9");
}

TEST(AuditEventTest, TlsConnectWithoutClientCertificateOmitsCertificateFields) {
  ConnectAuditRecord record{.unix_ms = kTime,
                            .transport = AuditTransport::kTls,
                            .tls_version = "TLSv1.2",
                            .tls_cipher = "ECDHE-ECDSA-AES128-GCM-SHA256"};

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(j["tls_version"], "TLSv1.2");
  EXPECT_FALSE(j.contains("client_cert_subject"));
  EXPECT_FALSE(j.contains("client_cert_serial"));
}

TEST(AuditEventTest, AuthRecordHasExactlyItsFieldsAndNoPassword) {
  AuthAuditRecord ok{.unix_ms = kTime,
                     .success = true,
                     .user = "alice",
                     .method = AuthMethod::kHello,
                     .client_id = 9,
                     .source_address = "192.168.1.7",
                     .source_port = 50123};
  AuthAuditRecord failed = ok;
  failed.success = false;
  failed.method = AuthMethod::kAuth;

  json j_ok = ParseLine(ok.ToJsonLine());
  json j_failed = ParseLine(failed.ToJsonLine());

  // The struct has no field that could hold a password; the line has no such key either.
  const std::set<std::string> expected = {"time",   "event",     "result",         "user",
                                          "method", "client_id", "source_address", "source_port"};
  EXPECT_EQ(Keys(j_ok), expected);
  EXPECT_EQ(Keys(j_failed), expected);
  EXPECT_EQ(j_ok["event"], "auth");
  EXPECT_EQ(j_ok["result"], "success");
  EXPECT_EQ(j_ok["user"], "alice");
  EXPECT_EQ(j_ok["method"], "hello");
  EXPECT_EQ(j_ok["client_id"], 9);
  EXPECT_EQ(j_ok["source_address"], "192.168.1.7");
  EXPECT_EQ(j_ok["source_port"], 50123);
  EXPECT_EQ(j_failed["result"], "failure");
  EXPECT_EQ(j_failed["method"], "auth");
}

TEST(AuditEventTest, AuthMethodNames) {
  EXPECT_EQ(AuthMethodName(AuthMethod::kAuth), "auth");
  EXPECT_EQ(AuthMethodName(AuthMethod::kHello), "hello");
  EXPECT_EQ(AuthMethodName(AuthMethod::kCertificate), "certificate");
}

TEST(AuditEventTest, RefusedRecordNamesEachReason) {
  const std::pair<RefusalReason, const char*> reasons[] = {
      {RefusalReason::kNetworkAllow, "network-allow"},
      {RefusalReason::kCrl, "crl"},
      {RefusalReason::kTlsRequired, "tls-required"},
      {RefusalReason::kHandshakeFailed, "handshake-failed"},
      {RefusalReason::kMaxClients, "maxclients"},
      {RefusalReason::kCertificate, "certificate"},
  };

  for (const auto& [reason, name] : reasons) {
    RefusedAuditRecord record{.unix_ms = kTime,
                              .reason = reason,
                              .detail = "why",
                              .source_address = "10.9.1.1",
                              .source_port = 1234,
                              .local_port = 6379};
    json j = ParseLine(record.ToJsonLine());

    EXPECT_EQ(Keys(j), (std::set<std::string>{"time", "event", "reason", "detail", "source_address",
                                              "source_port", "local_port"}));
    EXPECT_EQ(j["event"], "refused");
    EXPECT_EQ(j["reason"], name);
    EXPECT_EQ(j["detail"], "why");
    EXPECT_EQ(j["source_address"], "10.9.1.1");
    EXPECT_EQ(j["source_port"], 1234);
    EXPECT_EQ(j["local_port"], 6379);
  }
}

TEST(AuditEventTest, DisconnectRecordHasDurationBytesAndUser) {
  DisconnectAuditRecord record{.unix_ms = kTime,
                               .reason = "client closed",
                               .client_id = 11,
                               .duration_ms = 1500,
                               .bytes_in = 120,
                               .bytes_out = uint64_t{1} << 40,
                               .user = "default"};

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(Keys(j), (std::set<std::string>{"time", "event", "reason", "client_id", "duration_ms",
                                            "bytes_in", "bytes_out", "user"}));
  EXPECT_EQ(j["event"], "disconnect");
  EXPECT_EQ(j["reason"], "client closed");
  EXPECT_EQ(j["client_id"], 11);
  EXPECT_EQ(j["duration_ms"], 1500);
  EXPECT_EQ(j["bytes_in"], 120);
  EXPECT_EQ(j["bytes_out"], uint64_t{1} << 40);
  EXPECT_EQ(j["user"], "default");
}

TEST(AuditEventTest, NewlinesQuotesAndControlBytesStayInsideOneLine) {
  const std::string user = "eve\n{\"event\":\"auth\",\"result\":\"success\"}\r\t\x01\\";
  AuthAuditRecord record{.unix_ms = kTime, .user = user};

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(j["user"], user);
  EXPECT_EQ(j["result"], "failure");
}

TEST(AuditEventTest, InvalidUtf8IsReplacedNotThrown) {
  AuthAuditRecord record{.unix_ms = kTime, .user = std::string("bad\xff\xfe", 5)};

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(j["user"], "bad\xEF\xBF\xBD\xEF\xBF\xBD");  // two U+FFFD
}

// The user field of an auth record as written, between its quotes.
std::string WrittenUser(std::string_view user) {
  std::string line = AuthAuditRecord{.unix_ms = kTime, .user = std::string(user)}.ToJsonLine();
  size_t start = line.find("\"user\":\"") + 8;
  size_t end = line.find("\",\"method\"");
  EXPECT_LT(start, end) << line;
  return line.substr(start, end - start);
}

TEST(AuditEventTest, EveryC0ControlByteAndDelIsWrittenAsUnicodeEscape) {
  std::string user;
  std::string expected;
  for (int c = 0; c < 0x20; ++c) {
    user.push_back(static_cast<char>(c));
    char escape[8];
    std::snprintf(escape, sizeof(escape), "\\u%04x", c);
    expected += escape;
  }
  user += "\x7f";
  expected += "\\u007f";

  std::string written = WrittenUser(user);

  EXPECT_EQ(written, expected);
  EXPECT_EQ(ParseLine(AuthAuditRecord{.unix_ms = kTime, .user = user}.ToJsonLine())["user"], user);
}

TEST(AuditEventTest, C1ControlsAndLineSeparatorsAreEscapedOtherTextIsNot) {
  // U+0085 (NEL), U+009B (CSI), U+2028, U+2029; then é, €, U+00A0 and an emoji stay as UTF-8.
  std::string user =
      "a\xC2\x85"
      "b\xC2\x9B"
      "c\xE2\x80\xA8"
      "d\xE2\x80\xA9"
      "e";
  std::string plain = "\xC3\xA9\xE2\x82\xAC\xC2\xA0\xF0\x9F\x94\x91 \"q\" \\";

  EXPECT_EQ(WrittenUser(user), "a\\u0085b\\u009bc\\u2028d\\u2029e");
  EXPECT_EQ(WrittenUser(plain), "\xC3\xA9\xE2\x82\xAC\xC2\xA0\xF0\x9F\x94\x91 \\\"q\\\" \\\\");
}

TEST(AuditEventTest, EachByteOfIllFormedUtf8BecomesOneReplacementEscape) {
  // A stray continuation byte, a truncated 3-byte character, an overlong '/', a surrogate
  // (U+D800), a code point above U+10FFFF, and 0xE9 alone (Latin-1 é, which must not turn
  // into a real é).
  std::string user = "\x80|\xE2\x82|\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xE9";

  std::string written = WrittenUser(user);

  EXPECT_EQ(written,
            "\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
            "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd");
  EXPECT_EQ(written.find("\\u00e9"), std::string::npos);
}

TEST(AuditEventTest, EveryByteValueInEveryStringFieldLeavesPrintableAscii) {
  std::string hostile;
  for (int c = 0; c < 256; ++c) {
    hostile.push_back(static_cast<char>(c));
  }
  ConnectAuditRecord connect{.unix_ms = kTime,
                             .source_address = hostile,
                             .transport = AuditTransport::kTls,
                             .tls_version = hostile,
                             .tls_cipher = hostile,
                             .client_certificate = AuditCertificate{hostile, hostile}};
  RefusedAuditRecord refused{.unix_ms = kTime, .detail = hostile, .source_address = hostile};
  DisconnectAuditRecord disconnect{.unix_ms = kTime, .reason = hostile, .user = hostile};

  for (const std::string& line : {connect.ToJsonLine(), refused.ToJsonLine(),
                                  disconnect.ToJsonLine(), WrittenUser(hostile) + "\n"}) {
    // Bytes 0x80 and up follow one another here, so none is well-formed UTF-8: all escaped.
    for (size_t i = 0; i + 1 < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "byte " << static_cast<int>(c) << " at " << i;
    }
    EXPECT_EQ(line.back(), '\n');
  }
  EXPECT_FALSE(ParseLine(connect.ToJsonLine()).is_discarded());
  EXPECT_FALSE(ParseLine(refused.ToJsonLine()).is_discarded());
  EXPECT_FALSE(ParseLine(disconnect.ToJsonLine()).is_discarded());
}

TEST(AuditEventTest, LongFieldsAreCutAtACharacterBoundary) {
  // 'a' then two-byte characters (é), so that kMaxAuditFieldBytes falls inside one.
  std::string user = "a";
  while (user.size() < 3 * kMaxAuditFieldBytes) {
    user += "\xC3\xA9";
  }
  DisconnectAuditRecord record{.unix_ms = kTime, .reason = std::string(1 << 20, 'r'), .user = user};

  json j = ParseLine(record.ToJsonLine());

  EXPECT_EQ(j["reason"].get<std::string>(), std::string(kMaxAuditFieldBytes, 'r'));
  std::string written = j["user"].get<std::string>();
  EXPECT_LE(written.size(), kMaxAuditFieldBytes);
  EXPECT_GE(written.size(), kMaxAuditFieldBytes - 1);
  EXPECT_EQ(written, user.substr(0, written.size()));
  EXPECT_EQ(written.find("\xEF\xBF\xBD"), std::string::npos);
}

}  // namespace
}  // namespace redoubt::security
