// Redis's start/end arithmetic for the commands that take an inclusive range of positions in a
// sequence: LRANGE (t_list.c lrangeCommand), GETRANGE (t_string.c getrangeCommand), BITCOUNT and
// BITPOS (bitops.c). A negative index counts from the end (-1 is the last), then both are
// clamped to the sequence. One function for all of them, because the arithmetic is the same but
// for one case, which the caller names (NegativeEnd).
//
// Checks a command makes before this arithmetic stay in the command (GETRANGE and BITCOUNT
// answer empty for a negative start after a negative end before clamping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace redoubt::common {

// Inclusive positions [first, last], first <= last.
struct IndexRange {
  size_t first = 0;
  size_t last = 0;
  size_t size() const { return last - first + 1; }
};

// What an end that is still negative after counting from the end (before the first element)
// means.
enum class NegativeEnd : uint8_t {
  kEmpty,         // the range is empty (LRANGE)
  kClampToFirst,  // end becomes 0, so [0, 0] when start is 0 too (GETRANGE, BITCOUNT, BITPOS)
};

// The positions start..end cover in a sequence of len elements, or nullopt when none (start
// after end once clamped, or an empty sequence). Requires: len < 2^63.
inline std::optional<IndexRange> ClampRange(int64_t start, int64_t end, size_t len,
                                            NegativeEnd negative_end) {
  // Adding len to a negative index cannot overflow, and nothing else adds.
  const int64_t n = static_cast<int64_t>(len);
  if (start < 0) {
    start += n;
  }
  if (end < 0) {
    end += n;
  }
  if (start < 0) {
    start = 0;
  }
  if (end < 0 && negative_end == NegativeEnd::kClampToFirst) {
    end = 0;
  }
  if (end >= n) {
    end = n - 1;
  }
  if (start > end) {
    return std::nullopt;
  }
  return IndexRange{static_cast<size_t>(start), static_cast<size_t>(end)};
}

}  // namespace redoubt::common
