// Tests of keyspace notifications (src/commands/keyspace_notifications.cc): the flags' letters,
// and the events commands publish, run in-process through CommandHarness, whose bus records
// "channel message". Names, classes and order are Redis 7.0.15's (notify.c and the command
// families that call notifyKeyspaceEvent). The harness's keyspace has no observer, so the
// keyspace's own events ("new", "expired", …) do not appear here.
#include "commands/keyspace_notifications.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using test_support::CommandHarness;
using Messages = std::vector<std::string>;

// The harness with notify-keyspace-events set to `flags`.
void Enable(CommandHarness& h, std::string_view flags) {
  h.settings().notify_keyspace_events.store(*ParseNotifyFlags(flags));
}

// What one command published.
Messages Published(CommandHarness& h, const std::vector<std::string>& command) {
  h.published().clear();
  h.Run(command);
  return h.published();
}

TEST(KeyspaceNotificationsTest, FlagsParseAndFormatAsRedisDoes) {
  EXPECT_EQ(ParseNotifyFlags("KEA"), kNotifyKeyspace | kNotifyKeyevent | kNotifyAll);
  EXPECT_EQ(ParseNotifyFlags("Elg"), kNotifyKeyevent | kNotifyList | kNotifyGeneric);
  EXPECT_EQ(ParseNotifyFlags(""), 0u);
  EXPECT_EQ(ParseNotifyFlags("Kq"), std::nullopt);

  EXPECT_EQ(FormatNotifyFlags(*ParseNotifyFlags("KEA")), "AKE");
  EXPECT_EQ(FormatNotifyFlags(*ParseNotifyFlags("Elg$")), "g$lE");
  EXPECT_EQ(FormatNotifyFlags(*ParseNotifyFlags("KEAnm")), "AKEm");
}

TEST(KeyspaceNotificationsTest, NothingIsPublishedWhileOff) {
  CommandHarness h;

  EXPECT_EQ(Published(h, {"SET", "k", "v", "EX", "100"}), Messages{});
  EXPECT_EQ(Published(h, {"DEL", "k"}), Messages{});
}

TEST(KeyspaceNotificationsTest, SetWithAnExpireTimeReportsSetThenExpire) {
  CommandHarness h;
  Enable(h, "KEA");

  EXPECT_EQ(Published(h, {"SET", "k", "v", "EX", "100"}),
            (Messages{"__keyspace@0__:k set", "__keyevent@0__:set k", "__keyspace@0__:k expire",
                      "__keyevent@0__:expire k"}));
}

TEST(KeyspaceNotificationsTest, OnlyTheEnabledClassesAndChannelsArePublished) {
  CommandHarness h;
  Enable(h, "El");

  EXPECT_EQ(Published(h, {"RPUSH", "l", "a"}), Messages{"__keyevent@0__:rpush l"});
  EXPECT_EQ(Published(h, {"SET", "s", "v"}), Messages{});
  // The list event, not the generic "del" that follows it.
  EXPECT_EQ(Published(h, {"LPOP", "l"}), Messages{"__keyevent@0__:lpop l"});
}

TEST(KeyspaceNotificationsTest, APopThatEmptiesAListReportsThePopThenDel) {
  CommandHarness h;
  Enable(h, "Eg$lshz");
  h.Run({"RPUSH", "l", "a", "b"});

  EXPECT_EQ(Published(h, {"RPOP", "l"}), Messages{"__keyevent@0__:rpop l"});
  EXPECT_EQ(Published(h, {"RPOP", "l", "5"}),
            (Messages{"__keyevent@0__:rpop l", "__keyevent@0__:del l"}));
  EXPECT_EQ(Published(h, {"RPOP", "l"}), Messages{});
}

TEST(KeyspaceNotificationsTest, LmoveReportsThePushBeforeThePop) {
  CommandHarness h;
  Enable(h, "Eg$lshz");
  h.Run({"RPUSH", "src", "a"});

  EXPECT_EQ(
      Published(h, {"LMOVE", "src", "dst", "LEFT", "RIGHT"}),
      (Messages{"__keyevent@0__:rpush dst", "__keyevent@0__:lpop src", "__keyevent@0__:del src"}));
}

TEST(KeyspaceNotificationsTest, NoOpWritesReportNothing) {
  CommandHarness h;
  Enable(h, "KEA");
  h.Run({"HSET", "h", "f", "v"});
  h.Run({"ZADD", "z", "1", "m"});
  h.Run({"SET", "k", "v"});

  EXPECT_EQ(Published(h, {"HDEL", "h", "missing"}), Messages{});
  EXPECT_EQ(Published(h, {"ZADD", "z", "XX", "2", "missing"}), Messages{});
  EXPECT_EQ(Published(h, {"ZADD", "z", "1", "m"}), Messages{});
  EXPECT_EQ(Published(h, {"SADD", "s", "a"}).size(), 2u);
  EXPECT_EQ(Published(h, {"SADD", "s", "a"}), Messages{});
  EXPECT_EQ(Published(h, {"PERSIST", "k"}), Messages{});
  EXPECT_EQ(Published(h, {"SET", "k", "w", "NX"}), Messages{});
  EXPECT_EQ(Published(h, {"SINTERSTORE", "dst", "nosuch", "s"}), Messages{});
}

TEST(KeyspaceNotificationsTest, ExpireInThePastDeletesAndReportsDel) {
  CommandHarness h;
  Enable(h, "Eg");
  h.Run({"SET", "k", "v"});
  h.Run({"SET", "j", "v"});

  EXPECT_EQ(Published(h, {"EXPIRE", "k", "100"}), Messages{"__keyevent@0__:expire k"});
  EXPECT_EQ(Published(h, {"EXPIRE", "k", "-1"}), Messages{"__keyevent@0__:del k"});
  EXPECT_EQ(Published(h, {"GETEX", "j", "EXAT", "1"}), Messages{"__keyevent@0__:del j"});
}

TEST(KeyspaceNotificationsTest, RenameMoveAndCopyNameBothKeysAndDatabases) {
  CommandHarness h;
  Enable(h, "KEg");
  h.Run({"SET", "a", "1"});
  h.Run({"SET", "b", "2"});

  EXPECT_EQ(Published(h, {"RENAME", "a", "b"}),
            (Messages{"__keyspace@0__:a rename_from", "__keyevent@0__:rename_from a",
                      "__keyspace@0__:b rename_to", "__keyevent@0__:rename_to b"}));
  EXPECT_EQ(Published(h, {"COPY", "b", "c", "DB", "2"}),
            (Messages{"__keyspace@2__:c copy_to", "__keyevent@2__:copy_to c"}));
  EXPECT_EQ(Published(h, {"MOVE", "b", "3"}),
            (Messages{"__keyspace@0__:b move_from", "__keyevent@0__:move_from b",
                      "__keyspace@3__:b move_to", "__keyevent@3__:move_to b"}));
}

TEST(KeyspaceNotificationsTest, CommandsReportRedisEventNames) {
  CommandHarness h;
  Enable(h, "E$lshz");
  h.Run({"SADD", "s", "a", "b"});

  EXPECT_EQ(Published(h, {"ZADD", "z", "INCR", "1", "m"}), Messages{"__keyevent@0__:zincr z"});
  EXPECT_EQ(Published(h, {"ZINCRBY", "z", "1", "m"}), Messages{"__keyevent@0__:zincr z"});
  EXPECT_EQ(Published(h, {"HINCRBYFLOAT", "h", "f", "1.5"}),
            Messages{"__keyevent@0__:hincrbyfloat h"});
  EXPECT_EQ(Published(h, {"DECR", "n"}), Messages{"__keyevent@0__:incrby n"});
  EXPECT_EQ(Published(h, {"SETRANGE", "r", "2", "x"}), Messages{"__keyevent@0__:setrange r"});
  EXPECT_EQ(Published(h, {"BITFIELD", "b", "SET", "u8", "0", "1"}),
            Messages{"__keyevent@0__:setbit b"});
  EXPECT_EQ(Published(h, {"PFMERGE", "hll"}), Messages{"__keyevent@0__:pfadd hll"});
  EXPECT_EQ(Published(h, {"SMOVE", "s", "t", "a"}),
            (Messages{"__keyevent@0__:srem s", "__keyevent@0__:sadd t"}));
  EXPECT_EQ(Published(h, {"SORT", "s", "ALPHA", "STORE", "sorted"}),
            Messages{"__keyevent@0__:sortstore sorted"});
}

}  // namespace
}  // namespace redoubt::commands
