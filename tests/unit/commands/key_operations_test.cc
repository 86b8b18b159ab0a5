// Tests of the key operations (src/commands/key_operations.cc) called directly on a Keyspace, as
// replication and MULTI will call them: what each one changes and what it returns, without a
// client or a reply. The commands' replies are key_commands_test.cc's and
// expire_commands_test.cc's business.
#include "commands/key_operations.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/op_status.h"
#include "storage/entry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {
namespace {

using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::kNoExpire;

class KeyOperationsTest : public ::testing::Test {
 protected:
  KeyOperationsTest() { locks_.LockAll(); }

  void Store(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire,
             int db = 0) {
    keyspace_.SetString(db, key, value, expire_ms, false);
  }
  const Entry* Find(std::string_view key, int db = 0) {
    return keyspace_.Find(db, key, Access::kNoTouch);
  }
  std::optional<std::string> Value(std::string_view key, int db = 0) {
    const Entry* e = Find(key, db);
    if (e == nullptr) {
      return std::nullopt;
    }
    return std::string(e->value());
  }
  int64_t ExpireMs(std::string_view key, int db = 0) { return Find(key, db)->expire_ms(); }

  int64_t now_ = common::UnixMillis();
  int64_t later_ = now_ + 100'000;
  storage::Keyspace keyspace_{16};
  storage::ShardLocks locks_{keyspace_};
};

// ---- DEL ----

TEST_F(KeyOperationsTest, DeleteCountsEachKeyItDeletedOnce) {
  Store("a", "1");
  Store("b", "2");
  std::vector<std::string_view> keys = {"a", "missing", "a", "b"};

  uint64_t deleted = OpDelete(keyspace_, 0, keys);

  EXPECT_EQ(deleted, 2u);
  EXPECT_EQ(Find("a"), nullptr);
  EXPECT_EQ(Find("b"), nullptr);
}

TEST_F(KeyOperationsTest, DeleteDoesNotCountAKeyWhoseTtlHasPassed) {
  Store("old", "v", now_ - 1);
  std::vector<std::string_view> keys = {"old"};

  EXPECT_EQ(OpDelete(keyspace_, 0, keys), 0u);
}

// ---- EXPIRE PERSIST ----

TEST_F(KeyOperationsTest, ExpireSetsTheTime) {
  Store("k", "v");

  OpStatus status = OpExpire(keyspace_, 0, "k", later_, 0, now_);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(ExpireMs("k"), later_);
}

TEST_F(KeyOperationsTest, ExpireAtATimeNotAfterNowDeletesTheKey) {
  Store("k", "v");

  OpStatus status = OpExpire(keyspace_, 0, "k", now_, 0, now_);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Find("k"), nullptr);
}

TEST_F(KeyOperationsTest, ExpireOfAMissingKeyIsNotFound) {
  EXPECT_EQ(OpExpire(keyspace_, 0, "k", later_, 0, now_), OpStatus::kKeyNotFound);
}

TEST_F(KeyOperationsTest, ExpireNxAndXxLookOnlyAtWhetherThereIsATtl) {
  Store("persistent", "v");
  Store("volatile", "v", later_);

  EXPECT_EQ(OpExpire(keyspace_, 0, "volatile", later_ + 1, kExpireNx, now_), OpStatus::kSkipped);
  EXPECT_EQ(OpExpire(keyspace_, 0, "persistent", later_, kExpireXx, now_), OpStatus::kSkipped);
  EXPECT_EQ(OpExpire(keyspace_, 0, "persistent", later_, kExpireNx, now_), OpStatus::kOk);

  EXPECT_EQ(ExpireMs("volatile"), later_);
  EXPECT_EQ(ExpireMs("persistent"), later_);
}

TEST_F(KeyOperationsTest, ExpireGtAndLtCountNoTtlAsInfinite) {
  Store("gt", "v");
  Store("lt", "v");

  EXPECT_EQ(OpExpire(keyspace_, 0, "gt", later_, kExpireGt, now_), OpStatus::kSkipped);
  EXPECT_EQ(OpExpire(keyspace_, 0, "lt", later_, kExpireLt, now_), OpStatus::kOk);

  EXPECT_EQ(ExpireMs("gt"), kNoExpire);
  EXPECT_EQ(ExpireMs("lt"), later_);
}

TEST_F(KeyOperationsTest, ExpireGtAndLtCompareWithTheCurrentTime) {
  Store("k", "v", later_);

  EXPECT_EQ(OpExpire(keyspace_, 0, "k", later_, kExpireGt, now_), OpStatus::kSkipped);
  EXPECT_EQ(OpExpire(keyspace_, 0, "k", later_, kExpireLt, now_), OpStatus::kSkipped);
  EXPECT_EQ(OpExpire(keyspace_, 0, "k", later_ + 1, kExpireGt, now_), OpStatus::kOk);

  EXPECT_EQ(ExpireMs("k"), later_ + 1);
}

TEST_F(KeyOperationsTest, PersistRemovesATtlOnce) {
  Store("k", "v", later_);

  EXPECT_EQ(OpPersist(keyspace_, 0, "k"), OpStatus::kOk);
  EXPECT_EQ(OpPersist(keyspace_, 0, "k"), OpStatus::kSkipped);
  EXPECT_EQ(OpPersist(keyspace_, 0, "missing"), OpStatus::kKeyNotFound);

  EXPECT_EQ(ExpireMs("k"), kNoExpire);
}

// ---- RENAME ----

TEST_F(KeyOperationsTest, RenameMovesTheValueAndTheTtl) {
  Store("a", "v", later_);

  OpStatus status = OpRename(keyspace_, 0, "a", "b", ExistingTarget::kReplace);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Find("a"), nullptr);
  EXPECT_EQ(Value("b"), "v");
  EXPECT_EQ(ExpireMs("b"), later_);
}

TEST_F(KeyOperationsTest, RenameOfAMissingKeyIsNotFoundEvenToItself) {
  EXPECT_EQ(OpRename(keyspace_, 0, "a", "b", ExistingTarget::kReplace), OpStatus::kKeyNotFound);
  EXPECT_EQ(OpRename(keyspace_, 0, "a", "a", ExistingTarget::kReplace), OpStatus::kKeyNotFound);
}

TEST_F(KeyOperationsTest, RenameToItselfChangesNothing) {
  Store("a", "v");

  EXPECT_EQ(OpRename(keyspace_, 0, "a", "a", ExistingTarget::kReplace), OpStatus::kSkipped);

  EXPECT_EQ(Value("a"), "v");
}

TEST_F(KeyOperationsTest, RenameReplacesOrKeepsAnExistingTarget) {
  Store("a", "1");
  Store("b", "2");

  EXPECT_EQ(OpRename(keyspace_, 0, "a", "b", ExistingTarget::kKeep), OpStatus::kSkipped);
  EXPECT_EQ(Value("b"), "2");
  EXPECT_EQ(OpRename(keyspace_, 0, "a", "b", ExistingTarget::kReplace), OpStatus::kOk);
  EXPECT_EQ(Value("b"), "1");
}

// ---- COPY ----

TEST_F(KeyOperationsTest, CopyToAnotherDatabaseKeepsTheSourceAndCopiesTheTtl) {
  Store("a", "v", later_);

  OpStatus status = OpCopy(keyspace_, 0, "a", 3, "b", ExistingTarget::kKeep);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Value("a"), "v");
  EXPECT_EQ(Value("b", 3), "v");
  EXPECT_EQ(ExpireMs("b", 3), later_);
}

TEST_F(KeyOperationsTest, CopyReplacesOrKeepsAnExistingTarget) {
  Store("a", "1");
  Store("b", "2");

  EXPECT_EQ(OpCopy(keyspace_, 0, "a", 0, "b", ExistingTarget::kKeep), OpStatus::kSkipped);
  EXPECT_EQ(Value("b"), "2");
  EXPECT_EQ(OpCopy(keyspace_, 0, "a", 0, "b", ExistingTarget::kReplace), OpStatus::kOk);
  EXPECT_EQ(Value("b"), "1");
}

TEST_F(KeyOperationsTest, CopyOfAMissingKeyIsNotFound) {
  EXPECT_EQ(OpCopy(keyspace_, 0, "a", 0, "b", ExistingTarget::kReplace), OpStatus::kKeyNotFound);
}

// ---- MOVE ----

TEST_F(KeyOperationsTest, MoveTransfersTheKeyAndItsTtl) {
  Store("k", "v", later_);

  OpStatus status = OpMove(keyspace_, 0, "k", 1);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Find("k"), nullptr);
  EXPECT_EQ(Value("k", 1), "v");
  EXPECT_EQ(ExpireMs("k", 1), later_);
}

TEST_F(KeyOperationsTest, MoveChangesNothingWhenTheTargetDatabaseHasTheKey) {
  Store("k", "here");
  Store("k", "there", kNoExpire, 1);

  EXPECT_EQ(OpMove(keyspace_, 0, "k", 1), OpStatus::kSkipped);

  EXPECT_EQ(Value("k"), "here");
  EXPECT_EQ(Value("k", 1), "there");
}

TEST_F(KeyOperationsTest, MoveOfAMissingKeyIsNotFound) {
  EXPECT_EQ(OpMove(keyspace_, 0, "k", 1), OpStatus::kKeyNotFound);
}

}  // namespace
}  // namespace redoubt::commands
