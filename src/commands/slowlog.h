// SLOWLOG's entries: commands that ran for at least slowlog-log-slower-than microseconds, newest
// first, at most slowlog-max-len of them, with their arguments cut as Redis 7.0 cuts them
// (32 arguments of 128 bytes) and redacted ones shown as "(redacted)".
//
// Thread: any thread. The dispatcher of every I/O thread adds entries; SLOWLOG GET/LEN/RESET
// read and clear them. One mutex, taken only for a slow command (rare by definition) and by
// SLOWLOG itself; the two thresholds are relaxed atomics read on every command.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::commands {

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;
  std::string peer;
  std::string name;
};

class Slowlog {
 public:
  // Whether a command that ran for duration_us is logged (slowlog-log-slower-than: negative
  // logs nothing, 0 logs every command).
  bool IsSlow(int64_t duration_us) const {
    int64_t slower_than = slower_than_us_.load(std::memory_order_relaxed);
    return slower_than >= 0 && duration_us >= slower_than;
  }
  // Records a command. redacted(i): whether argument i is shown as "(redacted)".
  void Add(std::span<const std::string_view> args, const std::function<bool(size_t)>& redacted,
           int64_t duration_us, std::string peer, std::string name);
  std::vector<SlowlogEntry> Newest(size_t count) const;
  size_t size() const;
  void Clear();

  // slowlog-log-slower-than and slowlog-max-len (a shorter length drops the oldest entries at
  // the next Add, as Redis does).
  void set_slower_than_us(int64_t us) { slower_than_us_.store(us, std::memory_order_relaxed); }
  void set_max_len(int len) { max_len_.store(len, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> slower_than_us_{10000};
  std::atomic<int> max_len_{128};
  mutable absl::Mutex mu_;
  std::deque<SlowlogEntry> entries_ ABSL_GUARDED_BY(mu_);  // newest first
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace redoubt::commands
