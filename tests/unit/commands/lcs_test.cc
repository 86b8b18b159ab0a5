// Tests of LCS (src/commands/string_commands.cc), run in-process through CommandHarness.
// Expected replies are redis-server 7.0.15's for the same commands (the example strings are
// the ones in Redis's LCS documentation).
#include <gtest/gtest.h>

#include <string>

#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using test_support::Err;

class LcsTest : public ::testing::Test {
 protected:
  LcsTest() {
    h_.Run({"SET", "key1", "ohmytext"});
    h_.Run({"SET", "key2", "mynewtext"});
  }

  test_support::CommandHarness h_;
};

TEST_F(LcsTest, ReturnsTheCommonSubsequence) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2"}), "$6\r\nmytext\r\n");
}

TEST_F(LcsTest, LenReturnsOnlyTheLength) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "LEN"}), ":6\r\n");
}

TEST_F(LcsTest, MissingKeysAreEmptyStrings) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "nokey"}), "$0\r\n\r\n");
  EXPECT_EQ(h_.Run({"LCS", "nokey", "nokey2", "IDX"}),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
}

TEST_F(LcsTest, IdxListsMatchesFromTheEnd) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "IDX"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n"
            "*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
            "$3\r\nlen\r\n:6\r\n");
}

TEST_F(LcsTest, MinMatchLenFiltersAndWithMatchLenAddsLengths) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n"
            "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            "$3\r\nlen\r\n:6\r\n");
}

TEST_F(LcsTest, IdxIsAMapInResp3) {
  h_.writer().set_resp3(true);

  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "5"}),
            "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n");
}

TEST_F(LcsTest, LenAndIdxTogetherAreRefused) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "LEN", "IDX"}),
            Err("ERR If you want both the length and indexes, please just use IDX."));
}

TEST_F(LcsTest, UnknownOptionOrMissingMinMatchLenValueIsASyntaxError) {
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "MINMATCHLEN"}), Err("ERR syntax error"));
  EXPECT_EQ(h_.Run({"LCS", "key1", "key2", "MINMATCHLEN", "x"}),
            Err("ERR value is not an integer or out of range"));
}

TEST_F(LcsTest, TableLargerThanProtoMaxBulkLenIsRefused) {
  h_.settings().proto_max_bulk_len = 1024 * 1024;
  // (511 + 1) * (511 + 1) cells of 4 bytes is exactly 1 MB: allowed; one byte more is not.
  h_.Run({"SET", "a", std::string(511, 'a')});
  h_.Run({"SET", "b", std::string(511, 'a')});

  EXPECT_EQ(h_.Run({"LCS", "a", "b", "LEN"}), ":511\r\n");
  h_.Run({"APPEND", "b", "a"});
  EXPECT_EQ(h_.Run({"LCS", "a", "b", "LEN"}),
            Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
}

}  // namespace
}  // namespace redoubt::commands
