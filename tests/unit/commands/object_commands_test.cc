// Tests of OBJECT and its subcommands (src/commands/object_commands.cc), run in-process through
// CommandHarness. Expected replies and error texts are Redis 7.0.15's, checked with redis-cli.
#include "commands/object_commands.h"

#include <gtest/gtest.h>

#include <string>

#include "storage/access_tracking.h"
#include "support/command_test.h"

namespace redoubt::commands {
namespace {

class ObjectCommandsTest : public test_support::CommandTest {};

TEST_F(ObjectCommandsTest, ObjectEncodingOfStrings) {
  Run({"MSET", "i", "123", "e", "abc", "r", std::string(45, 'x')});

  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), "$3\r\nint\r\n");
  EXPECT_EQ(Run({"object", "encoding", "e"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "r"}), "$3\r\nraw\r\n");
}

TEST_F(ObjectCommandsTest, ObjectOfMissingKeyIsNull) {
  for (const char* sub : {"ENCODING", "REFCOUNT", "IDLETIME", "FREQ"}) {
    EXPECT_EQ(Run({"OBJECT", sub, "nokey"}), "$-1\r\n") << sub;
  }
}

TEST_F(ObjectCommandsTest, ObjectRefCountReportsSharedSmallIntegers) {
  Run({"MSET", "small", "123", "big", "10000", "neg", "-1", "s", "v"});

  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), ":2147483647\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "big"}), ":1\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "neg"}), ":1\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "s"}), ":1\r\n");
}

TEST_F(ObjectCommandsTest, ObjectRefCountWithMaxmemoryAndLruDoesNotShareIntegers) {
  Run({"SET", "small", "5"});
  h_.settings().maxmemory = 100 << 20;
  h_.settings().maxmemory_policy = storage::EvictionPolicy::kAllKeysLru;

  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), ":1\r\n");
}

TEST_F(ObjectCommandsTest, ObjectFreqNeedsAnLfuPolicy) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
}

TEST_F(ObjectCommandsTest, ObjectFreqUnderLfuStartsAtTheInitialCounter) {
  h_.settings().maxmemory_policy = storage::EvictionPolicy::kAllKeysLfu;
  h_.keyspace().set_lfu(true);
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}), ":" + std::to_string(storage::kLfuInitValue) + "\r\n");
}

TEST_F(ObjectCommandsTest, ObjectIdleTimeIsAnErrorUnderLfu) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), ":0\r\n");
  h_.settings().maxmemory_policy = storage::EvictionPolicy::kVolatileLfu;

  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}),
            Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                "that when switching between policies at runtime LRU and LFU data will take "
                "some time to adjust."));
}

TEST_F(ObjectCommandsTest, ObjectHelpAndErrors) {
  std::string help = Run({"OBJECT", "HELP"});

  EXPECT_EQ(help.substr(0, help.find("\r\n", 5) + 2),
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
  EXPECT_NE(help.find("+    Prints this help.\r\n"), std::string::npos);
  EXPECT_EQ(Run({"OBJECT", "BAD", "k"}), Err("ERR unknown subcommand 'BAD'. Try OBJECT HELP."));
  EXPECT_EQ(Run({"OBJECT"}), Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
}

}  // namespace
}  // namespace redoubt::commands
