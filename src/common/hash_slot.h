// Redis Cluster's hash slot of a key: CRC-16/XMODEM of the key, or of its hash tag (the bytes
// between the first '{' and the first '}' after it, when there is at least one), modulo 16384.
// Keys that share a tag share a slot, so a multi-key command can name them together.
//
// In common/ because both the keyspace (which shards by slot in cluster mode, so that a slot's
// keys sit under one lock) and the cluster's routing need it.
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace redoubt::common {

inline constexpr int kClusterSlots = 16384;

// CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection, no final xor), as Redis's crc16.c.
uint16_t Crc16Xmodem(std::string_view bytes);

// The bytes that decide a key's slot: its hash tag when it has a non-empty one, else the key.
std::string_view HashTagOf(std::string_view key);

// 0 .. kClusterSlots - 1.
inline int KeyHashSlot(std::string_view key) {
  return Crc16Xmodem(HashTagOf(key)) & (kClusterSlots - 1);
}

}  // namespace redoubt::common
