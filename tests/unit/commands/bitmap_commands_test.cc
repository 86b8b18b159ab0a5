// Tests of the bitmap commands (src/commands/bitmap_commands.cc), run in-process over
// CommandHarness's keyspace. Expected replies and error texts are redis-server 7.0.15's,
// checked with redis-cli; a randomized comparison against redis-server covered the rest.
#include "commands/bitmap_commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using test_support::Err;

constexpr std::string_view kErrFieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

class BitmapCommandsTest : public ::testing::Test {
 protected:
  std::string Run(const std::vector<std::string>& command) { return h_.Run(command); }

  test_support::CommandHarness h_;
};

TEST_F(BitmapCommandsTest, SetBitReturnsOldBitAndGrowsTheString) {
  EXPECT_EQ(Run({"SETBIT", "k", "9", "1"}), ":0\r\n");
  EXPECT_EQ(Run({"SETBIT", "k", "9", "0"}), ":1\r\n");

  EXPECT_EQ(Run({"GET", "k"}), std::string("$2\r\n\x00\x00\r\n", 8));
}

TEST_F(BitmapCommandsTest, SetBitRejectsBitValuesOtherThanZeroAndOne) {
  EXPECT_EQ(Run({"SETBIT", "k", "1", "2"}), Err("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "1", "x"}), Err("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(BitmapCommandsTest, BitOffsetIsLimitedByProtoMaxBulkLen) {
  h_.settings().proto_max_bulk_len = 1024 * 1024;

  EXPECT_EQ(Run({"GETBIT", "k", "8388607"}), ":0\r\n");
  EXPECT_EQ(Run({"GETBIT", "k", "8388608"}),
            Err("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "-1", "1"}),
            Err("ERR bit offset is not an integer or out of range"));
}

TEST_F(BitmapCommandsTest, DefaultLimitAllowsBitOffsetTwoToTheThirtyTwoMinusOne) {
  EXPECT_EQ(Run({"GETBIT", "k", "4294967295"}), ":0\r\n");
  EXPECT_EQ(Run({"GETBIT", "k", "4294967296"}),
            Err("ERR bit offset is not an integer or out of range"));
}

TEST_F(BitmapCommandsTest, SetBitKeepsTheTtl) {
  Run({"SET", "k", "a", "EX", "100"});

  Run({"SETBIT", "k", "100", "1"});

  EXPECT_EQ(Run({"TTL", "k"}), ":100\r\n");
}

TEST_F(BitmapCommandsTest, BitCountCountsBytesOrBitsWithNegativeIndexes) {
  Run({"SET", "k", "foobar"});

  EXPECT_EQ(Run({"BITCOUNT", "k"}), ":26\r\n");
  EXPECT_EQ(Run({"BITCOUNT", "k", "1", "1"}), ":6\r\n");
  EXPECT_EQ(Run({"BITCOUNT", "k", "-2", "-1", "BYTE"}), ":7\r\n");
  EXPECT_EQ(Run({"BITCOUNT", "k", "5", "30", "BIT"}), ":17\r\n");
}

TEST_F(BitmapCommandsTest, BitCountWithBothIndexesNegativeAndReversedIsZero) {
  Run({"SET", "k", "abc"});

  EXPECT_EQ(Run({"BITCOUNT", "k", "-5", "-100"}), ":0\r\n");
  EXPECT_EQ(Run({"BITCOUNT", "k", "-5", "-100", "NOTAUNIT"}), ":0\r\n");
}

TEST_F(BitmapCommandsTest, BitCountRejectsBadRanges) {
  Run({"SET", "k", "abc"});

  EXPECT_EQ(Run({"BITCOUNT", "k", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BITCOUNT", "k", "0", "1", "BITS"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BITCOUNT", "k", "x", "1"}), Err("ERR value is not an integer or out of range"));
}

TEST_F(BitmapCommandsTest, BitCountOfMissingKeyIsZeroWhateverTheArguments) {
  EXPECT_EQ(Run({"BITCOUNT", "nokey", "x", "y", "z"}), ":0\r\n");
}

TEST_F(BitmapCommandsTest, BitPosFindsSetAndClearBits) {
  Run({"SET", "k", std::string("\xFF\xF0\x00", 3)});

  EXPECT_EQ(Run({"BITPOS", "k", "0"}), ":12\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "1", "2"}), ":-1\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "1", "7", "15", "BIT"}), ":7\r\n");
}

TEST_F(BitmapCommandsTest, BitPosForClearBitPastTheStringOnlyWithoutAnEnd) {
  Run({"SET", "k", std::string("\xFF\xFF", 2)});

  EXPECT_EQ(Run({"BITPOS", "k", "0"}), ":16\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "0", "1"}), ":16\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "0", "0", "-1"}), ":-1\r\n");
}

TEST_F(BitmapCommandsTest, BitPosOfMissingKeyIsZeroForClearAndMinusOneForSet) {
  EXPECT_EQ(Run({"BITPOS", "nokey", "0"}), ":0\r\n");
  EXPECT_EQ(Run({"BITPOS", "nokey", "1", "x"}), ":-1\r\n");
}

TEST_F(BitmapCommandsTest, BitPosRejectsBitOtherThanZeroOrOne) {
  EXPECT_EQ(Run({"BITPOS", "k", "2"}), Err("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(Run({"BITPOS", "k", "x"}), Err("ERR value is not an integer or out of range"));
}

TEST_F(BitmapCommandsTest, BitPosReadsTheUnitBeforeTheEnd) {
  Run({"SET", "k", "a"});

  EXPECT_EQ(Run({"BITPOS", "k", "1", "0", "x", "FOO"}), Err("ERR syntax error"));
}

TEST_F(BitmapCommandsTest, BitOpPadsShorterSourcesAndReturnsTheLength) {
  Run({"SET", "a", "abc"});
  Run({"SET", "b", "a"});

  EXPECT_EQ(Run({"BITOP", "AND", "dest", "a", "b", "nokey"}), ":3\r\n");

  EXPECT_EQ(Run({"GET", "dest"}), std::string("$3\r\n\x00\x00\x00\r\n", 9));
}

TEST_F(BitmapCommandsTest, BitOpMayUseTheDestinationAsASource) {
  Run({"SET", "a", std::string("\x0F", 1)});

  EXPECT_EQ(Run({"BITOP", "NOT", "a", "a"}), ":1\r\n");

  EXPECT_EQ(Run({"GET", "a"}), "$1\r\n\xF0\r\n");
}

TEST_F(BitmapCommandsTest, BitOpWithEmptyResultDeletesTheDestination) {
  Run({"SET", "dest", "x"});

  EXPECT_EQ(Run({"BITOP", "OR", "dest", "nokey"}), ":0\r\n");

  EXPECT_EQ(Run({"EXISTS", "dest"}), ":0\r\n");
}

TEST_F(BitmapCommandsTest, BitOpRejectsUnknownOperationsAndNotWithSeveralSources) {
  EXPECT_EQ(Run({"BITOP", "NAND", "d", "a"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BITOP", "not", "d", "a", "b"}),
            Err("ERR BITOP NOT must be called with a single source key."));
}

TEST_F(BitmapCommandsTest, BitOpDeclaresDestinationAndSourcesAsKeys) {
  const CommandSpec* spec = h_.services().table.Find("bitop");
  std::vector<std::string_view> args = {"BITOP", "AND", "d", "a", "b"};
  std::vector<std::string_view> keys;

  ExtractKeys(*spec, args, &keys);

  EXPECT_EQ(keys, (std::vector<std::string_view>{"d", "a", "b"}));
  EXPECT_TRUE(spec->flags & kDenyOom);
}

TEST_F(BitmapCommandsTest, BitFieldSetGetAndIncrBy) {
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "-5", "GET", "i8", "0", "INCRBY", "u4", "#1",
                 "20", "GET", "u8", "0"}),
            "*4\r\n:0\r\n:-5\r\n:15\r\n:255\r\n");
}

TEST_F(BitmapCommandsTest, BitFieldOverflowModesApplyToLaterOperations) {
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "u2", "0", "5", "OVERFLOW", "SAT", "INCRBY", "u2", "0",
                 "5", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "1"}),
            "*3\r\n:1\r\n:3\r\n$-1\r\n");
}

TEST_F(BitmapCommandsTest, BitFieldFailStillCreatesTheKey) {
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "8", "10"}), "*1\r\n$-1\r\n");

  EXPECT_EQ(Run({"GET", "k"}), std::string("$2\r\n\x00\x00\r\n", 8));
}

TEST_F(BitmapCommandsTest, BitFieldWithOnlyGetsDoesNotCreateTheKey) {
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "u8", "100"}), "*1\r\n:0\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k"}), "*0\r\n");

  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(BitmapCommandsTest, BitFieldRejectsBadTypesOffsetsAndOverflowModes) {
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "u64", "0"}), Err(kErrFieldType));
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "I8", "0"}), Err(kErrFieldType));
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "i65", "0"}), Err(kErrFieldType));
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "i8", "#x"}),
            Err("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "BAD"}), Err("ERR Invalid OVERFLOW type specified"));
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "x"}),
            Err("ERR value is not an integer or out of range"));
}

TEST_F(BitmapCommandsTest, BitFieldChecksEveryOperationBeforeRunningAny) {
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u64", "0"}), Err(kErrFieldType));

  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(BitmapCommandsTest, BitFieldRoOnlyAllowsGet) {
  Run({"SET", "k", "A"});

  EXPECT_EQ(Run({"BITFIELD_RO", "k", "GET", "u8", "0"}), "*1\r\n:65\r\n");
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "SET", "u8", "0", "1"}),
            Err("ERR BITFIELD_RO only supports the GET subcommand"));
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "SET", "x8", "0", "1"}), Err(kErrFieldType));
}

TEST_F(BitmapCommandsTest, BitFieldNullIsRespThreeNullWithHello3) {
  h_.writer().set_resp3(true);

  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "0", "4"}), "*1\r\n_\r\n");
}

// ---- Changes counted (CommandContext::dirty, Redis's server.dirty) ----

TEST_F(BitmapCommandsTest, SetBitCountsOnlyACreatedOrGrownStringOrAFlippedBit) {
  Run({"SETBIT", "k", "7", "0"});
  EXPECT_EQ(h_.dirty(), 1u);  // created

  Run({"SETBIT", "k", "7", "0"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"SETBIT", "k", "7", "1"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"SETBIT", "k", "7", "1"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"SETBIT", "k", "8", "0"});
  EXPECT_EQ(h_.dirty(), 1u);  // grew by a byte, although the bit stays 0
  Run({"SETBIT", "k", "2", "2"});
  EXPECT_EQ(h_.dirty(), 0u);
}

TEST_F(BitmapCommandsTest, BitFieldCountsEachWriteThatChangedItsField) {
  Run({"BITFIELD", "k", "SET", "u8", "8", "0"});
  ASSERT_EQ(h_.dirty(), 1u);

  Run({"BITFIELD", "k", "SET", "u8", "0", "5", "SET", "u8", "0", "5", "SET", "u8", "8", "0"});
  EXPECT_EQ(h_.dirty(), 1u);  // only the first write changed a field
  Run({"BITFIELD", "k", "INCRBY", "u8", "0", "0", "INCRBY", "u8", "0", "1", "GET", "u8", "0"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"});
  EXPECT_EQ(h_.dirty(), 0u);
  Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "300"});
  EXPECT_EQ(h_.dirty(), 1u);  // 6 became 127
  Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "300"});
  EXPECT_EQ(h_.dirty(), 0u);
}

TEST_F(BitmapCommandsTest, BitFieldOnANewOrGrownStringCountsEveryWriteNotRefused) {
  Run({"BITFIELD", "k", "SET", "u8", "0", "0", "SET", "u8", "0", "0", "GET", "u8", "0"});
  EXPECT_EQ(h_.dirty(), 2u);

  Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "8", "0", "SET", "u8", "16", "300"});
  EXPECT_EQ(h_.dirty(), 1u);  // grew to 3 bytes; the refused write counts nothing
  Run({"BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"});
  EXPECT_EQ(h_.dirty(), 0u);  // created, yet nothing written
  EXPECT_EQ(Run({"STRLEN", "new"}), ":1\r\n");
  Run({"BITFIELD_RO", "k", "GET", "u8", "0"});
  EXPECT_EQ(h_.dirty(), 0u);
}

TEST_F(BitmapCommandsTest, BitOpCountsAStoredResultOrADeletedDestination) {
  Run({"SET", "a", "x"});

  Run({"BITOP", "NOT", "dest", "a"});
  EXPECT_EQ(h_.dirty(), 1u);
  Run({"BITOP", "AND", "dest", "missing1", "missing2"});
  EXPECT_EQ(h_.dirty(), 1u);  // empty result: dest deleted
  Run({"BITOP", "AND", "dest", "missing1", "missing2"});
  EXPECT_EQ(h_.dirty(), 0u);  // nothing to delete
}

}  // namespace
}  // namespace redoubt::commands
