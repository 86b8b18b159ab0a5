// redoubt-tls-connect: measures the cost of TLS connection setup against a server, full
// handshakes versus resumed sessions, which redis-benchmark cannot show. Usage:
// src/tools/README.md.
//
// Exit status: 0 when at least one connection succeeded, 1 when none did, 2 on bad usage.
#include <absl/strings/str_format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tools/handshake_bench.h"
#include "tools/signals.h"
#include "tools/tls_client_context.h"

namespace {

using redoubt::tools::HandshakeBenchOptions;
using redoubt::tools::HandshakeBenchResult;
using redoubt::tools::TlsClientOptions;

// Returns nullopt to run, or the exit status (0 after --help, 2 after a usage error).
std::optional<int> ParseOptions(int argc, char** argv, HandshakeBenchOptions* bench,
                                TlsClientOptions* tls, bool* json) {
  CLI::App app{
      "Opens TLS connections one after another (connect, handshake, PING, close) and reports\n"
      "full versus resumed handshakes, connections per second and handshake latency."};
  app.get_formatter()->column_width(30);
  app.add_option("--host", bench->host, "Server host")->capture_default_str();
  app.add_option("--port", bench->port, "Server TLS port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_option("--cacert", tls->ca_file, "CA certificates to verify the server with");
  auto* cert = app.add_option("--cert", tls->cert_file, "Client certificate (PEM)");
  auto* key = app.add_option("--key", tls->key_file, "Client private key (PEM)");
  cert->needs(key);
  key->needs(cert);
  app.add_option("--sni", tls->sni,
                 "Server name to send (SNI) and to check the certificate against");
  bool insecure = false;
  app.add_flag("--insecure", insecure, "Do not verify the server's certificate");
  app.add_option("--connections", bench->connections, "Connections to open")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--duration", bench->duration_s, "Stop after this many seconds at most")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--resume", bench->resume, "Offer the previous connection's session");
  std::string version;
  app.add_option("--tls-version", version, "Only this protocol version")
      ->check(CLI::IsMember({"1.2", "1.3"}));
  app.add_option("--timeout-ms", bench->timeout_ms, "Timeout of connect+handshake, and of PING")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_flag("--json", *json, "Print one JSON object instead of the table");
  app.add_flag("--quiet", bench->quiet, "No progress lines on stderr");

  // CLI11 reports usage errors by exception; this is the one place they can come from.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  tls->verify = !insecure;
  if (version == "1.2") {
    tls->min_version = tls->max_version = TLS1_2_VERSION;
  } else if (version == "1.3") {
    tls->min_version = tls->max_version = TLS1_3_VERSION;
  }
  return std::nullopt;
}

void PrintTable(const HandshakeBenchOptions& options, const HandshakeBenchResult& r) {
  std::string text =
      absl::StrFormat("redoubt-tls-connect %s:%d %s resume=%s\n", options.host, options.port,
                      r.tls_version.empty() ? "-" : r.tls_version, options.resume ? "yes" : "no");
  text +=
      absl::StrFormat("%11s %9s %9s %9s %10s %10s %17s %17s\n", "connections", "resumed", "full",
                      "failures", "elapsed_s", "conn/s", "handshake_us_p50", "handshake_us_p99");
  text += absl::StrFormat("%11u %9u %9u %9u %10.3f %10.1f %17d %17d\n", r.connections, r.resumed,
                          r.full, r.failures, r.elapsed_s, r.conn_per_s, r.handshake_us_p50,
                          r.handshake_us_p99);
  if (!r.first_failure.empty()) {
    text += "first failure: " + r.first_failure + "\n";
  }
  std::fputs(text.c_str(), stdout);
}

void PrintJson(const HandshakeBenchResult& r) {
  nlohmann::json j = {
      {"connections", r.connections},
      {"resumed", r.resumed},
      {"full", r.full},
      {"failures", r.failures},
      {"elapsed_s", r.elapsed_s},
      {"conn_per_s", r.conn_per_s},
      {"handshake_us_p50", r.handshake_us_p50},
      {"handshake_us_p99", r.handshake_us_p99},
      {"tls_version", r.tls_version},
      {"first_failure",
       r.first_failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.first_failure)},
  };
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  HandshakeBenchOptions options;
  TlsClientOptions tls_options;
  bool json = false;
  if (std::optional<int> status = ParseOptions(argc, argv, &options, &tls_options, &json)) {
    return *status;
  }
  redoubt::tools::InstallSignalHandlers();
  auto tls = redoubt::tools::TlsClientContext::Create(tls_options);
  if (!tls.ok()) {
    std::fprintf(stderr, "redoubt-tls-connect: %s\n", std::string(tls.status().message()).c_str());
    return 2;
  }
  HandshakeBenchResult result = redoubt::tools::RunHandshakeBench(options, **tls);
  if (json) {
    PrintJson(result);
  } else {
    PrintTable(options, result);
  }
  if (result.resumed + result.full == 0) {
    std::fprintf(stderr, "redoubt-tls-connect: no connection succeeded%s%s\n",
                 result.first_failure.empty() ? "" : ": ", result.first_failure.c_str());
    return 1;
  }
  return 0;
}
