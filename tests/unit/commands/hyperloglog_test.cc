// Tests of the HyperLogLog representation (src/commands/hyperloglog.cc) and of the PF commands
// (src/commands/hyperloglog_commands.cc), the latter in-process over CommandHarness's keyspace.
// Expected registers, bytes, estimates and error texts are redis-server 7.0.15's, read with
// PFDEBUG GETREG, GET and PFCOUNT; tests/differential/test_hyperloglog.py compares the rest.
#include "commands/hyperloglog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/command_harness.h"

namespace redoubt::commands {
namespace {

using namespace std::string_literals;

std::string Header(char encoding) {
  return "HYLL"s + encoding + std::string(10, '\0') + "\x80"s;
}

std::string XZero(int run) {
  return {static_cast<char>(0x40 | ((run - 1) >> 8)), static_cast<char>((run - 1) & 0xff)};
}

std::string Val(int value, int run) {
  return std::string(1, static_cast<char>(0x80 | ((value - 1) << 2) | (run - 1)));
}

std::string Zero(int run) {
  return std::string(1, static_cast<char>(run - 1));
}

std::string AddAll(std::string hll, int count, size_t sparse_max_bytes = 3000) {
  for (int i = 0; i < count; ++i) {
    HllObservation seen = ObserveHllElement(std::to_string(i));
    RaiseHllRegister(&hll, seen.index, seen.rank, sparse_max_bytes);
  }
  return hll;
}

// ---- Representation ----

TEST(HyperLogLogTest, ElementsLandInRedissRegisters) {
  struct Case {
    std::string element;
    int index;
    int rank;
  };
  const Case cases[] = {{"", 5938, 2},
                        {"a", 12711, 2},
                        {"hello", 9216, 1},
                        {"12345678", 10579, 3},
                        {"123456789abcdef", 1977, 3}};
  for (const Case& c : cases) {
    HllObservation seen = ObserveHllElement(c.element);

    EXPECT_EQ(seen.index, c.index) << c.element;
    EXPECT_EQ(seen.rank, c.rank) << c.element;
  }
}

TEST(HyperLogLogTest, NewHllIsSparseWithOneXZeroAndAValidZeroCache) {
  std::string hll = NewSparseHll();

  EXPECT_EQ(hll, "HYLL\x01"s + std::string(11, '\0') + "\x7f\xff"s);
  EXPECT_TRUE(IsHll(hll));
  EXPECT_EQ(EncodingOfHll(hll), HllEncoding::kSparse);
  EXPECT_EQ(CachedHllCardinality(hll), 0u);
  EXPECT_EQ(DescribeSparseHll(hll), "Z:16384");
  EXPECT_EQ(EstimateHll(hll), 0u);
}

TEST(HyperLogLogTest, RaisingARegisterSplitsTheXZeroAsRedisDoes) {
  std::string hll = NewSparseHll();

  EXPECT_EQ(RaiseHllRegister(&hll, 12711, 2, 3000), HllChange::kRaised);

  // Redis's bytes after PFADD k a.
  EXPECT_EQ(hll, Header('\x01') + "q\xa6\x84NW"s);
  EXPECT_EQ(DescribeSparseHll(hll), "Z:12711 v:2,1 Z:3672");
  EXPECT_EQ(RaiseHllRegister(&hll, 12711, 2, 3000), HllChange::kUnchanged);
  EXPECT_EQ(RaiseHllRegister(&hll, 12711, 1, 3000), HllChange::kUnchanged);
}

TEST(HyperLogLogTest, NeighbouringEqualValuesJoinIntoOneOpcode) {
  std::string hll = NewSparseHll();

  RaiseHllRegister(&hll, 1, 3, 3000);
  RaiseHllRegister(&hll, 3, 3, 3000);
  RaiseHllRegister(&hll, 2, 3, 3000);

  EXPECT_EQ(DescribeSparseHll(hll), "z:1 v:3,3 Z:16380");
}

TEST(HyperLogLogTest, ARaiseInsideAValRunSplitsIt) {
  std::string hll = Header('\x01') + Val(2, 4) + XZero(16380);

  EXPECT_EQ(RaiseHllRegister(&hll, 1, 5, 3000), HllChange::kRaised);

  EXPECT_EQ(DescribeSparseHll(hll), "v:2,1 v:5,1 v:2,2 Z:16380");
}

TEST(HyperLogLogTest, ARankAboveWhatSparseHoldsMakesItDense) {
  std::string hll = NewSparseHll();

  EXPECT_EQ(RaiseHllRegister(&hll, 7, 33, 3000), HllChange::kRaised);

  EXPECT_EQ(EncodingOfHll(hll), HllEncoding::kDense);
  EXPECT_EQ(hll.size(), kHllDenseBytes);
  EXPECT_EQ(GetDenseRegister(hll.data(), 7), 33);
  EXPECT_EQ(GetDenseRegister(hll.data(), 6), 0);
}

TEST(HyperLogLogTest, GrowingPastSparseMaxBytesMakesItDense) {
  std::string hll = NewSparseHll();

  // Splitting the XZERO needs 3 more bytes: 21 does not fit in 20.
  EXPECT_EQ(RaiseHllRegister(&hll, 100, 1, 20), HllChange::kRaised);

  EXPECT_EQ(EncodingOfHll(hll), HllEncoding::kDense);
  EXPECT_EQ(GetDenseRegister(hll.data(), 100), 1);
}

TEST(HyperLogLogTest, AnEditThatKeepsTheLengthStaysSparseWhateverTheLimit) {
  std::string hll = Header('\x01') + Val(1, 1) + XZero(16383);

  EXPECT_EQ(RaiseHllRegister(&hll, 0, 4, 0), HllChange::kRaised);

  EXPECT_EQ(DescribeSparseHll(hll), "v:4,1 Z:16383");
}

TEST(HyperLogLogTest, DenseRegistersDoNotDisturbTheirNeighbours) {
  std::string hll = NewSparseHll();
  ASSERT_TRUE(ConvertHllToDense(&hll));

  for (int i : {0, 1, 2, 3, 4, 5, 16382, 16383}) {
    SetDenseRegister(hll.data(), i, 63);
    SetDenseRegister(hll.data(), i, static_cast<uint8_t>(i % 64));
  }

  for (int i : {0, 1, 2, 3, 4, 5, 16382, 16383}) {
    EXPECT_EQ(GetDenseRegister(hll.data(), i), i % 64) << i;
  }
  EXPECT_EQ(GetDenseRegister(hll.data(), 6), 0);
  EXPECT_EQ(GetDenseRegister(hll.data(), 16381), 0);
}

TEST(HyperLogLogTest, SparseAndDenseGiveRedissEstimates) {
  std::string sparse = AddAll(NewSparseHll(), 10);
  std::string dense = NewSparseHll();
  ASSERT_TRUE(ConvertHllToDense(&dense));
  dense = AddAll(dense, 10);

  EXPECT_EQ(EncodingOfHll(sparse), HllEncoding::kSparse);
  EXPECT_EQ(DescribeSparseHll(sparse),
            "Z:495 v:2,1 Z:2084 v:1,1 Z:4946 v:1,1 Z:3297 v:1,1 Z:147 v:1,1 Z:2251 v:4,1 Z:884 "
            "v:1,1 Z:728 v:1,1 Z:531 v:4,1 Z:208 v:2,1 Z:803");
  EXPECT_EQ(EstimateHll(sparse), 10u);
  EXPECT_EQ(EstimateHll(dense), 10u);
  EXPECT_EQ(EstimateHll(AddAll(NewSparseHll(), 1000)), 1001u);
  EXPECT_EQ(EstimateHll(AddAll(NewSparseHll(), 100000)), 99565u);
}

TEST(HyperLogLogTest, ConversionToDenseKeepsTheHeaderAndRegisters) {
  std::string sparse = AddAll(NewSparseHll(), 50);
  StoreHllCardinality(sparse.data(), 49);
  std::string dense = sparse;

  ASSERT_TRUE(ConvertHllToDense(&dense));

  EXPECT_EQ(dense.size(), kHllDenseBytes);
  EXPECT_EQ(dense.substr(0, 4), "HYLL");
  EXPECT_EQ(EncodingOfHll(dense), HllEncoding::kDense);
  EXPECT_EQ(CachedHllCardinality(dense), 49u);
  HllRegisters from_sparse{};
  HllRegisters from_dense{};
  ASSERT_TRUE(MergeHllInto(sparse, &from_sparse));
  ASSERT_TRUE(MergeHllInto(dense, &from_dense));
  EXPECT_EQ(from_sparse, from_dense);
}

TEST(HyperLogLogTest, OpcodesThatDoNotCoverExactlyAllRegistersAreCorrupt) {
  const std::string bodies[] = {
      XZero(16382) + Val(3, 1),                // one short
      XZero(16383) + Val(3, 1) + Val(2, 1),    // a VAL after a complete cover
      XZero(16383) + Val(3, 1) + Zero(1),      // a ZERO after it
      XZero(16382) + Val(3, 1) + Val(2, 2),    // a VAL across the end
      XZero(16383) + Val(3, 1) + "\x40"s,      // an XZERO cut short
      Val(3, 1) + XZero(16384) + XZero(16384)  // far past the end
  };
  for (const std::string& body : bodies) {
    std::string hll = Header('\x01') + body;
    HllRegisters max{};

    EXPECT_FALSE(ConvertHllToDense(&hll));
    EXPECT_EQ(EncodingOfHll(hll), HllEncoding::kSparse);
    EXPECT_FALSE(MergeHllInto(hll, &max));
    EXPECT_EQ(EstimateHll(hll), std::nullopt);
  }
}

TEST(HyperLogLogTest, ARegisterPastTheOpcodesCannotBeRaised) {
  std::string hll = Header('\x01') + XZero(100);

  EXPECT_EQ(RaiseHllRegister(&hll, 100, 1, 3000), HllChange::kCorrupt);
  EXPECT_EQ(RaiseHllRegister(&hll, 99, 1, 3000), HllChange::kRaised);
  // Promotion validates the whole value.
  EXPECT_EQ(RaiseHllRegister(&hll, 5, 40, 3000), HllChange::kCorrupt);
}

TEST(HyperLogLogTest, OnlyValuesWithTheMagicAKnownEncodingAndTheDenseSizeAreHlls) {
  std::string dense = NewSparseHll();
  ASSERT_TRUE(ConvertHllToDense(&dense));

  EXPECT_TRUE(IsHll(dense));
  EXPECT_FALSE(IsHll(dense + "x"));
  EXPECT_FALSE(IsHll("HYLL\x01"s + std::string(10, '\0')));  // header cut short
  EXPECT_FALSE(IsHll("HYLX\x01"s + std::string(11, '\0')));
  EXPECT_FALSE(IsHll("HYLL\x02"s + std::string(11, '\0')));
  EXPECT_TRUE(IsHll("HYLL\x01"s + std::string(11, '\0')));  // opcodes are checked later
}

TEST(HyperLogLogTest, CachedCardinalityIsLittleEndianWithAStaleBit) {
  std::string hll = NewSparseHll();

  StoreHllCardinality(hll.data(), 0x0102030405);
  EXPECT_EQ(hll.substr(8, 8), "\x05\x04\x03\x02\x01\x00\x00\x00"s);
  EXPECT_EQ(CachedHllCardinality(hll), 0x0102030405u);
  InvalidateHllCardinality(hll.data());
  EXPECT_EQ(CachedHllCardinality(hll), std::nullopt);
}

// ---- Commands ----

using test_support::Err;

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupt = "INVALIDOBJ Corrupted HLL object detected";

class HyperLogLogCommandsTest : public ::testing::Test {
 protected:
  std::string Run(const std::vector<std::string>& command) { return h_.Run(command); }
  std::string Bulk(const std::string& bytes) {
    return "$" + std::to_string(bytes.size()) + "\r\n" + bytes + "\r\n";
  }

  test_support::CommandHarness h_;
};

TEST_F(HyperLogLogCommandsTest, PfAddCreatesTheKeyAndSaysWhetherARegisterRose) {
  EXPECT_EQ(Run({"PFADD", "h"}), ":1\r\n");
  EXPECT_EQ(Run({"PFADD", "h"}), ":0\r\n");
  EXPECT_EQ(Run({"PFADD", "h", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"PFADD", "h", "a"}), ":0\r\n");

  EXPECT_EQ(Run({"GET", "h"}), Bulk(Header('\x01') + "q\xa6\x84NW"s));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), "$3\r\nraw\r\n");
}

TEST_F(HyperLogLogCommandsTest, PfCountCachesTheEstimateInTheValue) {
  Run({"PFADD", "h", "a"});

  EXPECT_EQ(Run({"PFCOUNT", "h"}), ":1\r\n");

  EXPECT_EQ(Run({"GET", "h"}), Bulk("HYLL\x01\0\0\0\x01\0\0\0\0\0\0\0q\xa6\x84NW"s));
  EXPECT_EQ(Run({"PFCOUNT", "nokey"}), ":0\r\n");
}

TEST_F(HyperLogLogCommandsTest, APfCountAnsweredFromTheCacheIgnoresTheRegisters) {
  Run({"PFADD", "h", "a", "b", "c"});
  Run({"PFCOUNT", "h"});

  Run({"SETRANGE", "h", "8", "\x07"});

  EXPECT_EQ(Run({"PFCOUNT", "h"}), ":7\r\n");
}

TEST_F(HyperLogLogCommandsTest, PfCountOfSeveralKeysEstimatesTheirUnion) {
  Run({"PFADD", "a", "x", "y", "z"});
  Run({"PFADD", "b", "z", "w"});

  EXPECT_EQ(Run({"PFCOUNT", "a", "b", "nokey"}), ":4\r\n");
}

TEST_F(HyperLogLogCommandsTest, StringsThatAreNotHllsAreWrongType) {
  Run({"SET", "s", "HYLLxxx"});
  Run({"RPUSH", "l", "x"});

  EXPECT_EQ(Run({"PFADD", "s", "a"}), Err(kNotHll));
  EXPECT_EQ(Run({"PFCOUNT", "s"}), Err(kNotHll));
  EXPECT_EQ(Run({"PFCOUNT", "nokey", "s"}), Err(kNotHll));
  EXPECT_EQ(Run({"PFMERGE", "d", "s"}), Err(kNotHll));
  EXPECT_EQ(Run({"PFADD", "l", "a"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  EXPECT_EQ(Run({"EXISTS", "d"}), ":0\r\n");
}

TEST_F(HyperLogLogCommandsTest, ACorruptedSparseHllIsInvalidObj) {
  Run({"PFADD", "h", "a", "b", "c"});

  Run({"APPEND", "h", "hello"});

  EXPECT_EQ(Run({"PFCOUNT", "h"}), Err(kCorrupt));
  EXPECT_EQ(Run({"PFMERGE", "d", "h"}), Err(kCorrupt));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), Err(kCorrupt));
}

TEST_F(HyperLogLogCommandsTest, PfMergeStaysSparseUnlessASourceIsDense) {
  Run({"PFADD", "a", "x", "y"});
  Run({"PFADD", "b", "z"});

  EXPECT_EQ(Run({"PFMERGE", "d", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "d"}), "+sparse\r\n");
  EXPECT_EQ(Run({"PFCOUNT", "d"}), ":3\r\n");

  Run({"PFDEBUG", "TODENSE", "b"});
  EXPECT_EQ(Run({"PFMERGE", "e", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "e"}), "+dense\r\n");
  EXPECT_EQ(Run({"PFCOUNT", "e"}), ":3\r\n");
}

TEST_F(HyperLogLogCommandsTest, HllSparseMaxBytesDecidesWhenPfAddTurnsDense) {
  h_.settings().hll_sparse_max_bytes = 20;

  Run({"PFADD", "h", "a"});

  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "h"}), "+dense\r\n");
  EXPECT_EQ(Run({"STRLEN", "h"}), ":12304\r\n");
}

TEST_F(HyperLogLogCommandsTest, PromotionKeepsTheTtl) {
  Run({"PFADD", "h", "a"});
  Run({"EXPIRE", "h", "100"});

  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), ":1\r\n");
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h"}), ":0\r\n");

  EXPECT_EQ(Run({"TTL", "h"}), ":100\r\n");
}

TEST_F(HyperLogLogCommandsTest, PfDebugChecksTheKeyBeforeTheSubcommand) {
  Run({"PFADD", "h", "a"});

  EXPECT_EQ(Run({"PFDEBUG", "FOO", "nokey"}), Err("ERR The specified key does not exist"));
  EXPECT_EQ(Run({"PFDEBUG", "foo", "h"}), Err("ERR Unknown PFDEBUG subcommand 'foo'"));
  EXPECT_EQ(Run({"PFDEBUG", "decode", "h"}), "$20\r\nZ:12711 v:2,1 Z:3672\r\n");
  Run({"PFDEBUG", "todense", "h"});
  EXPECT_EQ(Run({"PFDEBUG", "decode", "h"}), Err("ERR HLL encoding is not sparse"));
}

TEST_F(HyperLogLogCommandsTest, PfDebugGetRegListsEveryRegister) {
  Run({"PFADD", "h", "a"});

  std::string reply = Run({"PFDEBUG", "GETREG", "h"});

  EXPECT_EQ(reply.substr(0, 9), "*16384\r\n:");
  EXPECT_EQ(reply.size(), 9 + 16384 * 4 - 1);
  EXPECT_EQ(reply.substr(8 + 12711 * 4, 4), ":2\r\n");
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "h"}), "+dense\r\n");
}

}  // namespace
}  // namespace redoubt::commands
