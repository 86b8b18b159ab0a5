// LEB128 varints: 7 bits per byte, least significant group first, the high bit set while more
// bytes follow. The length prefixes of the packed encodings (storage::PackedList, list nodes)
// are written with these, so a string shorter than 128 bytes costs one byte of length.
//
// Thread: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace redoubt::storage {

// Bytes the varint of v takes (1 for values up to 127, at most 10).
inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Reads the varint at p and advances p past it.
inline uint64_t ReadVarint(const char*& p) {
  uint64_t v = 0;
  int shift = 0;
  while (true) {
    auto byte = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      return v;
    }
    shift += 7;
  }
}

// Writes the varint of v at out (VarintSize(v) bytes) and returns the byte after it.
inline char* WriteVarint(char* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

// Appends the varint of v to out.
inline void AppendVarint(std::string& out, uint64_t v) {
  char buf[10];
  out.append(buf, static_cast<size_t>(WriteVarint(buf, v) - buf));
}

// Appends s with its length as a varint before it.
inline void AppendLengthPrefixed(std::string& out, std::string_view s) {
  AppendVarint(out, s.size());
  out.append(s);
}

}  // namespace redoubt::storage
