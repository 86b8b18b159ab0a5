// The cursor of SCAN, HSCAN and SSCAN over a chained hash table of 2^n buckets, as Redis's
// dictScan: buckets are visited in reverse-binary order, so that every element present for the
// whole scan is returned even when the table grows or shrinks between calls (an element moves
// only to buckets whose reversed index is not yet passed). A snapshot's walk uses it too.
//
// Thread: pure functions.
#pragma once

#include <cstdint>

namespace redoubt::storage {

// The cursor after the bucket `cursor` selects (cursor & mask) in a table of mask + 1 buckets;
// 0 when the scan is complete.
inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

inline uint64_t NextScanCursor(uint64_t cursor, uint64_t mask) {
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

// Whether a walk by this cursor from 0 has visited `bucket` (both within the table's mask).
// Stays true for every bucket the bucket's keys move to when the table grows (by doubling):
// a bucket b of 2^n becomes b and b + 2^n of 2^(n+1), whose reversed indexes are the reversed
// b followed by a 0 or a 1 bit, on the same side of the cursor (whose new top bit is 0) as b
// was. So a walk that continues after a growth visits every key exactly once.
inline bool ScanCursorPassed(uint64_t bucket, uint64_t cursor) {
  return ReverseBits(bucket) < ReverseBits(cursor);
}

}  // namespace redoubt::storage
