// Snapshots encrypted at rest (rdb-encryption-key-file): the RDB stream inside a container of
// AES-256-GCM chunks, so that a snapshot is written as a stream, a load checks it chunk by
// chunk, and no byte of it can be changed, cut off, reordered or appended to unnoticed.
//
// Layout (integers little-endian):
//   header  "REDOUBT-ENC-RDB\n" (16 bytes), format version (1 byte, 1), key id length n
//           (1 byte), the key id (n bytes, encryption_keys.h), salt (32 random bytes), chunk
//           size (4 bytes)
//   chunks  a length word (4 bytes: the chunk's plaintext bytes, top bit set on the last
//           chunk), the ciphertext, the GCM tag (16 bytes). Every chunk but the last holds
//           exactly `chunk size` bytes; the last may hold none.
// Each file has a key of its own, HKDF-SHA256(the configured key, salt, a fixed label), so the
// chunk's index can be its nonce: no nonce repeats under one key however many snapshots a
// key writes. A chunk's additional authenticated data is the whole header, its index and its
// length word, which ties it to this file, its place and whether it is the last one.
//
// Thread: a writer or reader is a value used by one thread.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/openssl_ptr.h"
#include "persistence/encryption_keys.h"

namespace redoubt::persistence {

inline constexpr std::string_view kEncryptedRdbMagic = "REDOUBT-ENC-RDB\n";

// Whether a file starting with these bytes (at least the magic's length) is one of ours.
bool IsEncryptedRdb(std::string_view prefix);

class EncryptedRdbWriter {
 public:
  using ByteSink = std::function<absl::Status(std::string_view)>;
  // Encrypts under key, handing the container to `out` in pieces of about a megabyte.
  static absl::StatusOr<std::unique_ptr<EncryptedRdbWriter>> Create(const EncryptionKey& key,
                                                                    ByteSink out,
                                                                    uint32_t chunk_size = 65536);
  ~EncryptedRdbWriter();

  absl::Status Write(std::string_view plaintext);
  // Writes the last chunk; without it the file reads as truncated.
  absl::Status Finish();

 private:
  EncryptedRdbWriter(ByteSink out, uint32_t chunk_size);
  absl::Status SealChunk(bool last);

  ByteSink out_;
  uint32_t chunk_size_;
  common::UniqueEvpCipherCtx cipher_;
  std::array<uint8_t, 32> file_key_{};
  std::string header_;
  std::string plain_;   // the chunk being filled
  std::string sealed_;  // sealed chunks not yet handed to out_
  uint64_t index_ = 0;
};

class EncryptedRdbReader {
 public:
  // Reads the header from fd's current position and picks the file's key from keys (null:
  // none configured). The errors say which key the file needs and which ones are configured.
  static absl::StatusOr<std::unique_ptr<EncryptedRdbReader>> Open(int fd,
                                                                  const EncryptionKeyring* keys);
  ~EncryptedRdbReader();

  const std::string& key_id() const { return key_id_; }
  bool read_with_old_key() const { return old_key_; }
  // The next chunk's plaintext, authenticated, into *out; false once the last chunk was read
  // (and nothing follows it). An error names the file offset of the chunk that failed.
  absl::StatusOr<bool> Next(std::string* out);

 private:
  explicit EncryptedRdbReader(int fd) : fd_(fd) {}
  absl::Status ReadExactly(void* dst, size_t n, const char* what);

  int fd_;
  uint64_t offset_ = 0;  // file offset of the next byte read
  uint32_t chunk_size_ = 0;
  common::UniqueEvpCipherCtx cipher_;
  std::array<uint8_t, 32> file_key_{};
  std::string header_;
  std::string sealed_;
  std::string key_id_;
  bool old_key_ = false;
  uint64_t index_ = 0;
  bool done_ = false;
};

// Reads the whole container at fd's current position and checks every chunk, discarding the
// plaintext: a load runs this first, so that a tampered or truncated file is refused before
// a single key is stored.
absl::Status VerifyEncryptedRdb(int fd, const EncryptionKeyring* keys);

}  // namespace redoubt::persistence
