// Server-wide counters for INFO (stats, clients, commandstats, errorstats, latencystats, and
// the change counter behind persistence's rdb_changes_since_last_save).
//
// Thread: thread-safe. Per-command counters and latency histograms live per I/O thread
// (ThreadCommandStats, one writer each) and are summed by INFO; server-wide counters are relaxed
// atomics because they are statistics; error codes are rare and sit behind a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "server/latency_histogram.h"

namespace redoubt::server {

// A counter with a single writer (its I/O thread) and any number of readers.
struct SingleWriterCounter {
  std::atomic<uint64_t> v{0};
  void Add(uint64_t d) {
    v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  void Reset() { v.store(0, std::memory_order_relaxed); }
};

struct CommandCounters {
  SingleWriterCounter calls;
  SingleWriterCounter usec;
  SingleWriterCounter rejected_calls;
  SingleWriterCounter failed_calls;
  LatencyHistogram latency;  // latency-tracking: INFO latencystats, LATENCY HISTOGRAM
};

// One per I/O thread, indexed by CommandSpec::stats_index.
struct ThreadCommandStats {
  explicit ThreadCommandStats(int slots) : commands(new CommandCounters[slots]), slots(slots) {}
  std::unique_ptr<CommandCounters[]> commands;
  int slots;
  SingleWriterCounter commands_processed;
  SingleWriterCounter net_input_bytes;
  SingleWriterCounter net_output_bytes;
  // Changes to the data (CommandContext::dirty of each command); INFO's sum is
  // rdb_changes_since_last_save. Not a statistic: CONFIG RESETSTAT leaves it, as Redis leaves
  // server.dirty, and only a save will reset it.
  SingleWriterCounter dirty;

  // CONFIG RESETSTAT. Requires: on the owning I/O thread (the single writer).
  void Reset() {
    for (int i = 0; i < slots; ++i) {
      commands[i].calls.Reset();
      commands[i].usec.Reset();
      commands[i].rejected_calls.Reset();
      commands[i].failed_calls.Reset();
      commands[i].latency.Reset();
    }
    commands_processed.Reset();
    net_input_bytes.Reset();
    net_output_bytes.Reset();
  }
};

class ServerStats {
 public:
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  // network-allow: connections refused at accept, and open ones closed by a narrower list.
  std::atomic<uint64_t> network_allow_refused{0};
  std::atomic<uint64_t> network_allow_closed{0};
  // ACL (INFO stats acl_access_denied_*, as Redis 7; auth_* and acl_closed are ours).
  std::atomic<uint64_t> acl_denied_auth{0};
  std::atomic<uint64_t> acl_denied_cmd{0};
  std::atomic<uint64_t> acl_denied_key{0};
  std::atomic<uint64_t> acl_denied_channel{0};
  std::atomic<uint64_t> auth_successes{0};
  std::atomic<uint64_t> acl_closed_clients{0};
  std::atomic<int64_t> connected_clients{0};
  // latency-tracking, published by Server::ApplyRuntimeSettings; relaxed: a switch read once
  // per command, where a command or two recorded around the change does not matter.
  std::atomic<bool> latency_tracking{true};

  // Records a command's duration in its latency histogram while latency-tracking is on.
  // Hot path: one relaxed load and one histogram increment. Requires: the counters' I/O thread.
  void RecordLatency(CommandCounters& counters, int64_t duration_us) {
    if (latency_tracking.load(std::memory_order_relaxed)) {
      counters.latency.RecordMicros(duration_us);
    }
  }

  // maxclients: reserves a place for an accepted socket (a Connection, or an
  // IncomingConnection still classifying or in its handshake). Check and reservation are one
  // atomic step, so I/O threads accepting at once can never exceed `limit` together. False:
  // the server is full. Every successful call is matched by one ReleaseConnectionSlot.
  bool TryReserveConnectionSlot(int64_t limit) {
    int64_t open = open_connections_.load(std::memory_order_relaxed);
    do {
      if (open >= limit) {
        return false;
      }
    } while (!open_connections_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
    return true;
  }
  void ReleaseConnectionSlot() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  std::atomic<uint64_t> client_query_buffer_limit_disconnections{0};
  std::atomic<uint64_t> client_output_buffer_limit_disconnections{0};
  std::atomic<uint64_t> total_error_replies{0};
  // Sampled by the cron for instantaneous_ops_per_sec and _input/_output_kbps.
  std::atomic<uint64_t> instantaneous_ops{0};
  std::atomic<double> instantaneous_input_kbps{0};
  std::atomic<double> instantaneous_output_kbps{0};
  // Highest used memory seen by the cron or INFO (used_memory_peak).
  std::atomic<uint64_t> peak_memory{0};

  // INFO ssl. Gauges: connected clients by transport, handshakes under way.
  std::atomic<int64_t> tcp_clients{0};
  std::atomic<int64_t> tls_clients{0};
  std::atomic<int64_t> tls_handshakes_in_progress{0};
  // Counters (CONFIG RESETSTAT clears them).
  std::atomic<uint64_t> tls_handshakes_completed{0};
  std::atomic<uint64_t> tls_handshakes_failed{0};
  // Handshakes refused for the client certificate, by cause (part of tls_handshakes_failed),
  // and connections closed because a reloaded CRL revoked their certificate.
  std::atomic<uint64_t> tls_client_cert_missing{0};
  std::atomic<uint64_t> tls_client_cert_rejected{0};
  std::atomic<uint64_t> tls_client_cert_revoked{0};
  std::atomic<uint64_t> tls_client_cert_crl_expired{0};
  std::atomic<uint64_t> tls_revoked_connections_closed{0};
  std::atomic<uint64_t> tls_certificate_authentications{0};
  std::atomic<uint64_t> tls_handshakes_timed_out{0};
  std::atomic<uint64_t> tls_sessions_resumed{0};
  std::atomic<uint64_t> tls_plaintext_refused{0};  // new plaintext connections in required
  std::atomic<uint64_t> tls_plaintext_closed{0};   // open ones closed by the switch to required
  std::atomic<uint64_t> tls_certificate_reloads{0};
  std::atomic<uint64_t> tls_certificate_reload_failures{0};

  // CONFIG RESETSTAT: the server-wide counters and the error table.
  void ResetCounters();

  void CountError(std::string_view code);
  std::map<std::string, uint64_t> ErrorCounts() const;
  void ResetErrors();

 private:
  std::atomic<int64_t> open_connections_{0};
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> errors_;
};

}  // namespace redoubt::server
