// SLOWLOG's entries; see slowlog.h.
#include "commands/slowlog.h"

#include <algorithm>

#include "commands/client.h"
#include "common/clock.h"

namespace redoubt::commands {
namespace {

// What Redis keeps of a command: 32 arguments of 128 bytes at most (SLOWLOG_ENTRY_MAX_ARGC,
// SLOWLOG_ENTRY_MAX_STRING), with a note of what was cut.
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;

}  // namespace

void Slowlog::Add(std::span<const std::string_view> args,
                  const std::function<bool(size_t)>& redacted, int64_t duration_us,
                  std::string peer, std::string name) {
  SlowlogEntry e;
  e.unix_seconds = common::UnixMillis() / 1000;
  e.duration_us = duration_us;
  size_t n = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (n < args.size() && i == n - 1) {
      e.args.push_back("... (" + std::to_string(args.size() - n + 1) + " more arguments)");
      break;
    }
    std::string_view arg = redacted(i) ? kRedactedArgument : args[i];
    std::string a(arg.substr(0, kMaxArgBytes));
    if (arg.size() > kMaxArgBytes) {
      a += "... (" + std::to_string(arg.size() - kMaxArgBytes) + " more bytes)";
    }
    e.args.push_back(std::move(a));
  }
  e.peer = std::move(peer);
  e.name = std::move(name);
  absl::MutexLock lock(&mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  size_t max_len = static_cast<size_t>(std::max(0, max_len_.load(std::memory_order_relaxed)));
  while (entries_.size() > max_len) {
    entries_.pop_back();
  }
}

std::vector<SlowlogEntry> Slowlog::Newest(size_t count) const {
  absl::MutexLock lock(&mu_);
  size_t n = std::min(count, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<long>(n)};
}

size_t Slowlog::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void Slowlog::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

}  // namespace redoubt::commands
