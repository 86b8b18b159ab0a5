// The shards redoubt-downtime reports on (tools/cluster_shards.h): fixed by the first slot map,
// named by their slot ranges, keeping their slots through a failover and a resharding while
// recording every primary seen serving them.
#include "tools/cluster_shards.h"

#include <gtest/gtest.h>

namespace redoubt::tools {
namespace {

SlotMap ShardsTestMap(const std::vector<SlotRange>& ranges) {
  SlotMap map;
  map.Assign(ranges);
  return map;
}

std::vector<SlotRange> ShardsTestThreeShards(NodeAddress first_primary = {"127.0.14.1", 1}) {
  return {{.first = 0, .last = 5460, .primary = std::move(first_primary)},
          {.first = 5461, .last = 10922, .primary = {"127.0.14.2", 2}},
          {.first = 10923, .last = 16383, .primary = {"127.0.14.3", 3}}};
}

TEST(ClusterShardsTest, TheFirstMapMakesOneShardPerPrimary) {
  ClusterShards shards;

  shards.Observe(ShardsTestMap(ShardsTestThreeShards()), 1000000);

  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards.shards()[0].slots, "0-5460");
  EXPECT_EQ(shards.shards()[1].slots, "5461-10922");
  EXPECT_EQ(shards.shards()[2].slots, "10923-16383");
  ASSERT_EQ(shards.shards()[0].primaries.size(), 1u);
  EXPECT_EQ(shards.shards()[0].primaries[0].address, "127.0.14.1:1");
  EXPECT_EQ(shards.shards()[0].primaries[0].since_wall_us, 1000000);
  EXPECT_EQ(shards.ShardOf(0), 0);
  EXPECT_EQ(shards.ShardOf(KeySlot("foo")), 2);
}

TEST(ClusterShardsTest, APrimaryWithSeveralRangesIsOneShard) {
  ClusterShards shards;

  shards.Observe(ShardsTestMap({{.first = 0, .last = 99, .primary = {"a", 1}},
                                {.first = 100, .last = 100, .primary = {"b", 2}},
                                {.first = 101, .last = 16383, .primary = {"a", 1}}}),
                 0);

  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(shards.shards()[0].slots, "0-99,101-16383");
  EXPECT_EQ(shards.shards()[1].slots, "100");
}

TEST(ClusterShardsTest, AFailoverKeepsTheShardAndRecordsTheNewPrimary) {
  ClusterShards shards;
  shards.Observe(ShardsTestMap(ShardsTestThreeShards()), 1000000);

  shards.Observe(ShardsTestMap(ShardsTestThreeShards({"127.0.14.4", 4})), 5000000);

  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards.shards()[0].slots, "0-5460");
  ASSERT_EQ(shards.shards()[0].primaries.size(), 2u);
  EXPECT_EQ(shards.shards()[0].primaries[0].address, "127.0.14.1:1");
  EXPECT_EQ(shards.shards()[0].primaries[1].address, "127.0.14.4:4");
  EXPECT_EQ(shards.shards()[0].primaries[1].since_wall_us, 5000000);
  EXPECT_EQ(shards.shards()[1].primaries.size(), 1u);
  EXPECT_EQ(shards.shards()[2].primaries.size(), 1u);
}

TEST(ClusterShardsTest, MigratedSlotsStayWithTheirShard) {
  ClusterShards shards;
  shards.Observe(ShardsTestMap(ShardsTestThreeShards()), 0);
  SlotMap map = ShardsTestMap(ShardsTestThreeShards());

  map.SetOwner(7, {"127.0.14.2", 2});
  shards.Observe(map, 1);

  EXPECT_EQ(shards.ShardOf(7), 0);
  EXPECT_EQ(shards.shards()[0].slots, "0-5460");
  ASSERT_EQ(shards.shards()[0].primaries.size(), 2u);
  EXPECT_EQ(shards.shards()[0].primaries[1].address, "127.0.14.2:2");
  EXPECT_EQ(shards.shards()[1].primaries.size(), 1u);
}

TEST(ClusterShardsTest, SlotsServedLaterJoinTheShardOfTheirPrimary) {
  ClusterShards shards;
  shards.Observe(ShardsTestMap({{.first = 0, .last = 99, .primary = {"a", 1}},
                                {.first = 200, .last = 299, .primary = {"b", 2}}}),
                 0);
  EXPECT_EQ(shards.ShardOf(100), -1);

  shards.Observe(ShardsTestMap({{.first = 0, .last = 149, .primary = {"a", 1}},
                                {.first = 150, .last = 299, .primary = {"b", 2}},
                                {.first = 300, .last = 399, .primary = {"c", 3}}}),
                 1);

  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards.shards()[0].slots, "0-149");
  EXPECT_EQ(shards.shards()[1].slots, "150-299");
  EXPECT_EQ(shards.shards()[2].slots, "300-399");
  EXPECT_EQ(shards.ShardOf(400), -1);
}

TEST(ClusterShardsTest, AnEmptyMapDecidesNothing) {
  ClusterShards shards;

  shards.Observe(SlotMap(), 0);
  shards.Observe(ShardsTestMap(ShardsTestThreeShards()), 1);

  EXPECT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards.shards()[0].primaries[0].since_wall_us, 1);
}

}  // namespace
}  // namespace redoubt::tools
