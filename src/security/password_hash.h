// Passwords as ACL users keep them: only the SHA-256 of each password is stored (as Redis
// does, so `#<hex>` rules and ACL GETUSER show the same hashes), and a presented password is
// checked by hashing it and comparing in constant time, so the time an AUTH takes says
// nothing about how much of a stored hash it matched.
//
// Thread: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::security {

using PasswordHash = std::array<uint8_t, 32>;

PasswordHash HashPassword(std::string_view password);
// 64 hex digits (either case), as in ACL SETUSER `#<hash>`; nullopt otherwise.
std::optional<PasswordHash> ParsePasswordHash(std::string_view hex);
// Lower-case hex, as ACL GETUSER prints it.
std::string ToHex(const PasswordHash& hash);
bool ConstantTimeEquals(const PasswordHash& a, const PasswordHash& b);

}  // namespace redoubt::security
