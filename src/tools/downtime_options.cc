// redoubt-downtime's command line; see downtime_options.h.
#include "tools/downtime_options.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace redoubt::tools {

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::UnavailableError("password file " + path + ": " + std::strerror(errno));
  }
  std::string content;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    content.append(buf, n);
    if (content.size() > (1 << 20)) {
      std::fclose(f);
      return absl::InvalidArgumentError("password file " + path + ": larger than 1 MiB");
    }
  }
  bool failed = std::ferror(f) != 0;
  int read_errno = errno;
  std::fclose(f);
  if (failed) {
    return absl::UnavailableError("password file " + path + ": " + std::strerror(read_errno));
  }
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  if (content.empty()) {
    return absl::InvalidArgumentError("password file " + path + " is empty");
  }
  return content;
}

std::optional<int> ParseDowntimeOptions(int argc, char** argv, DowntimeOptions* options) {
  DowntimeOptions& o = *options;
  CLI::App app{
      "Measures what one client sees while a server is changed under it (TLS mode switch,\n"
      "certificate or password rotation): fills N keys, then reads random keys until told to\n"
      "stop, counting failed operations, timeouts, connection errors, wrong data and downtime."};
  app.get_formatter()->column_width(34);

  app.add_option("--host", o.host, "Server host")->capture_default_str();
  app.add_option("--port", o.port, "Server port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_flag("--cluster", o.cluster,
               "Host and port are a seed node of a Redis Cluster: route keys by slot, follow "
               "MOVED/ASK, count per shard");
  auto* tls = app.add_flag("--tls", o.tls, "Connect with TLS (1.2 or later)");
  app.add_option("--cacert", o.tls_options.ca_file, "CA certificates to verify the server with")
      ->needs(tls);
  auto* cert =
      app.add_option("--cert", o.tls_options.cert_file, "Client certificate (PEM)")->needs(tls);
  auto* key =
      app.add_option("--key", o.tls_options.key_file, "Client private key (PEM)")->needs(tls);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--sni", o.tls_options.sni,
                 "Server name to send (SNI) and to check the certificate against")
      ->needs(tls);
  bool insecure = false;
  app.add_flag("--insecure", insecure, "Do not verify the server's certificate")->needs(tls);
  auto* user = app.add_option("--user", o.user, "AUTH user (ACL); needs a password");
  auto* password =
      app.add_option("--password", o.password, "Send AUTH [user] password after each connect");
  auto* password_file =
      app.add_option("--password-file", o.password_file,
                     "Like --password, but read from this file again at every (re)connect");
  password->excludes(password_file);
  app.add_option("--reauth-check-ms", o.reauth_check_ms,
                 "With --password-file: check it this often; re-AUTH in-band on change (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0, 600000));

  app.add_option("--prefill-seconds", o.prefill_seconds,
                 "Phase 1: SET <prefix><i> <i> for this long")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--key-prefix", o.key_prefix, "Prefix of the keys written and read")
      ->capture_default_str();
  app.add_option("--wait-replicas", o.wait_replicas,
                 "After phase 1, WAIT until N replicas of every primary acknowledged the writes")
      ->check(CLI::Range(0, 1000));

  auto* duration = app.add_option("--duration", o.duration_seconds,
                                  "Phase 2: read for this many seconds (default 10)")
                       ->check(CLI::PositiveNumber);
  auto* until_file =
      app.add_option("--until-file", o.until_file, "Phase 2: read until this path exists");
  auto* until_command =
      app.add_option("--until-command", o.until_command,
                     "Phase 2: run this with /bin/sh -c when phase 2 starts; read until it exits");
  duration->excludes(until_file, until_command);
  until_file->excludes(until_command);
  app.add_option("--max-seconds", o.max_seconds, "Hard cap on the whole run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  app.add_option("--connect-timeout-ms", o.connect_timeout_ms,
                 "Timeout of TCP connect plus TLS handshake")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_option("--op-timeout-ms", o.op_timeout_ms, "Timeout of one command")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_option("--rate", o.rate, "Operations per second (0: as fast as possible)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  app.add_flag("--quiet", o.quiet, "No progress lines on stderr");
  app.add_option("--report", o.report_path, "Write the JSON report to this file");
  app.add_option("--label", o.label, "Label stored in the report");

  // CLI11 reports usage errors by exception; this is the one place they can come from.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }

  if (!user->empty() && password->empty() && password_file->empty()) {
    std::fprintf(stderr, "--user requires --password or --password-file\n");
    return 2;
  }
  if (!o.password_file.empty()) {
    // Checked once up front so that a typo is a usage error, not a run of AUTH failures.
    absl::StatusOr<std::string> secret = ReadPasswordFile(o.password_file);
    if (!secret.ok()) {
      std::fprintf(stderr, "redoubt-downtime: %s\n",
                   std::string(secret.status().message()).c_str());
      return 2;
    }
  }

  o.tls_options.verify = !insecure;
  if (!until_file->empty()) {
    o.stop_mode = StopMode::kUntilFile;
  } else if (!until_command->empty()) {
    o.stop_mode = StopMode::kUntilCommand;
  }
  return std::nullopt;
}

}  // namespace redoubt::tools
