// ACL LOG grouping and trimming.
#include "security/acl_log.h"

#include <algorithm>

namespace redoubt::security {
namespace {

// Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA.
constexpr int64_t kGroupingWindowMs = 60000;

}  // namespace

void AclLog::Add(std::string reason, std::string context, std::string object, std::string username,
                 std::string client_info, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  if (reason == "auth") {
    ++auth_failures_;
  }
  // As Redis: only the 10 newest entries are searched, and the window (and age-seconds)
  // counts from the entry's latest occurrence.
  int to_scan = 10;
  for (auto it = entries_.begin(); it != entries_.end() && to_scan-- > 0; ++it) {
    if (it->reason == reason && it->context == context && it->object == object &&
        it->username == username && now_ms - it->created_ms <= kGroupingWindowMs) {
      AclLogEntry e = std::move(*it);
      entries_.erase(it);
      ++e.count;
      e.created_ms = e.updated_ms = now_ms;
      e.client_info = std::move(client_info);
      entries_.push_front(std::move(e));
      return;
    }
  }
  AclLogEntry e;
  e.reason = std::move(reason);
  e.context = std::move(context);
  e.object = std::move(object);
  e.username = std::move(username);
  e.created_ms = e.updated_ms = now_ms;
  e.client_info = std::move(client_info);
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len_) {
    entries_.pop_back();
  }
}

std::vector<AclLogEntry> AclLog::Latest(size_t count) const {
  absl::MutexLock lock(&mu_);
  count = std::min(count, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(count)};
}

void AclLog::Reset() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

void AclLog::set_max_len(size_t n) {
  absl::MutexLock lock(&mu_);
  max_len_ = n;
  while (entries_.size() > max_len_) {
    entries_.pop_back();
  }
}

uint64_t AclLog::auth_failures() const {
  absl::MutexLock lock(&mu_);
  return auth_failures_;
}

}  // namespace redoubt::security
