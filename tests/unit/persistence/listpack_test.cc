// Tests of ListpackBuilder and DecodeListpack: the bytes redis-server 7.0.15 writes, every
// integer, string-length and back-length boundary, the header count, and damaged blobs.
#include "persistence/listpack.h"

#include <absl/strings/escaping.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "unit/persistence/codec_test_bytes.h"

namespace redoubt::persistence {
namespace {

using testing::Bytes;
using testing::Hex;

std::string Build(const std::vector<std::string>& elements) {
  ListpackBuilder builder;
  for (const std::string& e : elements) {
    builder.Append(e);
  }
  return builder.Finish();
}

// The listpack holding one element whose encoding, data and back-length are `entry`.
std::string OneEntryListpack(std::string_view entry) {
  const size_t total = 6 + entry.size() + 1;
  std::string lp;
  for (int i = 0; i < 4; ++i) {
    lp.push_back(static_cast<char>((total >> (8 * i)) & 0xFF));
  }
  lp.append(Bytes("0100"));
  lp.append(entry);
  lp.push_back('\xFF');
  return lp;
}

std::vector<std::string> ListpackItems(std::string_view blob) {
  return testing::DecodeOk<std::vector<std::string>>(DecodeListpack, blob);
}

std::string ListpackError(std::string_view blob) {
  return testing::DecodeErrorOf<std::vector<std::string>>(DecodeListpack, blob);
}

// The elements of a list redis-server 7.0.15 built with RPUSH (rdbcompression no), and its
// one quicklist node as DUMP returned it: every integer encoding at its boundaries, and texts
// that look like integers but are not canonical, which stay strings.
const std::vector<std::string> kRedisListElements = {"0",
                                                     "12",
                                                     "13",
                                                     "127",
                                                     "128",
                                                     "-1",
                                                     "-4096",
                                                     "4095",
                                                     "4096",
                                                     "-4097",
                                                     "32767",
                                                     "32768",
                                                     "-32768",
                                                     "-32769",
                                                     "8388607",
                                                     "8388608",
                                                     "-8388608",
                                                     "-8388609",
                                                     "2147483647",
                                                     "2147483648",
                                                     "-2147483648",
                                                     "-2147483649",
                                                     "9223372036854775807",
                                                     "-9223372036854775808",
                                                     "9223372036854775808",
                                                     "-9223372036854775809",
                                                     "01",
                                                     "-0",
                                                     " 1",
                                                     "+1",
                                                     "",
                                                     "a",
                                                     "12345678901234567890123"};
const std::string_view kRedisListListpackHex =
    "d8000000210000010c010d017f01c08002dfff02d00002cfff02f1001003f1ffef03f1ff7f03f200800004"
    "f1008003f2ff7fff04f2ffff7f04f30000800005f200008004f3ffff7fff05f3ffffff7f05f40000008000"
    "00000009f30000008005f4ffffff7fffffffff09f4ffffffffffffff7f09f4000000000000008009933932"
    "323333373230333638353437373538303814942d3932323333373230333638353437373538303915823031"
    "03822d300382203103822b3103800181610297313233343536373839303132333435363738393031323318"
    "ff";

TEST(ListpackTest, BuildsTheListpackRedisServerDumpsForAList) {
  std::string blob = Build(kRedisListElements);

  EXPECT_EQ(Hex(blob), kRedisListListpackHex);
}

TEST(ListpackTest, DecodesTheListpackRedisServerDumpsForAList) {
  EXPECT_EQ(ListpackItems(Bytes(kRedisListListpackHex)), kRedisListElements);
}

// redis-server 7.0.15: HSET h f1 v1 f2 7, DUMP (OBJECT ENCODING listpack).
TEST(ListpackTest, BuildsAndDecodesTheListpackRedisServerDumpsForAHash) {
  const std::string redis = Bytes("15000000 0400 82663103 82763103 82663203 0701 ff");

  EXPECT_EQ(Hex(Build({"f1", "v1", "f2", "7"})), Hex(redis));
  EXPECT_EQ(ListpackItems(redis), (std::vector<std::string>{"f1", "v1", "f2", "7"}));
}

TEST(ListpackTest, EmptyListpackIsSevenBytes) {
  ListpackBuilder builder;

  EXPECT_EQ(Hex(builder.Finish()),
            "07000000"
            "0000"
            "ff");
  EXPECT_EQ(builder.bytes(), 7u);
  EXPECT_TRUE(ListpackItems(builder.Finish()).empty());
}

struct IntegerCase {
  int64_t value;
  std::string_view entry_hex;  // encoding, data, back-length
};

// Each boundary of each integer encoding, as redis-server 7.0.15 lays it out (the values are
// those of kRedisListListpackHex, plus the 7-bit and 13-bit ends).
const IntegerCase kIntegerCases[] = {
    {0, "00 01"},
    {12, "0c 01"},
    {13, "0d 01"},
    {127, "7f 01"},
    {128, "c080 02"},
    {-1, "dfff 02"},
    {-4096, "d000 02"},
    {4095, "cfff 02"},
    {4096, "f10010 03"},
    {-4097, "f1ffef 03"},
    {32767, "f1ff7f 03"},
    {32768, "f2008000 04"},
    {-32768, "f10080 03"},
    {-32769, "f2ff7fff 04"},
    {8388607, "f2ffff7f 04"},
    {8388608, "f300008000 05"},
    {-8388608, "f2000080 04"},
    {-8388609, "f3ffff7fff 05"},
    {2147483647, "f3ffffff7f 05"},
    {2147483648, "f40000008000000000 09"},
    {-2147483648LL, "f300000080 05"},
    {-2147483649LL, "f4ffffff7fffffffff 09"},
    {std::numeric_limits<int64_t>::max(), "f4ffffffffffffff7f 09"},
    {std::numeric_limits<int64_t>::min(), "f40000000000000080 09"},
};

TEST(ListpackTest, IntegerTextTakesTheSmallestIntegerEncoding) {
  for (const IntegerCase& c : kIntegerCases) {
    ListpackBuilder builder;

    builder.Append(std::to_string(c.value));

    EXPECT_EQ(Hex(builder.Finish()), Hex(OneEntryListpack(Bytes(c.entry_hex)))) << c.value;
  }
}

TEST(ListpackTest, AppendIntegerWritesTheSameBytesAsItsText) {
  for (const IntegerCase& c : kIntegerCases) {
    ListpackBuilder builder;

    builder.AppendInteger(c.value);

    EXPECT_EQ(Hex(builder.Finish()), Hex(OneEntryListpack(Bytes(c.entry_hex)))) << c.value;
  }
}

TEST(ListpackTest, EveryIntegerEncodingDecodesToItsCanonicalText) {
  for (const IntegerCase& c : kIntegerCases) {
    EXPECT_EQ(ListpackItems(OneEntryListpack(Bytes(c.entry_hex))),
              std::vector<std::string>{std::to_string(c.value)});
  }
}

TEST(ListpackTest, TextThatString2llRefusesStaysAString) {
  for (std::string_view text :
       {"01", "-0", "00", " 1", "1 ", "+1", "-", "", "1a", "0x10", "1.0", "9223372036854775808",
        "-9223372036854775809", "12345678901234567890", "123456789012345678901"}) {
    ListpackBuilder builder;

    builder.Append(text);

    std::string expected(1, static_cast<char>(0x80 | text.size()));
    expected.append(text);
    expected.push_back(static_cast<char>(1 + text.size()));
    EXPECT_EQ(Hex(builder.Finish()), Hex(OneEntryListpack(expected))) << "'" << text << "'";
    EXPECT_EQ(ListpackItems(builder.Finish()), std::vector<std::string>{std::string(text)});
  }
}

struct StringCase {
  size_t length;
  std::string_view head_hex;     // encoding and length bytes
  std::string_view backlen_hex;  // back-length of head + data
};

// String-length encodings at their boundaries and back-lengths at theirs. The 4095, 4096,
// 16377, 16378 and 16379-byte rows were checked against RPUSH + DUMP on redis-server 7.0.15,
// including Redis's quirk that an entry of 16383 bytes (and of 2097151) gets a back-length one
// byte longer than it needs.
const StringCase kStringCases[] = {
    {63, "bf", "40"},                    // last 6-bit length
    {64, "e040", "42"},                  // first 12-bit length
    {125, "e07d", "7f"},                 // entry of 127 bytes: last 1-byte back-length
    {126, "e07e", "0180"},               // entry of 128: first 2-byte back-length
    {4095, "efff", "2081"},              // last 12-bit length
    {4096, "f000100000", "2085"},        // first 32-bit length
    {16377, "f0f93f0000", "7ffe"},       // entry of 16382: last 2-byte back-length
    {16378, "f0fa3f0000", "00ffff"},     // entry of 16383: 3 bytes (Redis: l < 16383)
    {16379, "f0fb3f0000", "018080"},     // entry of 16384
    {2097145, "f0f9ff1f00", "7ffffe"},   // entry of 2097150: last 3-byte back-length
    {2097146, "f0faff1f00", "00ffffff"}  // entry of 2097151: 4 bytes (Redis: l < 2097151)
};

TEST(ListpackTest, StringLengthsAndBackLengthsAtTheirBoundaries) {
  for (const StringCase& c : kStringCases) {
    const std::string text(c.length, 'z');
    ListpackBuilder builder;

    builder.Append(text);
    std::string blob = builder.Finish();

    const std::string expected = OneEntryListpack(Bytes(c.head_hex) + text + Bytes(c.backlen_hex));
    EXPECT_EQ(blob.size(), expected.size()) << c.length;
    EXPECT_TRUE(blob == expected) << c.length << ": " << Hex(blob.substr(0, 12)) << " ... "
                                  << Hex(blob.substr(blob.size() - 6));
    EXPECT_EQ(builder.bytes(), blob.size());
    EXPECT_EQ(ListpackItems(blob), std::vector<std::string>{text}) << c.length;
  }
}

TEST(ListpackTest, SizeAndBytesFollowEveryAppend) {
  ListpackBuilder builder;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) {
      builder.AppendInteger(static_cast<int64_t>(rng()));
    } else {
      builder.Append(std::string(rng() % 5000, 'q'));
    }

    ASSERT_EQ(builder.size(), static_cast<size_t>(i + 1));
    ASSERT_EQ(builder.bytes(), builder.Finish().size());
  }
}

TEST(ListpackTest, HeaderCountSaturatesAt65535) {
  for (size_t n : {65534, 65535, 65536}) {
    ListpackBuilder builder;
    for (size_t i = 0; i < n; ++i) {
      builder.Append("x");
    }

    std::string blob = builder.Finish();

    const size_t header_count = static_cast<uint8_t>(blob[4]) | static_cast<uint8_t>(blob[5]) << 8;
    EXPECT_EQ(header_count, std::min<size_t>(n, 65535));
    EXPECT_EQ(ListpackItems(blob).size(), n);
  }
}

TEST(ListpackTest, RandomElementsRoundTrip) {
  std::mt19937_64 rng(6);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> elements;
    const size_t n = rng() % 200;
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          elements.push_back(std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64)));
          break;
        case 1:
          elements.push_back(std::to_string(static_cast<int>(rng() % 10000) - 5000));
          break;
        default: {
          std::string s(rng() % 300, '\0');
          for (char& ch : s) {
            ch = static_cast<char>(rng());  // binary, 0xFF bytes included
          }
          elements.push_back(std::move(s));
        }
      }
    }

    EXPECT_EQ(ListpackItems(Build(elements)), elements);
  }
}

TEST(ListpackTest, DecodeAppendsToWhatTheVectorHolds) {
  std::vector<std::string> out = {"kept"};
  std::string error;

  ASSERT_TRUE(DecodeListpack(Build({"a", "1"}), &out, &error));

  EXPECT_EQ(out, (std::vector<std::string>{"kept", "a", "1"}));
}

TEST(ListpackTest, BlobShorterThanHeaderAndTerminatorIsRejected) {
  const std::string full = Bytes("07000000 0000 ff");
  for (size_t len = 0; len < full.size(); ++len) {
    EXPECT_NE(ListpackError(full.substr(0, len)), "") << len;
  }
}

TEST(ListpackTest, TotalBytesThatDifferFromTheBlobAreRejected) {
  std::string blob = Build({"a", "b"});

  EXPECT_NE(ListpackError(blob + '\xFF'), "");
  blob[0] = static_cast<char>(blob[0] + 1);
  EXPECT_NE(ListpackError(blob), "");
}

TEST(ListpackTest, MissingTerminatorIsRejected) {
  std::string blob = Build({"a", "b"});
  blob.back() = '\x00';

  EXPECT_NE(ListpackError(blob), "");
}

TEST(ListpackTest, WrongHeaderCountIsRejectedAndUnknownCountIsCounted) {
  std::string blob = Build({"a", "b", "c"});

  blob[4] = 2;
  EXPECT_NE(ListpackError(blob), "");
  blob[4] = 4;
  EXPECT_NE(ListpackError(blob), "");
  blob[4] = '\xFF';
  blob[5] = '\xFF';
  EXPECT_EQ(ListpackError(blob), "");
  EXPECT_EQ(ListpackItems(blob).size(), 3u);
}

TEST(ListpackTest, WrongBackLengthIsRejected) {
  std::string blob = Build({"abc", "de"});  // 83 616263 04 | 82 6465 03 | ff

  blob[6 + 4] = 5;

  EXPECT_NE(ListpackError(blob), "");
}

TEST(ListpackTest, BackLengthOfMoreThanFiveBytesIsRejected) {
  // A 32-bit string of 4096 bytes whose 2-byte back-length has bit 7 set in both bytes and
  // the string's last three bytes: read backwards it never ends within five bytes.
  std::string text(4096, '\x80');
  ListpackBuilder builder;
  builder.Append(text);
  std::string blob = builder.Finish();
  blob[blob.size() - 3] = '\x80';

  EXPECT_NE(ListpackError(blob), "");
}

// Redis compares the value read backwards, not the bytes: a back-length byte with bit 7 set
// goes on into the entry, and when that reads as the entry's size Redis accepts it. So do we.
TEST(ListpackTest, BackLengthIsComparedByValueAsRedisDoes) {
  const std::string blob = OneEntryListpack(Bytes("00 81"));  // integer 0; back-length 0x81

  EXPECT_EQ(ListpackItems(blob), std::vector<std::string>{"0"});
}

TEST(ListpackTest, EncodingBytesWithNoMeaningAreRejected) {
  for (int b = 0xF5; b <= 0xFE; ++b) {
    std::string entry = {static_cast<char>(b), '\x01'};

    EXPECT_NE(ListpackError(OneEntryListpack(entry)), "") << b;
  }
}

TEST(ListpackTest, TerminatorBeforeTheEndIsRejected) {
  EXPECT_NE(ListpackError(Bytes("09000000 0000 ff 00 ff")), "");
}

TEST(ListpackTest, EntriesReachingPastTheEndAreRejected) {
  // A 6-bit string of 10 bytes with 1 byte there; a 12-bit header cut after its first byte;
  // a 32-bit string claiming 4 GB - 1 (sizes must not wrap); an int64 cut short.
  for (std::string_view entry : {"8a 61 02", "e0", "f0ffffffff 61 02", "f4 0102 03"}) {
    EXPECT_NE(ListpackError(OneEntryListpack(Bytes(entry))), "") << entry;
  }
}

TEST(ListpackTest, EveryTruncationIsRejectedWithoutReadingPastTheBlob) {
  const std::string blob = Bytes(kRedisListListpackHex);
  for (size_t len = 0; len < blob.size(); ++len) {
    std::string cut = blob.substr(0, len);
    EXPECT_NE(ListpackError(cut), "") << len;
    // The same prefix made to look whole: header size fixed and a terminator at its end.
    if (len >= 7) {
      cut.back() = '\xFF';
      cut[0] = static_cast<char>(len & 0xFF);
      cut[1] = static_cast<char>(len >> 8);
      EXPECT_NE(ListpackError(cut), "") << len;
    }
  }
}

TEST(ListpackTest, RandomDamageIsRejectedOrDecodedWithoutReadingPastTheBlob) {
  std::mt19937_64 rng(7);
  const std::string blob = Bytes(kRedisListListpackHex);
  size_t rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = blob;
    for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
      damaged[6 + rng() % (damaged.size() - 6)] = static_cast<char>(rng());
    }

    if (ListpackError(damaged) != "") {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace redoubt::persistence
