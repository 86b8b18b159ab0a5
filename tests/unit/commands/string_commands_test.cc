// In-process tests of the string commands: SET's options and their precedence, counters and
// their overflow errors, encodings after APPEND/SETRANGE, GETEX's and INCRBYFLOAT's order of
// checks, SET keeping a large argument's block.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/shared_bytes.h"
#include "storage/entry.h"
#include "storage/keyspace.h"
#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using redoubt::test_support::CommandHarness;

TEST(StringCommandsTest, SetNxXxAndGet) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"SET", "k", "v1", "XX"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v1", "NX"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v2", "NX", "GET"}), "$2\r\nv1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v3", "XX", "GET"}), "$2\r\nv1\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$2\r\nv3\r\n");
}

TEST(StringCommandsTest, SetOptionSyntaxIsCheckedBeforeTheTimeValue) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "abc", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "abc"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "PX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "KEEPTTL", "EX", "10"}), "-ERR syntax error\r\n");
}

TEST(StringCommandsTest, SetWithPastAbsoluteTimeLeavesNoKey) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"SET", "k", "v", "PXAT", "1"}), "+OK\r\n");

  EXPECT_EQ(h.Run({"EXISTS", "k"}), ":0\r\n");
}

TEST(StringCommandsTest, IncrementOverflowAndNonIntegers) {
  CommandHarness h;
  h.Run({"SET", "big", "9223372036854775807"});
  h.Run({"SET", "text", "abc"});

  EXPECT_EQ(h.Run({"INCR", "big"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(h.Run({"INCR", "text"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"DECRBY", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
  EXPECT_EQ(h.Run({"INCRBY", "n", "5"}), ":5\r\n");
}

TEST(StringCommandsTest, IncrByFloatFormatsLikeRedis) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "10.50"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "-0.5"}), "$2\r\n10\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "nan"}), "-ERR value is not a valid float\r\n");
}

TEST(StringCommandsTest, AppendAndSetRangeMakeRawStrings) {
  CommandHarness h;
  h.Run({"SET", "n", "12"});

  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "n"}), "$3\r\nint\r\n");
  EXPECT_EQ(h.Run({"APPEND", "n", "3"}), ":3\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "n"}), "$3\r\nraw\r\n");
  EXPECT_EQ(h.Run({"SETRANGE", "s", "3", "ab"}), ":5\r\n");
  EXPECT_EQ(h.Run({"GET", "s"}), std::string("$5\r\n\0\0\0ab\r\n", 11));
}

TEST(StringCommandsTest, GetExAnswersMissingKeyBeforeLookingAtTheTime) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"GETEX", "missing", "EX", "abc"}), "$-1\r\n");
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"GETEX", "k", "EX", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"GETEX", "k", "EX", "100"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.Run({"TTL", "k"}), ":100\r\n");
}

TEST(StringCommandsTest, GetExAnswersAKeyOfAnotherTypeBeforeLookingAtTheTime) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"GETEX", "l", "EX", "abc"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"GETEX", "l", "PX", "0"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST(StringCommandsTest, IncrByFloatAnswersAKeyOfAnotherTypeBeforeLookingAtTheIncrement) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"INCRBYFLOAT", "l", "abc"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "missing", "abc"}), "-ERR value is not a valid float\r\n");
}

TEST(StringCommandsTest, SetKeepsALargeValueInTheBlockItWasReadInto) {
  CommandHarness h;
  std::string bytes(storage::kLargeValueBytes, 'x');
  common::SharedBytesRef block(common::SharedBytes::Copy(bytes, bytes.size()));
  std::string_view value(block->data(), bytes.size());
  h.client().set_large_argument(block.Copy());

  EXPECT_EQ(h.RunArgs({"SET", "k", value}), "+OK\r\n");

  storage::ShardLocks locks(h.keyspace());
  locks.LockAll();
  EXPECT_EQ(h.keyspace().Find(0, "k", storage::Access::kNoTouch)->value().data(), block->data());
}

TEST(StringCommandsTest, StringCommandsOnAListAreWrongType) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"GET", "l"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"APPEND", "l", "x"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"SET", "l", "v"}), "+OK\r\n");
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST(StringCommandsTest, SetCountsOnlyWhenItSets) {
  CommandHarness h;

  h.Run({"SET", "k", "v", "XX"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"SET", "k", "v", "NX", "GET"});
  EXPECT_EQ(h.dirty(), 1u);
  h.Run({"SET", "k", "v", "NX"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"SETNX", "k", "v"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"SET", "k", "v", "PXAT", "1"});
  EXPECT_EQ(h.dirty(), 1u);  // set, then gone at once: still a change, as in Redis
  h.Run({"SET", "k", "v", "EX", "0"});
  EXPECT_EQ(h.dirty(), 0u);
}

TEST(StringCommandsTest, MSetCountsEveryPairAndMSetNxOnlyWhenItSets) {
  CommandHarness h;

  h.Run({"MSET", "a", "1", "b", "2", "a", "3"});
  EXPECT_EQ(h.dirty(), 3u);
  h.Run({"MSETNX", "a", "1", "c", "2"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"MSETNX", "c", "1", "d", "2"});
  EXPECT_EQ(h.dirty(), 2u);
}

TEST(StringCommandsTest, SetRangeOfAnEmptyStringIsNoChangeButAppendingOneIs) {
  CommandHarness h;
  h.Run({"SET", "k", "abc"});

  h.Run({"SETRANGE", "k", "1", ""});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"SETRANGE", "k", "1", "x"});
  EXPECT_EQ(h.dirty(), 1u);
  h.Run({"APPEND", "k", ""});
  EXPECT_EQ(h.dirty(), 1u);
}

TEST(StringCommandsTest, GetExAndGetDelCountOnlyWhatTheyChange) {
  CommandHarness h;
  h.Run({"SET", "k", "v"});

  h.Run({"GETEX", "k"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"GETEX", "k", "PERSIST"});
  EXPECT_EQ(h.dirty(), 0u);  // there was no TTL to remove
  h.Run({"GETEX", "k", "EX", "100"});
  EXPECT_EQ(h.dirty(), 1u);
  h.Run({"GETEX", "k", "PERSIST"});
  EXPECT_EQ(h.dirty(), 1u);
  h.Run({"GETEX", "k", "EXAT", "1"});
  EXPECT_EQ(h.dirty(), 1u);  // deleted
  h.Run({"GETDEL", "k"});
  EXPECT_EQ(h.dirty(), 0u);
}

}  // namespace
}  // namespace redoubt::commands
