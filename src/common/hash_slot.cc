// Hash slots; see hash_slot.h.
#include "common/hash_slot.h"

#include <boost/crc.hpp>
#include <cstring>

namespace redoubt::common {
namespace {

// In cluster mode a command's key is hashed three times (the router, the keyspace's shard, the
// slot index), each by code that knows nothing of the others: the last short input and its CRC
// are remembered per thread, since comparing up to 64 bytes costs a fraction of hashing them.
// Plain data, so the thread_local needs no initialisation guard.
struct CrcMemo {
  static constexpr size_t kMaxBytes = 64;
  char bytes[kMaxBytes];
  uint8_t size;
  bool valid;
  uint16_t crc;
};
thread_local CrcMemo memo{};

}  // namespace

uint16_t Crc16Xmodem(std::string_view bytes) {
  if (memo.valid && bytes.size() == memo.size &&
      std::memcmp(bytes.data(), memo.bytes, bytes.size()) == 0) {
    return memo.crc;
  }
  // Boost's table-driven CRC, byte at a time, as Redis's own table.
  boost::crc_optimal<16, 0x1021, 0, 0, false, false> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  const uint16_t result = crc.checksum();
  if (bytes.size() <= CrcMemo::kMaxBytes) {
    std::memcpy(memo.bytes, bytes.data(), bytes.size());
    memo.size = static_cast<uint8_t>(bytes.size());
    memo.crc = result;
    memo.valid = true;
  }
  return result;
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
