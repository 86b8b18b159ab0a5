// Tests of DecodeZipmap: the zipmap in Redis's own test RDB file, lengths, free bytes, the
// count byte, and damaged blobs.
#include "persistence/zipmap.h"

#include <absl/strings/escaping.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "unit/persistence/codec_test_bytes.h"

namespace redoubt::persistence {
namespace {

using testing::Bytes;

// A zipmap length: one byte below 254, else `marker` and a u32 little endian.
std::string Len(uint32_t n, char marker = '\xFE') {
  if (n < 254) {
    return std::string(1, static_cast<char>(n));
  }
  std::string s(1, marker);
  for (int i = 0; i < 4; ++i) {
    s.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  return s;
}

// One pair: field length, field, value length, free byte, value, free bytes.
std::string Pair(std::string_view field, std::string_view value, uint8_t free = 0) {
  std::string s = Len(static_cast<uint32_t>(field.size()));
  s.append(field);
  s.append(Len(static_cast<uint32_t>(value.size())));
  s.push_back(static_cast<char>(free));
  s.append(value);
  s.append(free, '?');
  return s;
}

std::vector<std::string> ZipmapItems(std::string_view blob) {
  return testing::DecodeOk<std::vector<std::string>>(DecodeZipmap, blob);
}

std::string ZipmapError(std::string_view blob) {
  return testing::DecodeErrorOf<std::vector<std::string>>(DecodeZipmap, blob);
}

// Redis 7.0.15's tests/assets/hash-zipmap.rdb (RDB 3, written by Redis 2.x): the value of key
// "hash", a zipmap of f1=v1, f2=v2.
constexpr std::string_view kRedisZipmapHex = "02 02663102007631 02663202007632 ff";

TEST(ZipmapTest, DecodesTheZipmapOfRedisTestRdbFile) {
  EXPECT_EQ(ZipmapItems(Bytes(kRedisZipmapHex)),
            (std::vector<std::string>{"f1", "v1", "f2", "v2"}));
}

TEST(ZipmapTest, FreeBytesAfterAValueAreSkipped) {
  const std::string zm = "\x02" + Pair("a", "x", 3) + Pair("b", "yy", 1) + "\xFF";

  EXPECT_EQ(ZipmapItems(zm), (std::vector<std::string>{"a", "x", "b", "yy"}));
}

TEST(ZipmapTest, LengthsOf254AndMoreTakeFiveBytes) {
  const std::string field(254, 'f');
  const std::string value(70000, 'v');
  const std::string zm = "\x01" + Pair(field, value) + "\xFF";

  EXPECT_EQ(ZipmapItems(zm), (std::vector<std::string>{field, value}));
}

// zipmapDecodeLength reads any first byte of 254 or more as "a u32 follows"; only at a field
// is 0xFF the end.
TEST(ZipmapTest, ValueLengthMarked0xFFIsReadAsRedisReadsIt) {
  const std::string zm = std::string("\x01") + Len(1) + "k" + Len(2, '\xFF') + '\0' + "vv" + "\xFF";

  EXPECT_EQ(ZipmapItems(zm), (std::vector<std::string>{"k", "vv"}));
}

TEST(ZipmapTest, CountOf254MeansCountThem) {
  std::string zm = "\xFE";
  for (int i = 0; i < 300; ++i) {
    zm += Pair("f" + std::to_string(i), "v");
  }
  zm += '\xFF';

  EXPECT_EQ(ZipmapItems(zm).size(), 600u);
}

TEST(ZipmapTest, CountThatDiffersFromThePairsIsRejected) {
  const std::string pairs = Pair("a", "1") + Pair("b", "2");

  EXPECT_NE(ZipmapError("\x01" + pairs + "\xFF"), "");
  EXPECT_NE(ZipmapError("\x03" + pairs + "\xFF"), "");
  EXPECT_NE(ZipmapError("\xFF" + pairs + "\xFF"), "");  // only 254 means "count them"
}

TEST(ZipmapTest, EmptyZipmapIsRejected) {
  EXPECT_NE(ZipmapError(Bytes("00 ff")), "");
  EXPECT_NE(ZipmapError(Bytes("fe ff")), "");
}

TEST(ZipmapTest, BlobTooShortOrWithoutTerminatorIsRejected) {
  EXPECT_NE(ZipmapError(""), "");
  EXPECT_NE(ZipmapError(Bytes("ff")), "");
  std::string zm = Bytes(kRedisZipmapHex);
  zm.back() = '\x00';
  EXPECT_NE(ZipmapError(zm), "");
}

TEST(ZipmapTest, PartsReachingPastTheEndAreRejected) {
  for (std::string_view hex : {
           "01 05 6162 ff",                 // field of 5 bytes with 2 there
           "01 fe050000 ff",                // 5-byte field length cut short
           "01 01 61 ff",                   // field ends at the terminator: no value length
           "01 01 61 01 ff",                // value length, then the terminator as free byte
           "01 01 61 05 00 6162 ff",        // value of 5 bytes with 2 there
           "01 01 61 01 05 62 ff",          // 5 free bytes that are not there
           "01 01 61 feffffffff 01 62 ff",  // value of 4 GB - 1 plus 1 free byte: no 32-bit wrap
       }) {
    EXPECT_NE(ZipmapError(Bytes(hex)), "") << hex;
  }
}

TEST(ZipmapTest, EveryTruncationIsRejectedWithoutReadingPastTheBlob) {
  const std::string zm =
      "\x02" + Pair("field", "value", 2) + Pair(std::string(300, 'f'), "v") + "\xFF";
  for (size_t len = 0; len < zm.size(); ++len) {
    const std::string cut = zm.substr(0, len);
    EXPECT_NE(ZipmapError(cut), "") << len;
    if (len + 1 < zm.size()) {  // cut + 0xFF would be the whole zipmap
      EXPECT_NE(ZipmapError(cut + '\xFF'), "") << len;
    }
  }
}

TEST(ZipmapTest, RandomDamageIsRejectedOrDecodedWithoutReadingPastTheBlob) {
  std::mt19937_64 rng(10);
  const std::string zm =
      "\x03" + Pair("a", "1", 2) + Pair(std::string(260, 'f'), "value") + Pair("z", "") + "\xFF";
  size_t rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = zm;
    for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
      damaged[rng() % damaged.size()] = static_cast<char>(rng());
    }

    if (ZipmapError(damaged) != "") {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace redoubt::persistence
