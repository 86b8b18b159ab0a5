// The script running now, if any: what SCRIPT KILL stops, from another client and thread. At
// most one runs at a time, because a script's command holds every shard of the keyspace.
//
// Thread: thread-safe (atomics); Begin/End and MarkWrote on the script's thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace redoubt::scripting {

class RunningScript {
 public:
  // primary_link: the script came from this node's primary (it cannot be killed).
  void Begin(bool primary_link) {
    discard_effects_.store(false, std::memory_order_relaxed);
    wrote_.store(false, std::memory_order_relaxed);
    kill_.store(false, std::memory_order_relaxed);
    from_primary_.store(primary_link, std::memory_order_relaxed);
    running_.store(true, std::memory_order_release);
  }
  void End() { running_.store(false, std::memory_order_release); }
  // The script changed data: it can no longer be killed without leaving half its work.
  void MarkWrote() { wrote_.store(true, std::memory_order_relaxed); }
  bool kill_requested() const { return kill_.load(std::memory_order_relaxed); }
  // SHUTDOWN NOSAVE while a script is busy: the script stops even if it wrote, and what it
  // changed is not logged (the server exits without it, as Redis exits mid-script).
  void KillForShutdown() {
    discard_effects_.store(true, std::memory_order_relaxed);
    kill_.store(true, std::memory_order_relaxed);
  }
  bool effects_discarded() const { return discard_effects_.load(std::memory_order_relaxed); }

  enum class KillOutcome { kNotBusy, kFromPrimary, kWrote, kKilled };
  // SCRIPT KILL.
  KillOutcome Kill() {
    if (!running_.load(std::memory_order_acquire)) {
      return KillOutcome::kNotBusy;
    }
    if (from_primary_.load(std::memory_order_relaxed)) {
      return KillOutcome::kFromPrimary;
    }
    if (wrote_.load(std::memory_order_relaxed)) {
      return KillOutcome::kWrote;
    }
    kill_.store(true, std::memory_order_relaxed);
    return KillOutcome::kKilled;
  }

 private:
  std::atomic<bool> running_{false};
  std::atomic<bool> wrote_{false};
  std::atomic<bool> kill_{false};
  std::atomic<bool> from_primary_{false};
  std::atomic<bool> discard_effects_{false};
};

}  // namespace redoubt::scripting
