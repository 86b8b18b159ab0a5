// Zipmap decoding; see zipmap.h. The checks follow Redis 7.0.15's zipmapValidateIntegrity.
#include "persistence/zipmap.h"

#include <cstddef>
#include <cstdint>

#include "persistence/blob_bytes.h"

namespace redoubt::persistence {

namespace {

constexpr uint8_t kBigLen = 254;  // a count that must be counted; a length of 5 bytes
constexpr uint8_t kZipmapEnd = 0xFF;

bool Fail(std::string* error, std::string_view what, size_t offset) {
  return BlobFail(error, "zipmap", what, offset);
}

}  // namespace

bool DecodeZipmap(std::string_view blob, std::vector<std::string>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 2) {
    return Fail(error, "blob shorter than a count and a terminator", 0);
  }
  if (p[size - 1] != kZipmapEnd) {
    return Fail(error, "no terminator", size - 1);
  }
  // Nothing may reach past `end`, the terminator's offset (zipmapValidateIntegrity's
  // OUT_OF_RANGE). Lengths are read into 64 bits: Redis adds a value's length and its free
  // byte in 32 bits, which can wrap; here that sum is simply too long.
  const size_t end = size - 1;
  size_t pos = 1;

  // Reads a length at pos, which must be <= end; false when it reaches past `end`. A first
  // byte of 254 or more (only 0xFF at a field is the terminator) announces a u32.
  auto read_length = [&](uint64_t* len) {
    const size_t bytes = p[pos] < kBigLen ? 1 : 5;
    if (bytes > end - pos) {
      return false;
    }
    *len = bytes == 1 ? p[pos]
                      : uint64_t{p[pos + 1]} | (uint64_t{p[pos + 2]} << 8) |
                            (uint64_t{p[pos + 3]} << 16) | (uint64_t{p[pos + 4]} << 24);
    pos += bytes;
    return true;
  };

  size_t pairs = 0;
  while (p[pos] != kZipmapEnd) {
    const size_t start = pos;
    uint64_t field_bytes;
    if (!read_length(&field_bytes) || field_bytes > end - pos) {
      return Fail(error, "field runs past the end", start);
    }
    const size_t field = pos;
    pos += field_bytes;

    uint64_t value_bytes;
    if (!read_length(&value_bytes)) {
      return Fail(error, "value length runs past the end", pos);
    }
    // pos <= end, so the free byte is readable (it is the terminator when nothing follows,
    // and then the value cannot fit).
    const uint64_t free_bytes = p[pos];
    ++pos;
    if (pos > end || value_bytes + free_bytes > end - pos) {
      return Fail(error, "value runs past the end", start);
    }
    out->emplace_back(blob.substr(field, field_bytes));
    out->emplace_back(blob.substr(pos, value_bytes));
    pos += value_bytes + free_bytes;
    ++pairs;
  }
  if (pairs == 0) {
    return Fail(error, "empty", 0);
  }
  if (p[0] != kBigLen && p[0] != pairs) {
    return Fail(error, "count differs from the pairs", 0);
  }
  return true;
}

}  // namespace redoubt::persistence
