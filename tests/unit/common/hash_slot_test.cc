// Tests of the cluster hash slot: the CRC-16 check value, hash tags as Redis reads them, and
// slots Redis's documentation and redis-server give for sample keys, the slicing CRC against
// Boost's byte-at-a-time one, the carry-less multiplication against the tables (every length,
// alignment, braces, keys ending at a page boundary), and the per-command known slot.
#include "common/hash_slot.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <random>
#include <string>

namespace redoubt::common {
namespace {

TEST(HashSlotTest, Crc16CheckValue) {
  // The catalogued check value of CRC-16/XMODEM over "123456789".
  EXPECT_EQ(Crc16Xmodem("123456789"), 0x31C3);
  EXPECT_EQ(Crc16Xmodem(""), 0);
}

TEST(HashSlotTest, BothWaysMatchByteAtATimeForEveryLengthAndAlignment) {
  // Random bytes (fixed seed), every length up to 300 and every start within 16 bytes, so that
  // each mix of blocks (8 bytes for the tables, 16 for carry-less multiplication) and heads or
  // tails, at every alignment, is compared with Boost's byte-at-a-time CRC. Crc16Xmodem takes
  // the multiplication where the CPU has it (Crc16UsesClmul), the tables otherwise.
  std::mt19937 random(15);
  std::string buffer(320, '\0');
  for (char& c : buffer) {
    c = static_cast<char>(random());
  }
  for (size_t start = 0; start < 16; ++start) {
    for (size_t size = 0; size <= 300; ++size) {
      const std::string_view bytes = std::string_view(buffer).substr(start, size);
      boost::crc_optimal<16, 0x1021, 0, 0, false, false> reference;
      reference.process_bytes(bytes.data(), bytes.size());
      ASSERT_EQ(Crc16XmodemTables(bytes), reference.checksum())
          << "start " << start << " size " << size;
      ASSERT_EQ(Crc16Xmodem(bytes), reference.checksum())
          << "start " << start << " size " << size << (Crc16UsesClmul() ? " (clmul)" : "");
    }
  }
}

TEST(HashSlotTest, SlotsOfKeysWithBracesAgreeWithTheirTags) {
  // Braces anywhere, in heads and in blocks: the slot is the CRC of the tag as HashTagOf
  // finds it, computed by tables.
  std::mt19937 random(19);
  const std::string alphabet = "ab{}";
  for (int i = 0; i < 20000; ++i) {
    std::string key(random() % 70, 'x');
    for (char& c : key) {
      c = alphabet[random() % alphabet.size()];
    }
    ASSERT_EQ(ComputeKeyHashSlot(key), Crc16XmodemTables(HashTagOf(key)) & (kClusterSlots - 1))
        << key;
  }
}

TEST(HashSlotTest, OneTagAtEveryPlaceOfEveryLength) {
  // A single "{t}" at every position of keys of 'x' from 3 to 80 bytes: the brace must be seen
  // wherever it falls (head or block, every lane), and the slot is then the tag's.
  for (size_t size = 3; size <= 80; ++size) {
    for (size_t at = 0; at + 3 <= size; ++at) {
      std::string key(size, 'x');
      key.replace(at, 3, "{t}");
      ASSERT_EQ(ComputeKeyHashSlot(key), ComputeKeyHashSlot("t")) << key;
    }
  }
}

TEST(HashSlotTest, KeysEndingAtAPageBoundary) {
  // No load reads past a key: keys that end right before an inaccessible page are read without
  // a fault, and correctly.
  const long page = sysconf(_SC_PAGESIZE);
  void* mapped =
      mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  char* base = static_cast<char*>(mapped);
  ASSERT_EQ(mprotect(base + page, page, PROT_NONE), 0);
  for (size_t size = 1; size <= 70; ++size) {
    char* key = base + page - size;
    for (size_t i = 0; i < size; ++i) {
      key[i] = static_cast<char>('a' + i % 26);
    }
    key[size / 2] = size % 3 == 0 ? '{' : key[size / 2];
    const std::string copy(key, size);
    EXPECT_EQ(ComputeKeyHashSlot(std::string_view(key, size)),
              Crc16XmodemTables(HashTagOf(copy)) & (kClusterSlots - 1));
    EXPECT_EQ(Crc16Xmodem(std::string_view(key, size)), Crc16XmodemTables(copy));
  }
  munmap(mapped, 2 * page);
}

TEST(HashSlotTest, KnownSlotAnswersOnlyForTheSameBytesAndEndsWithItsScope) {
  const std::string key = "somekey";
  const std::string same_text = "somekey";
  {
    KnownKeySlot known;
    // A deliberately wrong slot shows which answers come from the known one.
    known.Set(key, 7);
    EXPECT_EQ(KeyHashSlot(key), 7);
    EXPECT_EQ(KeyHashSlot(same_text), 11058);  // same text, other bytes: computed
    EXPECT_EQ(KeyHashSlot(std::string_view(key).substr(0, 4)), ComputeKeyHashSlot("some"));
    {
      KnownKeySlot nested;  // a script's command inside the first
      nested.Set(same_text, 9);
      EXPECT_EQ(KeyHashSlot(same_text), 9);
      EXPECT_EQ(KeyHashSlot(key), 11058);
    }
    EXPECT_EQ(KeyHashSlot(key), 7);  // the outer one is back
    KnownKeySlot unused;             // never set: restores nothing
  }
  EXPECT_EQ(KeyHashSlot(key), 11058);
  EXPECT_EQ(KeyHashSlot(std::string_view()), 0);
}

TEST(HashSlotTest, HashTags) {
  EXPECT_EQ(HashTagOf("{user1000}.following"), "user1000");
  EXPECT_EQ(HashTagOf("foo{}{bar}"), "foo{}{bar}");  // an empty first tag: the whole key
  EXPECT_EQ(HashTagOf("foo{{bar}}zap"), "{bar");     // up to the first '}'
  EXPECT_EQ(HashTagOf("foo{bar}{zap}"), "bar");      // only the first tag counts
  EXPECT_EQ(HashTagOf("{"), "{");
  EXPECT_EQ(HashTagOf("a}b{c"), "a}b{c");
  EXPECT_EQ(HashTagOf("plain"), "plain");
}

TEST(HashSlotTest, SlotsAsRedisGivesThem) {
  // CLUSTER KEYSLOT on redis-server 7.0.
  EXPECT_EQ(KeyHashSlot("somekey"), 11058);
  EXPECT_EQ(KeyHashSlot("foo{hash_tag}"), 2515);
  EXPECT_EQ(KeyHashSlot("{user1000}.following"), KeyHashSlot("{user1000}.followers"));
  EXPECT_EQ(KeyHashSlot(""), 0);
}

}  // namespace
}  // namespace redoubt::common
