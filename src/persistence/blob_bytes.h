// What the RDB blob codecs (listpack, ziplist, zipmap, intset) share: little-endian integers of
// 1 to 8 bytes, two's complement of a narrower width, and the error text naming the codec and
// the offset in the blob where it went wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/numbers.h"

namespace redoubt::persistence {

inline uint64_t LoadLe(const uint8_t* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = bytes; i > 0; --i) {
    v = (v << 8) | p[i - 1];
  }
  return v;
}

inline void StoreLe(uint64_t v, size_t bytes, std::string* out) {
  for (size_t i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

// The low `bits` bits of u as a two's complement integer.
inline int64_t SignExtend(uint64_t u, unsigned bits) {
  uint64_t sign = uint64_t{1} << (bits - 1);
  uint64_t low = bits == 64 ? u : u & ((sign << 1) - 1);
  return static_cast<int64_t>((low ^ sign) - sign);
}

// Sets *error to "<codec>: <what> at offset <offset>"; returns false for the caller to return.
inline bool BlobFail(std::string* error, std::string_view codec, std::string_view what,
                     size_t offset) {
  error->assign(codec);
  error->append(": ");
  error->append(what);
  error->append(" at offset ");
  common::AppendInt64(error, static_cast<int64_t>(offset));
  return false;
}

}  // namespace redoubt::persistence
