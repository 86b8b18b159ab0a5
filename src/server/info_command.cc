// INFO: the server's state as "field:value" lines grouped in sections, in Redis 7.0's section
// order and with its field names, so that redis-cli, exporters and client libraries parse it
// unchanged. Each section is one function that lists its fields; BuildInfo picks sections.
//
// Thread: runs on the caller's I/O thread and reads shared state only through thread-safe
// accessors (atomics, the client registry lock, shard locks inside Keyspace::Info).
#include "server/info_command.h"

#include <limits.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "common/clock.h"
#include "scripting/function_libraries.h"
#include "server/aof_service.h"
#include "server/command_helpers.h"
#include "server/connection.h"
#include "server/latency_command.h"
#include "server/memory_stats.h"
#include "server/server.h"
#include "server/snapshot_service.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::CommandCounters;
using commands::FormatPercentile;
using commands::LatencyDistribution;

// Appends "name:value\r\n" lines to a section's text.
class InfoLines {
 public:
  explicit InfoLines(std::string* out) : out_(out) {}
  void Add(std::string_view name, std::string_view value) {
    out_->append(name);
    out_->push_back(':');
    out_->append(value);
    out_->append("\r\n");
  }
  void Add(std::string_view name, const char* value) { Add(name, std::string_view(value)); }
  void Add(std::string_view name, const std::string& value) { Add(name, std::string_view(value)); }
  void Add(std::string_view name, int64_t v) { Add(name, std::to_string(v)); }
  void Add(std::string_view name, uint64_t v) { Add(name, std::to_string(v)); }
  void Add(std::string_view name, int v) { Add(name, std::to_string(v)); }
  // "%.2f", as Redis prints ratios and rates.
  void AddFixed2(std::string_view name, double v) { Add(name, Format("%.2f", v)); }
  // A counter under the INFO name it was declared with (common/counter.h).
  void Add(const common::Counter& counter) { Add(counter.info_name(), counter.Get()); }

  template <typename... T>
  static std::string Format(const char* fmt, T... args) {
    char buf[256];
    snprintf(buf, sizeof(buf), fmt, args...);
    return buf;
  }

 private:
  std::string* out_;
};

// What several sections need, gathered once per INFO call.
struct InfoSnapshot {
  Server& server;
  Config config;
  int64_t now_ms;
  int64_t clients = 0;
  uint64_t client_buffers = 0;
  uint64_t max_query_buffer = 0;
  uint64_t max_output_buffer = 0;
};

InfoSnapshot TakeSnapshot(Server& server) {
  InfoSnapshot s{.server = server, .config = server.config(), .now_ms = common::UnixMillis()};
  server.clients().ForEach([&](Connection& c) {
    ++s.clients;
    uint64_t q = c.query_buffer_bytes();
    uint64_t o = c.output_buffer_bytes();
    s.client_buffers += q + o;
    s.max_query_buffer = std::max(s.max_query_buffer, q);
    s.max_output_buffer = std::max(s.max_output_buffer, o);
  });
  return s;
}

// Redis's bytesToHuman: "1023B", "1.50K", "2.00M", …
std::string BytesToHuman(uint64_t n) {
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  if (n < 1024) {
    return std::to_string(n) + "B";
  }
  double v = static_cast<double>(n) / 1024;
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  return InfoLines::Format("%.2f", v) + kUnits[unit];
}

std::string FormatCpu(const timeval& tv) {
  return InfoLines::Format("%ld.%06ld", static_cast<long>(tv.tv_sec),
                           static_cast<long>(tv.tv_usec));
}

// CPU time of the process's main thread (the cron and signal thread), from procfs.
std::pair<std::string, std::string> MainThreadCpu() {
  std::ifstream in("/proc/self/task/" + std::to_string(getpid()) + "/stat");
  std::string line;
  std::getline(in, line);
  // Fields after the command name in parentheses; utime and stime are fields 14 and 15.
  size_t close = line.rfind(')');
  std::vector<std::string> fields;
  if (close != std::string::npos) {
    std::string rest = line.substr(close + 2);
    size_t start = 0;
    while (start < rest.size()) {
      size_t end = rest.find(' ', start);
      fields.push_back(rest.substr(start, end - start));
      start = end == std::string::npos ? rest.size() : end + 1;
    }
  }
  if (fields.size() < 13) {
    return {"0.000000", "0.000000"};
  }
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double user = std::stod(fields[11]) / ticks;
  double sys = std::stod(fields[12]) / ticks;
  return {InfoLines::Format("%.6f", sys), InfoLines::Format("%.6f", user)};
}

std::string ExecutablePath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string AbsolutePath(const std::string& path) {
  if (path.empty()) {
    return path;
  }
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

// Sums one counter of one command over every I/O thread.
template <typename Field>
uint64_t SumCommand(Server& server, int index, Field field) {
  uint64_t total = 0;
  for (const auto& t : server.threads()) {
    total += (t->stats.commands[index].*field).Get();
  }
  return total;
}

template <typename Field>
uint64_t SumThreads(Server& server, Field field) {
  uint64_t total = 0;
  for (const auto& t : server.threads()) {
    total += (t->stats.*field).Get();
  }
  return total;
}

void ServerSection(const InfoSnapshot& s, InfoLines& out) {
  utsname name{};
  uname(&name);
  int64_t uptime = (s.now_ms - s.server.start_time_ms()) / 1000;
  out.Add("redis_version", kRedisVersion);
  out.Add("redoubt_version", kRedoubtVersion);
  out.Add("redis_git_sha1", "00000000");
  out.Add("redis_git_dirty", "0");
  out.Add("redis_mode", s.server.cluster() != nullptr ? "cluster" : "standalone");
  out.Add("os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  out.Add("arch_bits", static_cast<int>(sizeof(void*) * 8));
  out.Add("monotonic_clock", "POSIX clock_gettime");
  out.Add("multiplexing_api", "epoll");
  out.Add("gcc_version",
          InfoLines::Format("%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
  out.Add("process_id", static_cast<int64_t>(getpid()));
  out.Add("process_supervised", "no");
  out.Add("run_id", s.server.run_id());
  out.Add("tcp_port", s.config.port);
  out.Add("server_time_usec", common::UnixMicros());
  out.Add("uptime_in_seconds", uptime);
  out.Add("uptime_in_days", uptime / 86400);
  out.Add("hz", s.config.hz);
  out.Add("configured_hz", s.config.hz);
  out.Add("lru_clock", static_cast<uint64_t>(s.server.keyspace().clock_seconds() & 0xFFFFFF));
  out.Add("executable", ExecutablePath());
  out.Add("config_file", AbsolutePath(s.config.config_file));
  // Redis's threaded I/O is a helper for its single command thread; Redoubt's I/O threads run
  // commands themselves. Report threaded I/O as active when there is more than one.
  out.Add("io_threads_active", s.server.threads().size() > 1 ? 1 : 0);
  out.Add("io_threads", static_cast<int64_t>(s.server.threads().size()));
}

void ClientsSection(const InfoSnapshot& s, InfoLines& out) {
  out.Add("connected_clients", s.clients);
  out.Add("cluster_connections", 0);
  out.Add("maxclients", s.config.maxclients);
  out.Add("client_recent_max_input_buffer", s.max_query_buffer);
  out.Add("client_recent_max_output_buffer", s.max_output_buffer);
  out.Add("blocked_clients", s.server.blocking().blocked_clients());
  out.Add("tracking_clients", s.server.tracking().figures().clients);
  out.Add("clients_in_timeout_table", 0);
}

// The figures MEMORY STATS shows too (memory_stats.h), in Redis 7.0's order; scripting and
// replication figures Redoubt does not have are 0.
void MemorySection(const InfoSnapshot& s, InfoLines& out) {
  MemoryOverhead mh = CollectMemoryOverhead(s.server, s.client_buffers);
  uint64_t system =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  out.Add("used_memory", mh.total_allocated);
  out.Add("used_memory_human", BytesToHuman(mh.total_allocated));
  out.Add("used_memory_rss", mh.process_rss);
  out.Add("used_memory_rss_human", BytesToHuman(mh.process_rss));
  out.Add("used_memory_peak", mh.peak_allocated);
  out.Add("used_memory_peak_human", BytesToHuman(mh.peak_allocated));
  out.Add("used_memory_peak_perc", InfoLines::Format("%.2f%%", mh.peak_perc));
  out.Add("used_memory_overhead", mh.overhead_total);
  out.Add("used_memory_startup", mh.startup_allocated);
  out.Add("used_memory_dataset", mh.dataset);
  out.Add("used_memory_dataset_perc", InfoLines::Format("%.2f%%", mh.dataset_perc));
  out.Add("allocator_allocated", mh.allocator.allocated);
  out.Add("allocator_active", mh.allocator.active);
  out.Add("allocator_resident", mh.allocator.resident);
  out.Add("total_system_memory", system);
  out.Add("total_system_memory_human", BytesToHuman(system));
  // Scripts: the Lua states of every thread, and the cached bodies (with Redis's per-script
  // overhead of a 40-byte name and a dictionary entry); functions: every thread's functions
  // state, and the libraries' code and names.
  scripting::Scripting& scripting = s.server.scripting();
  const int64_t lua = scripting.lua_bytes();
  const int64_t scripts =
      static_cast<int64_t>(scripting.cache().body_bytes() +
                           scripting.cache().size() * scripting::Scripting::kScriptOverheadBytes);
  const std::shared_ptr<const scripting::FunctionLibraries::Set> libraries =
      scripting.functions().Current();
  const int64_t function_lua = scripting.function_lua_bytes();
  const int64_t functions = static_cast<int64_t>(scripting.functions().memory_bytes());
  out.Add("used_memory_lua", lua);
  out.Add("used_memory_vm_eval", lua);
  out.Add("used_memory_lua_human", BytesToHuman(lua));
  out.Add("used_memory_scripts_eval", scripts);
  out.Add("number_of_cached_scripts", scripting.cache().size());
  out.Add("number_of_functions", libraries->function_count);
  out.Add("number_of_libraries", libraries->libraries.size());
  out.Add("used_memory_vm_functions", function_lua);
  out.Add("used_memory_vm_total", lua + function_lua);
  out.Add("used_memory_vm_total_human", BytesToHuman(lua + function_lua));
  out.Add("used_memory_functions", functions);
  out.Add("used_memory_scripts", scripts + functions);
  out.Add("used_memory_scripts_human", BytesToHuman(scripts + functions));
  out.Add("maxmemory", s.config.maxmemory);
  out.Add("maxmemory_human", BytesToHuman(s.config.maxmemory));
  out.Add("maxmemory_policy", storage::EvictionPolicyName(s.config.maxmemory_policy));
  out.AddFixed2("allocator_frag_ratio", mh.allocator_frag);
  out.Add("allocator_frag_bytes", mh.allocator_frag_bytes);
  out.AddFixed2("allocator_rss_ratio", mh.allocator_rss);
  out.Add("allocator_rss_bytes", mh.allocator_rss_bytes);
  out.AddFixed2("rss_overhead_ratio", mh.rss_extra);
  out.Add("rss_overhead_bytes", mh.rss_extra_bytes);
  out.AddFixed2("mem_fragmentation_ratio", mh.total_frag);
  out.Add("mem_fragmentation_bytes", mh.total_frag_bytes);
  out.Add("mem_not_counted_for_evict", 0);
  out.Add("mem_replication_backlog", mh.repl_backlog);
  out.Add("mem_clients_slaves", mh.clients_slaves);
  out.Add("mem_clients_normal", mh.clients_normal);
  out.Add("mem_cluster_links", mh.cluster_links);
  out.Add("mem_aof_buffer", mh.aof_buffer);
  out.Add("mem_allocator", AllocatorName());
  out.Add("lazyfree_pending_objects", 0);
}

void PersistenceSection(const InfoSnapshot& s, InfoLines& out) {
  SnapshotStatus snap = s.server.snapshots().status();
  out.Add("loading", 0);
  out.Add("async_loading", 0);
  out.Add("rdb_changes_since_last_save", snap.changes_since_last_save);
  out.Add("rdb_bgsave_in_progress", snap.in_progress ? 1 : 0);
  out.Add("rdb_last_save_time", snap.last_save_seconds);
  out.Add("rdb_last_bgsave_status", snap.last_bgsave_ok ? "ok" : "err");
  out.Add("rdb_last_bgsave_time_sec", snap.last_bgsave_seconds);
  out.Add("rdb_current_bgsave_time_sec", snap.current_bgsave_seconds);
  out.Add("rdb_saves", snap.saves);
  // Redis: the fork child's copied pages; here the encoded keys kept before a change.
  out.Add("rdb_last_cow_size", snap.last_cow_bytes);
  out.Add("rdb_last_load_keys_expired", snap.loaded_keys_expired);
  out.Add("rdb_last_load_keys_loaded", snap.loaded_keys);
  // Ours: the pauses of the last snapshot (what latest_fork_usec is for Redis).
  out.Add("rdb_last_snapshot_begin_usec", snap.last_begin_usec);
  out.Add("rdb_last_snapshot_max_step_usec", snap.last_max_step_usec);
  // Ours: snapshots at rest. The key the next snapshot is written with, the one the last was
  // written with and the one the start-up load read with (empty: plaintext); after a key
  // rotation, the last two show when nothing on disk needs the old key any more.
  out.Add("rdb_encryption_key_id", snap.key_id);
  out.Add("rdb_last_save_key_id", snap.last_save_key_id);
  out.Add("rdb_last_load_key_id", snap.loaded_key_id);
  AofStatus aof = s.server.aof().status();
  // aof_enabled is the setting, as Redis shows it (1 also while the first rewrite runs).
  out.Add("aof_enabled", s.config.appendonly ? 1 : 0);
  out.Add("aof_rewrite_in_progress", aof.rewrite_in_progress ? 1 : 0);
  out.Add("aof_rewrite_scheduled", aof.rewrite_scheduled ? 1 : 0);
  out.Add("aof_last_rewrite_time_sec", aof.last_rewrite_seconds);
  out.Add("aof_current_rewrite_time_sec", aof.current_rewrite_seconds);
  out.Add("aof_last_bgrewrite_status", aof.last_rewrite_ok ? "ok" : "err");
  out.Add("aof_rewrites", aof.rewrites);
  out.Add("aof_rewrites_consecutive_failures", aof.rewrites_consecutive_failures);
  out.Add("aof_last_write_status", aof.last_write_ok ? "ok" : "err");
  out.Add("aof_last_cow_size", aof.last_cow_bytes);
  // As Redis: whenever appendonly is yes, also while the first rewrite makes the base.
  if (s.config.appendonly) {
    out.Add("aof_current_size", aof.current_size);
    out.Add("aof_base_size", aof.base_size);
    out.Add("aof_pending_rewrite", aof.rewrite_scheduled ? 1 : 0);
    out.Add("aof_buffer_length", aof.buffer_length);
    // Redis's background fsync queue and the flushes it postponed for it: the writer thread
    // syncs on a descriptor of its own and no write ever waits for it, so both stay 0.
    out.Add("aof_pending_bio_fsync", 0);
    out.Add("aof_delayed_fsync", 0);
  }
}

void StatsSection(const InfoSnapshot& s, InfoLines& out) {
  ServerStats& st = s.server.stats();
  storage::KeyspaceStats ks = s.server.keyspace().stats();
  auto load = [](const auto& a) {
    return static_cast<uint64_t>(a.load(std::memory_order_relaxed));
  };
  out.Add(st.connections_received);
  out.Add("total_commands_processed",
          SumThreads(s.server, &ThreadCommandStats::commands_processed));
  out.Add("instantaneous_ops_per_sec", load(st.instantaneous_ops));
  out.Add("total_net_input_bytes", SumThreads(s.server, &ThreadCommandStats::net_input_bytes));
  out.Add("total_net_output_bytes", SumThreads(s.server, &ThreadCommandStats::net_output_bytes));
  out.Add("total_net_repl_input_bytes", 0);
  out.Add("total_net_repl_output_bytes", 0);
  out.AddFixed2("instantaneous_input_kbps",
                st.instantaneous_input_kbps.load(std::memory_order_relaxed));
  out.AddFixed2("instantaneous_output_kbps",
                st.instantaneous_output_kbps.load(std::memory_order_relaxed));
  out.Add("instantaneous_input_repl_kbps", "0.00");
  out.Add("instantaneous_output_repl_kbps", "0.00");
  out.Add(st.rejected_connections);
  out.Add(st.network_allow_refused);
  out.Add(st.network_allow_closed);
  out.Add(st.accept_backoffs);
  const replication::SyncCounters& syncs = s.server.replication().sync_counters();
  out.Add("sync_full", syncs.full.load(std::memory_order_relaxed));
  out.Add("sync_partial_ok", syncs.partial_ok.load(std::memory_order_relaxed));
  out.Add("sync_partial_err", syncs.partial_err.load(std::memory_order_relaxed));
  out.Add("expired_keys", ks.expired);
  out.Add("expired_stale_perc", "0.00");
  out.Add("expired_time_cap_reached_count", 0);
  out.Add("evicted_keys", ks.evicted);
  out.Add("evicted_clients", 0);
  out.Add("keyspace_hits", ks.hits);
  out.Add("keyspace_misses", ks.misses);
  out.Add("pubsub_channels",
          static_cast<uint64_t>(s.server.pubsub().count(SubscriptionKind::kChannel)));
  out.Add("pubsub_patterns",
          static_cast<uint64_t>(s.server.pubsub().count(SubscriptionKind::kPattern)));
  out.Add("pubsubshard_channels",
          static_cast<uint64_t>(s.server.pubsub().count(SubscriptionKind::kShardChannel)));
  out.Add("latest_fork_usec", 0);
  out.Add("total_forks", 0);
  out.Add("migrate_cached_sockets", 0);
  const TrackingRegistry::Figures tracking = s.server.tracking().figures();
  out.Add("tracking_total_keys", tracking.keys);
  out.Add("tracking_total_items", tracking.items);
  out.Add("tracking_total_prefixes", tracking.prefixes);
  out.Add("unexpected_error_replies", 0);
  out.Add(st.total_error_replies);
  out.Add("dump_payload_sanitizations", 0);
  out.Add(st.client_query_buffer_limit_disconnections);
  out.Add(st.client_output_buffer_limit_disconnections);
}

// Transport security, as the managed services print it (ssl_* and tls_mode_connected_*), then
// Redoubt's own counters for the online migration and certificate rotation.
void SslSection(const InfoSnapshot& s, InfoLines& out) {
  ServerStats& st = s.server.stats();
  std::shared_ptr<const tls::TlsContext> context = s.server.tls_context();
  bool enabled = s.config.tls_mode != TlsMode::kNone || s.config.tls_port != 0;
  out.Add("ssl_enabled", enabled ? "yes" : "no");
  tls::CertificateInfo cert = context == nullptr ? tls::CertificateInfo{} : context->certificate();
  out.Add("ssl_current_certificate_not_before_date", cert.not_before);
  out.Add("ssl_current_certificate_not_after_date", cert.not_after);
  out.Add("ssl_current_certificate_serial", cert.serial_hex);
  out.Add("tls_mode", TlsModeName(s.config.tls_mode));
  out.Add("tls_port", s.config.tls_port);
  out.Add(st.tcp_clients);
  out.Add(st.tls_clients);
  out.Add(st.tls_handshakes_in_progress);
  out.Add(st.tls_handshakes_completed);
  out.Add(st.tls_handshakes_failed);
  out.Add(st.tls_handshakes_timed_out);
  out.Add(st.tls_sessions_resumed);
  out.Add(st.tls_plaintext_refused);
  out.Add(st.tls_plaintext_closed);
  out.Add(st.tls_certificate_reloads);
  out.Add(st.tls_certificate_reload_failures);
  out.Add("tls_certificate_expires_in_seconds",
          context == nullptr ? int64_t{0} : cert.not_after_unix - s.now_ms / 1000);
  // Client certificates and revocation.
  out.Add("tls_auth_clients", tls::ClientAuthName(s.config.tls.client_auth));
  out.Add("tls_auth_clients_user", s.config.tls_auth_clients_user_cn ? "CN" : "off");
  out.Add(st.tls_client_cert_missing);
  out.Add(st.tls_client_cert_rejected);
  out.Add(st.tls_client_cert_revoked);
  out.Add(st.tls_client_cert_crl_expired);
  out.Add(st.tls_certificate_authentications);
  out.Add(st.tls_revoked_connections_closed);
  tls::CrlInfo crl = context == nullptr ? tls::CrlInfo{} : context->crl_info();
  out.Add("tls_crl_file", s.config.tls.crl_file);
  out.Add("tls_crl_count", static_cast<int64_t>(crl.count));
  out.Add("tls_crl_last_update", crl.last_update);
  out.Add("tls_crl_next_update", crl.next_update);
  out.Add("tls_crl_next_update_in_seconds",
          crl.next_update_unix == 0 ? int64_t{0} : crl.next_update_unix - s.now_ms / 1000);
  out.Add("tls_crl_revoked_serials", static_cast<int64_t>(crl.revoked));
  out.Add("tls_crl_expired", crl.expired ? 1 : 0);
  out.Add("tls_crl_expired_policy", tls::CrlExpiredPolicyName(s.config.tls.crl_expired_policy));
  // The server's own links: an operator moving a cluster to tls-mode required checks first
  // that no bus link is left in plaintext.
  out.Add("tls_replication", s.config.tls_replication ? "yes" : "no");
  out.Add("tls_cluster", s.config.tls_cluster ? "yes" : "no");
  int64_t bus_tls = 0;
  int64_t bus_plaintext = 0;
  if (cluster::ClusterState* cluster = s.server.cluster(); cluster != nullptr) {
    for (const cluster::LinkDescription& d : cluster->Links()) {
      ++(d.link.tls ? bus_tls : bus_plaintext);
    }
  }
  out.Add("tls_cluster_bus_links", bus_tls);
  out.Add("tcp_cluster_bus_links", bus_plaintext);
}

// A user name as part of an INFO field name: characters that INFO parsers split on (':' ','
// '=' and control characters) and '%' become %XX.
std::string InfoName(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c <= ' ' || c >= 127 || c == ':' || c == ',' || c == '=' || c == '%') {
      out += InfoLines::Format("%%%02X", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Authentication (ours): who is connected with which credential, so that an operator rotating
// a password sees when the old one is no longer held by any client and when it was last used.
// Passwords are named by an opaque id keyed with the server's secret (security/credential_ids.h:
// nothing can be checked against it offline, and users sharing a password get different ids)
// and carry the time they were added, so the old one of a rotation is the earlier row: nobody
// has to hash anything to tell which row is which.
void AuthSection(const InfoSnapshot& s, InfoLines& out) {
  security::AclRegistry& acl = s.server.acl();
  const security::AclStats& st = acl.stats();
  std::vector<std::shared_ptr<const security::AclUser>> users = acl.Users();
  std::vector<security::CredentialRow> rows = acl.CredentialRows();
  out.Add("auth_required", acl.default_requires_auth() ? "yes" : "no");
  out.Add(st.auth_successes);
  out.Add("auth_failures", st.denied_auth.Get());
  out.Add(st.denied_auth);
  out.Add(st.denied_cmd);
  out.Add(st.denied_key);
  out.Add(st.denied_channel);
  out.Add(st.revoked_clients_closed);
  out.Add("acl_users", static_cast<int64_t>(users.size()));
  security::AuditLogStats audit = s.server.audit().Stats();
  out.Add("audit_log_enabled", audit.enabled ? 1 : 0);
  out.Add("audit_log_records_offered", audit.records_offered);
  out.Add("audit_log_records_written", audit.records_written);
  out.Add("audit_log_records_dropped", audit.records_dropped);
  out.Add("audit_log_write_errors", audit.write_errors);
  out.Add("audit_log_queue_depth", audit.queue_depth);
  for (const auto& u : users) {
    int64_t connected = 0;
    for (const security::CredentialRow& r : rows) {
      if (r.user == u->name()) {
        connected += r.connected;
      }
    }
    out.Add(
        "user_" + InfoName(u->name()),
        InfoLines::Format("enabled=%d,cert_only=%d,nopass=%d,passwords=%zu,connected_clients=%lld",
                          u->enabled() ? 1 : 0, u->cert_only() ? 1 : 0, u->nopass() ? 1 : 0,
                          u->passwords().size(), static_cast<long long>(connected)));
  }
  for (const security::CredentialRow& r : rows) {
    int64_t ago = r.last_used_ms == 0 ? -1 : (s.now_ms - r.last_used_ms) / 1000;
    out.Add("credential_" + InfoName(r.user) + "_" + r.id,
            InfoLines::Format(
                "state=%s,added=%lld,connected_clients=%lld,auth_successes=%llu,"
                "last_used_unix=%lld,last_used_seconds_ago=%lld",
                r.current ? "current" : "removed", static_cast<long long>(r.added_ms),
                static_cast<long long>(r.connected), static_cast<unsigned long long>(r.successes),
                static_cast<long long>(r.last_used_ms / 1000), static_cast<long long>(ago)));
  }
}

void ReplicationSection(const InfoSnapshot& s, InfoLines& out) {
  for (const auto& [name, value] : s.server.replication().InfoFields()) {
    out.Add(name, value);
  }
}

void CpuSection(const InfoSnapshot&, InfoLines& out) {
  rusage self{};
  rusage children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto [main_sys, main_user] = MainThreadCpu();
  out.Add("used_cpu_sys", FormatCpu(self.ru_stime));
  out.Add("used_cpu_user", FormatCpu(self.ru_utime));
  out.Add("used_cpu_sys_children", FormatCpu(children.ru_stime));
  out.Add("used_cpu_user_children", FormatCpu(children.ru_utime));
  out.Add("used_cpu_sys_main_thread", main_sys);
  out.Add("used_cpu_user_main_thread", main_user);
}

void EmptySection(const InfoSnapshot&, InfoLines&) {}

void CommandStatsSection(const InfoSnapshot& s, InfoLines& out) {
  for (const commands::CommandSpec* spec : s.server.commands().by_stats_index()) {
    int i = spec->stats_index;
    uint64_t calls = SumCommand(s.server, i, &CommandCounters::calls);
    uint64_t rejected = SumCommand(s.server, i, &CommandCounters::rejected_calls);
    uint64_t failed = SumCommand(s.server, i, &CommandCounters::failed_calls);
    if (calls == 0 && rejected == 0 && failed == 0) {
      continue;
    }
    uint64_t usec = SumCommand(s.server, i, &CommandCounters::usec);
    double per_call = calls == 0 ? 0 : static_cast<double>(usec) / static_cast<double>(calls);
    out.Add(
        "cmdstat_" + std::string(spec->name),
        InfoLines::Format("calls=%" PRIu64 ",usec=%" PRIu64
                          ",usec_per_call=%.2f,rejected_calls=%" PRIu64 ",failed_calls=%" PRIu64,
                          calls, usec, per_call, rejected, failed));
  }
}

void ErrorStatsSection(const InfoSnapshot& s, InfoLines& out) {
  for (const auto& [code, count] : s.server.stats().ErrorCounts()) {
    out.Add("errorstat_" + code, "count=" + std::to_string(count));
  }
}

// latency_percentiles_usec_<command>:p50=…,p99=…,p99.9=… for every command with samples, at
// the configured percentiles, in microseconds with 3 decimals (Redis's format).
void LatencyStatsSection(const InfoSnapshot& s, InfoLines& out) {
  for (const commands::CommandSpec* spec : s.server.commands().by_stats_index()) {
    LatencyDistribution latency = CommandLatency(s.server, *spec);
    if (latency.total() == 0) {
      continue;
    }
    std::string value;
    for (double p : s.config.latency_tracking_info_percentiles) {
      value += value.empty() ? "p" : ",p";
      value += FormatPercentile(p);
      value +=
          InfoLines::Format("=%.3f", static_cast<double>(latency.ValueAtPercentile(p)) / 1000.0);
    }
    out.Add("latency_percentiles_usec_" + std::string(spec->name), value);
  }
}

void ClusterSection(const InfoSnapshot& s, InfoLines& out) {
  out.Add("cluster_enabled", s.server.cluster() != nullptr ? 1 : 0);
}

void KeyspaceSection(const InfoSnapshot& s, InfoLines& out) {
  std::vector<storage::DbInfo> dbs = s.server.keyspace().Info();
  for (size_t db = 0; db < dbs.size(); ++db) {
    if (dbs[db].keys == 0) {
      continue;
    }
    out.Add("db" + std::to_string(db),
            InfoLines::Format("keys=%" PRIu64 ",expires=%" PRIu64 ",avg_ttl=%" PRId64, dbs[db].keys,
                              dbs[db].expires, dbs[db].avg_ttl_ms));
  }
}

struct Section {
  std::string_view name;   // as INFO takes it
  std::string_view title;  // as the "# Title" line shows it
  bool in_default;         // part of INFO / INFO default (all sections are in INFO all)
  void (*build)(const InfoSnapshot&, InfoLines&);
};

// Redis 7.0's sections in its order.
constexpr Section kSections[] = {
    {"server", "Server", true, ServerSection},
    {"clients", "Clients", true, ClientsSection},
    {"memory", "Memory", true, MemorySection},
    {"persistence", "Persistence", true, PersistenceSection},
    {"stats", "Stats", true, StatsSection},
    // Not in Redis 7.0; present in the managed services' INFO.
    {"ssl", "SSL", true, SslSection},
    {"auth", "Auth", true, AuthSection},
    {"replication", "Replication", true, ReplicationSection},
    {"cpu", "CPU", true, CpuSection},
    {"modules", "Modules", true, EmptySection},
    {"commandstats", "Commandstats", false, CommandStatsSection},
    {"errorstats", "Errorstats", true, ErrorStatsSection},
    {"latencystats", "Latencystats", false, LatencyStatsSection},
    {"cluster", "Cluster", true, ClusterSection},
    {"keyspace", "Keyspace", true, KeyspaceSection},
};
constexpr size_t kNumSections = sizeof(kSections) / sizeof(kSections[0]);

void CmdInfo(CommandContext& ctx) {
  std::string text = Admin(ctx).Info(ctx.args.subspan(1));
  ctx.reply.Verbatim("txt", text);
}

}  // namespace

std::string BuildInfo(Server& server, std::span<const std::string_view> args) {
  bool wanted[kNumSections] = {};
  for (size_t i = 0; i < kNumSections; ++i) {
    wanted[i] = args.empty() && kSections[i].in_default;
  }
  // Unknown section names select nothing, as in Redis.
  for (std::string_view arg : args) {
    bool all =
        commands::EqualsIgnoreCase(arg, "all") || commands::EqualsIgnoreCase(arg, "everything");
    bool def = commands::EqualsIgnoreCase(arg, "default");
    for (size_t i = 0; i < kNumSections; ++i) {
      if (all || (def && kSections[i].in_default) ||
          commands::EqualsIgnoreCase(arg, kSections[i].name)) {
        wanted[i] = true;
      }
    }
  }
  InfoSnapshot snapshot = TakeSnapshot(server);
  std::string text;
  InfoLines lines(&text);
  bool first = true;
  for (size_t i = 0; i < kNumSections; ++i) {
    if (!wanted[i]) {
      continue;
    }
    if (!first) {
      text.append("\r\n");
    }
    first = false;
    text.append("# ");
    text.append(kSections[i].title);
    text.append("\r\n");
    kSections[i].build(snapshot, lines);
  }
  return text;
}

void RegisterInfoCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  table.Add({.name = "info",
             .arity = -1,
             .flags = kLoading | kStale,
             .acl = kAclSlow | kAclDangerous,
             .handler = CmdInfo,
             .summary = "Returns information and statistics about the server.",
             .since = "1.0.0",
             .group = "server"});
}

}  // namespace redoubt::server
