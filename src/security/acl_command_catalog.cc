// Builds the ACL command catalog from the server's table and the Redis 7.0 reference list.
#include "security/acl_command_catalog.h"

#include <algorithm>

#include "common/ascii.h"
#include "security/acl_categories.h"

namespace redoubt::security {
namespace {

struct ReferenceCommand {
  std::string_view name;
  std::string_view parent;
  std::string_view categories;  // space-separated names
};

constexpr ReferenceCommand kReference[] = {
#include "security/redis_command_catalog.inc"
};

uint64_t CategoryBits(std::string_view names) {
  uint64_t bits = 0;
  while (!names.empty()) {
    size_t space = names.find(' ');
    bits |= FindAclCategory(names.substr(0, space));
    names = space == std::string_view::npos ? std::string_view() : names.substr(space + 1);
  }
  return bits;
}

}  // namespace

void AclCommandCatalog::Add(std::string_view name, int id, uint64_t categories,
                            std::string_view parent) {
  std::string lower = common::ToLower(name);
  if (by_name_.contains(lower) || id < 0) {
    return;
  }
  AclCommand cmd;
  cmd.name = lower;
  cmd.id = id;
  cmd.categories = categories;
  int index = static_cast<int>(commands_.size());
  if (!parent.empty()) {
    auto it = by_name_.find(common::ToLower(parent));
    if (it == by_name_.end()) {
      return;
    }
    cmd.parent = commands_[it->second].id;
    commands_[it->second].subcommands.push_back(id);
  } else {
    top_level_.push_back(id);
  }
  commands_.push_back(std::move(cmd));
  by_name_.emplace(std::move(lower), index);
  if (static_cast<size_t>(id) >= by_id_.size()) {
    by_id_.resize(id + 1, -1);
  }
  by_id_[id] = index;
}

void AclCommandCatalog::AddReferenceCommands() {
  for (const ReferenceCommand& r : kReference) {
    if (!by_name_.contains(std::string(r.name))) {
      Add(r.name, id_limit(), CategoryBits(r.categories), r.parent);
    }
  }
}

const AclCommand* AclCommandCatalog::Find(std::string_view name) const {
  auto it = by_name_.find(common::ToLower(name));
  return it == by_name_.end() ? nullptr : &commands_[it->second];
}

}  // namespace redoubt::security
