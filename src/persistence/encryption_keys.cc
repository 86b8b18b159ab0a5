// Key files and key ids for snapshots at rest; see encryption_keys.h.
#include "persistence/encryption_keys.h"

#include <absl/strings/ascii.h>
#include <absl/strings/escaping.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>

#include "common/file_io.h"

namespace redoubt::persistence {
namespace {

// A key file is a few dozen bytes; anything much bigger is the wrong file.
constexpr size_t kMaxKeyFileBytes = 4096;
// Domain separation: the id is not a plain hash of the key, so it matches no other digest of it.
constexpr std::string_view kIdLabel = "redoubt rdb encryption key id v1";
constexpr size_t kIdHexDigits = 16;

}  // namespace

EncryptionKey::~EncryptionKey() {
  OPENSSL_cleanse(bytes.data(), bytes.size());
}

std::string EncryptionKeyId(const std::array<uint8_t, 32>& key) {
  std::string input(kIdLabel);
  input.append(reinterpret_cast<const char*>(key.data()), key.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  OPENSSL_cleanse(input.data(), input.size());
  return absl::BytesToHexString(
             absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)))
      .substr(0, kIdHexDigits);
}

absl::StatusOr<EncryptionKey> ReadEncryptionKeyFile(const std::string& path) {
  std::string text;
  absl::Status read = common::ReadSmallFile(path, kMaxKeyFileBytes, &text);
  if (!read.ok()) {
    return absl::InvalidArgumentError("can't read the key file " + path + ": " +
                                      std::string(read.message()));
  }
  EncryptionKey key;
  key.path = path;
  const absl::string_view hex = absl::StripAsciiWhitespace(text);
  if (hex.size() == 2 * key.bytes.size() &&
      std::all_of(hex.begin(), hex.end(), absl::ascii_isxdigit)) {
    std::string raw = absl::HexStringToBytes(hex);
    std::copy(raw.begin(), raw.end(), key.bytes.begin());
    OPENSSL_cleanse(raw.data(), raw.size());
  } else if (text.size() == key.bytes.size()) {
    std::copy(text.begin(), text.end(), key.bytes.begin());
  } else {
    OPENSSL_cleanse(text.data(), text.size());
    return absl::InvalidArgumentError(
        "the key file " + path +
        " holds no 256-bit key: expected 64 hexadecimal digits (openssl rand -hex 32) or "
        "exactly 32 bytes, found " +
        std::to_string(text.size()) + " bytes");
  }
  OPENSSL_cleanse(text.data(), text.size());
  key.id = EncryptionKeyId(key.bytes);
  return key;
}

const EncryptionKey* EncryptionKeyring::Find(std::string_view id) const {
  if (current.has_value() && current->id == id) {
    return &*current;
  }
  for (const EncryptionKey& k : old) {
    if (k.id == id) {
      return &k;
    }
  }
  return nullptr;
}

std::string EncryptionKeyring::DescribeIds() const {
  std::string out;
  if (current.has_value()) {
    out = "current " + current->id;
  }
  if (!old.empty()) {
    out += out.empty() ? "old" : ", old";
    for (const EncryptionKey& k : old) {
      out += " " + k.id;
    }
  }
  return out.empty() ? "none" : out;
}

absl::StatusOr<std::shared_ptr<const EncryptionKeyring>> LoadEncryptionKeyring(
    const std::string& current_path, const std::string& old_paths) {
  auto ring = std::make_shared<EncryptionKeyring>();
  if (!current_path.empty()) {
    absl::StatusOr<EncryptionKey> key = ReadEncryptionKeyFile(current_path);
    if (!key.ok()) {
      return key.status();
    }
    ring->current = *std::move(key);
  }
  std::string_view rest = old_paths;
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(start);
    size_t end = std::min(rest.find(' '), rest.size());
    absl::StatusOr<EncryptionKey> key = ReadEncryptionKeyFile(std::string(rest.substr(0, end)));
    if (!key.ok()) {
      return key.status();
    }
    ring->old.push_back(*std::move(key));
    rest.remove_prefix(end);
  }
  if (!ring->current.has_value() && ring->old.empty()) {
    return std::shared_ptr<const EncryptionKeyring>();
  }
  return std::shared_ptr<const EncryptionKeyring>(std::move(ring));
}

}  // namespace redoubt::persistence
