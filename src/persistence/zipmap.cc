// Zipmap decoding; see zipmap.h.
#include "persistence/zipmap.h"

#include <cstdint>

namespace redoubt::persistence {

bool DecodeZipmap(std::string_view blob, std::vector<std::string>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  size_t pos = 1;
  if (size < 2 || p[size - 1] != 0xFF) {
    *error = "zipmap too short or without its terminator";
    return false;
  }
  auto length = [&](size_t* len) {
    if (pos >= size - 1) {
      return false;
    }
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] != 254 || size - 1 - pos < 5) {
      return false;
    }
    *len = p[pos + 1] | (p[pos + 2] << 8) | (p[pos + 3] << 16) | (size_t{p[pos + 4]} << 24);
    pos += 5;
    return true;
  };
  size_t pairs = 0;
  while (pos < size - 1) {
    size_t flen, vlen;
    if (!length(&flen) || flen > size - 1 - pos) {
      *error = "zipmap field runs past the end";
      return false;
    }
    out->emplace_back(blob.substr(pos, flen));
    pos += flen;
    if (!length(&vlen) || pos >= size - 1) {
      *error = "zipmap value length runs past the end";
      return false;
    }
    size_t free = p[pos++];
    if (vlen + free > size - 1 - pos) {
      *error = "zipmap value runs past the end";
      return false;
    }
    out->emplace_back(blob.substr(pos, vlen));
    pos += vlen + free;
    ++pairs;
  }
  if (p[0] < 254 && p[0] != pairs) {
    *error = "zipmap count does not match its pairs";
    return false;
  }
  return true;
}

}  // namespace redoubt::persistence
