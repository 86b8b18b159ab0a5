// Per-key access state for eviction and OBJECT IDLETIME/FREQ, kept in Entry::access() exactly
// as Redis keeps robj.lru: either an LRU clock in seconds, or for the LFU policies 16 bits of
// "last decrement time" in minutes plus an 8-bit logarithmic counter (lfu-log-factor 10,
// lfu-decay-time 1, initial value 5 — Redis's defaults).
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace redoubt::storage {

enum class EvictionPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

// Parses a maxmemory-policy name; false when unknown.
bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out);
std::string_view EvictionPolicyName(EvictionPolicy policy);
bool IsLfu(EvictionPolicy policy);
bool IsVolatile(EvictionPolicy policy);

inline constexpr uint8_t kLfuInitValue = 5;
// The LRU clock is 24 bits (seconds), the width of Entry's access field.
inline constexpr uint32_t kLruClockMax = (1u << 24) - 1;

// Access state for a new key.
uint32_t InitialAccess(bool lfu, uint32_t now_seconds);
// Access state after a read or write.
uint32_t TouchedAccess(uint32_t access, bool lfu, uint32_t now_seconds, std::mt19937_64& rng);
// LFU counter after applying decay (what OBJECT FREQ reports).
uint8_t LfuCounter(uint32_t access, uint32_t now_seconds);
// Seconds since last access (LRU mode).
uint32_t IdleSeconds(uint32_t access, uint32_t now_seconds);

}  // namespace redoubt::storage
