// Tests of the cluster hash slot: the CRC-16 check value, hash tags as Redis reads them, and
// slots Redis's documentation and redis-server give for sample keys, the slicing CRC against
// Boost's byte-at-a-time one, and the per-command known slot.
#include "common/hash_slot.h"

#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <random>
#include <string>

namespace redoubt::common {
namespace {

TEST(HashSlotTest, Crc16CheckValue) {
  // The catalogued check value of CRC-16/XMODEM over "123456789".
  EXPECT_EQ(Crc16Xmodem("123456789"), 0x31C3);
  EXPECT_EQ(Crc16Xmodem(""), 0);
}

TEST(HashSlotTest, Crc16MatchesByteAtATimeForEveryLengthAndAlignment) {
  // Random bytes (fixed seed), every length up to 100 and every start within a word, so that
  // each mix of 8-byte blocks and tail bytes, at every alignment, is compared.
  std::mt19937 random(15);
  std::string buffer(128, '\0');
  for (char& c : buffer) {
    c = static_cast<char>(random());
  }
  for (size_t start = 0; start < 8; ++start) {
    for (size_t size = 0; size <= 100; ++size) {
      boost::crc_optimal<16, 0x1021, 0, 0, false, false> reference;
      reference.process_bytes(buffer.data() + start, size);
      ASSERT_EQ(Crc16Xmodem(std::string_view(buffer).substr(start, size)), reference.checksum())
          << "start " << start << " size " << size;
    }
  }
}

TEST(HashSlotTest, KnownSlotAnswersOnlyForTheSameBytesAndEndsWithItsScope) {
  const std::string key = "somekey";
  const std::string same_text = "somekey";
  {
    KnownKeySlot known;
    // A deliberately wrong slot shows which answers come from the known one.
    known.Set(key, 7);
    EXPECT_EQ(KeyHashSlot(key), 7);
    EXPECT_EQ(KeyHashSlot(same_text), 11058);  // same text, other bytes: computed
    EXPECT_EQ(KeyHashSlot(std::string_view(key).substr(0, 4)), ComputeKeyHashSlot("some"));
    {
      KnownKeySlot nested;  // a script's command inside the first
      nested.Set(same_text, 9);
      EXPECT_EQ(KeyHashSlot(same_text), 9);
      EXPECT_EQ(KeyHashSlot(key), 11058);
    }
    EXPECT_EQ(KeyHashSlot(key), 7);  // the outer one is back
    KnownKeySlot unused;             // never set: restores nothing
  }
  EXPECT_EQ(KeyHashSlot(key), 11058);
  EXPECT_EQ(KeyHashSlot(std::string_view()), 0);
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
