// Keys for snapshots at rest (rdb-encryption-key-file, rdb-encryption-old-key-files). A key file
// holds one 256-bit key: 64 hex digits (what `openssl rand -hex 32` prints; surrounding
// whitespace ignored) or exactly 32 raw bytes. A key is named by its id, a fingerprint (the
// first 16 hex digits of a SHA-256 over a fixed label and the key) that an encrypted file's
// header records: the loader picks the key the file was written with, so after a rotation the
// old key, listed among the old key files, still reads older snapshots. The id reveals nothing
// usable about the key, and two files with the same key always have the same id.
//
// Thread: plain values; a keyring is built once and shared read-only (shared_ptr to const).
#pragma once

#include <absl/status/statusor.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

struct EncryptionKey {
  EncryptionKey() = default;
  EncryptionKey(const EncryptionKey&) = default;
  EncryptionKey& operator=(const EncryptionKey&) = default;
  ~EncryptionKey();  // wipes the key bytes

  std::string id;    // 16 lower-case hex digits
  std::string path;  // the file it came from, for messages
  std::array<uint8_t, 32> bytes{};
};

// The id of a key (see above).
std::string EncryptionKeyId(const std::array<uint8_t, 32>& key);

// Reads and checks a key file; the error names the file and what is wrong with it.
absl::StatusOr<EncryptionKey> ReadEncryptionKeyFile(const std::string& path);

struct EncryptionKeyring {
  std::optional<EncryptionKey> current;  // snapshots are written with it; none: in plaintext
  std::vector<EncryptionKey> old;        // only read with

  // The key with this id, current or old; null when none has it.
  const EncryptionKey* Find(std::string_view id) const;
  // "current <id>, old <id> <id>", for errors and INFO; "none" when empty.
  std::string DescribeIds() const;
};

// Builds a keyring from the two directives: a path (empty: no current key) and paths separated
// by spaces. Null when both are empty (snapshots in plaintext, encrypted ones unreadable).
absl::StatusOr<std::shared_ptr<const EncryptionKeyring>> LoadEncryptionKeyring(
    const std::string& current_path, const std::string& old_paths);

}  // namespace redoubt::persistence
