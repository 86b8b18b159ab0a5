// Server-wide counters for INFO (stats, clients, commandstats, errorstats, latencystats, and
// the change counter behind persistence's rdb_changes_since_last_save).
//
// Thread: thread-safe. Per-command counters and latency histograms live per I/O thread
// (ThreadCommandStats, one writer each) and are summed by INFO; server-wide counters are relaxed
// atomics because they are statistics; error codes are rare and sit behind a mutex.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_stats.h"
#include "common/counter.h"

namespace redoubt::server {

// One I/O thread's statistics: its dispatcher's command counters and the bytes its
// connections read and wrote (INFO stats total_net_*).
struct ThreadCommandStats : commands::CommandStats {
  explicit ThreadCommandStats(int slots) : commands::CommandStats(slots) {}
  commands::SingleWriterCounter net_input_bytes;
  commands::SingleWriterCounter net_output_bytes;

  // CONFIG RESETSTAT. Requires: on the owning I/O thread (the single writer).
  void Reset() {
    commands::CommandStats::Reset();
    net_input_bytes.Reset();
    net_output_bytes.Reset();
  }
};

class ServerStats {
 public:
  // Every counter below, by its INFO name; declared first so that it is built before them.
  common::CounterGroup counters;
  common::Counter connections_received{counters, "total_connections_received"};
  common::Counter rejected_connections{counters, "rejected_connections"};
  // Times accept4 ran out of descriptors or memory and accepting paused (net::Acceptor).
  common::Counter accept_backoffs{counters, "accept_backoffs"};
  // network-allow: connections refused at accept, and open ones closed by a narrower list.
  common::Counter network_allow_refused{counters, "network_allow_refused_connections"};
  common::Counter network_allow_closed{counters, "network_allow_closed_connections"};
  common::Counter connected_clients{counters, "connected_clients", common::Counter::Kind::kGauge};
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
  common::Counter client_query_buffer_limit_disconnections{
      counters, "client_query_buffer_limit_disconnections"};
  common::Counter client_output_buffer_limit_disconnections{
      counters, "client_output_buffer_limit_disconnections"};
  common::Counter total_error_replies{counters, "total_error_replies"};
  // Sampled by the cron for instantaneous_ops_per_sec and _input/_output_kbps.
  std::atomic<uint64_t> instantaneous_ops{0};
  std::atomic<double> instantaneous_input_kbps{0};
  std::atomic<double> instantaneous_output_kbps{0};
  // Highest used memory seen by the cron or INFO (used_memory_peak).
  std::atomic<uint64_t> peak_memory{0};

  // INFO ssl. Gauges: connected clients by transport, handshakes under way.
  common::Counter tcp_clients{counters, "tls_mode_connected_tcp_clients",
                              common::Counter::Kind::kGauge};
  common::Counter tls_clients{counters, "tls_mode_connected_tls_clients",
                              common::Counter::Kind::kGauge};
  common::Counter tls_handshakes_in_progress{counters, "tls_handshakes_in_progress",
                                             common::Counter::Kind::kGauge};
  // Counters (CONFIG RESETSTAT clears them).
  common::Counter tls_handshakes_completed{counters, "tls_handshakes_completed"};
  common::Counter tls_handshakes_failed{counters, "tls_handshakes_failed"};
  // Handshakes refused for the client certificate, by cause (part of tls_handshakes_failed),
  // and connections closed because a reloaded CRL revoked their certificate.
  common::Counter tls_client_cert_missing{counters, "tls_client_cert_missing"};
  common::Counter tls_client_cert_rejected{counters, "tls_client_cert_rejected"};
  common::Counter tls_client_cert_revoked{counters, "tls_client_cert_revoked"};
  common::Counter tls_client_cert_crl_expired{counters, "tls_client_cert_crl_expired"};
  common::Counter tls_revoked_connections_closed{counters, "tls_revoked_connections_closed"};
  common::Counter tls_certificate_authentications{counters, "tls_certificate_authentications"};
  common::Counter tls_handshakes_timed_out{counters, "tls_handshakes_timed_out"};
  common::Counter tls_sessions_resumed{counters, "tls_sessions_resumed"};
  common::Counter tls_plaintext_refused{
      counters, "tls_plaintext_refused"};  // new plaintext connections in required
  common::Counter tls_plaintext_closed{
      counters, "tls_plaintext_closed"};  // open ones closed by the switch to required
  common::Counter tls_certificate_reloads{counters, "tls_certificate_reloads"};
  common::Counter tls_certificate_reload_failures{counters, "tls_certificate_reload_failures"};

  // CONFIG RESETSTAT: the server-wide counters and the error table.
  void ResetCounters();

  void CountError(std::string_view code);
  std::map<std::string, uint64_t> ErrorCounts() const;
  void ResetErrors();

 private:
  std::atomic<int64_t> open_connections_{0};
  mutable absl::Mutex mu_;
  std::map<std::string, uint64_t> errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace redoubt::server
