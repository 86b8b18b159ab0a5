// CRC-64/Jones; see crc64.h. Slicing by eight tables: eight bytes per step instead of one, which
// keeps the checksum (computed over every byte a snapshot writes) off the profile.
#include "persistence/crc64.h"

#include <array>
#include <cstring>

namespace redoubt::persistence {

namespace {

constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;  // 0xad93d23594c935a9 reflected

struct Tables {
  std::array<std::array<uint64_t, 256>, 8> t;
  Tables() {
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int k = 0; k < 8; ++k) {
        c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
      }
      t[0][i] = c;
    }
    for (int s = 1; s < 8; ++s) {
      for (int i = 0; i < 256; ++i) {
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
      }
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  const auto& t = GetTables().t;
  const auto* p = static_cast<const uint8_t*>(data);
  while (len >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // little-endian host (x86-64, arm64)
    crc ^= word;
    crc = t[7][crc & 0xFF] ^ t[6][(crc >> 8) & 0xFF] ^ t[5][(crc >> 16) & 0xFF] ^
          t[4][(crc >> 24) & 0xFF] ^ t[3][(crc >> 32) & 0xFF] ^ t[2][(crc >> 40) & 0xFF] ^
          t[1][(crc >> 48) & 0xFF] ^ t[0][crc >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) {
    crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  }
  return crc;
}

}  // namespace redoubt::persistence
