// Tests of DBSIZE, FLUSHDB, FLUSHALL and SWAPDB (src/commands/database_commands.cc), run
// in-process through CommandHarness. Expected replies and error texts are Redis 7.0.15's,
// checked with redis-cli.
#include "commands/database_commands.h"

#include <gtest/gtest.h>

#include "support/command_test.h"

namespace redoubt::commands {
namespace {

class DatabaseCommandsTest : public test_support::CommandTest {};

TEST_F(DatabaseCommandsTest, FlushDbEmptiesOnlyTheCurrentDatabase) {
  Run({"MSET", "a", "1", "b", "2"});
  h_.client().db = 1;
  Run({"SET", "c", "3"});

  EXPECT_EQ(Run({"FLUSHDB"}), "+OK\r\n");

  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  h_.client().db = 0;
  EXPECT_EQ(Run({"DBSIZE"}), ":2\r\n");
}

TEST_F(DatabaseCommandsTest, FlushAllEmptiesEveryDatabase) {
  Run({"SET", "a", "1"});
  h_.client().db = 1;
  Run({"SET", "b", "2"});

  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), "+OK\r\n");

  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  h_.client().db = 0;
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(DatabaseCommandsTest, FlushAcceptsOneSyncOrAsyncOnly) {
  EXPECT_EQ(Run({"FLUSHDB", "sync"}), "+OK\r\n");
  EXPECT_EQ(Run({"FLUSHDB", "BAD"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC", "SYNC"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHALL", "SYNC", "ASYNC"}), Err("ERR syntax error"));
}

TEST_F(DatabaseCommandsTest, SwapDbExchangesTheData) {
  Run({"SET", "k", "in-db0"});
  h_.client().db = 1;
  Run({"SET", "k", "in-db1"});

  EXPECT_EQ(Run({"SWAPDB", "0", "1"}), "+OK\r\n");

  EXPECT_EQ(Run({"GET", "k"}), "$6\r\nin-db0\r\n");
  EXPECT_EQ(Run({"SWAPDB", "1", "1"}), "+OK\r\n");
}

TEST_F(DatabaseCommandsTest, SwapDbErrors) {
  EXPECT_EQ(Run({"SWAPDB", "a", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "b"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "99", "b"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "4294967296", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SWAPDB", "-1", "0"}), Err("ERR DB index is out of range"));
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST_F(DatabaseCommandsTest, FlushCountsEveryKeyRemovedIncludingExpiredOnesNotYetDeleted) {
  Run({"MSET", "a", "1", "b", "2"});
  SetExpiredKey("gone");  // Redis's emptyData counts it too: it is still in the table
  h_.client().db = 2;
  Run({"SET", "c", "3"});

  Run({"FLUSHDB"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"FLUSHALL"});
  EXPECT_EQ(h_.dirty(), 3u);
  Run({"FLUSHALL"});
  EXPECT_EQ(h_.dirty(), 0u);
}

TEST_F(DatabaseCommandsTest, SwapDbOfADatabaseWithItselfStillCounts) {
  Run({"SET", "k", "v"});

  Run({"SWAPDB", "0", "0"});

  EXPECT_EQ(h_.dirty(), 1u);
}

}  // namespace
}  // namespace redoubt::commands
