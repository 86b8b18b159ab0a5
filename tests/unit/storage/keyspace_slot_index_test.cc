// Tests of the keyspace in cluster mode: keys shard by hash slot, and the slot index follows
// every way a key comes and goes (set, replace, rename, delete, expire, flush).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/hash_slot.h"
#include "storage/keyspace.h"

namespace redoubt::storage {
namespace {

using common::KeyHashSlot;

class KeyspaceSlotIndexTest : public ::testing::Test {
 protected:
  KeyspaceSlotIndexTest() : keyspace_(16) { keyspace_.EnableClusterMode(); }

  // Runs fn with every shard locked (key operations require their shard's lock; the index
  // queries take theirs, so they run outside).
  template <typename Fn>
  void Locked(Fn fn) {
    ShardLocks locks(keyspace_);
    locks.LockAll();
    fn();
  }

  std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }

  Keyspace keyspace_;
};

TEST_F(KeyspaceSlotIndexTest, KeysOfATagShareASlotAndAShard) {
  EXPECT_EQ(keyspace_.ShardOf("{u1}a"), keyspace_.ShardOf("{u1}b"));
  EXPECT_EQ(keyspace_.ShardOf("{u1}a"), Keyspace::ShardOfSlot(KeyHashSlot("u1")));
}

TEST_F(KeyspaceSlotIndexTest, CountsAndListsKeysBySlot) {
  Locked([&] {
    keyspace_.SetString(0, "{t}a", "1", kNoExpire, false);
    keyspace_.SetString(0, "{t}b", "2", kNoExpire, false);
    keyspace_.SetString(0, "other", "3", kNoExpire, false);
    keyspace_.SetString(0, "{t}a", "replaced", kNoExpire, false);  // same key, new block
  });
  const int slot = KeyHashSlot("t");
  EXPECT_EQ(keyspace_.CountKeysInSlot(slot), 2u);
  EXPECT_EQ(Sorted(keyspace_.KeysInSlot(slot, 10)), (std::vector<std::string>{"{t}a", "{t}b"}));
  EXPECT_EQ(keyspace_.KeysInSlot(slot, 1).size(), 1u);
  EXPECT_EQ(keyspace_.CountKeysInSlot(KeyHashSlot("other")), 1u);

  Locked([&] {
    EXPECT_TRUE(keyspace_.Delete(0, "{t}a"));
    EXPECT_TRUE(keyspace_.MoveTo(0, "{t}b", 0, "{t}c"));
  });
  EXPECT_EQ(Sorted(keyspace_.KeysInSlot(slot, 10)), (std::vector<std::string>{"{t}c"}));
}

TEST_F(KeyspaceSlotIndexTest, ExpiredAndFlushedKeysLeaveTheIndex) {
  Locked([&] {
    keyspace_.SetString(0, "gone", "v", common::UnixMillis() - 1, false);
    keyspace_.SetString(0, "kept", "v", kNoExpire, false);
    EXPECT_EQ(keyspace_.Find(0, "gone"), nullptr);  // deleted on the way
  });
  EXPECT_EQ(keyspace_.CountKeysInSlot(KeyHashSlot("gone")), 0u);
  EXPECT_EQ(keyspace_.CountKeysInSlot(KeyHashSlot("kept")), 1u);
  Locked([&] { keyspace_.FlushAll(); });
  EXPECT_EQ(keyspace_.CountKeysInSlot(KeyHashSlot("kept")), 0u);
}

TEST_F(KeyspaceSlotIndexTest, ManyKeysAreAllCounted) {
  Locked([&] {
    for (int i = 0; i < 20000; ++i) {
      keyspace_.SetString(0, "key:" + std::to_string(i), "v", kNoExpire, false);
    }
  });
  size_t total = 0;
  for (int slot = 0; slot < common::kClusterSlots; ++slot) {
    total += keyspace_.CountKeysInSlot(slot);
  }
  EXPECT_EQ(total, 20000u);
}

TEST_F(KeyspaceSlotIndexTest, DeletesEveryKeyOfASlotAndNothingElse) {
  Locked([&] {
    for (int i = 0; i < 300; ++i) {
      const int64_t expire = i % 2 ? common::UnixMillis() + 100000 : kNoExpire;
      keyspace_.SetString(0, "{lost}" + std::to_string(i), "v", expire, false);
    }
    keyspace_.SetString(0, "{kept}", "v", kNoExpire, false);
  });
  const int slot = KeyHashSlot("lost");
  ASSERT_EQ(keyspace_.CountKeysInSlot(slot), 300u);
  // Keys with a TTL go too (and leave the table's list of volatile keys).
  EXPECT_EQ(keyspace_.DeleteKeysInSlot(slot), 300u);
  EXPECT_EQ(keyspace_.CountKeysInSlot(slot), 0u);
  EXPECT_EQ(keyspace_.CountKeysInSlot(KeyHashSlot("kept")), 1u);
  EXPECT_EQ(keyspace_.DeleteKeysInSlot(slot), 0u);
}

TEST(KeyspaceWithoutClusterTest, HasNoSlotIndex) {
  Keyspace keyspace(1);
  {
    ShardLocks locks(keyspace);
    locks.LockAll();
    keyspace.SetString(0, "k", "v", kNoExpire, false);
  }
  EXPECT_EQ(keyspace.CountKeysInSlot(KeyHashSlot("k")), 0u);
}

}  // namespace
}  // namespace redoubt::storage
