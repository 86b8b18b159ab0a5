// A stream entry's id, as Redis's streamID: a millisecond time and a sequence number, both
// unsigned 64-bit, ordered by (ms, seq). "0-0" is never an entry's id; "18446744073709551615-
// 18446744073709551615" is the last one a stream can take.
//
// Thread: a value.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace redoubt::storage {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamId Min() { return {0, 0}; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }

  friend constexpr auto operator<=>(const StreamId&, const StreamId&) = default;
  bool IsZero() const { return ms == 0 && seq == 0; }

  // The next id (streamIncrID); false, leaving 0-0, when this is Max().
  bool Increment() {
    if (seq != UINT64_MAX) {
      ++seq;
      return true;
    }
    if (ms == UINT64_MAX) {
      *this = Min();
      return false;
    }
    ++ms;
    seq = 0;
    return true;
  }
  // The previous id (streamDecrID); false, leaving Max(), when this is 0-0.
  bool Decrement() {
    if (seq != 0) {
      --seq;
      return true;
    }
    if (ms == 0) {
      *this = Max();
      return false;
    }
    --ms;
    seq = UINT64_MAX;
    return true;
  }

  // "<ms>-<seq>", as replies show it.
  std::string ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }
};

}  // namespace redoubt::storage
