// Tests of commands::Dispatcher's stages (src/commands/dispatcher.cc), through CommandHarness's
// test client: each refusal's text is Redis 7.0.15's, a refusal stops the stages after it and
// is counted as a rejected call, and a command that ran is accounted (calls, failures, dirty,
// SLOWLOG with redactions).
#include "commands/dispatcher.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using test_support::Err;

class DispatcherTest : public ::testing::Test {
 protected:
  const CommandCounters& Counters(std::string_view name) {
    const CommandSpec* spec = h_.services().table.Find(name);
    return h_.stats().commands[spec->stats_index];
  }
  void SetUser(std::string_view name, std::vector<std::string_view> rules) {
    ASSERT_TRUE(h_.acl().SetUser(name, rules).ok());
    h_.client().set_user(h_.acl().Find(name), true);
  }

  test_support::CommandHarness h_;
};

TEST_F(DispatcherTest, UnknownCommandEchoesItsArgumentsAsRedisDoes) {
  EXPECT_EQ(h_.Run({"NOSUCH", "a", "b"}),
            Err("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' "));
  EXPECT_EQ(h_.Run({"NOSUCH"}), Err("ERR unknown command 'NOSUCH', with args beginning with: "));
}

TEST_F(DispatcherTest, UnknownSubcommandNamesTheCommandInUpperCase) {
  EXPECT_EQ(h_.Run({"object", "nosuch", "k"}),
            Err("ERR unknown subcommand 'nosuch'. Try OBJECT HELP."));
}

TEST_F(DispatcherTest, WrongArityIsRejectedAndCountedAsRejected) {
  EXPECT_EQ(h_.Run({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(h_.Run({"GET", "a", "b"}), Err("ERR wrong number of arguments for 'get' command"));

  EXPECT_EQ(Counters("get").rejected_calls.Get(), 2u);
  EXPECT_EQ(Counters("get").calls.Get(), 0u);
}

TEST_F(DispatcherTest, NoAuthWhileTheDefaultUserNeedsAPassword) {
  h_.acl().SetDefaultPassword("secret");
  h_.client().set_user(h_.acl().Find("default"), false);

  EXPECT_EQ(h_.Run({"SET", "k", "v"}), Err("NOAUTH Authentication required."));
  EXPECT_EQ(h_.Run({"EXISTS", "k"}), Err("NOAUTH Authentication required."));
  EXPECT_EQ(Counters("set").rejected_calls.Get(), 1u);
}

TEST_F(DispatcherTest, AclRefusesCommandsAndKeysWithRedisTextsAndLogsThem) {
  SetUser("alice", {"on", "nopass", "+get", "~allowed*"});

  EXPECT_EQ(h_.Run({"SET", "allowed1", "v"}),
            Err("NOPERM this user has no permissions to run the 'set' command"));
  EXPECT_EQ(h_.Run({"GET", "other"}),
            Err("NOPERM this user has no permissions to access one of the keys used as "
                "arguments"));
  EXPECT_EQ(h_.Run({"GET", "allowed1"}), "$-1\r\n");

  EXPECT_EQ(h_.acl().stats().denied_cmd.load(), 1u);
  EXPECT_EQ(h_.acl().stats().denied_key.load(), 1u);
  std::vector<security::AclLogEntry> log = h_.acl().log().Latest(10);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].reason, "key");
  EXPECT_EQ(log[0].object, "other");
  EXPECT_EQ(log[1].reason, "command");
  EXPECT_EQ(log[1].object, "set");
  EXPECT_EQ(log[1].username, "alice");
  EXPECT_EQ(Counters("get").rejected_calls.Get(), 1u);
  EXPECT_EQ(Counters("get").calls.Get(), 1u);
}

TEST_F(DispatcherTest, ClientPauseHoldsWritesWithoutAReply) {
  h_.services().pause.Pause(common::UnixMillis() + 60000, /*writes_only=*/true);
  std::vector<std::string_view> set = {"SET", "k", "v"};
  std::vector<std::string_view> get = {"GET", "k"};
  Dispatcher dispatcher(h_.services(), h_.stats());

  EXPECT_EQ(dispatcher.Execute(h_.client(), set), Dispatcher::Outcome::kHeld);
  EXPECT_EQ(h_.client().output(), "");
  EXPECT_EQ(dispatcher.Execute(h_.client(), get), Dispatcher::Outcome::kDone);
  EXPECT_EQ(h_.client().output(), "$-1\r\n");

  h_.services().pause.Unpause();
  EXPECT_EQ(h_.Run({"SET", "k", "v"}), "+OK\r\n");
}

TEST_F(DispatcherTest, MaxmemoryWithoutEvictionRefusesWritesButNotReads) {
  h_.Run({"SET", "k", "v"});
  h_.settings().maxmemory = 1;

  EXPECT_EQ(h_.Run({"SET", "k2", "v"}),
            Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(h_.Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Counters("set").rejected_calls.Get(), 1u);
}

TEST_F(DispatcherTest, CallsFailuresAndChangesAreAccounted) {
  h_.Run({"SET", "k", "v"});
  h_.Run({"INCR", "k"});

  EXPECT_EQ(Counters("set").calls.Get(), 1u);
  EXPECT_EQ(Counters("incr").calls.Get(), 1u);
  EXPECT_EQ(Counters("incr").failed_calls.Get(), 1u);
  EXPECT_EQ(h_.stats().commands_processed.Get(), 2u);
  EXPECT_EQ(h_.stats().dirty.Get(), 1u);
}

TEST_F(DispatcherTest, SlowlogKeepsRedactedArgumentsHidden) {
  h_.services().slowlog.set_slower_than_us(0);
  h_.client().RedactArgument(2);  // as AUTH would mark its password

  h_.Run({"SET", "k", "secret"});

  std::vector<SlowlogEntry> entries = h_.services().slowlog.Newest(10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].args, (std::vector<std::string>{"SET", "k", "(redacted)"}));
  EXPECT_EQ(entries[0].peer, "test:0");
  // Redactions last for one command.
  h_.Run({"SET", "k", "visible"});
  EXPECT_EQ(h_.services().slowlog.Newest(1)[0].args[2], "visible");
}

}  // namespace
}  // namespace redoubt::commands
