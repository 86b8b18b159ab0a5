// Tests of DecodeZiplist: ziplists written by older redis-servers (Redis's own test RDB files),
// every encoding, and damaged blobs.
#include "persistence/ziplist.h"

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

void PutLe(uint64_t v, size_t bytes, std::string* out) {
  for (size_t i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

struct Entry {
  std::string body;          // encoding and data
  bool big_prevlen = false;  // prevlen in 5 bytes even when 1 would do
};

// A ziplist of entries laid out as Redis lays them out: each prevlen the previous entry's size,
// zltail the last entry's offset, zllen the count.
std::string Ziplist(const std::vector<Entry>& entries) {
  std::string body;
  size_t prev = 0;
  size_t last = 10;
  for (const Entry& e : entries) {
    const size_t start = body.size();
    last = 10 + start;
    if (prev < 254 && !e.big_prevlen) {
      body.push_back(static_cast<char>(prev));
    } else {
      body.push_back('\xFE');
      PutLe(prev, 4, &body);
    }
    body.append(e.body);
    prev = body.size() - start;
  }
  std::string zl;
  PutLe(10 + body.size() + 1, 4, &zl);
  PutLe(last, 4, &zl);
  PutLe(entries.size() < 65535 ? entries.size() : 65535, 2, &zl);
  zl.append(body);
  zl.push_back('\xFF');
  return zl;
}

// A string entry's encoding and data, with the shortest length encoding (big endian).
std::string Str(std::string_view s) {
  std::string e;
  if (s.size() <= 0x3F) {
    e.push_back(static_cast<char>(s.size()));
  } else if (s.size() <= 0x3FFF) {
    e.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
    e.push_back(static_cast<char>(s.size() & 0xFF));
  } else {
    e.push_back('\x80');
    for (int shift = 24; shift >= 0; shift -= 8) {
      e.push_back(static_cast<char>((s.size() >> shift) & 0xFF));
    }
  }
  e.append(s);
  return e;
}

std::vector<std::string> ZiplistItems(std::string_view blob) {
  return testing::DecodeOk<std::vector<std::string>>(DecodeZiplist, blob);
}

std::string ZiplistError(std::string_view blob) {
  return testing::DecodeErrorOf<std::vector<std::string>>(DecodeZiplist, blob);
}

// Ziplists that older redis-servers wrote, taken from the RDB files in Redis 7.0.15's
// tests/assets (each is the string after the key in the file).
struct RedisZiplist {
  std::string_view source;
  std::string_view hex;
  std::vector<std::string> elements;
};

const RedisZiplist kRedisZiplists[] = {
    {"hash-ziplist.rdb (RDB 9), key hash",
     "1b000000 16000000 0400 00026631 04027631 04026632 04027632 ff",
     {"f1", "v1", "f2", "v2"}},
    {"zset-ziplist.rdb (RDB 10), key zset: 4-bit immediates",
     "19000000 16000000 0400 00036f6e65 05f2 020374776f 05f3 ff",
     {"one", "1", "two", "2"}},
    {"list-quicklist.rdb (Redis 4.0.9), the node of key list",
     "0d000000 0a000000 0100 00f8 ff",
     {"7"}},
    {"encodings.rdb (RDB 4), key list_zipped: 16-, 32- and 64-bit integers",
     "30000000 25000000 0800 00c00100 04c00200 04c00300 040161 030162 030163 03d0a0860100 "
     "06e000bca06501000000 ff",
     {"1", "2", "3", "a", "b", "c", "100000", "6000000000"}},
    {"encodings.rdb (RDB 4), key hash_zipped",
     "20000000 1b000000 0600 000161 03c00100 040162 03c00200 040163 03c00300 ff",
     {"a", "1", "b", "2", "c", "3"}},
};

TEST(ZiplistTest, DecodesZiplistsOlderRedisServersWrote) {
  for (const RedisZiplist& z : kRedisZiplists) {
    EXPECT_EQ(ZiplistItems(Bytes(z.hex)), z.elements) << z.source;
  }
}

TEST(ZiplistTest, EmptyZiplistDecodesToNothing) {
  EXPECT_TRUE(ZiplistItems(Bytes("0b000000 0a000000 0000 ff")).empty());
}

TEST(ZiplistTest, EveryIntegerEncodingAtItsBounds) {
  const struct {
    std::string_view body_hex;
    std::string_view text;
  } cases[] = {
      {"f1", "0"},
      {"fd", "12"},
      {"fe80", "-128"},
      {"fe7f", "127"},
      {"c00080", "-32768"},
      {"c0ff7f", "32767"},
      {"f0000080", "-8388608"},
      {"f0ffff7f", "8388607"},
      {"d000000080", "-2147483648"},
      {"d0ffffff7f", "2147483647"},
      {"e00000000000000080", "-9223372036854775808"},
      {"e0ffffffffffffff7f", "9223372036854775807"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ZiplistItems(Ziplist({{Bytes(c.body_hex)}})),
              std::vector<std::string>{std::string(c.text)})
        << c.body_hex;
  }
}

TEST(ZiplistTest, EveryStringLengthEncodingAtItsBounds) {
  for (size_t len : {0, 63, 64, 16383, 16384, 70000}) {
    const std::string text(len, 's');

    EXPECT_EQ(ZiplistItems(Ziplist({{Str(text)}, {Str("after")}})),
              (std::vector<std::string>{text, "after"}))
        << len;
  }
}

// Redis reads the first byte of a 32-bit length as "10xxxxxx" and ignores xxxxxx.
TEST(ZiplistTest, LowBitsOfA32BitLengthEncodingAreIgnoredAsRedisDoes) {
  EXPECT_EQ(ZiplistItems(Ziplist({{Bytes("bf00000002 6869")}})), std::vector<std::string>{"hi"});
}

TEST(ZiplistTest, EntriesAfterOneOf254BytesOrMoreCarryAFiveBytePrevlen) {
  const std::string big(300, 'b');

  std::string zl = Ziplist({{Str(big)}, {Str("x")}});

  EXPECT_EQ(static_cast<uint8_t>(zl[10 + 1 + 2 + 300]), 0xFE);
  EXPECT_EQ(ZiplistItems(zl), (std::vector<std::string>{big, "x"}));
}

// Redis's cascade update may leave a 5-byte prevlen holding a small size; it is valid.
TEST(ZiplistTest, FiveBytePrevlenOfASmallEntryIsAccepted) {
  EXPECT_EQ(ZiplistItems(Ziplist({{Str("a")}, {Str("b"), true}})),
            (std::vector<std::string>{"a", "b"}));
}

TEST(ZiplistTest, UnknownCountIsCounted) {
  std::string zl = Ziplist({{Str("a")}, {Str("b")}});
  zl[8] = '\xFF';
  zl[9] = '\xFF';

  EXPECT_EQ(ZiplistItems(zl).size(), 2u);
}

TEST(ZiplistTest, WrongHeaderFieldsAreRejected) {
  const std::string good = Ziplist({{Str("a")}, {Bytes("c00100")}, {Str("bc")}});
  ASSERT_EQ(ZiplistError(good), "");
  for (size_t offset : {0, 4, 8}) {  // zlbytes, zltail, zllen
    for (int delta : {-1, 1}) {
      std::string bad = good;
      bad[offset] = static_cast<char>(bad[offset] + delta);

      EXPECT_NE(ZiplistError(bad), "") << offset << " " << delta;
    }
  }
}

TEST(ZiplistTest, TailOffsetPastTheEndIsRejectedEvenWhenEmpty) {
  EXPECT_NE(ZiplistError(Bytes("0b000000 0b000000 0000 ff")), "");
}

TEST(ZiplistTest, BlobShorterThanHeaderAndTerminatorIsRejected) {
  const std::string full = Bytes("0b000000 0a000000 0000 ff");
  for (size_t len = 0; len < full.size(); ++len) {
    EXPECT_NE(ZiplistError(full.substr(0, len)), "") << len;
  }
}

TEST(ZiplistTest, MissingTerminatorIsRejected) {
  std::string zl = Ziplist({{Str("a")}});
  zl.back() = '\x00';

  EXPECT_NE(ZiplistError(zl), "");
}

TEST(ZiplistTest, PrevlenThatDiffersFromThePreviousEntryIsRejected) {
  std::string zl = Ziplist({{Str("a")}, {Str("b")}});  // 00 01 61 | 03 01 62

  zl[13] = 4;
  EXPECT_NE(ZiplistError(zl), "");
  zl[13] = 3;
  zl[10] = 1;  // the first entry's prevlen must be 0
  EXPECT_NE(ZiplistError(zl), "");
}

TEST(ZiplistTest, InvalidIntegerEncodingsAreRejected) {
  for (int b : {0xC1, 0xCF, 0xD1, 0xE1, 0xEF, 0xFF}) {
    std::string body(1, static_cast<char>(b));
    body.append(8, '\0');

    EXPECT_NE(ZiplistError(Ziplist({{body}})), "") << b;
  }
}

TEST(ZiplistTest, EntriesReachingPastTheEndAreRejected) {
  // A string of 10 bytes with 2 there; a 14-bit length cut after its first byte; a 32-bit
  // length of 4 GB - 1 (sizes must not wrap); an int64 with 2 bytes; a 5-byte prevlen cut short.
  for (std::string_view body : {"0a 6162", "40", "80ffffffff 61", "e0 0102"}) {
    EXPECT_NE(ZiplistError(Ziplist({{Bytes(body)}})), "") << body;
  }
  EXPECT_NE(ZiplistError(Bytes("0e000000 0a000000 0100 fe0000 ff")), "");
}

TEST(ZiplistTest, TerminatorBeforeTheEndIsRejected) {
  EXPECT_NE(ZiplistError(Bytes("0d000000 0a000000 0000 ff 00 ff")), "");
}

TEST(ZiplistTest, EveryTruncationIsRejectedWithoutReadingPastTheBlob) {
  const std::string zl = Bytes(kRedisZiplists[3].hex);
  for (size_t len = 0; len < zl.size(); ++len) {
    std::string cut = zl.substr(0, len);
    EXPECT_NE(ZiplistError(cut), "") << len;
    if (len >= 11) {  // made to look whole: zlbytes fixed, a terminator at its end
      cut.back() = '\xFF';
      cut[0] = static_cast<char>(len);
      EXPECT_NE(ZiplistError(cut), "") << len;
    }
  }
}

TEST(ZiplistTest, RandomDamageIsRejectedOrDecodedWithoutReadingPastTheBlob) {
  std::mt19937_64 rng(8);
  const std::string zl = Ziplist({{Str("field")},
                                  {Bytes("c00100")},
                                  {Str(std::string(300, 'v'))},
                                  {Bytes("f5")},
                                  {Bytes("e0ffffffffffffff7f")},
                                  {Str("end")}});
  size_t rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = zl;
    for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
      damaged[rng() % damaged.size()] = static_cast<char>(rng());
    }

    if (ZiplistError(damaged) != "") {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace redoubt::persistence
