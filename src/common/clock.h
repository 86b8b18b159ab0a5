// Clocks. Expiry times are absolute Unix milliseconds (as EXPIREAT/PEXPIREAT expose them);
// durations and timeouts use the monotonic clock so that a wall-clock jump cannot stall them.
#pragma once

#include <time.h>

#include <cstdint>

namespace redoubt::common {

inline constexpr int64_t kMicrosPerSecond = 1000000;

// Wall clock, Unix time in milliseconds.
inline int64_t UnixMillis() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

// Wall clock, Unix time in microseconds.
inline int64_t UnixMicros() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

// Monotonic clock in microseconds, for durations.
inline int64_t MonotonicMicros() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

// Monotonic clock in milliseconds, for durations.
inline int64_t MonotonicMillis() {
  return MonotonicMicros() / 1000;
}

}  // namespace redoubt::common
