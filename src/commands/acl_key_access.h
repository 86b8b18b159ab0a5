// Which access each key of a command needs under ACL key patterns (%R~, %W~, ~): read when the
// command returns or uses the key's value, write when it inserts, deletes or updates it, as
// Redis 7's key-spec flags say (ACCESS → read; INSERT, DELETE, UPDATE → write). EXISTS, TYPE
// or STRLEN need neither: any pattern that matches the name is enough, as in Redis.
//
// Thread: built once from the command table; read-only afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "security/acl_command_catalog.h"
#include "security/acl_selector.h"
#include "security/acl_user.h"

namespace redoubt::commands {

class AclKeyAccess {
 public:
  explicit AclKeyAccess(const CommandTable& table);
  // security::AclKeyFlag bits for the key at `key_index` (0-based among the command's keys).
  uint8_t Flags(const CommandSpec& spec, size_t key_index,
                std::span<const std::string_view> args) const;

  // Keys a request reads or writes, with their access, and the verdict of `user` on it.
  struct Scratch {  // reused between calls, to keep the request path free of allocations
    std::vector<std::string_view> keys;
    std::vector<security::AclKeyUse> uses;
    std::vector<security::AclChannelUse> channels;
  };
  // The ACL verdict for `user` running `args` as `spec` (`command`: its row in the ACL
  // catalog): the command's permission, then each key with the access it needs, then each
  // channel. Fills scratch->uses and scratch->channels; *denied_key is the index in the one
  // that holds the refused key (kDeniedKey) or channel (kDeniedChannel).
  security::AclVerdict Check(const security::AclUser& user, const security::AclCommand* command,
                             const CommandSpec& spec, std::span<const std::string_view> args,
                             Scratch* scratch, size_t* denied_key) const;

 private:
  struct Entry {
    uint8_t first = 0;                // the first key
    uint8_t rest = 0;                 // every other key
    bool depends_on_options = false;  // SET … GET, BITFIELD: ask the getkeys procedure
    bool not_keys = false;  // every key spec is not_key (SPUBLISH's channel): no key to check
  };
  std::vector<Entry> by_stats_index_;
};

// The ACL catalog of the table's commands and subcommands (ids: their stats_index), then
// every other Redis 7.0 command, so that ACL rules may name commands Redoubt lacks.
std::shared_ptr<security::AclCommandCatalog> BuildAclCatalog(const CommandTable& table);

}  // namespace redoubt::commands
