// What the codec tests share: byte strings written as hex (the form the vectors taken from
// redis-server are pasted in), hex for failure messages, and random bytes.
#pragma once

#include <absl/strings/escaping.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace redoubt::persistence::testing {

// Hex to bytes; spaces are for reading only.
inline std::string Bytes(std::string_view hex) {
  std::string compact;
  for (char c : hex) {
    if (c != ' ') {
      compact.push_back(c);
    }
  }
  return absl::HexStringToBytes(compact);
}

inline std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

inline std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) {
    c = static_cast<char>(rng());
  }
  return s;
}

}  // namespace redoubt::persistence::testing
