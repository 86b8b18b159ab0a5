// What the codec tests share: byte strings written as hex (the form the vectors taken from
// redis-server are pasted in), hex for failure messages, random bytes, and running a decoder
// (DecodeListpack, DecodeIntset, … : bool(blob, out*, error*)) on a blob that must load or must
// not.
#pragma once

#include <absl/strings/escaping.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
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

// What decode yields for a blob it must accept (a test failure naming the error if not).
template <typename Out, typename Decoder>
Out DecodeOk(Decoder decode, std::string_view blob) {
  Out out;
  std::string error;
  EXPECT_TRUE(decode(blob, &out, &error)) << error << " in " << Hex(blob);
  return out;
}

// The error decode gives for `blob`, or "" when it accepts it. The blob is copied into a heap
// block of exactly its size, so that a sanitizer build sees any read past its end.
template <typename Out, typename Decoder>
std::string DecodeErrorOf(Decoder decode, std::string_view blob) {
  auto copy = std::make_unique<char[]>(blob.size());
  std::copy(blob.begin(), blob.end(), copy.get());
  Out out;
  std::string error;
  if (decode(std::string_view(copy.get(), blob.size()), &out, &error)) {
    return "";
  }
  EXPECT_FALSE(error.empty());
  return error;
}

}  // namespace redoubt::persistence::testing
