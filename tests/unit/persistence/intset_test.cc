// Tests of EncodeIntset / DecodeIntset: the blobs redis-server 7.0.15 writes, the width
// boundaries, and damaged blobs.
#include "persistence/intset.h"

#include <absl/strings/escaping.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "unit/persistence/codec_test_bytes.h"

namespace redoubt::persistence {
namespace {

using testing::Bytes;
using testing::Hex;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

std::string IntsetError(std::string_view blob) {
  return testing::DecodeErrorOf<std::vector<int64_t>>(DecodeIntset, blob);
}

std::vector<int64_t> IntsetValues(std::string_view blob) {
  return testing::DecodeOk<std::vector<int64_t>>(DecodeIntset, blob);
}

// redis-server 7.0.15: SADD of these values, OBJECT ENCODING intset, the blob in DUMP.
struct RedisIntset {
  std::vector<int64_t> values;
  std::string_view hex;
};

const RedisIntset kRedisIntsets[] = {
    {{-3, 5, 100}, "02000000 03000000 fdff 0500 6400"},
    {{-70000, 5, 100}, "04000000 03000000 90eefeff 05000000 64000000"},
    {{kInt64Min, 5, kInt64Max},
     "08000000 03000000 0000000000000080 0500000000000000 ffffffffffffff7f"},
};

TEST(IntsetTest, EncodesAsRedisServerDoes) {
  for (const RedisIntset& r : kRedisIntsets) {
    EXPECT_EQ(Hex(EncodeIntset(r.values)), Hex(Bytes(r.hex)));
  }
}

TEST(IntsetTest, DecodesWhatRedisServerWrote) {
  for (const RedisIntset& r : kRedisIntsets) {
    EXPECT_EQ(IntsetValues(Bytes(r.hex)), r.values);
  }
}

TEST(IntsetTest, WidthIsTheNarrowestThatHoldsEveryValue) {
  const struct {
    std::vector<int64_t> values;
    uint8_t width;
  } cases[] = {
      {{INT16_MIN, 0, INT16_MAX}, 2},   {{INT16_MIN - 1, 0}, 4},
      {{0, INT16_MAX + 1}, 4},          {{INT32_MIN, INT32_MAX}, 4},
      {{int64_t{INT32_MIN} - 1, 0}, 8}, {{0, int64_t{INT32_MAX} + 1}, 8},
      {{kInt64Min, kInt64Max}, 8},
  };
  for (const auto& c : cases) {
    std::string blob = EncodeIntset(c.values);

    EXPECT_EQ(static_cast<uint8_t>(blob[0]), c.width) << c.values.front();
    EXPECT_EQ(blob.size(), 8 + c.width * c.values.size());
    EXPECT_EQ(IntsetValues(blob), c.values);
  }
}

// Redis never narrows an intset: one that held a wide value keeps its width after SREM.
TEST(IntsetTest, WiderEncodingThanNeededIsAccepted) {
  EXPECT_EQ(IntsetValues(Bytes("08000000 02000000 0100000000000000 0200000000000000")),
            (std::vector<int64_t>{1, 2}));
}

TEST(IntsetTest, RandomSetsRoundTrip) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 200; ++round) {
    std::set<int64_t> set;
    const int shift = static_cast<int>(rng() % 48);  // at least 2^16 distinct values
    for (size_t n = 1 + rng() % 300; set.size() < n;) {
      set.insert(static_cast<int64_t>(rng()) >> shift);
    }
    const std::vector<int64_t> values(set.begin(), set.end());

    EXPECT_EQ(IntsetValues(EncodeIntset(values)), values);
  }
}

TEST(IntsetTest, DecodeAppendsToWhatTheVectorHolds) {
  std::vector<int64_t> out = {42};
  std::string error;

  ASSERT_TRUE(DecodeIntset(EncodeIntset({1, 2}), &out, &error));

  EXPECT_EQ(out, (std::vector<int64_t>{42, 1, 2}));
}

TEST(IntsetTest, BlobShorterThanItsHeaderIsRejected) {
  const std::string blob = EncodeIntset({1});
  for (size_t len = 0; len < 8; ++len) {
    EXPECT_NE(IntsetError(blob.substr(0, len)), "") << len;
  }
}

TEST(IntsetTest, InvalidEncodingIsRejected) {
  for (uint32_t width : {0u, 1u, 3u, 16u, 0x01000002u}) {
    std::string blob = EncodeIntset({1, 2});
    for (int i = 0; i < 4; ++i) {
      blob[i] = static_cast<char>((width >> (8 * i)) & 0xFF);
    }

    EXPECT_NE(IntsetError(blob), "") << width;
  }
}

TEST(IntsetTest, SizeThatDiffersFromTheLengthIsRejected) {
  const std::string blob = EncodeIntset({1, 2, 3});

  EXPECT_NE(IntsetError(blob.substr(0, blob.size() - 1)), "");
  EXPECT_NE(IntsetError(blob + '\x00'), "");
  EXPECT_NE(IntsetError(blob.substr(0, blob.size() - 2)), "");  // a whole value short
}

TEST(IntsetTest, HugeLengthIsRejectedWithoutOverflow) {
  EXPECT_NE(IntsetError(Bytes("08000000 ffffffff 0100000000000000")), "");
  EXPECT_NE(IntsetError(Bytes("08000000 00000020 0100000000000000")), "");
}

TEST(IntsetTest, EmptyIntsetIsRejected) {
  EXPECT_NE(IntsetError(Bytes("02000000 00000000")), "");
}

TEST(IntsetTest, UnsortedOrDuplicateValuesAreRejected) {
  EXPECT_NE(IntsetError(Bytes("02000000 02000000 0200 0100")), "");
  EXPECT_NE(IntsetError(Bytes("02000000 02000000 0100 0100")), "");
  // Ascending as unsigned bytes, descending as signed values: -1 after 1.
  EXPECT_NE(IntsetError(Bytes("04000000 02000000 01000000 ffffffff")), "");
}

TEST(IntsetTest, EveryTruncationIsRejected) {
  const std::string blob = Bytes(kRedisIntsets[2].hex);
  for (size_t len = 0; len < blob.size(); ++len) {
    EXPECT_NE(IntsetError(blob.substr(0, len)), "") << len;
  }
}

}  // namespace
}  // namespace redoubt::persistence
