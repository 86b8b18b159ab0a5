// Tool signal handlers; see signals.h.
#include "tools/signals.h"

#include <signal.h>

#include <atomic>

namespace redoubt::tools {
namespace {

// Set from the handler; a lock-free atomic is async-signal-safe, relaxed because it is the only
// shared datum and the loop merely polls it.
std::atomic<bool> stop_requested{false};

void OnStopSignal(int) {
  stop_requested.store(true, std::memory_order_relaxed);
}

}  // namespace

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool StopRequested() {
  return stop_requested.load(std::memory_order_relaxed);
}

}  // namespace redoubt::tools
