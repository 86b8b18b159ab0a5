// When a chained hash table of this folder (FieldTable, SortedTable) resizes: it grows to twice
// its buckets when an insert would pass one element per bucket, and shrinks to the smallest
// power of two that holds its elements once they fall below one per eight buckets (as Redis
// shrinks below 10%); the gap between the two keeps a table at a boundary from resizing on every
// change.
//
// Thread: pure functions.
#pragma once

#include <cstddef>

namespace redoubt::storage {

inline constexpr size_t kInitialBuckets = 4;

// The bucket count before adding an element to a table of `size` elements in `buckets`.
inline size_t BucketsBeforeInsert(size_t size, size_t buckets) {
  if (size < buckets) {
    return buckets;
  }
  return buckets == 0 ? kInitialBuckets : buckets * 2;
}

// The bucket count after removing an element, leaving `size`.
inline size_t BucketsAfterErase(size_t size, size_t buckets) {
  if (size == 0) {
    return 0;
  }
  if (buckets <= kInitialBuckets || size >= buckets / 8) {
    return buckets;
  }
  size_t target = kInitialBuckets;
  while (target < size) {
    target *= 2;
  }
  return target;
}

}  // namespace redoubt::storage
