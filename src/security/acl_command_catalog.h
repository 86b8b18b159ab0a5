// The commands ACL rules can name: Redoubt's own command table plus every other command of
// Redis 7.0 (redis_command_catalog.inc), each with its ACL categories and subcommands. Rules
// that name a command Redoubt does not implement yet (+hset, +@geo) are therefore accepted,
// kept and described as Redis describes them, so an aclfile written for Redis loads unchanged
// and means the same thing once the command exists.
//
// Ids index the permission bitmaps of AclSelector. The server gives its own commands their
// statistics index as id, so the permission check on the request path is a bit test with the
// index the dispatcher already has.
//
// Thread: built once at start-up, immutable and shared afterwards.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::security {

struct AclCommand {
  std::string name;  // lower case; "client|list" for a subcommand
  int id = -1;
  uint64_t categories = 0;
  int parent = -1;               // id of the container command, -1 for a top-level command
  std::vector<int> subcommands;  // ids, for a container
};

class AclCommandCatalog {
 public:
  // Adds a command with a chosen id (unique); a subcommand names its parent, added before.
  void Add(std::string_view name, int id, uint64_t categories, std::string_view parent = {});
  // Adds the Redis 7.0 commands and subcommands not added yet, with ids after the largest one
  // in use.
  void AddReferenceCommands();

  // Case-insensitive: "GET", "client|list". nullptr when unknown.
  const AclCommand* Find(std::string_view name) const;
  const AclCommand* ById(int id) const {
    return id >= 0 && static_cast<size_t>(id) < by_id_.size() && by_id_[id] >= 0
               ? &commands_[by_id_[id]]
               : nullptr;
  }
  // Top-level commands, in the order added (subcommands are reached through them).
  const std::vector<int>& top_level() const { return top_level_; }
  // One past the largest id: the size of a permission bitmap.
  int id_limit() const { return static_cast<int>(by_id_.size()); }

 private:
  std::vector<AclCommand> commands_;
  std::vector<int> by_id_;  // id -> index into commands_, -1 for unused ids
  std::vector<int> top_level_;
  absl::flat_hash_map<std::string, int> by_name_;  // lower-case name -> index
};

}  // namespace redoubt::security
