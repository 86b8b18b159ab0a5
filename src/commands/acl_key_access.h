// Which access each key of a command needs under ACL key patterns (%R~, %W~, ~): read when the
// command returns or uses the key's value, write when it inserts, deletes or updates it, as
// Redis 7's key-spec flags say (ACCESS → read; INSERT, DELETE, UPDATE → write). EXISTS, TYPE
// or STRLEN need neither: any pattern that matches the name is enough, as in Redis.
//
// Thread: built once from the command table; read-only afterwards.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "commands/command_table.h"

namespace redoubt::commands {

class AclKeyAccess {
 public:
  explicit AclKeyAccess(const CommandTable& table);
  // security::AclKeyFlag bits for the key at `key_index` (0-based among the command's keys).
  uint8_t Flags(const CommandSpec& spec, size_t key_index,
                std::span<const std::string_view> args) const;

 private:
  struct Entry {
    uint8_t first = 0;                // the first key
    uint8_t rest = 0;                 // every other key
    bool depends_on_options = false;  // SET … GET, BITFIELD: ask the getkeys procedure
  };
  std::vector<Entry> by_stats_index_;
};

}  // namespace redoubt::commands
