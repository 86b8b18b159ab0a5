// SHA-256 password hashes; see password_hash.h. OpenSSL provides the hash (EVP_Digest) and
// the constant-time comparison (CRYPTO_memcmp), abseil the hex text.
#include "security/password_hash.h"

#include <absl/strings/ascii.h>
#include <absl/strings/escaping.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "common/ascii.h"

namespace redoubt::security {

PasswordHash HashPassword(std::string_view password) {
  PasswordHash hash{};
  unsigned int len = 0;
  EVP_Digest(password.data(), password.size(), hash.data(), &len, EVP_sha256(), nullptr);
  return hash;
}

std::optional<PasswordHash> ParsePasswordHash(std::string_view hex) {
  PasswordHash hash{};
  // absl::HexStringToBytes does not check its input (Debian 12's abseil predates the checked
  // form), so the digits are checked first.
  if (hex.size() != hash.size() * 2 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    return std::nullopt;
  }
  std::string bytes = absl::HexStringToBytes(common::AbslView(hex));
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

std::string ToHex(const PasswordHash& hash) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

bool ConstantTimeEquals(const PasswordHash& a, const PasswordHash& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace redoubt::security
