// The script running now, if any: what SCRIPT KILL and FUNCTION KILL stop and FUNCTION STATS
// shows, from another client and thread. At most one runs at a time, because a script's command
// holds every shard of the keyspace.
//
// Thread: thread-safe; Begin/End and MarkWrote on the script's thread.
#pragma once

#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace redoubt::scripting {

enum class ScriptKind { kEval, kFunction };

class RunningScript {
 public:
  // primary_link: the script came from this node's primary (it cannot be killed). name (the
  // SHA1 or the function's name) and command (the EVAL or FCALL that runs it) must stay valid
  // until End.
  void Begin(bool primary_link, ScriptKind kind, std::string_view name,
             std::span<const std::string_view> command) {
    {
      absl::MutexLock lock(&mu_);
      name_ = name;
      command_ = command;
      started_ms_ = common::MonotonicMillis();
    }
    discard_effects_.store(false, std::memory_order_relaxed);
    wrote_.store(false, std::memory_order_relaxed);
    kill_.store(false, std::memory_order_relaxed);
    from_primary_.store(primary_link, std::memory_order_relaxed);
    function_.store(kind == ScriptKind::kFunction, std::memory_order_relaxed);
    running_.store(true, std::memory_order_release);
  }
  void End() {
    running_.store(false, std::memory_order_release);
    absl::MutexLock lock(&mu_);
    name_ = {};
    command_ = {};
  }
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

  enum class KillOutcome { kNotBusy, kFromPrimary, kWrote, kOtherKind, kKilled };
  // SCRIPT KILL (kind kEval) or FUNCTION KILL (kFunction), as Redis's scriptKill: each stops
  // only its own kind (kOtherKind).
  KillOutcome Kill(ScriptKind kind) {
    if (!running_.load(std::memory_order_acquire)) {
      return KillOutcome::kNotBusy;
    }
    if (from_primary_.load(std::memory_order_relaxed)) {
      return KillOutcome::kFromPrimary;
    }
    if (wrote_.load(std::memory_order_relaxed)) {
      return KillOutcome::kWrote;
    }
    if (function_.load(std::memory_order_relaxed) != (kind == ScriptKind::kFunction)) {
      return KillOutcome::kOtherKind;
    }
    kill_.store(true, std::memory_order_relaxed);
    return KillOutcome::kKilled;
  }

  // FUNCTION STATS's running_script.
  struct Info {
    ScriptKind kind = ScriptKind::kEval;
    std::string name;
    std::vector<std::string> command;
    int64_t duration_ms = 0;
  };
  std::optional<Info> Current() const {
    if (!running_.load(std::memory_order_acquire)) {
      return std::nullopt;
    }
    absl::MutexLock lock(&mu_);
    if (command_.empty()) {
      return std::nullopt;  // ended meanwhile
    }
    Info info;
    info.kind =
        function_.load(std::memory_order_relaxed) ? ScriptKind::kFunction : ScriptKind::kEval;
    info.name = std::string(name_);
    info.command.assign(command_.begin(), command_.end());
    info.duration_ms = common::MonotonicMillis() - started_ms_;
    return info;
  }

 private:
  std::atomic<bool> running_{false};
  std::atomic<bool> wrote_{false};
  std::atomic<bool> kill_{false};
  std::atomic<bool> from_primary_{false};
  std::atomic<bool> discard_effects_{false};
  std::atomic<bool> function_{false};
  mutable absl::Mutex mu_;
  std::string_view name_ ABSL_GUARDED_BY(mu_);
  std::span<const std::string_view> command_ ABSL_GUARDED_BY(mu_);
  int64_t started_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace redoubt::scripting
