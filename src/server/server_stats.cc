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
  counters.ResetStatistics();
  peak_memory.store(0, std::memory_order_relaxed);
  ResetErrors();
}

}  // namespace redoubt::server
