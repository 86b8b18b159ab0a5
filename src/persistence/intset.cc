// Intset blobs; see intset.h.
#include "persistence/intset.h"

namespace redoubt::persistence {

namespace {

void PutLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

uint64_t GetLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | p[i];
  }
  return v;
}

}  // namespace

std::string EncodeIntset(const std::vector<int64_t>& values) {
  int width = 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
      break;
    }
    if (v < INT16_MIN || v > INT16_MAX) {
      width = 4;
    }
  }
  std::string out;
  PutLe(out, static_cast<uint64_t>(width), 4);
  PutLe(out, values.size(), 4);
  for (int64_t v : values) {
    PutLe(out, static_cast<uint64_t>(v), width);
  }
  return out;
}

bool DecodeIntset(std::string_view blob, std::vector<int64_t>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < 8) {
    *error = "intset shorter than its header";
    return false;
  }
  uint32_t width = static_cast<uint32_t>(GetLe(p, 4));
  uint32_t count = static_cast<uint32_t>(GetLe(p + 4, 4));
  if (width != 2 && width != 4 && width != 8) {
    *error = "intset with an invalid encoding";
    return false;
  }
  if (uint64_t{count} * width + 8 != blob.size()) {
    *error = "intset size does not match its count";
    return false;
  }
  if (count == 0) {
    *error = "empty intset";
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t u = GetLe(p + 8 + uint64_t{i} * width, static_cast<int>(width));
    int64_t v = width == 2   ? static_cast<int16_t>(u)
                : width == 4 ? static_cast<int32_t>(u)
                             : static_cast<int64_t>(u);
    if (!out->empty() && v <= out->back()) {
      *error = "intset values not strictly ascending";
      return false;
    }
    out->push_back(v);
  }
  return true;
}

}  // namespace redoubt::persistence
