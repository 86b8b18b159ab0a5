// ACL LOG: the most recent denied commands, keys and failed authentications, grouped as Redis
// 7.0 groups them (same reason, context, object and user within 60 s: the count grows and the
// entry moves to the front), at most acllog-max-len entries.
//
// Thread: any I/O thread adds and reads; one mutex (denials are rare next to commands).
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace redoubt::security {

struct AclLogEntry {
  uint64_t count = 1;
  std::string reason;   // "command", "key", "channel", "auth"
  std::string context;  // "toplevel", or "multi" for a command queued in or run by MULTI/EXEC
  std::string object;   // command name, key, or "AUTH"
  std::string username;
  int64_t created_ms = 0;  // the latest occurrence, as Redis's ctime (age-seconds counts from it)
  int64_t updated_ms = 0;
  std::string client_info;  // CLIENT LIST line of the client, at the last occurrence
};

class AclLog {
 public:
  void Add(std::string reason, std::string context, std::string object, std::string username,
           std::string client_info, int64_t now_ms);
  // The newest `count` entries, newest first.
  std::vector<AclLogEntry> Latest(size_t count) const;
  void Reset();
  void set_max_len(size_t n);
  // Failed authentications ever logged (for INFO; ACL LOG RESET does not clear it).
  uint64_t auth_failures() const;

 private:
  mutable absl::Mutex mu_;
  std::deque<AclLogEntry> entries_ ABSL_GUARDED_BY(mu_);  // newest first
  size_t max_len_ ABSL_GUARDED_BY(mu_) = 128;
  uint64_t auth_failures_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace redoubt::security
