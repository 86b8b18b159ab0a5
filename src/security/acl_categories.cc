// Category names in the order of Redis 7's ACLCommandCategories table.
#include "security/acl_categories.h"

#include "common/ascii.h"

namespace redoubt::security {
namespace {

constexpr AclCategoryName kCategories[] = {
    {"keyspace", kAclKeyspace},
    {"read", kAclRead},
    {"write", kAclWrite},
    {"set", kAclSet},
    {"sortedset", kAclSortedSet},
    {"list", kAclList},
    {"hash", kAclHash},
    {"string", kAclString},
    {"bitmap", kAclBitmap},
    {"hyperloglog", kAclHyperLogLog},
    {"geo", kAclGeo},
    {"stream", kAclStream},
    {"pubsub", kAclPubSub},
    {"admin", kAclAdmin},
    {"fast", kAclFast},
    {"slow", kAclSlow},
    {"blocking", kAclBlocking},
    {"dangerous", kAclDangerous},
    {"connection", kAclConnection},
    {"transaction", kAclTransaction},
    {"scripting", kAclScripting},
};

}  // namespace

std::span<const AclCategoryName> AclCategories() {
  return kCategories;
}

uint64_t FindAclCategory(std::string_view name) {
  for (const AclCategoryName& c : kCategories) {
    if (common::EqualsIgnoreCase(c.name, name)) {
      return c.bit;
    }
  }
  return 0;
}

}  // namespace redoubt::security
