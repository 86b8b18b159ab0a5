// The cursor of SCAN, HSCAN and SSCAN over a chained hash table of 2^n buckets, as Redis's
// dictScan: buckets are visited in reverse-binary order, so that every element present for the
// whole scan is returned even when the table grows or shrinks between calls (an element moves
// only to buckets whose reversed index is not yet passed).
//
// Thread: pure functions.
#pragma once

#include <cstdint>

namespace redoubt::storage {

// The cursor after the bucket `cursor` selects (cursor & mask) in a table of mask + 1 buckets;
// 0 when the scan is complete.
inline uint64_t NextScanCursor(uint64_t cursor, uint64_t mask) {
  auto reverse = [](uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  };
  cursor |= ~mask;
  cursor = reverse(cursor);
  ++cursor;
  return reverse(cursor);
}

}  // namespace redoubt::storage
