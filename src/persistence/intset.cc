// Intset blobs; see intset.h. The checks follow Redis 7.0.15's intsetValidateIntegrity.
#include "persistence/intset.h"

#include <algorithm>
#include <cstddef>

#include "common/check.h"
#include "persistence/blob_bytes.h"

namespace redoubt::persistence {

namespace {

constexpr size_t kIntsetHeaderBytes = 8;  // encoding, length

// The bytes Redis's _intsetValueEncoding picks for v.
size_t WidthOf(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) {
    return 8;
  }
  if (v < INT16_MIN || v > INT16_MAX) {
    return 4;
  }
  return 2;
}

}  // namespace

std::string EncodeIntset(const std::vector<int64_t>& sorted_values) {
  // Ascending, so the extremes are the ends: the widest value is one of them.
  size_t width = 2;
  if (!sorted_values.empty()) {
    width = std::max(WidthOf(sorted_values.front()), WidthOf(sorted_values.back()));
  }
  std::string out;
  out.reserve(kIntsetHeaderBytes + width * sorted_values.size());
  StoreLe(width, 4, &out);
  StoreLe(sorted_values.size(), 4, &out);
  for (size_t i = 0; i < sorted_values.size(); ++i) {
    REDOUBT_DCHECK(i == 0 || sorted_values[i - 1] < sorted_values[i]);
    StoreLe(static_cast<uint64_t>(sorted_values[i]), width, &out);
  }
  return out;
}

bool DecodeIntset(std::string_view blob, std::vector<int64_t>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < kIntsetHeaderBytes) {
    *error = "intset: blob shorter than its header";
    return false;
  }
  const uint64_t width = LoadLe(p, 4);
  const uint64_t count = LoadLe(p + 4, 4);
  if (width != 2 && width != 4 && width != 8) {
    *error = "intset: invalid encoding " + std::to_string(width);
    return false;
  }
  // count < 2^32 and width <= 8: no overflow.
  if (kIntsetHeaderBytes + count * width != blob.size()) {
    *error = "intset: length in the header differs from the blob's size";
    return false;
  }
  if (count == 0) {
    *error = "intset: empty";
    return false;
  }
  out->reserve(out->size() + count);
  int64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t u = LoadLe(p + kIntsetHeaderBytes + i * width, width);
    // Sign-extend from `width` bytes.
    const uint64_t sign = uint64_t{1} << (8 * width - 1);
    const uint64_t low = width == 8 ? u : u & ((sign << 1) - 1);
    const auto v = static_cast<int64_t>((low ^ sign) - sign);
    if (i > 0 && v <= prev) {
      *error = "intset: values not strictly ascending at index " + std::to_string(i);
      return false;
    }
    out->push_back(v);
    prev = v;
  }
  return true;
}

}  // namespace redoubt::persistence
