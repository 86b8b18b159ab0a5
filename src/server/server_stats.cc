// Server statistics; see server_stats.h.
#include "server/server_stats.h"

namespace redoubt::server {

void ServerStats::CountError(std::string_view code) {
  total_error_replies.fetch_add(1, std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  // Redis caps the number of distinct error codes it tracks (128) so that clients sending
  // garbage cannot grow the table without bound.
  auto it = errors_.find(std::string(code));
  if (it != errors_.end()) {
    ++it->second;
  } else if (errors_.size() < 128) {
    errors_.emplace(std::string(code), 1);
  }
}

std::map<std::string, uint64_t> ServerStats::ErrorCounts() const {
  absl::MutexLock lock(&mu_);
  return errors_;
}

void ServerStats::ResetErrors() {
  absl::MutexLock lock(&mu_);
  errors_.clear();
  total_error_replies.store(0, std::memory_order_relaxed);
}

void ServerStats::ResetCounters() {
  connections_received.store(0, std::memory_order_relaxed);
  rejected_connections.store(0, std::memory_order_relaxed);
  accept_backoffs.store(0, std::memory_order_relaxed);
  network_allow_refused.store(0, std::memory_order_relaxed);
  network_allow_closed.store(0, std::memory_order_relaxed);
  client_query_buffer_limit_disconnections.store(0, std::memory_order_relaxed);
  client_output_buffer_limit_disconnections.store(0, std::memory_order_relaxed);
  peak_memory.store(0, std::memory_order_relaxed);
  for (auto* c :
       {&tls_handshakes_completed, &tls_handshakes_failed, &tls_handshakes_timed_out,
        &tls_sessions_resumed, &tls_plaintext_refused, &tls_plaintext_closed,
        &tls_certificate_reloads, &tls_certificate_reload_failures, &tls_client_cert_missing,
        &tls_client_cert_rejected, &tls_client_cert_revoked, &tls_client_cert_crl_expired,
        &tls_revoked_connections_closed, &tls_certificate_authentications}) {
    c->store(0, std::memory_order_relaxed);
  }
  ResetErrors();
}

}  // namespace redoubt::server
