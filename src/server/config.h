// Server configuration: the values of every directive, and the table of directives (name,
// default, parser, formatter, whether CONFIG SET may change it). redis.conf syntax and
// command-line "--directive value" overrides, as redis-server takes them.
//
// Thread: a Config is a plain value. The server keeps the current one behind a mutex for
// CONFIG GET/SET/REWRITE and copies hot values into RuntimeSettings atomics.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/access_tracking.h"
#include "tls/tls_context.h"

namespace redoubt::server {

struct OutputBufferLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  int soft_seconds = 0;
};

// tls-mode: what the main port accepts. preferred tells TLS from plaintext by the first byte.
enum class TlsMode : uint8_t { kNone, kPreferred, kRequired };
std::string_view TlsModeName(TlsMode mode);

struct Config {
  int port = 6379;
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};
  int io_threads = 0;  // 0: number of cores
  int databases = 16;
  int maxclients = 10000;
  int timeout = 0;
  int tcp_keepalive = 300;
  int tcp_backlog = 511;
  uint64_t maxmemory = 0;
  storage::EvictionPolicy maxmemory_policy = storage::EvictionPolicy::kNoEviction;
  int maxmemory_samples = 5;
  std::string logfile;
  std::string loglevel = "notice";
  int64_t proto_max_bulk_len = 512 * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024 * 1024 * 1024;
  OutputBufferLimit output_limit_normal;
  OutputBufferLimit output_limit_replica = {256 << 20, 64 << 20, 60};
  OutputBufferLimit output_limit_pubsub = {32 << 20, 8 << 20, 60};
  int hz = 10;
  int64_t slowlog_log_slower_than = 10000;
  int slowlog_max_len = 128;
  int latency_monitor_threshold = 0;
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50, 99, 99.9};
  std::string save;
  bool appendonly = false;
  std::string dir = ".";
  std::string dbfilename = "dump.rdb";
  std::string pidfile;
  bool protected_mode = true;
  // unixsocket: path of a Unix socket to listen on too ("": none); unixsocketperm: its file
  // mode (octal, 0: the umask's). Never filtered by network-allow; always plaintext.
  std::string unixsocket;
  int unixsocketperm = 0;
  bool daemonize = false;
  // DEBUG: "no" (Redis 7's default), "yes", or "local" (loopback connections only).
  std::string enable_debug_command = "no";
  // TLS (src/tls/). tls_port 0: no TLS-only listener.
  int tls_port = 0;
  TlsMode tls_mode = TlsMode::kNone;
  tls::TlsSettings tls;
  int tls_handshake_timeout_ms = 5000;
  // tls-auth-clients-user CN: a verified client certificate's Common Name authenticates the
  // connection as the ACL user of that name (when it exists and is on).
  bool tls_auth_clients_user_cn = false;
  // Accepted so that redis.conf TLS set-ups load unchanged: TLS for replication and cluster
  // links has no effect until those links exist.
  bool tls_replication = false;
  bool tls_cluster = false;
  // ACL. requirepass sets the default user's only password; `user` directives (each the text
  // after "user") and aclfile are exclusive, as in Redis.
  std::string requirepass;
  std::string aclfile;
  std::vector<std::string> users;
  int acllog_max_len = 128;
  bool acl_pubsub_allchannels = false;  // acl-pubsub-default: resetchannels (Redis 7 default)
  // audit-log-file: JSON lines of connects, authentications, refusals, disconnects ("": off).
  std::string audit_log_file;
  // network-allow: source networks that may connect (canonical CIDR text; empty: everyone).
  std::string network_allow;
  // The file the configuration was read from (for CONFIG REWRITE), empty when none.
  std::string config_file;
};

struct DirectiveSpec {
  std::string_view name;
  std::string_view default_text;
  bool runtime_settable;
  // Parses arguments into config. The error text is Redis's ("argument must be a memory
  // value"); callers add the directive name and context.
  std::function<absl::Status(Config&, std::span<const std::string>)> set;
  std::function<std::string(const Config&)> get;
};

// All directives, in the order CONFIG REWRITE writes them.
const std::vector<DirectiveSpec>& Directives();
const DirectiveSpec* FindDirective(std::string_view name);

// Builds a Config from a config file (may be empty) and command-line arguments
// ("--port 7000 --bind 127.0.0.1 ::1"). The error names the directive and, for a file, the
// line, as redis-server's "FATAL CONFIG FILE ERROR" does.
absl::StatusOr<Config> LoadConfig(const std::string& file, const std::vector<std::string>& argv);

// Parses configuration text (redis.conf syntax) into config. source names it in errors.
absl::Status ApplyConfigText(std::string_view text, std::string_view source, Config* config);

// Memory value as Redis's memtoull: "1gb" = 1024^3, "1g" = 1000^3, plain bytes.
bool ParseMemory(std::string_view s, uint64_t* out);

// Writes config to file as CONFIG REWRITE does: lines of the original file whose directive
// is known are replaced by the current value; other lines are kept. user_lines, when given
// (users defined without an aclfile), replace the file's `user` lines, as Redis rewrites them
// from the live ACL.
absl::Status RewriteConfigFile(const Config& config,
                               const std::vector<std::string>* user_lines = nullptr);

}  // namespace redoubt::server
