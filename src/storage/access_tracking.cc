// LRU/LFU access state; see access_tracking.h. The LFU arithmetic follows Redis's
// LFULogIncr / LFUDecrAndReturn (src/evict.c).
#include "storage/access_tracking.h"

#include <array>

namespace redoubt::storage {
namespace {

constexpr int kLfuLogFactor = 10;
constexpr uint32_t kLfuDecayMinutes = 1;

struct PolicyName {
  EvictionPolicy policy;
  std::string_view name;
};

constexpr std::array<PolicyName, 8> kPolicyNames = {{
    {EvictionPolicy::kNoEviction, "noeviction"},
    {EvictionPolicy::kAllKeysLru, "allkeys-lru"},
    {EvictionPolicy::kAllKeysLfu, "allkeys-lfu"},
    {EvictionPolicy::kAllKeysRandom, "allkeys-random"},
    {EvictionPolicy::kVolatileLru, "volatile-lru"},
    {EvictionPolicy::kVolatileLfu, "volatile-lfu"},
    {EvictionPolicy::kVolatileRandom, "volatile-random"},
    {EvictionPolicy::kVolatileTtl, "volatile-ttl"},
}};

uint16_t Minutes(uint32_t now_seconds) {
  return static_cast<uint16_t>((now_seconds / 60) & 0xFFFF);
}

uint32_t MinutesSince(uint16_t then, uint32_t now_seconds) {
  uint16_t now = Minutes(now_seconds);
  return now >= then ? now - then : 65535 - then + now;
}

}  // namespace

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out) {
  for (const auto& p : kPolicyNames) {
    if (p.name.size() == name.size()) {
      bool same = true;
      for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') {
          c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != p.name[i]) {
          same = false;
          break;
        }
      }
      if (same) {
        *out = p.policy;
        return true;
      }
    }
  }
  return false;
}

std::string_view EvictionPolicyName(EvictionPolicy policy) {
  for (const auto& p : kPolicyNames) {
    if (p.policy == policy) {
      return p.name;
    }
  }
  return "noeviction";
}

bool IsLfu(EvictionPolicy policy) {
  return policy == EvictionPolicy::kAllKeysLfu || policy == EvictionPolicy::kVolatileLfu;
}

bool IsVolatile(EvictionPolicy policy) {
  return policy == EvictionPolicy::kVolatileLru || policy == EvictionPolicy::kVolatileLfu ||
         policy == EvictionPolicy::kVolatileRandom || policy == EvictionPolicy::kVolatileTtl;
}

uint32_t InitialAccess(bool lfu, uint32_t now_seconds) {
  if (lfu) {
    return (uint32_t{Minutes(now_seconds)} << 8) | kLfuInitValue;
  }
  return now_seconds & kLruClockMax;
}

uint8_t LfuCounter(uint32_t access, uint32_t now_seconds) {
  uint16_t last = static_cast<uint16_t>(access >> 8);
  uint8_t counter = access & 0xFF;
  uint32_t periods = MinutesSince(last, now_seconds) / kLfuDecayMinutes;
  return periods > counter ? 0 : static_cast<uint8_t>(counter - periods);
}

uint32_t TouchedAccess(uint32_t access, bool lfu, uint32_t now_seconds, std::mt19937_64& rng) {
  if (!lfu) {
    return now_seconds & kLruClockMax;
  }
  uint8_t counter = LfuCounter(access, now_seconds);
  if (counter < 255) {
    double r = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
    double base = counter > kLfuInitValue ? counter - kLfuInitValue : 0;
    double p = 1.0 / (base * kLfuLogFactor + 1);
    if (r < p) {
      ++counter;
    }
  }
  return (uint32_t{Minutes(now_seconds)} << 8) | counter;
}

uint32_t IdleSeconds(uint32_t access, uint32_t now_seconds) {
  // The clock wraps every 2^24 s (194 days), as Redis's LRU clock does.
  uint32_t now = now_seconds & kLruClockMax;
  return now >= access ? now - access : kLruClockMax - access + now + 1;
}

}  // namespace redoubt::storage
