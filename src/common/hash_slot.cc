// Hash slots; see hash_slot.h.
#include "common/hash_slot.h"

#include <boost/crc.hpp>

namespace redoubt::common {

uint16_t Crc16Xmodem(std::string_view bytes) {
  // Boost's table-driven CRC, byte at a time, as Redis's own table.
  boost::crc_optimal<16, 0x1021, 0, 0, false, false> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::string_view HashTagOf(std::string_view key) {
  const size_t open = key.find('{');
  if (open == std::string_view::npos) {
    return key;
  }
  const size_t close = key.find('}', open + 1);
  // No '}' after the '{', or "{}": the whole key is hashed.
  if (close == std::string_view::npos || close == open + 1) {
    return key;
  }
  return key.substr(open + 1, close - open - 1);
}

}  // namespace redoubt::common
