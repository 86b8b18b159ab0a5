// The command line of redoubt-downtime: what to connect to, how to load the server, when to stop
// and where to report. Parsing (CLI11) lives here so that main() and the runner see only a
// validated DowntimeOptions.
#pragma once

#include <absl/status/statusor.h>

#include <optional>
#include <string>

#include "tools/tls_client_context.h"

namespace redoubt::tools {

enum class StopMode : uint8_t { kDuration, kUntilFile, kUntilCommand };

struct DowntimeOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // host:port is a seed node of a Redis Cluster: the slot map is read with CLUSTER SLOTS, each
  // key goes to the primary serving its slot (one connection per primary), MOVED/ASK/TRYAGAIN/
  // CLUSTERDOWN are followed, and the report has a row per shard.
  bool cluster = false;
  bool tls = false;
  TlsClientOptions tls_options;
  std::string user;      // AUTH user; empty: AUTH <password> only
  std::string password;  // empty: no AUTH (unless password_file). Never printed or reported.
  // Read again before every AUTH, i.e. at every (re)connect, so that a rotated secret is picked
  // up the way a deployed client re-reads its secret store. Excludes `password`.
  std::string password_file;
  // With password_file: how often (at most) the file is looked at (stat: inode, size, mtime)
  // while connected; when its content differs from the password the connection authenticated
  // with, AUTH is sent again on the live connection before the next operation. 0: never, the
  // file is read at (re)connect only.
  int reauth_check_ms = 200;

  double prefill_seconds = 5;
  std::string key_prefix = "downtime:";
  // After phase 1, `WAIT <n> 1000` on every primary until n replicas acknowledged its writes
  // (at most 10 s), so that keys read after a failover are known to have reached the replica
  // that took over. 0: no WAIT.
  int wait_replicas = 0;

  StopMode stop_mode = StopMode::kDuration;
  double duration_seconds = 10;
  std::string until_file;
  std::string until_command;
  double max_seconds = 3600;  // hard cap on the whole run, prefill included

  int connect_timeout_ms = 100;  // TCP connect plus TLS handshake
  int op_timeout_ms = 250;       // one command, AUTH included
  double rate = 0;               // operations per second; 0: as fast as one connection goes

  bool quiet = false;
  std::string report_path;
  std::string label;
};

// The password in a --password-file: the whole file minus trailing CR/LF characters (so that
// `echo secret > file` works). An unreadable or empty file is an error; the message names the
// path and the reason, never the content.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

// Parses argv into *options. Returns nullopt to run, or the exit status to exit with: 0 after
// --help, 2 after a usage error (the message is already printed).
std::optional<int> ParseDowntimeOptions(int argc, char** argv, DowntimeOptions* options);

}  // namespace redoubt::tools
