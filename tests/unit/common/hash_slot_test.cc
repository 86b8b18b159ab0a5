// Tests of the cluster hash slot: the CRC-16 check value, hash tags as Redis reads them, and
// slots Redis's documentation and redis-server give for sample keys.
#include "common/hash_slot.h"

#include <gtest/gtest.h>

namespace redoubt::common {
namespace {

TEST(HashSlotTest, Crc16CheckValue) {
  // The catalogued check value of CRC-16/XMODEM over "123456789".
  EXPECT_EQ(Crc16Xmodem("123456789"), 0x31C3);
  EXPECT_EQ(Crc16Xmodem(""), 0);
}

TEST(HashSlotTest, HashTags) {
  EXPECT_EQ(HashTagOf("{user1000}.following"), "user1000");
  EXPECT_EQ(HashTagOf("foo{}{bar}"), "foo{}{bar}");  // an empty first tag: the whole key
  EXPECT_EQ(HashTagOf("foo{{bar}}zap"), "{bar");     // up to the first '}'
  EXPECT_EQ(HashTagOf("foo{bar}{zap}"), "bar");      // only the first tag counts
  EXPECT_EQ(HashTagOf("{"), "{");
  EXPECT_EQ(HashTagOf("a}b{c"), "a}b{c");
  EXPECT_EQ(HashTagOf("plain"), "plain");
}

TEST(HashSlotTest, SlotsAsRedisGivesThem) {
  // CLUSTER KEYSLOT on redis-server 7.0.
  EXPECT_EQ(KeyHashSlot("somekey"), 11058);
  EXPECT_EQ(KeyHashSlot("foo{hash_tag}"), 2515);
  EXPECT_EQ(KeyHashSlot("{user1000}.following"), KeyHashSlot("{user1000}.followers"));
  EXPECT_EQ(KeyHashSlot(""), 0);
}

}  // namespace
}  // namespace redoubt::common
