// CLIENT PAUSE state; see client_pause.h.
#include "commands/client_pause.h"

#include <algorithm>

#include "commands/command_spec.h"
#include "common/clock.h"

namespace redoubt::commands {

void ClientPause::Pause(int64_t until_unix_ms, bool writes_only) {
  absl::MutexLock lock(&mu_);
  int64_t current = until_ms_.load(std::memory_order_relaxed);
  if (current > common::UnixMillis()) {
    writes_only = writes_only && writes_only_.load(std::memory_order_relaxed);
    until_unix_ms = std::max(until_unix_ms, current);
  }
  writes_only_.store(writes_only, std::memory_order_relaxed);
  until_ms_.store(until_unix_ms, std::memory_order_release);
}

void ClientPause::Unpause() {
  absl::MutexLock lock(&mu_);
  until_ms_.store(0, std::memory_order_release);
}

bool ClientPause::Holds(uint32_t command_flags) const {
  int64_t until = until_ms_.load(std::memory_order_acquire);
  if (until == 0 || until <= common::UnixMillis()) {
    return false;
  }
  if (writes_only_.load(std::memory_order_relaxed)) {
    // Redis pauses commands that may write or propagate (PUBLISH, EVAL, …) under WRITE.
    return (command_flags & (kWrite | kMayReplicate)) != 0;
  }
  // PAUSE ALL holds every command of every client, CLIENT UNPAUSE included, as Redis 7.0
  // does: such a pause ends at its deadline.
  return true;
}

}  // namespace redoubt::commands
