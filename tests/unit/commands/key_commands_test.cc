// Tests of the commands on named keys (src/commands/key_commands.cc: DEL UNLINK EXISTS TOUCH
// TYPE RENAME RENAMENX COPY MOVE), run in-process through CommandHarness. Expected replies and
// error texts are Redis 7.0.15's, checked with redis-cli.
#include "commands/key_commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/command_test.h"

namespace redoubt::commands {
namespace {

class KeyCommandsTest : public test_support::CommandTest {};

// ---- DEL UNLINK EXISTS TOUCH TYPE ----

TEST_F(KeyCommandsTest, DelCountsEachDeletedKeyOnce) {
  Run({"MSET", "a", "1", "b", "2"});

  std::string reply = Run({"DEL", "a", "nokey", "a", "b"});

  EXPECT_EQ(reply, ":2\r\n");
  EXPECT_EQ(Run({"EXISTS", "a", "b"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, DelDoesNotCountAnExpiredKey) {
  SetExpiredKey("old");

  EXPECT_EQ(Run({"DEL", "old"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, UnlinkDeletesLikeDel) {
  Run({"MSET", "a", "1", "b", "2"});

  EXPECT_EQ(Run({"UNLINK", "a", "b", "c"}), ":2\r\n");
}

TEST_F(KeyCommandsTest, ExistsCountsARepeatedKeyEachTime) {
  Run({"SET", "a", "1"});

  EXPECT_EQ(Run({"EXISTS", "a", "a", "nokey"}), ":2\r\n");
}

TEST_F(KeyCommandsTest, TouchCountsExistingKeys) {
  Run({"SET", "a", "1"});

  EXPECT_EQ(Run({"TOUCH", "a", "nokey"}), ":1\r\n");
}

TEST_F(KeyCommandsTest, TypeIsStringOrNone) {
  Run({"SET", "s", "v"});

  EXPECT_EQ(Run({"TYPE", "s"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "nokey"}), "+none\r\n");
}

TEST_F(KeyCommandsTest, WrongArityNamesTheCommandInLowerCase) {
  EXPECT_EQ(Run({"DEL"}), Err("ERR wrong number of arguments for 'del' command"));
  EXPECT_EQ(Run({"TYPE", "a", "b"}), Err("ERR wrong number of arguments for 'type' command"));
}

// ---- RENAME RENAMENX ----

TEST_F(KeyCommandsTest, RenameMovesValueAndTtl) {
  Run({"SET", "a", "v", "EX", "100"});
  Run({"SET", "b", "old"});

  EXPECT_EQ(Run({"RENAME", "a", "b"}), "+OK\r\n");

  EXPECT_EQ(Run({"GET", "b"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"TTL", "b"}), ":100\r\n");
  EXPECT_EQ(Run({"EXISTS", "a"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, RenameOfMissingKeyIsAnErrorEvenToItself) {
  EXPECT_EQ(Run({"RENAME", "nokey", "x"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"RENAME", "nokey", "nokey"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"RENAMENX", "nokey", "x"}), Err("ERR no such key"));
}

TEST_F(KeyCommandsTest, RenameToItselfLeavesTheKey) {
  Run({"SET", "a", "v"});

  EXPECT_EQ(Run({"RENAME", "a", "a"}), "+OK\r\n");
  EXPECT_EQ(Run({"RENAMENX", "a", "a"}), ":0\r\n");

  EXPECT_EQ(Run({"GET", "a"}), "$1\r\nv\r\n");
}

TEST_F(KeyCommandsTest, RenameNxDoesNotOverwrite) {
  Run({"MSET", "a", "1", "b", "2"});

  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), ":0\r\n");
  EXPECT_EQ(Run({"RENAMENX", "a", "c"}), ":1\r\n");

  EXPECT_EQ(Run({"GET", "b"}), "$1\r\n2\r\n");
  EXPECT_EQ(Run({"GET", "c"}), "$1\r\n1\r\n");
}

// ---- COPY MOVE ----

TEST_F(KeyCommandsTest, CopyKeepsTheSourceAndCopiesTheTtl) {
  Run({"SET", "a", "v", "EX", "100"});

  EXPECT_EQ(Run({"COPY", "a", "b"}), ":1\r\n");

  EXPECT_EQ(Run({"GET", "a"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"GET", "b"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"TTL", "b"}), ":100\r\n");
}

TEST_F(KeyCommandsTest, CopyOverwritesOnlyWithReplace) {
  Run({"MSET", "a", "1", "b", "2"});

  EXPECT_EQ(Run({"COPY", "a", "b"}), ":0\r\n");
  EXPECT_EQ(Run({"GET", "b"}), "$1\r\n2\r\n");
  EXPECT_EQ(Run({"COPY", "a", "b", "REPLACE"}), ":1\r\n");

  EXPECT_EQ(Run({"GET", "b"}), "$1\r\n1\r\n");
}

TEST_F(KeyCommandsTest, CopyToAnotherDatabase) {
  Run({"SET", "a", "v"});

  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "1"}), ":1\r\n");

  h_.client().db = 1;
  EXPECT_EQ(Run({"GET", "a"}), "$1\r\nv\r\n");
}

TEST_F(KeyCommandsTest, CopyErrors) {
  Run({"SET", "a", "v"});

  EXPECT_EQ(Run({"COPY", "a", "a"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "nokey", "nokey"}),
            Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "0"}),
            Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "c", "DB", "abc"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "c", "DB", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "c", "DB", "-1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "c", "DB"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a", "c", "BAD"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "nokey", "c"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, MoveTransfersKeyAndTtlToAnotherDatabase) {
  Run({"SET", "k", "v", "EX", "100"});

  EXPECT_EQ(Run({"MOVE", "k", "1"}), ":1\r\n");

  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
  h_.client().db = 1;
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(KeyCommandsTest, MoveFailsWhenTheTargetHasTheKey) {
  Run({"SET", "k", "v0"});
  h_.client().db = 1;
  Run({"SET", "k", "v1"});
  h_.client().db = 0;

  EXPECT_EQ(Run({"MOVE", "k", "1"}), ":0\r\n");
  EXPECT_EQ(Run({"MOVE", "nokey", "1"}), ":0\r\n");

  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv0\r\n");
}

TEST_F(KeyCommandsTest, MoveErrorsCheckTheDatabaseBeforeTheKey) {
  EXPECT_EQ(Run({"MOVE", "nokey", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "k", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MOVE", "k", "99"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "k", "4294967296"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST_F(KeyCommandsTest, DelCountsKeysDeletedButNotExpiredOnes) {
  Run({"MSET", "a", "1", "b", "2"});
  SetExpiredKey("gone");

  Run({"DEL", "a", "a", "b", "gone", "missing"});

  EXPECT_EQ(h_.dirty(), 2u);
}

TEST_F(KeyCommandsTest, RenameToItselfDoesNotCountButRenameCopyAndMoveDo) {
  Run({"SET", "k", "v"});

  Run({"RENAME", "k", "k"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"RENAMENX", "k", "k2"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"COPY", "k2", "k3"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"MOVE", "k3", "1"});
  EXPECT_EQ(h_.dirty(), 1u);
}

}  // namespace
}  // namespace redoubt::commands
