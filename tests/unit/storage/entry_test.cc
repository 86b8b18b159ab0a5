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

TEST(EntryTest, SmallKeyAndValueFitOneSmallBlock) {
  // 24-byte header + 16-byte key + 64-byte value: one 112-byte allocator block (jemalloc).
  Entry* e = Entry::Create(std::string(16, 'k'), std::string(64, 'v'), false);

  EXPECT_LE(e->AllocatedBytes(), 128u);

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
