// Tests of the string operations (src/commands/string_operations.cc) called directly on a
// Keyspace, as replication and MULTI will call them: what each one changes and what it returns,
// without a client or a reply. The commands' replies are string_commands_test.cc's business.
#include "commands/string_operations.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/op_status.h"
#include "common/shared_bytes.h"
#include "storage/entry.h"
#include "storage/keyspace.h"
#include "storage/list_value.h"

namespace redoubt::commands {
namespace {

using common::OpResult;
using common::OpStatus;
using storage::Access;
using storage::Entry;
using storage::kNoExpire;

class StringOperationsTest : public ::testing::Test {
 protected:
  StringOperationsTest() { locks_.LockAll(); }

  void Store(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire) {
    keyspace_.SetString(0, key, value, expire_ms, false);
  }
  // A one-element list, accounted as the list commands account it.
  void StoreList(std::string_view key) {
    storage::ListValue& list = keyspace_.CreateList(0, key)->mutable_list();
    size_t before = list.AllocatedBytes();
    list.PushBack("x");
    keyspace_.AdjustUsedBytes(key, static_cast<int64_t>(list.AllocatedBytes() - before));
  }
  const Entry* Find(std::string_view key) { return keyspace_.Find(0, key, Access::kNoTouch); }
  std::optional<std::string> Value(std::string_view key) {
    const Entry* e = Find(key);
    if (e == nullptr) {
      return std::nullopt;
    }
    return std::string(e->value());
  }
  int64_t ExpireMs(std::string_view key) { return Find(key)->expire_ms(); }

  static int64_t Future() { return common::UnixMillis() + 100'000; }

  storage::Keyspace keyspace_{16};
  storage::ShardLocks locks_{keyspace_};
  // What reader_, passed as a ValueReader, was given, in order.
  std::vector<std::string> read_;
  std::function<void(std::string_view)> reader_ = [this](std::string_view value) {
    read_.emplace_back(value);
  };
};

// ---- SET ----

TEST_F(StringOperationsTest, SetReplacesAValueOfAnyType) {
  StoreList("k");

  OpStatus status = OpSet(keyspace_, 0, "k", "v", {});

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Find("k")->type(), storage::ValueType::kString);
  EXPECT_EQ(Value("k"), "v");
}

TEST_F(StringOperationsTest, SetIfMissingLeavesAKeyOfAnyType) {
  StoreList("k");

  OpStatus status = OpSet(keyspace_, 0, "k", "v", {.condition = SetParams::Condition::kIfMissing});

  EXPECT_EQ(status, OpStatus::kSkipped);
  EXPECT_EQ(Find("k")->type(), storage::ValueType::kList);
}

TEST_F(StringOperationsTest, SetIfExistsCreatesNothing) {
  OpStatus status = OpSet(keyspace_, 0, "k", "v", {.condition = SetParams::Condition::kIfExists});

  EXPECT_EQ(status, OpStatus::kSkipped);
  EXPECT_EQ(Find("k"), nullptr);
}

TEST_F(StringOperationsTest, SetWithAnExpireTimeThatHasPassedDeletesTheKey) {
  Store("k", "old");

  OpStatus status = OpSet(keyspace_, 0, "k", "v", {.expire_at_ms = 1});

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Find("k"), nullptr);
}

TEST_F(StringOperationsTest, SetKeepsTheTtlOnlyWithKeepTtl) {
  int64_t at = Future();
  Store("a", "old", at);
  Store("b", "old", at);

  ASSERT_EQ(OpSet(keyspace_, 0, "a", "v", {.keep_ttl = true}), OpStatus::kOk);
  ASSERT_EQ(OpSet(keyspace_, 0, "b", "v", {}), OpStatus::kOk);

  EXPECT_EQ(ExpireMs("a"), at);
  EXPECT_EQ(ExpireMs("b"), kNoExpire);
}

TEST_F(StringOperationsTest, SetKeepsALargeValueInTheBlockItArrivedIn) {
  std::string bytes(storage::kLargeValueBytes, 'x');
  common::SharedBytesRef block(common::SharedBytes::Copy(bytes, bytes.size()));
  const char* data = block->data();
  std::string_view value(data, bytes.size());

  ASSERT_EQ(OpSet(keyspace_, 0, "k", value, {}, &block), OpStatus::kOk);

  ASSERT_TRUE(Find("k")->has_large_value());
  EXPECT_EQ(Find("k")->value().data(), data);
  EXPECT_FALSE(block);  // the entry took the reference
}

TEST_F(StringOperationsTest, SetAndGetRefusesAnotherTypeBeforeReadingOrChangingAnything) {
  StoreList("k");

  OpStatus status = OpSetAndGet(keyspace_, 0, "k", "v", {}, nullptr, reader_);

  EXPECT_EQ(status, OpStatus::kWrongType);
  EXPECT_TRUE(read_.empty());
  EXPECT_EQ(Find("k")->type(), storage::ValueType::kList);
}

TEST_F(StringOperationsTest, SetAndGetReadsThePreviousValueEvenWhenTheConditionRefuses) {
  Store("k", "old");

  OpStatus status = OpSetAndGet(keyspace_, 0, "k", "v",
                                {.condition = SetParams::Condition::kIfMissing}, nullptr, reader_);

  EXPECT_EQ(status, OpStatus::kSkipped);
  EXPECT_EQ(read_, std::vector<std::string>{"old"});
  EXPECT_EQ(Value("k"), "old");
}

TEST_F(StringOperationsTest, SetAndGetReadsNothingForAMissingKey) {
  OpStatus status = OpSetAndGet(keyspace_, 0, "k", "v", {}, nullptr, reader_);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_TRUE(read_.empty());
  EXPECT_EQ(Value("k"), "v");
}

// ---- MSET MSETNX ----

TEST_F(StringOperationsTest, MSetStoresEveryPairAndTheLastValueOfARepeatedKeyWins) {
  std::vector<std::string_view> pairs = {"a", "1", "b", "2", "a", "3"};

  OpMSet(keyspace_, 0, pairs);

  EXPECT_EQ(Value("a"), "3");
  EXPECT_EQ(Value("b"), "2");
}

TEST_F(StringOperationsTest, MSetNxChangesNothingWhenAnyKeyExists) {
  StoreList("b");
  std::vector<std::string_view> pairs = {"a", "1", "b", "2"};

  OpStatus status = OpMSetNx(keyspace_, 0, pairs);

  EXPECT_EQ(status, OpStatus::kSkipped);
  EXPECT_EQ(Find("a"), nullptr);
}

TEST_F(StringOperationsTest, MSetNxStoresEveryPairWhenNoKeyExists) {
  std::vector<std::string_view> pairs = {"a", "1", "b", "2"};

  OpStatus status = OpMSetNx(keyspace_, 0, pairs);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(Value("b"), "2");
}

// ---- INCRBY INCRBYFLOAT ----

TEST_F(StringOperationsTest, IncrByStartsAtZeroForAMissingKey) {
  OpResult<int64_t> result = OpIncrBy(keyspace_, 0, "n", -5);

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, -5);
  EXPECT_EQ(Value("n"), "-5");
}

TEST_F(StringOperationsTest, IncrByKeepsTheTtl) {
  int64_t at = Future();
  Store("n", "10", at);

  ASSERT_TRUE(OpIncrBy(keyspace_, 0, "n", 1).ok());

  EXPECT_EQ(Value("n"), "11");
  EXPECT_EQ(ExpireMs("n"), at);
}

TEST_F(StringOperationsTest, IncrByRefusesANonIntegerAnOverflowAndAnotherType) {
  Store("text", "1.5");
  Store("big", "9223372036854775807");
  StoreList("list");

  EXPECT_EQ(OpIncrBy(keyspace_, 0, "text", 1).status(), OpStatus::kNotAnInteger);
  EXPECT_EQ(OpIncrBy(keyspace_, 0, "big", 1).status(), OpStatus::kOverflow);
  EXPECT_EQ(OpIncrBy(keyspace_, 0, "list", 1).status(), OpStatus::kWrongType);

  EXPECT_EQ(Value("text"), "1.5");
  EXPECT_EQ(Value("big"), "9223372036854775807");
}

TEST_F(StringOperationsTest, IncrByFloatStoresAndReturnsRedisText) {
  Store("f", "10.50");

  OpResult<std::string> text = OpIncrByFloat(keyspace_, 0, "f", 0.25L);

  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "10.75");
  EXPECT_EQ(Value("f"), "10.75");
}

TEST_F(StringOperationsTest, IncrByFloatRefusesANonNumberAndAnInfiniteSum) {
  Store("text", "abc");
  Store("huge", "1e4932");

  EXPECT_EQ(OpIncrByFloat(keyspace_, 0, "text", 1).status(), OpStatus::kNotAFloat);
  EXPECT_EQ(OpIncrByFloat(keyspace_, 0, "huge", 1e4932L).status(), OpStatus::kNotFinite);

  EXPECT_EQ(Value("huge"), "1e4932");
}

// ---- APPEND SETRANGE ----

TEST_F(StringOperationsTest, AppendCreatesAMissingKeyAsSetWould) {
  OpResult<size_t> length = OpAppend(keyspace_, 0, "k", "123", 100);

  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 3u);
  EXPECT_EQ(Find("k")->encoding(), storage::Encoding::kInt);
}

TEST_F(StringOperationsTest, AppendAddsToTheEndAndReturnsTheNewLength) {
  Store("k", "abc");

  OpResult<size_t> length = OpAppend(keyspace_, 0, "k", "de", 100);

  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 5u);
  EXPECT_EQ(Value("k"), "abcde");
}

TEST_F(StringOperationsTest, AppendRefusesAValueLongerThanTheLimit) {
  Store("k", "abc");

  OpResult<size_t> length = OpAppend(keyspace_, 0, "k", "def", 5);

  EXPECT_EQ(length.status(), OpStatus::kStringTooLong);
  EXPECT_EQ(Value("k"), "abc");
}

TEST_F(StringOperationsTest, SetRangePadsAMissingKeyWithZeroBytes) {
  OpResult<size_t> length = OpSetRange(keyspace_, 0, "k", 3, "ab", 100);

  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 5u);
  EXPECT_EQ(Value("k"), std::string("\0\0\0ab", 5));
}

TEST_F(StringOperationsTest, SetRangeOfAnEmptyValueCreatesNothing) {
  OpResult<size_t> length = OpSetRange(keyspace_, 0, "k", 3, "", 100);

  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 0u);
  EXPECT_EQ(Find("k"), nullptr);
}

TEST_F(StringOperationsTest, SetRangeRefusesAResultLongerThanTheLimitAndAnotherType) {
  Store("k", "abc");
  StoreList("list");

  EXPECT_EQ(OpSetRange(keyspace_, 0, "k", 4, "xy", 5).status(), OpStatus::kStringTooLong);
  EXPECT_EQ(OpSetRange(keyspace_, 0, "list", 0, "xy", 5).status(), OpStatus::kWrongType);

  EXPECT_EQ(Value("k"), "abc");
}

// ---- GETDEL GETEX ----

TEST_F(StringOperationsTest, GetDelReadsTheValueThenDeletesTheKey) {
  Store("k", "v");

  OpStatus status = OpGetDel(keyspace_, 0, "k", reader_);

  EXPECT_EQ(status, OpStatus::kOk);
  EXPECT_EQ(read_, std::vector<std::string>{"v"});
  EXPECT_EQ(Find("k"), nullptr);
}

TEST_F(StringOperationsTest, GetDelLeavesAMissingKeyAndAnotherTypeUnread) {
  StoreList("list");

  EXPECT_EQ(OpGetDel(keyspace_, 0, "missing", reader_), OpStatus::kKeyNotFound);
  EXPECT_EQ(OpGetDel(keyspace_, 0, "list", reader_), OpStatus::kWrongType);

  EXPECT_TRUE(read_.empty());
  EXPECT_NE(Find("list"), nullptr);
}

TEST_F(StringOperationsTest, GetExWithoutOptionsReadsAndChangesNothing) {
  int64_t at = Future();
  Store("k", "v", at);

  OpResult<GetExChange> changed = OpGetEx(keyspace_, 0, "k", {}, reader_);

  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, GetExChange::kNone);
  EXPECT_EQ(read_, std::vector<std::string>{"v"});
  EXPECT_EQ(ExpireMs("k"), at);
}

TEST_F(StringOperationsTest, GetExPersistChangesOnlyAKeyWithATtl) {
  Store("volatile", "v", Future());
  Store("persistent", "v");

  OpResult<GetExChange> removed = OpGetEx(keyspace_, 0, "volatile", {.persist = true}, reader_);
  OpResult<GetExChange> nothing = OpGetEx(keyspace_, 0, "persistent", {.persist = true}, reader_);

  EXPECT_TRUE(removed.ok() && *removed == GetExChange::kPersisted);
  EXPECT_TRUE(nothing.ok() && *nothing == GetExChange::kNone);
  EXPECT_EQ(ExpireMs("volatile"), kNoExpire);
}

TEST_F(StringOperationsTest, GetExSetsAnExpireTimeOrDeletesWhenItHasPassed) {
  Store("later", "v");
  Store("past", "v");
  int64_t at = Future();

  OpResult<GetExChange> set = OpGetEx(keyspace_, 0, "later", {.expire_at_ms = at}, reader_);
  OpResult<GetExChange> deleted = OpGetEx(keyspace_, 0, "past", {.expire_at_ms = 1}, reader_);

  EXPECT_TRUE(set.ok() && *set == GetExChange::kExpireSet);
  EXPECT_EQ(ExpireMs("later"), at);
  EXPECT_TRUE(deleted.ok() && *deleted == GetExChange::kDeleted);
  EXPECT_EQ(Find("past"), nullptr);
  EXPECT_EQ(read_, (std::vector<std::string>{"v", "v"}));
}

TEST_F(StringOperationsTest, GetExOfAMissingKeyOrAnotherTypeReadsNothing) {
  StoreList("list");

  EXPECT_EQ(OpGetEx(keyspace_, 0, "missing", {.persist = true}, reader_).status(),
            OpStatus::kKeyNotFound);
  EXPECT_EQ(OpGetEx(keyspace_, 0, "list", {.persist = true}, reader_).status(),
            OpStatus::kWrongType);

  EXPECT_TRUE(read_.empty());
}

}  // namespace
}  // namespace redoubt::commands
