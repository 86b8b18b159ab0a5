// Counters of access control for INFO: authentications that succeeded and failed, commands
// refused by ACL rules (by what was refused: the command, a key, a channel), and connections
// closed because their user was revoked. Redis 7's acl_access_denied_* come from here;
// auth_successes and acl_revoked_clients_closed are ours (INFO auth also shows denied_auth as
// auth_failures).
//
// Thread: any thread; relaxed atomics, as statistics. CONFIG RESETSTAT resets the group.
#pragma once

#include "common/counter.h"

namespace redoubt::security {

struct AclStats {
  common::CounterGroup counters;
  common::Counter auth_successes{counters, "auth_successes"};
  common::Counter denied_auth{counters, "acl_access_denied_auth"};
  common::Counter denied_cmd{counters, "acl_access_denied_cmd"};
  common::Counter denied_key{counters, "acl_access_denied_key"};
  common::Counter denied_channel{counters, "acl_access_denied_channel"};
  common::Counter revoked_clients_closed{counters, "acl_revoked_clients_closed"};

  void Reset() { counters.ResetStatistics(); }
};

}  // namespace redoubt::security
