// SHA-256 password hashes; see password_hash.h. OpenSSL provides the hash (EVP_Digest) and
// the constant-time comparison (CRYPTO_memcmp).
#include "security/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace redoubt::security {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

PasswordHash HashPassword(std::string_view password) {
  PasswordHash hash{};
  unsigned int len = 0;
  EVP_Digest(password.data(), password.size(), hash.data(), &len, EVP_sha256(), nullptr);
  return hash;
}

std::optional<PasswordHash> ParsePasswordHash(std::string_view hex) {
  PasswordHash hash{};
  if (hex.size() != hash.size() * 2) {
    return std::nullopt;
  }
  for (size_t i = 0; i < hash.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    hash[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return hash;
}

std::string ToHex(const PasswordHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (uint8_t b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

bool ConstantTimeEquals(const PasswordHash& a, const PasswordHash& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace redoubt::security
