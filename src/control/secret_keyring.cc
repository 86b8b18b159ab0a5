// AES-256-GCM sealing of secret values; see secret_keyring.h.
#include "control/secret_keyring.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/escaping.h"
#include "common/check.h"
#include "common/numbers.h"

namespace redoubt::control {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  // A key or a nonce that is not random would undo the sealing: no fallback.
  REDOUBT_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) ==
                1);
  return bytes;
}

std::string NewKeyLine(const std::string& id) {
  return id + " " + absl::BytesToHexString(RandomBytes(kKeyBytes)) + "\n";
}

// Appends text to path, creating it with mode 0600.
absl::Status AppendPrivate(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError("cannot write " + path);
  }
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  return written && synced ? absl::OkStatus() : absl::UnavailableError("cannot write " + path);
}

}  // namespace

absl::StatusOr<SecretKeyring> SecretKeyring::LoadOrCreate(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (absl::Status s = AppendPrivate(path, NewKeyLine("k1")); !s.ok()) {
      return s;
    }
  } else if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(path + " is readable by others: chmod 600 it");
  }
  std::ifstream in(path);
  if (!in) {
    return absl::UnavailableError("cannot read " + path);
  }
  SecretKeyring ring;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::istringstream words(line);
    std::string id, hex;
    if (!(words >> id >> hex) || id.find(':') != std::string::npos || hex.size() != kKeyBytes * 2 ||
        hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(number) +
                                        ": expected '<id> <64 hex digits>'");
    }
    for (const auto& [known, bytes] : ring.keys_) {
      if (known == id) {
        return absl::InvalidArgumentError(path + ":" + std::to_string(number) + ": key id " + id +
                                          " is used twice");
      }
    }
    ring.keys_.emplace_back(id, absl::HexStringToBytes(hex));
  }
  if (ring.keys_.empty()) {
    return absl::InvalidArgumentError(path + " holds no key");
  }
  return ring;
}

absl::StatusOr<std::string> SecretKeyring::AddKey(const std::string& path) {
  absl::StatusOr<SecretKeyring> ring = LoadOrCreate(path);
  if (!ring.ok()) {
    return ring.status();
  }
  // Past every id in the file, even one whose line was removed after a reseal would be kept
  // only if it were the largest: ids are k<N>, and a new one is one more than the largest.
  int64_t largest = 0;
  for (const auto& [id, bytes] : ring->keys_) {
    if (id.size() > 1 && id[0] == 'k') {
      largest = std::max(largest, common::ParseInt64(id.substr(1)).value_or(0));
    }
  }
  const std::string id = "k" + std::to_string(largest + 1);
  if (absl::Status s = AppendPrivate(path, NewKeyLine(id)); !s.ok()) {
    return s;
  }
  return id;
}

SecretKeyring SecretKeyring::FromKeys(std::vector<std::pair<std::string, std::string>> keys) {
  SecretKeyring ring;
  ring.keys_ = std::move(keys);
  return ring;
}

std::string SecretKeyring::Seal(std::string_view plaintext, std::string_view context) const {
  const auto& [id, key] = keys_.back();
  const std::string nonce = RandomBytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  const bool sealed =
      ctx != nullptr &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &length,
                        reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), bytes + kNonceBytes, &length,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), bytes + kNonceBytes + length, &length) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          bytes + kNonceBytes + plaintext.size()) == 1;
  // A value stored that could never be opened would be lost: no fallback either.
  REDOUBT_CHECK(sealed);
  return id + ":" + absl::Base64Escape(out);
}

absl::StatusOr<std::string> SecretKeyring::Open(std::string_view sealed,
                                                std::string_view context) const {
  const size_t colon = sealed.find(':');
  std::string raw;
  if (colon == std::string_view::npos ||
      !absl::Base64Unescape(absl::string_view(sealed.data() + colon + 1, sealed.size() - colon - 1),
                            &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("a sealed secret value is malformed");
  }
  const std::string_view id = sealed.substr(0, colon);
  const std::string* key = nullptr;
  for (const auto& [key_id, bytes] : keys_) {
    if (key_id == id) {
      key = &bytes;
    }
  }
  if (key == nullptr) {
    return absl::FailedPreconditionError("a secret value is sealed under key " + std::string(id) +
                                         ", which the key file no longer has");
  }
  const size_t text_size = raw.size() - kNonceBytes - kTagBytes;
  auto* bytes = reinterpret_cast<unsigned char*>(raw.data());
  std::string plaintext(text_size, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                               reinterpret_cast<const unsigned char*>(key->data()), bytes) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &length,
                              reinterpret_cast<const unsigned char*>(context.data()),
                              static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()),
                              &length, bytes + kNonceBytes, static_cast<int>(text_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                                bytes + kNonceBytes + text_size) == 1;
  ok = ok &&
       EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + length,
                           &length) == 1;
  if (!ok) {
    return absl::DataLossError("a secret value does not open: altered, or not this secret's");
  }
  return plaintext;
}

bool SecretKeyring::IsCurrent(std::string_view sealed) const {
  const std::string& id = keys_.back().first;
  return sealed.size() > id.size() && sealed.substr(0, id.size()) == id && sealed[id.size()] == ':';
}

}  // namespace redoubt::control
