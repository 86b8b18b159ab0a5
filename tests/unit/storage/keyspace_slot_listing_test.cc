// Tests of the keyspace in cluster mode: keys shard by hash slot, a shard's keys are listed by
// slot when first asked about, the listing follows every way a key comes and goes afterwards
// (set, replace, rename, delete, expire, flush), and an idle listing is dropped and made again.
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

class KeyspaceSlotListingTest : public ::testing::Test {
 protected:
  KeyspaceSlotListingTest() : keyspace_(16) { keyspace_.EnableClusterMode(); }

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

TEST_F(KeyspaceSlotListingTest, KeysOfATagShareASlotAndAShard) {
  EXPECT_EQ(keyspace_.ShardOf("{u1}a"), keyspace_.ShardOf("{u1}b"));
  EXPECT_EQ(keyspace_.ShardOf("{u1}a"), Keyspace::ShardOfSlot(KeyHashSlot("u1")));
}

TEST_F(KeyspaceSlotListingTest, CountsAndListsKeysBySlot) {
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

TEST_F(KeyspaceSlotListingTest, ExpiredAndFlushedKeysLeaveTheIndex) {
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

TEST_F(KeyspaceSlotListingTest, ManyKeysAreAllCounted) {
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

TEST_F(KeyspaceSlotListingTest, DeletesEveryKeyOfASlotAndNothingElse) {
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

TEST_F(KeyspaceSlotListingTest, ListingFollowsWritesAfterItIsMade) {
  const int slot = KeyHashSlot("w");
  Locked([&] {
    keyspace_.SetString(0, "{w}1", "v", kNoExpire, false);
    keyspace_.SetString(0, "{w}2", "v", kNoExpire, false);
  });
  ASSERT_EQ(keyspace_.CountKeysInSlot(slot), 2u);  // lists the shard
  ASSERT_EQ(keyspace_.ListedShards(), 1);
  Locked([&] {
    keyspace_.SetString(0, "{w}3", "v", kNoExpire, false);                      // new key
    keyspace_.SetString(0, "{w}1", std::string(500, 'x'), kNoExpire, false);    // new block
    keyspace_.SetString(0, "{w}2", "v", common::UnixMillis() + 100000, false);  // gains a TTL
    keyspace_.SetString(0, "{w}4", "v", common::UnixMillis() - 1, false);       // expired
    EXPECT_EQ(keyspace_.Find(0, "{w}4"), nullptr);
    EXPECT_TRUE(keyspace_.MoveTo(0, "{w}3", 0, "{w}5"));
    EXPECT_TRUE(keyspace_.CopyTo(0, "{w}5", 0, "{w}6"));
  });
  EXPECT_EQ(Sorted(keyspace_.KeysInSlot(slot, 10)),
            (std::vector<std::string>{"{w}1", "{w}2", "{w}5", "{w}6"}));
  Locked([&] { EXPECT_TRUE(keyspace_.Delete(0, "{w}1")); });
  EXPECT_EQ(keyspace_.CountKeysInSlot(slot), 3u);
  Locked([&] { keyspace_.FlushAll(); });
  EXPECT_EQ(keyspace_.CountKeysInSlot(slot), 0u);
  Locked([&] { keyspace_.SetString(0, "{w}7", "v", kNoExpire, false); });
  EXPECT_EQ(keyspace_.KeysInSlot(slot, 10), (std::vector<std::string>{"{w}7"}));
}

TEST_F(KeyspaceSlotListingTest, IdleListingIsDroppedAndMadeAgainFromTheKeys) {
  const int slot = KeyHashSlot("d");
  Locked([&] { keyspace_.SetString(0, "{d}1", "v", kNoExpire, false); });
  const uint32_t start = keyspace_.clock_seconds();
  ASSERT_EQ(keyspace_.CountKeysInSlot(slot), 1u);
  keyspace_.Tick(start + SlotListing::kIdleSeconds - 1);
  keyspace_.DropIdleSlotListings();
  EXPECT_EQ(keyspace_.ListedShards(), 1);  // not idle long enough
  keyspace_.Tick(start + SlotListing::kIdleSeconds);
  keyspace_.DropIdleSlotListings();
  EXPECT_EQ(keyspace_.ListedShards(), 0);
  // Writes while no listing exists are seen by the next one, made from the keys themselves.
  Locked([&] {
    keyspace_.SetString(0, "{d}2", "v", kNoExpire, false);
    EXPECT_TRUE(keyspace_.Delete(0, "{d}1"));
  });
  EXPECT_EQ(keyspace_.KeysInSlot(slot, 10), (std::vector<std::string>{"{d}2"}));
  EXPECT_EQ(keyspace_.ListedShards(), 1);
}

TEST(KeyspaceWithoutClusterTest, ListsNoSlots) {
  Keyspace keyspace(1);
  {
    ShardLocks locks(keyspace);
    locks.LockAll();
    keyspace.SetString(0, "k", "v", kNoExpire, false);
  }
  EXPECT_EQ(keyspace.CountKeysInSlot(KeyHashSlot("k")), 0u);
  EXPECT_EQ(keyspace.ListedShards(), 0);
}

}  // namespace
}  // namespace redoubt::storage
