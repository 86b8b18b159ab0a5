// Tests of the bit arithmetic behind the bitmap commands (src/commands/bit_ops.cc). Expected
// values for ranges and overflow follow redis-server 7.0.15; the search and count functions
// are also checked against a bit-by-bit reference on random strings (fixed seed).
#include "commands/bit_ops.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace redoubt::commands {
namespace {

bool BitAt(std::string_view data, uint64_t pos) {
  return ((static_cast<uint8_t>(data[pos >> 3]) >> (7 - (pos & 7))) & 1) != 0;
}

uint64_t NaiveCount(std::string_view data, BitRange range) {
  uint64_t n = 0;
  for (uint64_t pos = range.first; pos <= range.last; ++pos) {
    n += BitAt(data, pos) ? 1 : 0;
  }
  return n;
}

int64_t NaiveFind(std::string_view data, bool bit, BitRange range) {
  for (uint64_t pos = range.first; pos <= range.last; ++pos) {
    if (BitAt(data, pos) == bit) {
      return static_cast<int64_t>(pos);
    }
  }
  return -1;
}

// Random bytes biased to all-zero and all-one bytes, so that long runs exercise word skipping.
std::string RandomBits(std::mt19937_64& rng, size_t len) {
  std::string s(len, '\0');
  for (char& c : s) {
    uint64_t r = rng() % 8;
    c = static_cast<char>(r < 3 ? 0x00 : r < 6 ? 0xFF : static_cast<int>(rng() & 0xFF));
  }
  return s;
}

TEST(BitOpsTest, ResolveRangeWholeStringInBytes) {
  auto range = ResolveRange(0, -1, RangeUnit::kByte, 3);

  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->first, 0u);
  EXPECT_EQ(range->last, 23u);
}

TEST(BitOpsTest, ResolveRangeCountsNegativeIndexesFromTheEndAndClamps) {
  auto range = ResolveRange(-2, 100, RangeUnit::kByte, 3);

  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->first, 8u);
  EXPECT_EQ(range->last, 23u);
}

TEST(BitOpsTest, ResolveRangeInBitsUsesBitIndexes) {
  auto range = ResolveRange(5, -3, RangeUnit::kBit, 2);

  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->first, 5u);
  EXPECT_EQ(range->last, 13u);
}

TEST(BitOpsTest, ResolveRangeIsEmptyWhenStartPassesEndOrStringIsEmpty) {
  EXPECT_FALSE(ResolveRange(2, 1, RangeUnit::kByte, 3).has_value());
  EXPECT_FALSE(ResolveRange(0, -1, RangeUnit::kByte, 0).has_value());
  EXPECT_FALSE(ResolveRange(INT64_MAX, INT64_MAX, RangeUnit::kBit, 3).has_value());
}

TEST(BitOpsTest, ResolveRangeClampsHugeNegativeIndexesToZero) {
  auto range = ResolveRange(INT64_MIN, INT64_MIN, RangeUnit::kByte, 3);

  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->first, 0u);
  EXPECT_EQ(range->last, 7u);
}

TEST(BitOpsTest, CountBitsLeavesOutBitsOutsideTheRangeInItsEndBytes) {
  std::string data("\xFF\xFF", 2);

  EXPECT_EQ(CountBits(data, {.first = 3, .last = 4}), 2u);
  EXPECT_EQ(CountBits(data, {.first = 7, .last = 8}), 2u);
  EXPECT_EQ(CountBits(data, {.first = 0, .last = 15}), 16u);
}

TEST(BitOpsTest, CountBitsMatchesBitByBitCountOnRandomRanges) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string data = RandomBits(rng, 1 + rng() % 40);
    uint64_t bits = data.size() * 8;
    uint64_t a = rng() % bits;
    uint64_t b = rng() % bits;
    BitRange range{.first = std::min(a, b), .last = std::max(a, b)};

    EXPECT_EQ(CountBits(data, range), NaiveCount(data, range)) << "round " << round;
  }
}

TEST(BitOpsTest, FindFirstBitHonoursPartialEndBytes) {
  std::string data("\x0F\xF0", 2);  // 00001111 11110000

  EXPECT_EQ(FindFirstBit(data, true, {.first = 0, .last = 15}), 4);
  EXPECT_EQ(FindFirstBit(data, false, {.first = 4, .last = 15}), 12);
  EXPECT_EQ(FindFirstBit(data, false, {.first = 4, .last = 11}), -1);
  EXPECT_EQ(FindFirstBit(data, true, {.first = 0, .last = 3}), -1);
}

TEST(BitOpsTest, FindFirstBitMatchesBitByBitSearchOnRandomRanges) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 4000; ++round) {
    std::string data = RandomBits(rng, 1 + rng() % 60);
    uint64_t bits = data.size() * 8;
    uint64_t a = rng() % bits;
    uint64_t b = rng() % bits;
    BitRange range{.first = std::min(a, b), .last = std::max(a, b)};
    bool bit = (rng() & 1) != 0;

    EXPECT_EQ(FindFirstBit(data, bit, range), NaiveFind(data, bit, range)) << "round " << round;
  }
}

TEST(BitOpsTest, BitOpAndTreatsShorterSourcesAsZeroPadded) {
  std::vector<std::string_view> sources = {std::string_view("\xFF\xFF\xFF", 3), "\x0F"};
  std::string out(3, 'x');

  ApplyBitOp(BitOpKind::kAnd, sources, out.data(), out.size());

  EXPECT_EQ(out, std::string("\x0F\x00\x00", 3));
}

TEST(BitOpsTest, BitOpOrAndXorCombineEveryByte) {
  std::vector<std::string_view> sources = {"\x01", std::string_view("\x03\x80", 2), "\x04"};
  std::string out_or(2, 'x');
  std::string out_xor(2, 'x');

  ApplyBitOp(BitOpKind::kOr, sources, out_or.data(), 2);
  ApplyBitOp(BitOpKind::kXor, sources, out_xor.data(), 2);

  EXPECT_EQ(out_or, std::string("\x07\x80", 2));
  EXPECT_EQ(out_xor, std::string("\x06\x80", 2));
}

TEST(BitOpsTest, BitOpNotInvertsEveryByte) {
  std::vector<std::string_view> sources = {std::string_view("\x00\xF0", 2)};
  std::string out(2, 'x');

  ApplyBitOp(BitOpKind::kNot, sources, out.data(), 2);

  EXPECT_EQ(out, std::string("\xFF\x0F", 2));
}

TEST(BitOpsTest, FieldsRoundTripAcrossByteBoundaries) {
  std::string data(11, '\0');  // the 64-bit field ends at bit 81

  SetField(data.data(), 5, 13, 0x1ABC);
  SetField(data.data(), 18, 64, 0x8123456789ABCDEFull);

  EXPECT_EQ(GetUnsignedField(data, 5, 13), 0x1ABCu);
  EXPECT_EQ(GetUnsignedField(data, 18, 64), 0x8123456789ABCDEFull);
  EXPECT_EQ(GetSignedField(data, 18, 64), static_cast<int64_t>(0x8123456789ABCDEFull));
}

TEST(BitOpsTest, SetFieldLeavesNeighbouringBitsAlone) {
  std::string data("\xFF\xFF", 2);

  SetField(data.data(), 6, 4, 0);

  EXPECT_EQ(data, std::string("\xFC\x3F", 2));
}

TEST(BitOpsTest, SignedFieldIsSignExtended) {
  std::string data("\xF0", 1);  // 1111 0000

  EXPECT_EQ(GetSignedField(data, 0, 4), -1);
  EXPECT_EQ(GetSignedField(data, 2, 4), -4);
  EXPECT_EQ(GetUnsignedField(data, 2, 4), 12u);
}

TEST(BitOpsTest, FieldBitsPastTheEndReadAsZero) {
  std::string data("\xFF", 1);

  EXPECT_EQ(GetUnsignedField(data, 4, 8), 0xF0u);
  EXPECT_EQ(GetUnsignedField(data, 100, 8), 0u);
}

TEST(BitOpsTest, AddSignedWithoutOverflowIsPlainAddition) {
  FieldUpdate u = AddSigned(100, 27, 8, Overflow::kFail);

  EXPECT_FALSE(u.overflowed);
  EXPECT_EQ(u.value, 127);
}

TEST(BitOpsTest, AddSignedWrapsToTheFieldWidth) {
  EXPECT_EQ(AddSigned(127, 1, 8, Overflow::kWrap).value, -128);
  EXPECT_EQ(AddSigned(-128, -1, 8, Overflow::kWrap).value, 127);
  EXPECT_EQ(AddSigned(INT64_MAX, 1, 64, Overflow::kWrap).value, INT64_MIN);
  EXPECT_EQ(AddSigned(300, 0, 8, Overflow::kWrap).value, 44);
}

TEST(BitOpsTest, AddSignedSaturatesAtTheFieldLimits) {
  EXPECT_EQ(AddSigned(100, 100, 8, Overflow::kSat).value, 127);
  EXPECT_EQ(AddSigned(-100, -100, 8, Overflow::kSat).value, -128);
  EXPECT_EQ(AddSigned(INT64_MIN, -1, 64, Overflow::kSat).value, INT64_MIN);
  EXPECT_TRUE(AddSigned(-100, -100, 8, Overflow::kSat).overflowed);
}

TEST(BitOpsTest, AddSignedFailReportsOverflow) {
  EXPECT_TRUE(AddSigned(1, INT64_MAX, 64, Overflow::kFail).overflowed);
  EXPECT_FALSE(AddSigned(-1, INT64_MAX, 64, Overflow::kFail).overflowed);
}

TEST(BitOpsTest, AddSignedSetNearInt64MinSaturatesUpwardsAsRedisDoes) {
  // redis-server 7.0.15: BITFIELD k OVERFLOW SAT SET i8 0 -9223372036854775808 stores 127.
  EXPECT_EQ(AddSigned(INT64_MIN, 0, 8, Overflow::kSat).value, 127);
  EXPECT_EQ(AddSigned(INT64_MIN + 200, 0, 8, Overflow::kSat).value, -128);
}

TEST(BitOpsTest, AddUnsignedWrapsAndSaturates) {
  EXPECT_EQ(AddUnsigned(250, 10, 8, Overflow::kWrap).value, 4);
  EXPECT_EQ(AddUnsigned(5, -10, 8, Overflow::kWrap).value, 251);
  EXPECT_EQ(AddUnsigned(250, 10, 8, Overflow::kSat).value, 255);
  EXPECT_EQ(AddUnsigned(5, -10, 8, Overflow::kSat).value, 0);
  EXPECT_EQ(AddUnsigned(0, INT64_MIN, 63, Overflow::kSat).value, 0);
}

TEST(BitOpsTest, AddUnsignedSetOfNegativeNumberIsOutOfRange) {
  // SET u8 to -1 arrives as 2^64 - 1: SAT stores 255, as redis-server does.
  FieldUpdate u = AddUnsigned(static_cast<uint64_t>(-1), 0, 8, Overflow::kSat);

  EXPECT_TRUE(u.overflowed);
  EXPECT_EQ(u.value, 255);
}

TEST(BitOpsTest, AddUnsignedFailLeavesInRangeValuesAlone) {
  EXPECT_FALSE(AddUnsigned(3, -3, 2, Overflow::kFail).overflowed);
  EXPECT_TRUE(AddUnsigned(3, -4, 2, Overflow::kFail).overflowed);
  EXPECT_TRUE(AddUnsigned(3, 1, 2, Overflow::kFail).overflowed);
}

}  // namespace
}  // namespace redoubt::commands
