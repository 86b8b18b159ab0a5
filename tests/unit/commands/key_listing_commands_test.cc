// Tests of KEYS, SCAN and RANDOMKEY (src/commands/key_listing_commands.cc), run in-process
// through CommandHarness. Expected replies and error texts are Redis 7.0.15's, checked with
// redis-cli.
#include "commands/key_listing_commands.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/command_test.h"

namespace redoubt::commands {
namespace {

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

class KeyListingCommandsTest : public test_support::CommandTest {};

TEST_F(KeyListingCommandsTest, KeysMatchesGlobPatterns) {
  Run({"MSET", "hello", "1", "hallo", "2", "hxllo", "3", "other", "4"});

  EXPECT_EQ(BulkSet(Run({"KEYS", "h[ae]llo"})), (std::set<std::string>{"hello", "hallo"}));
  EXPECT_EQ(BulkSet(Run({"KEYS", "*"})).size(), 4u);
  EXPECT_EQ(Run({"KEYS", "nomatch*"}), "*0\r\n");
}

TEST_F(KeyListingCommandsTest, KeysSkipsExpiredKeys) {
  Run({"SET", "live", "v"});
  SetExpiredKey("dead");

  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n$4\r\nlive\r\n");
}

TEST_F(KeyListingCommandsTest, ScanOfEmptyDatabaseEndsAtOnce) {
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(KeyListingCommandsTest, ScanReturnsEveryKeyOnceOverAFullIteration) {
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

TEST_F(KeyListingCommandsTest, ScanAppliesMatchAndType) {
  Run({"MSET", "a1", "1", "a2", "2", "b1", "3"});

  EXPECT_EQ(ParseScan(Run({"SCAN", "0", "MATCH", "a*", "COUNT", "1000"})).keys,
            (std::set<std::string>{"a1", "a2"}));
  EXPECT_EQ(ParseScan(Run({"SCAN", "0", "type", "STRING", "COUNT", "1000"})).keys.size(), 3u);
  EXPECT_EQ(ParseScan(Run({"SCAN", "0", "TYPE", "list", "COUNT", "1000"})).keys.size(), 0u);
}

TEST_F(KeyListingCommandsTest, ScanCursorParsesLikeStrtoul) {
  EXPECT_EQ(Run({"SCAN", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", " 1"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", ""}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"SCAN", "-1"}).substr(0, 2), "*2");
}

TEST_F(KeyListingCommandsTest, ScanOptionErrors) {
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "BAD", "x"}), Err("ERR syntax error"));
}

TEST_F(KeyListingCommandsTest, ScanDeletesExpiredKeysItMeets) {
  SetExpiredKey("dead");

  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "1000"}), "*2\r\n$1\r\n0\r\n*0\r\n");

  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(KeyListingCommandsTest, RandomKeyIsNullWhenEmptyAndTheKeyWhenAlone) {
  EXPECT_EQ(Run({"RANDOMKEY"}), "$-1\r\n");
  Run({"SET", "only", "v"});

  EXPECT_EQ(Run({"RANDOMKEY"}), "$4\r\nonly\r\n");
}

}  // namespace
}  // namespace redoubt::commands
