// Tests of the list commands (src/commands/list_commands.cc), run in-process through
// CommandHarness. Expected replies and error texts are Redis 7.0.15's, checked with redis-cli.
#include "commands/list_commands.h"

#include <gtest/gtest.h>

#include <string>

#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using test_support::CommandHarness;

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

TEST(ListCommandsTest, PushesReturnTheNewLengthAndKeepOrder) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"RPUSH", "l", "b", "c"}), ":2\r\n");
  EXPECT_EQ(h.Run({"LPUSH", "l", "a", "z"}), ":4\r\n");

  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}),
            "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
}

TEST(ListCommandsTest, PushXOnlyPushesToAnExistingList) {
  CommandHarness h;

  EXPECT_EQ(h.Run({"RPUSHX", "l", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "l"}), ":0\r\n");
  h.Run({"RPUSH", "l", "a"});
  EXPECT_EQ(h.Run({"LPUSHX", "l", "b", "c"}), ":3\r\n");
  EXPECT_EQ(h.Run({"RPUSHX", "l", "d"}), ":4\r\n");
}

TEST(ListCommandsTest, PopWithoutCountRepliesBulkOrNil) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});

  EXPECT_EQ(h.Run({"LPOP", "l"}), "$1\r\na\r\n");
  EXPECT_EQ(h.Run({"RPOP", "l"}), "$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LPOP", "missing"}), "$-1\r\n");
}

TEST(ListCommandsTest, PopWithCountRepliesArraysAsRedis7) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c", "d"});

  EXPECT_EQ(h.Run({"LPOP", "l", "2"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"RPOP", "l", "5"}), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "1"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "0"}), "*-1\r\n");
}

TEST(ListCommandsTest, PopCountErrors) {
  CommandHarness h;
  h.Run({"SET", "s", "v"});

  EXPECT_EQ(h.Run({"LPOP", "l", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "x"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "1", "2"}),
            "-ERR wrong number of arguments for 'lpop' command\r\n");
  EXPECT_EQ(h.Run({"RPOP", "s", "0"}), kWrongType);
}

TEST(ListCommandsTest, PoppingTheLastElementDeletesTheKey) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b"});

  h.Run({"RPOP", "l", "2"});

  EXPECT_EQ(h.Run({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LLEN", "l"}), ":0\r\n");
}

TEST(ListCommandsTest, LrangeClampsLikeRedis) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});

  EXPECT_EQ(h.Run({"LRANGE", "l", "-2", "100"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "2", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "missing", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "missing", "x", "1"}),
            "-ERR value is not an integer or out of range\r\n");
}

TEST(ListCommandsTest, LindexAnswersNilOutOfRangeAndForAMissingKey) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b"});

  EXPECT_EQ(h.Run({"LINDEX", "l", "-1"}), "$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "l", "2"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "missing", "x"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "l", "x"}), "-ERR value is not an integer or out of range\r\n");
}

TEST(ListCommandsTest, LsetReplacesOrRepliesRedisErrors) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b"});
  h.Run({"SET", "s", "v"});

  EXPECT_EQ(h.Run({"LSET", "l", "-1", "z"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "l", "1"}), "$1\r\nz\r\n");
  EXPECT_EQ(h.Run({"LSET", "l", "2", "z"}), "-ERR index out of range\r\n");
  EXPECT_EQ(h.Run({"LSET", "missing", "0", "z"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"LSET", "missing", "x", "z"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"LSET", "s", "x", "z"}), kWrongType);
  EXPECT_EQ(h.Run({"LSET", "l", "x", "z"}), "-ERR value is not an integer or out of range\r\n");
}

TEST(ListCommandsTest, ListCommandsOnAStringAreWrongType) {
  CommandHarness h;
  h.Run({"SET", "s", "v"});

  EXPECT_EQ(h.Run({"RPUSH", "s", "a"}), kWrongType);
  EXPECT_EQ(h.Run({"LPUSHX", "s", "a"}), kWrongType);
  EXPECT_EQ(h.Run({"LPOP", "s"}), kWrongType);
  EXPECT_EQ(h.Run({"LLEN", "s"}), kWrongType);
  EXPECT_EQ(h.Run({"LRANGE", "s", "0", "-1"}), kWrongType);
  EXPECT_EQ(h.Run({"LINDEX", "s", "0"}), kWrongType);
}

TEST(ListCommandsTest, StringCommandsOnAListAreWrongType) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"GET", "l"}), kWrongType);
  EXPECT_EQ(h.Run({"APPEND", "l", "x"}), kWrongType);
  EXPECT_EQ(h.Run({"INCR", "l"}), kWrongType);
  EXPECT_EQ(h.Run({"STRLEN", "l"}), kWrongType);
  EXPECT_EQ(h.Run({"SETRANGE", "l", "0", "x"}), kWrongType);
  EXPECT_EQ(h.Run({"MGET", "l"}), "*1\r\n$-1\r\n");
}

TEST(ListCommandsTest, SetOverwritesAList) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"SET", "l", "v"}), "+OK\r\n");

  EXPECT_EQ(h.Run({"GET", "l"}), "$1\r\nv\r\n");
}

TEST(ListCommandsTest, TypeAndEncodingNameTheList) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"TYPE", "l"}), "+list\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "l"}), "$9\r\nquicklist\r\n");
}

TEST(ListCommandsTest, CopyOfAListIsIndependent) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a"});

  EXPECT_EQ(h.Run({"COPY", "l", "c"}), ":1\r\n");
  h.Run({"RPUSH", "c", "b"});

  EXPECT_EQ(h.Run({"LLEN", "l"}), ":1\r\n");
  EXPECT_EQ(h.Run({"LLEN", "c"}), ":2\r\n");
}

TEST(ListCommandsTest, RenameAndExpireKeepTheList) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b"});

  EXPECT_EQ(h.Run({"EXPIRE", "l", "100"}), ":1\r\n");
  EXPECT_EQ(h.Run({"RENAME", "l", "m"}), "+OK\r\n");

  EXPECT_EQ(h.Run({"LRANGE", "m", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"TTL", "m"}), ":100\r\n");
}

TEST(ListCommandsTest, MemoryAccountingReturnsToZeroWhenTheListGoes) {
  CommandHarness h;
  h.Run({"RPUSH", "l", std::string(1000, 'x'), "b"});
  uint64_t with_list = h.keyspace().used_bytes();
  h.Run({"LSET", "l", "0", "a"});
  uint64_t after_lset = h.keyspace().used_bytes();

  h.Run({"LPOP", "l", "2"});

  EXPECT_GT(with_list, 1000u);
  EXPECT_LT(after_lset, with_list);
  EXPECT_EQ(h.keyspace().used_bytes(), 0u);
}

TEST(ListCommandsTest, AccountingStaysExactThroughExpireRenameMoveAndCopy) {
  CommandHarness h;
  h.Run({"RPUSH", "l", std::string(1000, 'x'), "b"});

  h.Run({"EXPIRE", "l", "100"});
  h.Run({"RENAME", "l", "other-shard-name"});
  h.Run({"MOVE", "other-shard-name", "1"});
  h.client().db = 1;
  h.Run({"COPY", "other-shard-name", "copy"});
  h.Run({"DEL", "other-shard-name", "copy"});

  EXPECT_EQ(h.keyspace().used_bytes(), 0u);
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST(ListCommandsTest, PushesAndPopsCountOneChangePerElement) {
  CommandHarness h;

  h.Run({"LPUSHX", "l", "a", "b"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(h.dirty(), 3u);
  h.Run({"LPOP", "l", "0"});
  EXPECT_EQ(h.dirty(), 0u);
  h.Run({"RPOP", "l"});
  EXPECT_EQ(h.dirty(), 1u);
  h.Run({"LPOP", "l", "10"});
  EXPECT_EQ(h.dirty(), 2u);  // what the list held, not the count asked for
  h.Run({"LPOP", "l", "10"});
  EXPECT_EQ(h.dirty(), 0u);
}

}  // namespace
}  // namespace redoubt::commands
