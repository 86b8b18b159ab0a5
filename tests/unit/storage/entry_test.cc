// Tests of the compact entry representation.
#include "storage/entry.h"

#include <gtest/gtest.h>

namespace redoubt::storage {
namespace {

TEST(EntryTest, HoldsKeyValueAndOptionalExpire) {
  Entry* plain = Entry::Create("key", "value", false);
  Entry* timed = Entry::Create("key", "value", true);
  timed->set_expire_ms(1234);

  EXPECT_EQ(plain->key(), "key");
  EXPECT_EQ(plain->value(), "value");
  EXPECT_EQ(plain->expire_ms(), kNoExpire);
  EXPECT_EQ(timed->value(), "value");
  EXPECT_EQ(timed->expire_ms(), 1234);

  Entry::Destroy(plain);
  Entry::Destroy(timed);
}

TEST(EntryTest, SmallKeyAndValueCostOnlyTheHeader) {
  // 16-byte header + 16-byte key + 64-byte value = 96 bytes: one 96-byte jemalloc block.
  Entry* e = Entry::Create(std::string(16, 'k'), std::string(64, 'v'), false);

  EXPECT_GE(e->AllocatedBytes(), 96u);
  EXPECT_EQ(e->value_capacity(), e->AllocatedBytes() - 16 - 16);

  Entry::Destroy(e);
}

TEST(EntryTest, WideKeysAndValuesKeepTheirLengths) {
  std::string key(300, 'k');
  std::string value(70000, 'v');
  Entry* e = Entry::Create(key, value, true);
  e->set_expire_ms(42);

  EXPECT_EQ(e->key(), key);
  EXPECT_EQ(e->value(), value);
  EXPECT_EQ(e->expire_ms(), 42);

  Entry::Destroy(e);
}

TEST(EntryTest, SmallValueCannotGrowPast16BitLengthInPlace) {
  Entry* e = Entry::Create("k", "v", false, 65000);

  EXPECT_LE(e->value_capacity(), 65535u);

  Entry* grown = Entry::CloneWith(*e, "k", false, 100000);
  grown->set_value_len(100000);
  EXPECT_EQ(grown->value().size(), 100000u);
  EXPECT_EQ(grown->value()[0], 'v');
  Entry::Destroy(e);
  Entry::Destroy(grown);
}

TEST(EntryTest, AccessFieldHolds24Bits) {
  Entry* e = Entry::Create("k", "v", false);

  e->set_access(0xABCDEF);

  EXPECT_EQ(e->access(), 0xABCDEFu);
  Entry::Destroy(e);
}

TEST(EntryTest, EncodingForNewStringFollowsRedis) {
  EXPECT_EQ(EncodingForNewString("12345"), Encoding::kInt);
  EXPECT_EQ(EncodingForNewString("012"), Encoding::kEmbStr);
  EXPECT_EQ(EncodingForNewString(std::string(44, 'a')), Encoding::kEmbStr);
  EXPECT_EQ(EncodingForNewString(std::string(45, 'a')), Encoding::kRaw);
}

}  // namespace
}  // namespace redoubt::storage
