// Tests of the generic key commands (src/commands/key_commands.cc), run in-process through
// CommandHarness. Expected replies and error texts are Redis 7.0.15's, checked with redis-cli.
#include "commands/key_commands.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/access_tracking.h"
#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

std::string Err(std::string_view text) {
  return "-" + std::string(text) + "\r\n";
}

// The bulk strings of a flat RESP2 array reply, as a set (KEYS and SCAN promise no order).
std::set<std::string> BulkSet(std::string_view reply) {
  std::set<std::string> out;
  size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size() && reply[pos] == '$') {
    size_t eol = reply.find("\r\n", pos);
    size_t len = std::stoul(std::string(reply.substr(pos + 1, eol - pos - 1)));
    out.emplace(reply.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

// SCAN's reply split into the next cursor and the keys.
struct ScanPage {
  std::string cursor;
  std::set<std::string> keys;
};

ScanPage ParseScan(std::string_view reply) {
  // "*2\r\n$<n>\r\n<cursor>\r\n*<k>\r\n..."
  size_t eol = reply.find("\r\n", 4);
  size_t len = std::stoul(std::string(reply.substr(5, eol - 5)));
  ScanPage page{std::string(reply.substr(eol + 2, len)), {}};
  page.keys = BulkSet(reply.substr(eol + 2 + len + 2));
  return page;
}

class KeyCommandsTest : public ::testing::Test {
 protected:
  std::string Run(const std::vector<std::string>& command) { return h_.Run(command); }

  // Stores a key whose TTL has already passed, as if the active expire cycle had not yet run.
  void SetExpiredKey(std::string_view key) {
    storage::ShardLocks locks(h_.keyspace());
    locks.LockAll();
    h_.keyspace().SetString(0, key, "v", common::UnixMillis() - 1, false);
  }

  test_support::CommandHarness h_;
};

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

// ---- EXPIRE family ----

TEST_F(KeyCommandsTest, ExpireSetsATtlThatTtlReportsInWholeSeconds) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(KeyCommandsTest, ExpireOfMissingKeyIsZero) {
  EXPECT_EQ(Run({"EXPIRE", "nokey", "100"}), ":0\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "nokey", "100"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, NegativeOrPastTimesDeleteTheKey) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"EXPIRE", "k", "-1"},
                                             {"PEXPIRE", "k", "0"},
                                             {"EXPIREAT", "k", "1"},
                                             {"PEXPIREAT", "k", "-5"}}) {
    Run({"SET", "k", "v"});

    EXPECT_EQ(Run(cmd), ":1\r\n") << cmd[0];

    EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n") << cmd[0];
  }
}

TEST_F(KeyCommandsTest, OverflowingTimesAreInvalidExpireTime) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"EXPIRE", "k", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
}

TEST_F(KeyCommandsTest, ExpireTimeMustBeAnInteger) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "1.5"}), Err("ERR value is not an integer or out of range"));
}

TEST_F(KeyCommandsTest, ExpireOptionsAreCheckedBeforeTheTime) {
  EXPECT_EQ(Run({"EXPIRE", "k", "abc", "BAD"}), Err("ERR Unsupported option BAD"));
  EXPECT_EQ(Run({"EXPIRE", "k", "abc", "NX", "XX"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "nx", "gt"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "100", "GT", "LT"}),
            Err("ERR GT and LT options at the same time are not compatible"));
}

TEST_F(KeyCommandsTest, ExpireNxAppliesOnlyWithoutTtl) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "NX"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "NX"}), ":0\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(KeyCommandsTest, ExpireXxAppliesOnlyWithTtl) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "XX"}), ":0\r\n");
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "XX"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":200\r\n");
}

TEST_F(KeyCommandsTest, ExpireGtTreatsNoTtlAsInfinite) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), ":0\r\n");
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "300", "GT"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":300\r\n");
}

TEST_F(KeyCommandsTest, ExpireLtTreatsNoTtlAsInfinite) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "100", "LT"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "LT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "XX", "LT"}), ":1\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":50\r\n");
}

TEST_F(KeyCommandsTest, ExpireGtWithNegativeTimeDoesNotDeleteAKeyWithoutTtl) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"EXPIRE", "k", "-1", "GT"}), ":0\r\n");

  EXPECT_EQ(Run({"EXISTS", "k"}), ":1\r\n");
}

// ---- TTL PTTL EXPIRETIME PEXPIRETIME PERSIST ----

TEST_F(KeyCommandsTest, TtlFamilyIsMinusTwoForMissingAndMinusOneWithoutTtl) {
  Run({"SET", "k", "v"});

  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
    EXPECT_EQ(Run({cmd, "nokey"}), ":-2\r\n") << cmd;
    EXPECT_EQ(Run({cmd, "k"}), ":-1\r\n") << cmd;
  }
}

TEST_F(KeyCommandsTest, ExpireTimeReportsTheAbsoluteTime) {
  Run({"SET", "k", "v"});

  Run({"EXPIREAT", "k", "4000000000"});

  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":4000000000\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":4000000000000\r\n");
}

TEST_F(KeyCommandsTest, PexpireAtIsReportedToTheMillisecond) {
  Run({"SET", "k", "v"});

  Run({"PEXPIREAT", "k", "4000000000123"});

  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":4000000000123\r\n");
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":4000000000\r\n");
}

TEST_F(KeyCommandsTest, PersistRemovesTheTtlOnce) {
  Run({"SET", "k", "v", "EX", "100"});

  EXPECT_EQ(Run({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(Run({"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"PERSIST", "nokey"}), ":0\r\n");

  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
}

// ---- KEYS SCAN RANDOMKEY ----

TEST_F(KeyCommandsTest, KeysMatchesGlobPatterns) {
  Run({"MSET", "hello", "1", "hallo", "2", "hxllo", "3", "other", "4"});

  EXPECT_EQ(BulkSet(Run({"KEYS", "h[ae]llo"})), (std::set<std::string>{"hello", "hallo"}));
  EXPECT_EQ(BulkSet(Run({"KEYS", "*"})).size(), 4u);
  EXPECT_EQ(Run({"KEYS", "nomatch*"}), "*0\r\n");
}

TEST_F(KeyCommandsTest, KeysSkipsExpiredKeys) {
  Run({"SET", "live", "v"});
  SetExpiredKey("dead");

  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n$4\r\nlive\r\n");
}

TEST_F(KeyCommandsTest, ScanOfEmptyDatabaseEndsAtOnce) {
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(KeyCommandsTest, ScanReturnsEveryKeyOnceOverAFullIteration) {
  std::set<std::string> want;
  for (int i = 0; i < 300; ++i) {
    std::string key = "key:" + std::to_string(i);
    Run({"SET", key, "v"});
    want.insert(key);
  }

  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    ScanPage page = ParseScan(Run({"SCAN", cursor, "COUNT", "7"}));
    seen.insert(page.keys.begin(), page.keys.end());
    cursor = page.cursor;
    ++calls;
  } while (cursor != "0" && calls < 10000);

  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), want);
  EXPECT_EQ(seen.size(), want.size());
  EXPECT_GT(calls, 10);
}

TEST_F(KeyCommandsTest, ScanAppliesMatchAndType) {
  Run({"MSET", "a1", "1", "a2", "2", "b1", "3"});

  EXPECT_EQ(ParseScan(Run({"SCAN", "0", "MATCH", "a*", "COUNT", "1000"})).keys,
            (std::set<std::string>{"a1", "a2"}));
  EXPECT_EQ(ParseScan(Run({"SCAN", "0", "type", "STRING", "COUNT", "1000"})).keys.size(), 3u);
  EXPECT_EQ(ParseScan(Run({"SCAN", "0", "TYPE", "list", "COUNT", "1000"})).keys.size(), 0u);
}

TEST_F(KeyCommandsTest, ScanCursorParsesLikeStrtoul) {
  EXPECT_EQ(Run({"SCAN", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", " 1"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", ""}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"SCAN", "-1"}).substr(0, 2), "*2");
}

TEST_F(KeyCommandsTest, ScanOptionErrors) {
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "BAD", "x"}), Err("ERR syntax error"));
}

TEST_F(KeyCommandsTest, ScanDeletesExpiredKeysItMeets) {
  SetExpiredKey("dead");

  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "1000"}), "*2\r\n$1\r\n0\r\n*0\r\n");

  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, RandomKeyIsNullWhenEmptyAndTheKeyWhenAlone) {
  EXPECT_EQ(Run({"RANDOMKEY"}), "$-1\r\n");
  Run({"SET", "only", "v"});

  EXPECT_EQ(Run({"RANDOMKEY"}), "$4\r\nonly\r\n");
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

// ---- DBSIZE FLUSHDB FLUSHALL SWAPDB ----

TEST_F(KeyCommandsTest, FlushDbEmptiesOnlyTheCurrentDatabase) {
  Run({"MSET", "a", "1", "b", "2"});
  h_.client().db = 1;
  Run({"SET", "c", "3"});

  EXPECT_EQ(Run({"FLUSHDB"}), "+OK\r\n");

  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  h_.client().db = 0;
  EXPECT_EQ(Run({"DBSIZE"}), ":2\r\n");
}

TEST_F(KeyCommandsTest, FlushAllEmptiesEveryDatabase) {
  Run({"SET", "a", "1"});
  h_.client().db = 1;
  Run({"SET", "b", "2"});

  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), "+OK\r\n");

  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  h_.client().db = 0;
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(KeyCommandsTest, FlushAcceptsOneSyncOrAsyncOnly) {
  EXPECT_EQ(Run({"FLUSHDB", "sync"}), "+OK\r\n");
  EXPECT_EQ(Run({"FLUSHDB", "BAD"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC", "SYNC"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHALL", "SYNC", "ASYNC"}), Err("ERR syntax error"));
}

TEST_F(KeyCommandsTest, SwapDbExchangesTheData) {
  Run({"SET", "k", "in-db0"});
  h_.client().db = 1;
  Run({"SET", "k", "in-db1"});

  EXPECT_EQ(Run({"SWAPDB", "0", "1"}), "+OK\r\n");

  EXPECT_EQ(Run({"GET", "k"}), "$6\r\nin-db0\r\n");
  EXPECT_EQ(Run({"SWAPDB", "1", "1"}), "+OK\r\n");
}

TEST_F(KeyCommandsTest, SwapDbErrors) {
  EXPECT_EQ(Run({"SWAPDB", "a", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "b"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "99", "b"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "4294967296", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SWAPDB", "-1", "0"}), Err("ERR DB index is out of range"));
}

// ---- OBJECT ----

TEST_F(KeyCommandsTest, ObjectEncodingOfStrings) {
  Run({"MSET", "i", "123", "e", "abc", "r", std::string(45, 'x')});

  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), "$3\r\nint\r\n");
  EXPECT_EQ(Run({"object", "encoding", "e"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "r"}), "$3\r\nraw\r\n");
}

TEST_F(KeyCommandsTest, ObjectOfMissingKeyIsNull) {
  for (const char* sub : {"ENCODING", "REFCOUNT", "IDLETIME", "FREQ"}) {
    EXPECT_EQ(Run({"OBJECT", sub, "nokey"}), "$-1\r\n") << sub;
  }
}

TEST_F(KeyCommandsTest, ObjectRefCountReportsSharedSmallIntegers) {
  Run({"MSET", "small", "123", "big", "10000", "neg", "-1", "s", "v"});

  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), ":2147483647\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "big"}), ":1\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "neg"}), ":1\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "s"}), ":1\r\n");
}

TEST_F(KeyCommandsTest, ObjectRefCountWithMaxmemoryAndLruDoesNotShareIntegers) {
  Run({"SET", "small", "5"});
  h_.settings().maxmemory = 100 << 20;
  h_.settings().maxmemory_policy = storage::EvictionPolicy::kAllKeysLru;

  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), ":1\r\n");
}

TEST_F(KeyCommandsTest, ObjectFreqNeedsAnLfuPolicy) {
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
}

TEST_F(KeyCommandsTest, ObjectFreqUnderLfuStartsAtTheInitialCounter) {
  h_.settings().maxmemory_policy = storage::EvictionPolicy::kAllKeysLfu;
  h_.keyspace().set_lfu(true);
  Run({"SET", "k", "v"});

  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}), ":" + std::to_string(storage::kLfuInitValue) + "\r\n");
}

TEST_F(KeyCommandsTest, ObjectIdleTimeIsAnErrorUnderLfu) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), ":0\r\n");
  h_.settings().maxmemory_policy = storage::EvictionPolicy::kVolatileLfu;

  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}),
            Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                "that when switching between policies at runtime LRU and LFU data will take "
                "some time to adjust."));
}

TEST_F(KeyCommandsTest, ObjectHelpAndErrors) {
  std::string help = Run({"OBJECT", "HELP"});

  EXPECT_EQ(help.substr(0, help.find("\r\n", 5) + 2),
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
  EXPECT_NE(help.find("+    Prints this help.\r\n"), std::string::npos);
  EXPECT_EQ(Run({"OBJECT", "BAD", "k"}), Err("ERR unknown subcommand 'BAD'. Try OBJECT HELP."));
  EXPECT_EQ(Run({"OBJECT"}), Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST_F(KeyCommandsTest, DelCountsKeysDeletedButNotExpiredOnes) {
  Run({"MSET", "a", "1", "b", "2"});
  SetExpiredKey("gone");

  Run({"DEL", "a", "a", "b", "gone", "missing"});

  EXPECT_EQ(h_.dirty(), 2u);
}

TEST_F(KeyCommandsTest, ExpireCountsASetOrDeletingTimeButNotARefusedCondition) {
  Run({"SET", "k", "v"});

  Run({"EXPIRE", "k", "100", "XX"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"EXPIRE", "k", "100", "NX"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"EXPIRE", "k", "50", "GT"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"PERSIST", "k"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"PERSIST", "k"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"EXPIRE", "k", "-1"});
  EXPECT_EQ(h_.dirty(), 1u);  // deleted
  Run({"EXPIRE", "k", "100"});
  EXPECT_EQ(h_.dirty(), 0u);
}

TEST_F(KeyCommandsTest, FlushCountsEveryKeyRemovedIncludingExpiredOnesNotYetDeleted) {
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

TEST_F(KeyCommandsTest, SwapDbOfADatabaseWithItselfStillCountsButRenameToItselfDoesNot) {
  Run({"SET", "k", "v"});

  Run({"SWAPDB", "0", "0"});
  EXPECT_EQ(h_.dirty(), 1u);
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
