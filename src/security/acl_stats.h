// Counters of access control for INFO stats: authentications that succeeded and failed, commands
// refused by ACL rules (by what was refused: the command, a key, a channel), and connections
// closed because their user was revoked. Redis 7's acl_access_denied_* and auth_failures come
// from here; auth_successes and acl_revoked_clients_closed are ours.
//
// Thread: any thread; relaxed atomics, as statistics. CONFIG RESETSTAT calls Reset().
#pragma once

#include <atomic>
#include <cstdint>

namespace redoubt::security {

struct AclStats {
  std::atomic<uint64_t> auth_successes{0};
  std::atomic<uint64_t> denied_auth{0};
  std::atomic<uint64_t> denied_cmd{0};
  std::atomic<uint64_t> denied_key{0};
  std::atomic<uint64_t> denied_channel{0};
  std::atomic<uint64_t> revoked_clients_closed{0};

  void Reset() {
    for (auto* c : {&auth_successes, &denied_auth, &denied_cmd, &denied_key, &denied_channel,
                    &revoked_clients_closed}) {
      c->store(0, std::memory_order_relaxed);
    }
  }
};

}  // namespace redoubt::security
