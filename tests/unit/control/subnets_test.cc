// Tests of the VPC's subnets and cache subnet groups: the node range cut into /24 blocks (or
// kept whole when smaller) with ids made from their network address and without network or
// broadcast addresses; subnet groups that name only existing subnets, the built-in "default"
// holding them all, and a group in use kept from deletion.
#include "control/subnets.h"

#include <gtest/gtest.h>

#include "control/cache_subnet_groups.h"
#include "control/state_store.h"

namespace redoubt::control {
namespace {

constexpr uint32_t Ip(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

TEST(SubnetsTest, CutsTheRangeIntoBlocks) {
  // 127.77.0.0/23 as --node-addresses gives: .0.1 to .1.254.
  std::vector<Subnet> subnets = SubnetsOf(Ip(127, 77, 0, 1), Ip(127, 77, 1, 254));
  ASSERT_EQ(subnets.size(), 2u);
  EXPECT_EQ(subnets[0].id, "subnet-7f4d0000");
  EXPECT_EQ(subnets[0].cidr, "127.77.0.0/24");
  EXPECT_EQ(subnets[0].first, Ip(127, 77, 0, 1));
  EXPECT_EQ(subnets[0].last, Ip(127, 77, 0, 254));
  EXPECT_EQ(subnets[1].id, "subnet-7f4d0100");
  EXPECT_EQ(subnets[1].first, Ip(127, 77, 1, 1));
  EXPECT_EQ(subnets[1].last, Ip(127, 77, 1, 254));
  // A range smaller than a /24 is one subnet of its own size.
  subnets = SubnetsOf(Ip(10, 0, 0, 65), Ip(10, 0, 0, 126));
  ASSERT_EQ(subnets.size(), 1u);
  EXPECT_EQ(subnets[0].cidr, "10.0.0.64/26");
  EXPECT_EQ(subnets[0].first, Ip(10, 0, 0, 65));
  EXPECT_EQ(subnets[0].last, Ip(10, 0, 0, 126));
  EXPECT_EQ(SubnetsOf(Ip(127, 0, 0, 0), Ip(127, 255, 255, 255)).size(), 65536u);
  EXPECT_TRUE(SubnetsOf(2, 1).empty());
}

TEST(CacheSubnetGroupsTest, NameOnlyExistingSubnetsAndStayWhileUsed) {
  std::unique_ptr<StateStore> store = *StateStore::Open(":memory:");
  CacheSubnetGroups groups(*store, SubnetsOf(Ip(127, 77, 0, 1), Ip(127, 77, 1, 254)));
  CacheSubnetGroupRecord draft;
  draft.name = "second";
  draft.subnet_ids = {"subnet-7f4d0100"};
  CacheSubnetGroupRecord created;
  ASSERT_FALSE(groups.Create(draft, &created));
  EXPECT_EQ(groups.Create(draft, &created)->code, "CacheSubnetGroupAlreadyExists");
  draft.name = "bad";
  draft.subnet_ids = {"subnet-7f4d0200"};
  EXPECT_EQ(groups.Create(draft, &created)->code, "InvalidSubnet");
  draft.subnet_ids.clear();
  EXPECT_EQ(groups.Create(draft, &created)->code, "MissingParameter");
  draft.name = "default";
  draft.subnet_ids = {"subnet-7f4d0100"};
  EXPECT_EQ(groups.Create(draft, &created)->code, "CacheSubnetGroupAlreadyExists");

  EXPECT_EQ(groups.SubnetsOfGroup("default").size(), 2u);
  ASSERT_EQ(groups.SubnetsOfGroup("second").size(), 1u);
  EXPECT_EQ(groups.SubnetsOfGroup("second")[0].cidr, "127.77.1.0/24");
  EXPECT_TRUE(groups.SubnetsOfGroup("nope").empty());
  std::vector<CacheSubnetGroupRecord> all = groups.All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "default");

  std::vector<std::string> users = {"rg"};
  groups.SetUsersOf([&](const std::string&) { return users; });
  EXPECT_EQ(groups.Delete("second")->code, "CacheSubnetGroupInUse");
  EXPECT_EQ(groups.Delete("default")->code, "InvalidParameterValue");
  users.clear();
  EXPECT_FALSE(groups.Delete("second"));
  EXPECT_EQ(groups.Delete("second")->code, "CacheSubnetGroupNotFoundFault");
}

}  // namespace
}  // namespace redoubt::control
