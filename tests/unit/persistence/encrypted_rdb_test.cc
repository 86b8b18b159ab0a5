// Snapshots encrypted at rest: key files and ids, the container written and read back at every
// length around a chunk boundary, and every way a file can be wrong (a changed byte anywhere,
// a cut at any length, chunks reordered, bytes appended, the wrong key) refused.
#include "persistence/encrypted_rdb.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <utility>

#include "common/file_io.h"
#include "persistence/encryption_keys.h"

namespace redoubt::persistence {
namespace {

EncryptionKey KeyOf(uint8_t first) {
  EncryptionKey k;
  for (size_t i = 0; i < k.bytes.size(); ++i) {
    k.bytes[i] = static_cast<uint8_t>(first + i);
  }
  k.id = EncryptionKeyId(k.bytes);
  return k;
}

EncryptionKeyring RingOf(std::optional<EncryptionKey> current,
                         std::vector<EncryptionKey> old = {}) {
  EncryptionKeyring r;
  r.current = std::move(current);
  r.old = std::move(old);
  return r;
}

// Encrypts plaintext in pieces of `piece` bytes.
std::string Seal(const EncryptionKey& key, std::string_view plaintext, uint32_t chunk,
                 size_t piece = 7) {
  std::string file;
  auto w = EncryptedRdbWriter::Create(
      key,
      [&file](std::string_view b) {
        file.append(b);
        return absl::OkStatus();
      },
      chunk);
  EXPECT_TRUE(w.ok()) << w.status();
  for (size_t at = 0; at < plaintext.size(); at += piece) {
    EXPECT_TRUE((*w)->Write(plaintext.substr(at, piece)).ok());
  }
  EXPECT_TRUE((*w)->Finish().ok());
  return file;
}

// An anonymous file holding bytes, at offset 0.
class MemFile {
 public:
  explicit MemFile(std::string_view bytes) : fd_(memfd_create("rdb", MFD_CLOEXEC)) {
    std::string_view rest = bytes;
    EXPECT_TRUE(common::WriteAll(fd_, &rest));
    lseek(fd_, 0, SEEK_SET);
  }
  ~MemFile() { close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<std::string> Open(std::string_view file, const EncryptionKeyring* keys) {
  MemFile f(file);
  auto r = EncryptedRdbReader::Open(f.fd(), keys);
  if (!r.ok()) {
    return r.status();
  }
  std::string all;
  std::string chunk;
  while (true) {
    absl::StatusOr<bool> more = (*r)->Next(&chunk);
    if (!more.ok()) {
      return more.status();
    }
    if (!*more) {
      return all;
    }
    all += chunk;
  }
}

absl::Status Verify(std::string_view file, const EncryptionKeyring& keys) {
  MemFile f(file);
  return VerifyEncryptedRdb(f.fd(), &keys);
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) {
    c = static_cast<char>(rng());
  }
  return s;
}

TEST(EncryptionKeysTest, IdIsPinnedBecauseFilesOnDiskNameIt) {
  // Changing how ids are computed would make every encrypted snapshot unreadable.
  EXPECT_EQ(KeyOf(0).id, "5b2c2f2fcc556311");
  EXPECT_NE(KeyOf(1).id, KeyOf(0).id);
}

class KeyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, std::string_view content) {
    std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
};

TEST_F(KeyFileTest, HexWithWhitespaceAndRawBytesAreKeys) {
  const std::string hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";
  absl::StatusOr<EncryptionKey> a = ReadEncryptionKeyFile(Write("hex.key", "  " + hex + "\n"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id, "5b2c2f2fcc556311");
  std::string raw;
  for (int i = 0; i < 32; ++i) {
    raw.push_back(static_cast<char>(i));
  }
  absl::StatusOr<EncryptionKey> b = ReadEncryptionKeyFile(Write("raw.key", raw));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->bytes, a->bytes);
}

TEST_F(KeyFileTest, AnythingElseIsRefusedNamingTheFile) {
  for (const std::string& bad : {std::string(31, 'k'), std::string(63, 'a'), std::string(64, 'g'),
                                 std::string(65, 'a'), std::string()}) {
    std::string path = Write("bad.key", bad);
    absl::StatusOr<EncryptionKey> k = ReadEncryptionKeyFile(path);
    ASSERT_FALSE(k.ok()) << bad.size();
    EXPECT_NE(k.status().message().find(path), std::string::npos) << k.status();
  }
  absl::StatusOr<EncryptionKey> missing = ReadEncryptionKeyFile("/nonexistent/key");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no such file"), std::string::npos);
}

TEST_F(KeyFileTest, KeyringReadsEveryOldKeyAndNullWhenNoneIsSet) {
  std::string k1 = Write("k1", std::string(64, 'a'));
  std::string k2 = Write("k2", std::string(64, 'b'));
  auto ring = LoadEncryptionKeyring(k1, "  " + k2 + "  " + k1 + " ");
  ASSERT_TRUE(ring.ok()) << ring.status();
  ASSERT_TRUE((*ring)->current.has_value());
  EXPECT_EQ((*ring)->old.size(), 2u);
  EXPECT_EQ((*ring)->Find((*ring)->old[0].id), &(*ring)->old[0]);
  EXPECT_EQ((*ring)->Find("0000000000000000"), nullptr);
  auto none = LoadEncryptionKeyring("", "   ");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  EXPECT_FALSE(LoadEncryptionKeyring(k1, k2 + " /nonexistent/key").ok());
}

TEST(EncryptedRdbTest, RoundTripsEveryLengthAroundChunkBoundaries) {
  const EncryptionKey key = KeyOf(0);
  const EncryptionKeyring ring = RingOf(key);
  for (size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 100}) {
    for (size_t piece : {1, 7, 16, 1000}) {
      std::string plain = RandomBytes(n, static_cast<uint32_t>(n));
      std::string file = Seal(key, plain, 16, piece);
      EXPECT_TRUE(IsEncryptedRdb(file));
      absl::StatusOr<std::string> back = Open(file, &ring);
      ASSERT_TRUE(back.ok()) << n << ": " << back.status();
      EXPECT_EQ(*back, plain) << n;
      EXPECT_TRUE(Verify(file, ring).ok()) << n;
    }
  }
}

TEST(EncryptedRdbTest, EachFileHasItsOwnSaltSoTheSameDataEncryptsDifferently) {
  const EncryptionKey key = KeyOf(0);
  std::string plain(100, 'x');
  std::string a = Seal(key, plain, 16);
  std::string b = Seal(key, plain, 16);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find(std::string(16, 'x')), std::string::npos);  // no plaintext in the file
}

TEST(EncryptedRdbTest, AnyChangedByteIsRefused) {
  const EncryptionKey key = KeyOf(0);
  const EncryptionKeyring ring = RingOf(key);
  const std::string file = Seal(key, RandomBytes(40, 1), 16);  // chunks of 16, 16 and 8
  for (size_t at = 0; at < file.size(); ++at) {
    std::string bad = file;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    EXPECT_FALSE(Verify(bad, ring).ok()) << "byte " << at << " changed unnoticed";
  }
}

TEST(EncryptedRdbTest, EveryTruncationAndAnyAppendedByteIsRefused) {
  const EncryptionKey key = KeyOf(0);
  const EncryptionKeyring ring = RingOf(key);
  const std::string file = Seal(key, RandomBytes(48, 2), 16);  // the last chunk holds none
  for (size_t n = 0; n < file.size(); ++n) {
    absl::Status st = Verify(file.substr(0, n), ring);
    EXPECT_FALSE(st.ok()) << "cut at " << n << " went unnoticed";
  }
  absl::Status st = Verify(file + "x", ring);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("after the last chunk"), std::string::npos) << st;
}

TEST(EncryptedRdbTest, ReorderedOrDroppedChunksAreRefused) {
  const EncryptionKey key = KeyOf(0);
  const EncryptionKeyring ring = RingOf(key);
  const std::string file = Seal(key, RandomBytes(40, 3), 16);
  const size_t header = file.size() - 3 * (4 + 16) - 40;
  const size_t full = 4 + 16 + 16;
  std::string swapped = file.substr(0, header) + file.substr(header + full, full) +
                        file.substr(header, full) + file.substr(header + 2 * full);
  absl::Status st = Verify(swapped, ring);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("fails authentication at offset " + std::to_string(header)),
            std::string::npos)
      << st;
  std::string dropped = file.substr(0, header) + file.substr(header + full);
  EXPECT_FALSE(Verify(dropped, ring).ok());
}

TEST(EncryptedRdbTest, TheFileNamesItsKeyAndOldKeysStillReadIt) {
  const EncryptionKey k1 = KeyOf(0);
  const EncryptionKey k2 = KeyOf(100);
  const std::string file = Seal(k1, "snapshot", 16);
  EncryptionKeyring rotated = RingOf(k2, {k1});
  MemFile f(file);
  auto r = EncryptedRdbReader::Open(f.fd(), &rotated);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->key_id(), k1.id);
  EXPECT_TRUE((*r)->read_with_old_key());

  EncryptionKeyring only_new = RingOf(k2);
  absl::StatusOr<std::string> wrong = Open(file, &only_new);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("key id " + k1.id), std::string::npos);
  EXPECT_NE(wrong.status().message().find("current " + k2.id), std::string::npos);
  absl::StatusOr<std::string> none = Open(file, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no rdb-encryption-key-file"), std::string::npos);
}

TEST(EncryptedRdbTest, AForgedIdWithAnotherKeyFailsAuthentication) {
  // A key whose id is made to match (a file naming k2's id, sealed with k1) does not open it.
  EncryptionKey k1 = KeyOf(0);
  const EncryptionKey k2 = KeyOf(100);
  k1.id = k2.id;
  const std::string file = Seal(k1, RandomBytes(20, 4), 16);
  const EncryptionKeyring ring = RingOf(k2);
  absl::Status st = Verify(file, ring);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("fails authentication"), std::string::npos) << st;
}

}  // namespace
}  // namespace redoubt::persistence
