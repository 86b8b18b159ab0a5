// Tests of Crc64 against Redis's check value, checksums redis-server 7.0.15 wrote, and a
// bit-at-a-time reference built from the polynomial's textbook definition.
#include "persistence/crc64.h"

#include <absl/strings/escaping.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "unit/persistence/codec_test_bytes.h"

namespace redoubt::persistence {
namespace {

using testing::Bytes;
using testing::RandomBytes;

// The last 8 bytes of a DUMP payload: the CRC-64 (little endian) of all bytes before them.
uint64_t TrailingCrc(std::string_view payload) {
  uint64_t crc = 0;
  for (size_t i = 0; i < 8; ++i) {
    crc |= uint64_t{static_cast<uint8_t>(payload[payload.size() - 8 + i])} << (8 * i);
  }
  return crc;
}

// CRC-64/Jones by definition: each byte reflected, fed most significant bit first into a
// register divided by the unreflected polynomial, and the result reflected. Shares nothing with
// the tables under test.
uint64_t ReferenceCrc64(std::string_view data) {
  constexpr uint64_t kPolynomial = 0xad93d23594c935a9ULL;
  auto reflect = [](uint64_t v, int bits) {
    uint64_t r = 0;
    for (int i = 0; i < bits; ++i) {
      r = (r << 1) | ((v >> i) & 1);
    }
    return r;
  };
  uint64_t reg = 0;
  for (char c : data) {
    reg ^= reflect(static_cast<uint8_t>(c), 8) << 56;
    for (int bit = 0; bit < 8; ++bit) {
      reg = (reg >> 63) != 0 ? (reg << 1) ^ kPolynomial : reg << 1;
    }
  }
  return reflect(reg, 64);
}

TEST(Crc64Test, CheckValueIsRedisCrc64TestValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

TEST(Crc64Test, EmptyInputLeavesTheCrcUnchanged) {
  EXPECT_EQ(Crc64(0, "", 0), 0u);
  EXPECT_EQ(Crc64(0x1234, nullptr, 0), 0x1234u);
}

// DUMP payloads from redis-server 7.0.15 (HSET h f1 v1 f2 7; RPUSH of 33 mixed elements with
// rdbcompression no; SET of a 52-byte string, LZF-compressed): type, value, RDB version 10,
// then the CRC-64 of everything before it.
TEST(Crc64Test, MatchesTheChecksumsOfRedisDumpPayloads) {
  const std::string payloads[] = {
      Bytes("10151500000004008266310382763103826632030701ff0a00 3af795e65b9f0814"),
      Bytes("00c313340361626361e01d0209303132333435363738390a00 7575dc88d92f301a"),
      Bytes("12010240d8d8000000210000010c010d017f01c08002dfff02d00002cfff02f1001003f1ffef03f1ff7f03"
            "f200800004f1008003f2ff7fff04f2ffff7f04f30000800005f200008004f3ffff7fff05f3ffffff7f05f4"
            "000000800000000009f30000008005f4ffffff7fffffffff09f4ffffffffffffff7f09f400000000000000"
            "8009933932323333373230333638353437373538303814942d393232333337323033363835343737353830"
            "391582303103822d300382203103822b310380018161029731323334353637383930313233343536373839"
            "3031323318ff0a00 9a2a0bf00b3b47ab"),
  };
  for (const std::string& payload : payloads) {
    const std::string_view body(payload.data(), payload.size() - 8);

    uint64_t crc = Crc64(0, body.data(), body.size());

    EXPECT_EQ(crc, TrailingCrc(payload)) << absl::BytesToHexString(payload);
  }
}

TEST(Crc64Test, MatchesTheBitwiseDefinitionForEveryLengthAndAlignment) {
  std::mt19937_64 rng(42);
  const std::string data = RandomBytes(rng, 200);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len + offset <= data.size(); ++len) {
      std::string_view piece(data.data() + offset, len);

      uint64_t crc = Crc64(0, piece.data(), piece.size());

      ASSERT_EQ(crc, ReferenceCrc64(piece)) << "offset " << offset << " len " << len;
    }
  }
}

TEST(Crc64Test, ContinuingOverPiecesEqualsOneCall) {
  std::mt19937_64 rng(7);
  const std::string data = RandomBytes(rng, 1000);
  const uint64_t whole = Crc64(0, data.data(), data.size());
  for (size_t split = 0; split <= data.size(); ++split) {
    uint64_t crc = Crc64(0, data.data(), split);

    crc = Crc64(crc, data.data() + split, data.size() - split);

    ASSERT_EQ(crc, whole) << "split at " << split;
  }
}

}  // namespace
}  // namespace redoubt::persistence
