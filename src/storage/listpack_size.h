// The bytes an element takes in a Redis 7.0 listpack (encoding, data and back-length), without
// building one. A stream (stream_value.h) keeps its entries in its own compact form but splits
// its nodes where Redis would, when the node's listpack would reach stream-node-max-bytes, so
// it needs the size Redis's listpack would have. persistence/listpack.cc lays out the same
// bytes; a unit test checks the two agree.
//
// Thread: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/numbers.h"

namespace redoubt::storage {

// Bytes of the back-length of an element whose encoding and data take `len` bytes (Redis's
// bounds, including 16383 and 2097151 taking one byte more than they need).
inline size_t ListpackBacklenBytes(uint64_t len) {
  if (len <= 127) {
    return 1;
  }
  if (len < 16383) {
    return 2;
  }
  if (len < 2097151) {
    return 3;
  }
  if (len < 268435455) {
    return 4;
  }
  return 5;
}

// An integer element (lpAppendInteger): the smallest of Redis's integer encodings.
inline size_t ListpackIntegerBytes(int64_t v) {
  size_t n;
  if (v >= 0 && v <= 127) {
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    n = 2;
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    n = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    n = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    n = 5;
  } else {
    n = 9;
  }
  return n + ListpackBacklenBytes(n);
}

// An element appended as a string (lpAppend): an integer's canonical text is stored as that
// integer; anything else with a 6-, 12- or 32-bit length.
inline size_t ListpackElementBytes(std::string_view element) {
  if (std::optional<int64_t> v = common::ParseInt64(element)) {
    return ListpackIntegerBytes(*v);
  }
  const size_t len = element.size();
  const size_t n = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return n + ListpackBacklenBytes(n);
}

// The header (total bytes, element count) and the terminator.
inline constexpr size_t kListpackFrameBytes = 7;

}  // namespace redoubt::storage
