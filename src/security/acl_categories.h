// ACL command categories (@read, @write, @string, …): a bit each, in the order Redis 7 lists
// them in ACL CAT and tries them when it describes a user's command rules. The command table
// tags every command with these bits; the ACL layer sets and clears permissions by them.
//
// Thread: constants and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace redoubt::security {

enum AclCategory : uint64_t {
  kAclKeyspace = 1ull << 0,
  kAclRead = 1ull << 1,
  kAclWrite = 1ull << 2,
  kAclSet = 1ull << 3,
  kAclSortedSet = 1ull << 4,
  kAclList = 1ull << 5,
  kAclHash = 1ull << 6,
  kAclString = 1ull << 7,
  kAclBitmap = 1ull << 8,
  kAclHyperLogLog = 1ull << 9,
  kAclGeo = 1ull << 10,
  kAclStream = 1ull << 11,
  kAclPubSub = 1ull << 12,
  kAclAdmin = 1ull << 13,
  kAclFast = 1ull << 14,
  kAclSlow = 1ull << 15,
  kAclBlocking = 1ull << 16,
  kAclDangerous = 1ull << 17,
  kAclConnection = 1ull << 18,
  kAclTransaction = 1ull << 19,
  kAclScripting = 1ull << 20,
};

struct AclCategoryName {
  std::string_view name;
  uint64_t bit;
};

// Every category, in Redis's order.
std::span<const AclCategoryName> AclCategories();
// The bit of a category name (case-insensitive, without '@'); 0 when unknown.
uint64_t FindAclCategory(std::string_view name);

}  // namespace redoubt::security
