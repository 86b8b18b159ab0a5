// Audit records as JSON lines: the fields of each event, the time format, no password field,
// and strings chosen by clients (newlines, quotes, invalid UTF-8, huge names) kept to one
// valid line.
#include "security/audit_event.h"

#include <gtest/gtest.h>

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
