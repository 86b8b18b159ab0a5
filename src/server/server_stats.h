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
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> rejected_connections{0};
  // Times accept4 ran out of descriptors or memory and accepting paused (net::Acceptor).
  std::atomic<uint64_t> accept_backoffs{0};
  // network-allow: connections refused at accept, and open ones closed by a narrower list.
  std::atomic<uint64_t> network_allow_refused{0};
  std::atomic<uint64_t> network_allow_closed{0};
  std::atomic<int64_t> connected_clients{0};
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
  mutable absl::Mutex mu_;
  std::map<std::string, uint64_t> errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace redoubt::server
