// Server configuration: the value of every directive (Config), and how it is loaded from a
// redis.conf-syntax file and "--directive value" command-line overrides, changed by CONFIG SET
// and written back by CONFIG REWRITE, as redis-server 7.0 does. The directive table itself
// (names, flags, Redis's rules and texts) is in config_directive.h and server/directives/.
//
// Thread: a Config is a plain value. The server keeps the current one behind a mutex for
// CONFIG GET/SET/REWRITE and copies hot values into RuntimeSettings atomics.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/config_directive.h"
#include "storage/access_tracking.h"
#include "tls/tls_context.h"

namespace redoubt::server {

struct OutputBufferLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  int soft_seconds = 0;
  bool operator==(const OutputBufferLimit&) const = default;
};

// tls-mode: what the main port accepts. preferred tells TLS from plaintext by the first byte.
enum class TlsMode : uint8_t { kNone, kPreferred, kRequired };
std::string_view TlsModeName(TlsMode mode);

// enable-protected-configs and enable-debug-command (Redis 7's protected_action_enum): "no",
// "yes", or "local" (only for connections from the loopback interface or a unix socket).
enum class ProtectedAction : uint8_t { kNo, kYes, kLocal };
// Redis's allowProtectedAction.
bool AllowProtectedAction(ProtectedAction setting, bool caller_is_local);
// Redis's islocalClient for a TCP peer ("ip:port"): exactly 127.0.0.1 or ::1. (A Unix socket
// client is local too; Connection::is_local says so.)
bool IsLocalPeer(std::string_view peer);

struct Config {
  int port = 6379;
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};
  // The I/O threads to run. LoadConfig resolves io-threads 0 ("one per core", the default) to
  // the core count here and keeps what was written in io_threads_configured, so that CONFIG
  // REWRITE never writes this machine's core count into the file.
  int io_threads = 0;
  int io_threads_configured = 0;
  int databases = 16;
  int maxclients = 10000;
  int timeout = 0;
  int tcp_keepalive = 300;
  int tcp_backlog = 511;
  uint64_t maxmemory = 0;
  storage::EvictionPolicy maxmemory_policy = storage::EvictionPolicy::kNoEviction;
  int maxmemory_samples = 5;
  // Small hashes stay packed (listpack) up to this many fields and this field/value length.
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  // Sets of integers stay packed (intset) up to this many members.
  int64_t set_max_intset_entries = 512;
  // Small sorted sets stay packed (listpack) up to this many members and this member length.
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  // A stream's node closes at this many entries or when its listpack would reach this size.
  int64_t stream_node_max_entries = 100;
  int64_t stream_node_max_bytes = 4096;
  // Keys the client-side caching table remembers before it forgets some (0: no limit).
  int64_t tracking_table_max_keys = 1000000;
  // A sparse HyperLogLog turns dense rather than grow past this many bytes.
  int64_t hll_sparse_max_bytes = 3000;
  // busy-reply-threshold (lua-time-limit): ms a script runs before other clients get -BUSY.
  int64_t busy_reply_threshold = 5000;
  // notify-keyspace-events as commands::NotifyClass bits; 0: no notifications.
  uint32_t notify_keyspace_events = 0;
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
  int64_t latency_monitor_threshold = 0;
  // latency-tracking and its INFO latencystats percentiles, as Redis 7.
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50, 99, 99.9};
  // Save points as CONFIG GET shows them ("3600 1 300 100"); empty: none.
  std::string save;
  bool appendonly = false;
  // The AOF: appenddirname and appendfilename (names, relative to dir), appendfsync (0 no,
  // 1 always, 2 everysec, as Redis numbers them), and the load and rewrite rules.
  std::string appenddirname = "appendonlydir";
  std::string appendfilename = "appendonly.aof";
  int appendfsync = 2;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;    // the base as RDB, or else as commands
  bool aof_timestamp_enabled = false;  // "#TS:<seconds>" annotation lines, as Redis 7.0
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64 << 20;
  // The working directory `dir` moved to (an absolute path), empty while never set: CONFIG GET
  // shows the current directory either way, as Redis does.
  std::string dir;
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  int64_t rdb_key_save_delay = 0;  // microseconds per key written by a snapshot (tests)
  // Snapshots at rest (persistence/encryption_keys.h): the key new snapshots are encrypted
  // with (empty: plaintext), and key files that only read older ones, separated by spaces.
  std::string rdb_encryption_key_file;
  std::string rdb_encryption_old_key_files;
  // Replication (server/replication_service.h). replicaof: "host port" of the primary this
  // node follows, empty for a primary (REPLICAOF changes it, so CONFIG REWRITE keeps it).
  std::string replicaof;
  std::string masteruser;
  std::string masterauth;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  int64_t repl_backlog_size = 1 << 20;
  int64_t repl_timeout = 60;              // seconds
  int64_t repl_ping_replica_period = 10;  // seconds
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;  // seconds
  std::string replica_announce_ip;
  // bind-source-addr: the source address of a replica's link to its primary ("": the kernel's).
  std::string bind_source_addr;
  int64_t replica_announce_port = 0;
  std::string pidfile;
  bool protected_mode = true;
  bool daemonize = false;
  // unixsocket: path of a Unix socket to listen on too ("": none; start-up only);
  // unixsocketperm: its file mode (octal, 0: the umask's). Never filtered by network-allow;
  // always plaintext.
  std::string unixsocket;
  int unixsocketperm = 0;
  // CONFIG SET of a protected directive (dir, dbfilename, audit-log-file) and DEBUG.
  ProtectedAction enable_protected_configs = ProtectedAction::kNo;
  ProtectedAction enable_debug_command = ProtectedAction::kNo;
  ProtectedAction enable_module_command = ProtectedAction::kNo;  // Redoubt loads no module
  // TLS (src/tls/). tls_port 0: no TLS-only listener.
  int tls_port = 0;
  TlsMode tls_mode = TlsMode::kNone;
  tls::TlsSettings tls;
  int tls_handshake_timeout_ms = 5000;
  // tls-auth-clients-user CN: a verified client certificate's Common Name authenticates the
  // connection as the ACL user of that name (when it exists and is on).
  bool tls_auth_clients_user_cn = false;
  // tls-replication: a replica's link to its primary goes over TLS, presenting
  // tls-client-cert-file (or else tls-cert-file); tls-cluster: the cluster bus's outbound links
  // do (server/cluster_bus_tls.h).
  bool tls_replication = false;
  std::string tls_client_cert_file;
  std::string tls_client_key_file;
  std::string tls_client_key_file_pass;
  bool tls_cluster = false;
  // Cluster mode (cluster/cluster_state.h). cluster-port 0: port + 10000. The announce
  // fields: what CLUSTER NODES/SLOTS/SHARDS and -MOVED give clients and other nodes instead of
  // the addresses the node sees itself (empty or 0: its own).
  bool cluster_enabled = false;
  std::string cluster_config_file = "nodes.conf";
  int64_t cluster_node_timeout_ms = 15000;
  int64_t cluster_port = 0;
  std::string cluster_announce_ip;
  int64_t cluster_announce_port = 0;
  int64_t cluster_announce_tls_port = 0;
  int64_t cluster_announce_bus_port = 0;
  std::string cluster_announce_hostname;
  int cluster_preferred_endpoint_type = 0;  // 0 ip, 1 hostname, 2 unknown-endpoint
  bool cluster_require_full_coverage = true;
  bool cluster_allow_reads_when_down = false;
  bool cluster_allow_pubsubshard_when_down = true;
  bool cluster_replica_no_failover = false;
  bool cluster_allow_replica_migration = true;
  int64_t cluster_replica_validity_factor = 10;
  int64_t cluster_migration_barrier = 1;
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
  // Directives Redoubt accepts but does not act on yet (DirectiveSpec::implemented() false and
  // no field above), by name, as CONFIG GET shows them. Absent: the default.
  std::map<std::string, std::string, std::less<>> no_effect_values;
  // The file the configuration was read from, as an absolute path (for CONFIG REWRITE and
  // INFO), empty when none.
  std::string config_file;
};

// Builds a Config from a config file (may be empty) and command-line arguments
// ("--port 7000 --bind 127.0.0.1 ::1"). The error names the directive and, for a file, the
// line, as redis-server's "FATAL CONFIG FILE ERROR" does; a file that cannot be read says why
// ("No such file or directory").
absl::StatusOr<Config> LoadConfig(const std::string& file, const std::vector<std::string>& argv);

// Parses configuration text (redis.conf syntax) into config. source names it in errors.
absl::Status ApplyConfigText(std::string_view text, std::string_view source, Config* config);

// CONFIG SET's checks and parsing, in Redis 7.0's order: the first unknown name, immutable or
// protected directive (allowed as enable-protected-configs says for this caller) or duplicate
// (a directive and its alias count as one) fails the whole command; then each value is parsed.
// Names are as the client typed them. Returns the Config to install; current is unchanged.
// Errors are Redis's texts without the "ERR " prefix.
absl::StatusOr<Config> ConfigSetValues(
    const Config& current, const std::vector<std::pair<std::string, std::string>>& changes,
    bool caller_is_local);

// Redis's CONFIG SET failure text: "CONFIG SET failed (possibly related to argument 'x') - why".
std::string ConfigSetFailedText(std::string_view name, std::string_view why);

// The directives that have no effect yet (DirectiveSpec::implemented() false) and are not at
// their default in config: what start-up names in its "accepted but have no effect yet" line.
std::vector<std::string_view> NoEffectDirectivesSet(const Config& config);

// Memory value as Redis's memtoull: "1gb" = 1024^3, "1g" = 1000^3, plain bytes; digits too
// large saturate and the unit multiplies modulo 2^64, exactly as Redis accepts them.
bool ParseMemory(std::string_view s, uint64_t* out);

// Reads the whole file into *text. Returns 0, or the errno of the failure (ENOENT: missing).
int ReadFileText(const std::string& path, std::string* text);

// CONFIG REWRITE (config_rewrite.cc). RewriteConfigText turns the old file's text into the
// new one as Redis's rewriteConfig does: a line of a known directive is replaced in place by
// the current value (the first of several; the others are blanked), a directive not in the
// file is appended under "# Generated by CONFIG REWRITE" only when it differs from its
// default, a directive without a value (an unset string, replicaof no one) loses its lines,
// comments and blank lines stay, and lines naming no directive are commented out ("# ???").
// Values are quoted so that protocol::SplitArgs reads them back byte for byte. user_lines,
// when given (users defined without an aclfile), are written as the `user` lines; without
// them the file's `user` lines are dropped, as Redis does when an aclfile holds the users.
std::string RewriteConfigText(std::string_view old_text, const Config& config,
                              const std::vector<std::string>* user_lines);
// Rewrites config.config_file with RewriteConfigText, atomically (a temporary file renamed
// over it). Errors are Redis's ("The server is running without a config file",
// "Rewriting config file: <strerror>").
absl::Status RewriteConfigFile(const Config& config,
                               const std::vector<std::string>* user_lines = nullptr);

}  // namespace redoubt::server
