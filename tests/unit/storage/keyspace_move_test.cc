// Tests of Keyspace::MoveTo, the operation behind RENAME and MOVE: value, TTL and access state
// travel with the key, the destination is replaced, and memory accounting stays exact.
#include <gtest/gtest.h>

#include <string>

#include "common/clock.h"
#include "storage/keyspace.h"

namespace redoubt::storage {
namespace {

// Keyspace operations require shard locks; tests run single-threaded and take them all.
class KeyspaceMoveTest : public ::testing::Test {
 protected:
  KeyspaceMoveTest() : keyspace_(4), locks_(keyspace_) { locks_.LockAll(); }

  Keyspace keyspace_;
  ShardLocks locks_;
};

TEST_F(KeyspaceMoveTest, MoveToAnotherDbRelinksTheSameBlock) {
  Entry* before = keyspace_.SetString(0, "k", "value", kNoExpire, false);
  uint64_t bytes = keyspace_.used_bytes();

  EXPECT_TRUE(keyspace_.MoveTo(0, "k", 1, "k"));

  EXPECT_EQ(keyspace_.Find(0, "k"), nullptr);
  EXPECT_EQ(keyspace_.Find(1, "k"), before);
  EXPECT_EQ(keyspace_.used_bytes(), bytes);
}

TEST_F(KeyspaceMoveTest, RenameKeepsValueTtlAndEncoding) {
  int64_t at = common::UnixMillis() + 100000;
  keyspace_.SetString(0, "a", "12345", at, false);

  EXPECT_TRUE(keyspace_.MoveTo(0, "a", 0, "b"));

  EXPECT_EQ(keyspace_.Find(0, "a"), nullptr);
  Entry* e = keyspace_.Find(0, "b");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key(), "b");
  EXPECT_EQ(e->value(), "12345");
  EXPECT_EQ(e->expire_ms(), at);
  EXPECT_EQ(e->encoding(), Encoding::kInt);
  locks_.Release();  // Info() takes the shard locks itself
  EXPECT_EQ(keyspace_.Info()[0].expires, 1u);
}

TEST_F(KeyspaceMoveTest, RenameReplacesTheDestinationAndItsTtl) {
  keyspace_.SetString(0, "a", "new", kNoExpire, false);
  keyspace_.SetString(0, "b", "old", common::UnixMillis() + 100000, false);

  EXPECT_TRUE(keyspace_.MoveTo(0, "a", 0, "b"));

  EXPECT_EQ(keyspace_.Find(0, "b")->value(), "new");
  EXPECT_EQ(keyspace_.Find(0, "b")->expire_ms(), kNoExpire);
  EXPECT_EQ(keyspace_.DbSize(0), 1u);
  locks_.Release();  // Info() takes the shard locks itself
  EXPECT_EQ(keyspace_.Info()[0].expires, 0u);
}

TEST_F(KeyspaceMoveTest, MemoryIsAccountedAfterRenameAndFlush) {
  keyspace_.SetString(0, "a", std::string(100, 'x'), kNoExpire, false);
  keyspace_.SetString(0, "b", std::string(1000, 'y'), kNoExpire, false);

  keyspace_.MoveTo(0, "a", 0, "a-much-longer-name-than-before");
  keyspace_.FlushAll();

  EXPECT_EQ(keyspace_.used_bytes(), 0u);
}

TEST_F(KeyspaceMoveTest, MissingOrExpiredSourceIsNotMoved) {
  keyspace_.SetString(0, "gone", "v", common::UnixMillis() - 1, false);

  EXPECT_FALSE(keyspace_.MoveTo(0, "nokey", 0, "x"));
  EXPECT_FALSE(keyspace_.MoveTo(0, "gone", 1, "gone"));

  EXPECT_EQ(keyspace_.DbSize(0), 0u);
  EXPECT_EQ(keyspace_.DbSize(1), 0u);
}

TEST_F(KeyspaceMoveTest, MoveToItselfChangesNothing) {
  Entry* before = keyspace_.SetString(0, "k", "v", kNoExpire, false);

  EXPECT_TRUE(keyspace_.MoveTo(0, "k", 0, "k"));

  EXPECT_EQ(keyspace_.Find(0, "k"), before);
}

}  // namespace
}  // namespace redoubt::storage
