// Ziplist decoding; see ziplist.h. Redis 7.0's ziplist.c is the reference.
#include "persistence/ziplist.h"

#include <cstdint>

namespace redoubt::persistence {

bool DecodeZiplist(std::string_view blob, std::vector<std::string>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 11) {
    *error = "ziplist shorter than its header";
    return false;
  }
  uint32_t zlbytes = p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24);
  uint32_t zltail = p[4] | (p[5] << 8) | (p[6] << 16) | (uint32_t{p[7]} << 24);
  uint16_t zllen = static_cast<uint16_t>(p[8] | (p[9] << 8));
  if (zlbytes != size || p[size - 1] != 0xFF) {
    *error = "ziplist size or terminator wrong";
    return false;
  }
  size_t pos = 10;
  const size_t end = size - 1;
  size_t prev_len = 0;
  size_t last_start = 10;
  size_t seen = 0;
  while (pos < end) {
    size_t start = pos;
    auto need = [&](size_t n) { return n <= end - pos; };
    // prevlen
    size_t prevlen;
    if (p[pos] < 254) {
      prevlen = p[pos];
      pos += 1;
    } else {
      if (!need(5) || p[pos] != 254) {
        *error = "ziplist entry with a bad prevlen";
        return false;
      }
      prevlen = p[pos + 1] | (p[pos + 2] << 8) | (p[pos + 3] << 16) | (size_t{p[pos + 4]} << 24);
      pos += 5;
    }
    if (prevlen != prev_len) {
      *error = "ziplist entry whose prevlen does not match";
      return false;
    }
    if (pos >= end) {
      *error = "ziplist entry runs past the end";
      return false;
    }
    uint8_t b = p[pos];
    uint8_t kind = b >> 6;
    if (kind < 3) {
      size_t len;
      size_t header;
      if (kind == 0) {
        len = b & 0x3F;
        header = 1;
      } else if (kind == 1) {
        if (!need(2)) {
          break;
        }
        len = (size_t{b & 0x3Fu} << 8) | p[pos + 1];
        header = 2;
      } else {
        if (b != 0x80 || !need(5)) {
          *error = "ziplist entry with an invalid string encoding";
          return false;
        }
        len = (size_t{p[pos + 1]} << 24) | (p[pos + 2] << 16) | (p[pos + 3] << 8) | p[pos + 4];
        header = 5;
      }
      if (!need(header + len)) {
        break;
      }
      out->emplace_back(blob.substr(pos + header, len));
      pos += header + len;
    } else {
      int bytes;
      if (b == 0xC0) {
        bytes = 2;
      } else if (b == 0xD0) {
        bytes = 4;
      } else if (b == 0xE0) {
        bytes = 8;
      } else if (b == 0xF0) {
        bytes = 3;
      } else if (b == 0xFE) {
        bytes = 1;
      } else if (b >= 0xF1 && b <= 0xFD) {
        bytes = 0;
      } else {
        *error = "ziplist entry with an invalid integer encoding";
        return false;
      }
      if (!need(1 + static_cast<size_t>(bytes))) {
        break;
      }
      int64_t v;
      if (bytes == 0) {
        v = (b & 0x0F) - 1;
      } else {
        uint64_t u = 0;
        for (int i = bytes - 1; i >= 0; --i) {
          u = (u << 8) | p[pos + 1 + i];
        }
        if (bytes < 8 && (u >> (8 * bytes - 1)) & 1) {
          u |= ~uint64_t{0} << (8 * bytes);
        }
        v = static_cast<int64_t>(u);
      }
      out->push_back(std::to_string(v));
      pos += 1 + static_cast<size_t>(bytes);
    }
    prev_len = pos - start;
    last_start = start;
    ++seen;
  }
  if (pos != end) {
    *error = "ziplist entry runs past the end";
    return false;
  }
  if (seen > 0 && zltail != last_start) {
    *error = "ziplist tail offset wrong";
    return false;
  }
  if (zllen != 65535 && zllen != seen) {
    *error = "ziplist count does not match its entries";
    return false;
  }
  return true;
}

}  // namespace redoubt::persistence
