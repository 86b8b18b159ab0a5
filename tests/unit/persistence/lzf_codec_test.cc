// Tests of LzfCompress / LzfDecompress: Redis's rule for when a string is stored compressed,
// bytes redis-server 7.0.15 wrote, round trips, and damaged input.
#include "persistence/lzf_codec.h"

#include <absl/strings/escaping.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "unit/persistence/codec_test_bytes.h"

namespace redoubt::persistence {
namespace {

using testing::Bytes;
using testing::RandomBytes;

// Text with repetition, as values often are, of `n` bytes.
std::string RepetitiveText(std::mt19937_64& rng, size_t n) {
  static constexpr std::string_view kWords[] = {"user:", "1000", "session", "-", "ok", "{\"id\":"};
  std::string s;
  while (s.size() < n) {
    s.append(kWords[rng() % std::size(kWords)]);
  }
  s.resize(n);
  return s;
}

// From redis-server 7.0.15: SET lz <kRedisPlain> with rdbcompression yes, then DUMP, which
// holds the string as 0xC3, compressed length 19, plain length 52, then kRedisCompressed.
constexpr std::string_view kRedisPlain = "abcabcabcabcabcabcabcabcabcabcabcabcabcabc0123456789";
constexpr std::string_view kRedisCompressedHex = "0361626361e01d020930313233343536373839";

TEST(LzfCodecTest, StringsOfTwentyBytesOrFewerAreNeverCompressed) {
  EXPECT_FALSE(LzfCompress("").has_value());
  EXPECT_FALSE(LzfCompress(std::string(20, 'a')).has_value());

  EXPECT_TRUE(LzfCompress(std::string(21, 'a')).has_value());
}

TEST(LzfCodecTest, IncompressibleDataIsStoredAsItIs) {
  std::mt19937_64 rng(1);
  for (size_t n : {21, 100, 4096}) {
    EXPECT_FALSE(LzfCompress(RandomBytes(rng, n)).has_value()) << n;
  }
}

TEST(LzfCodecTest, CompressesToTheBytesRedisServerWrote) {
  std::optional<std::string> packed = LzfCompress(kRedisPlain);

  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(absl::BytesToHexString(*packed), kRedisCompressedHex);
}

TEST(LzfCodecTest, DecompressesWhatRedisServerWrote) {
  std::string plain;

  ASSERT_TRUE(LzfDecompress(Bytes(kRedisCompressedHex), kRedisPlain.size(), &plain));

  EXPECT_EQ(plain, kRedisPlain);
}

// From redis-server 7.0.15: RPUSH l2 <63 x 'x'> <64 x 'y'>, DUMP with rdbcompression yes. The
// list's one listpack node (139 bytes) was stored LZF-compressed in 23 bytes.
TEST(LzfCodecTest, DecompressesAListpackRedisServerCompressed) {
  const std::string compressed = Bytes("078b0000000200bf78e035000340e04079e036000142ff");
  const std::string expected = Bytes("8b0000000200bf") + std::string(63, 'x') + Bytes("40e040") +
                               std::string(64, 'y') + Bytes("42ff");
  std::string plain;

  ASSERT_TRUE(LzfDecompress(compressed, 139, &plain));

  EXPECT_EQ(plain, expected);
}

TEST(LzfCodecTest, WhatIsCompressedSavesAtLeastFourBytesAndRoundTrips) {
  std::mt19937_64 rng(2);
  size_t compressed = 0;
  for (size_t n = 21; n < 600; n += 7) {
    const std::string text = RepetitiveText(rng, n);

    std::optional<std::string> packed = LzfCompress(text);

    if (!packed) {
      continue;
    }
    ++compressed;
    EXPECT_LE(packed->size() + 4, text.size());
    std::string plain;
    ASSERT_TRUE(LzfDecompress(*packed, text.size(), &plain));
    EXPECT_EQ(plain, text);
  }
  EXPECT_GT(compressed, 50u);
}

TEST(LzfCodecTest, ALengthThatDoesNotMatchIsRejected) {
  const std::string packed = *LzfCompress(std::string(1000, 'z'));
  std::string plain;

  EXPECT_FALSE(LzfDecompress(packed, 999, &plain));
  EXPECT_FALSE(LzfDecompress(packed, 1001, &plain));
  EXPECT_TRUE(LzfDecompress(packed, 1000, &plain));
}

TEST(LzfCodecTest, EveryTruncationIsRejected) {
  std::mt19937_64 rng(3);
  const std::string text = RepetitiveText(rng, 2000);
  const std::string packed = *LzfCompress(text);
  std::string plain;
  for (size_t len = 0; len < packed.size(); ++len) {
    EXPECT_FALSE(LzfDecompress(std::string_view(packed.data(), len), text.size(), &plain)) << len;
  }
}

TEST(LzfCodecTest, ABackReferenceBeforeTheStartIsRejected) {
  // A literal run of one byte, then a back-reference of 3 bytes at distance 2: before the start.
  const std::string packed = Bytes("0061 2001");
  std::string plain;

  EXPECT_FALSE(LzfDecompress(packed, 4, &plain));
}

TEST(LzfCodecTest, ZeroLengthAcceptsOnlyEmptyInput) {
  std::string plain = "stale";

  EXPECT_TRUE(LzfDecompress("", 0, &plain));
  EXPECT_EQ(plain, "");
  EXPECT_FALSE(LzfDecompress(Bytes("0061"), 0, &plain));
}

TEST(LzfCodecTest, ALengthNoInputCouldExpandToIsRejectedBeforeAllocating) {
  std::string plain;

  // 10 bytes of LZF expand to at most 880: a claim of 2 GB is damage, refused without trying.
  EXPECT_FALSE(LzfDecompress(std::string(10, '\x01'), size_t{1} << 31, &plain));

  EXPECT_LT(plain.capacity(), size_t{1} << 20);
}

TEST(LzfCodecTest, RandomDamageNeverDecodesToTheWrongLength) {
  std::mt19937_64 rng(4);
  const std::string text = RepetitiveText(rng, 500);
  const std::string packed = *LzfCompress(text);
  for (int round = 0; round < 2000; ++round) {
    std::string damaged = packed;
    damaged[rng() % damaged.size()] = static_cast<char>(rng());
    std::string plain;

    bool ok = LzfDecompress(damaged, text.size(), &plain);

    if (ok) {
      EXPECT_EQ(plain.size(), text.size());
    }
  }
}

}  // namespace
}  // namespace redoubt::persistence
