// ClampRange: Redis's start/end arithmetic, in the LRANGE flavour and in the GETRANGE / BITCOUNT /
// BITPOS flavour, which differ only for an end before the first element.
#include "common/index_range.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace redoubt::common {
namespace {

// "first..last", or "empty", so a failure shows the whole range.
std::string Text(std::optional<IndexRange> range) {
  return range ? std::to_string(range->first) + ".." + std::to_string(range->last) : "empty";
}

TEST(IndexRangeTest, NegativeIndexesCountFromTheEnd) {
  for (NegativeEnd rule : {NegativeEnd::kEmpty, NegativeEnd::kClampToFirst}) {
    EXPECT_EQ(Text(ClampRange(0, -1, 5, rule)), "0..4");
    EXPECT_EQ(Text(ClampRange(-2, -1, 5, rule)), "3..4");
    EXPECT_EQ(Text(ClampRange(1, -2, 5, rule)), "1..3");
  }
}

TEST(IndexRangeTest, IndexesOutsideAreClampedToTheSequence) {
  for (NegativeEnd rule : {NegativeEnd::kEmpty, NegativeEnd::kClampToFirst}) {
    EXPECT_EQ(Text(ClampRange(-100, 100, 5, rule)), "0..4");
    EXPECT_EQ(Text(ClampRange(INT64_MIN, INT64_MAX, 5, rule)), "0..4");
    EXPECT_EQ(ClampRange(2, 2, 5, rule)->size(), 1u);
  }
}

TEST(IndexRangeTest, StartAfterEndOrAnEmptySequenceIsEmpty) {
  for (NegativeEnd rule : {NegativeEnd::kEmpty, NegativeEnd::kClampToFirst}) {
    EXPECT_EQ(Text(ClampRange(3, 2, 5, rule)), "empty");
    EXPECT_EQ(Text(ClampRange(5, 10, 5, rule)), "empty");
    EXPECT_EQ(Text(ClampRange(0, -1, 0, rule)), "empty");
    EXPECT_EQ(Text(ClampRange(0, 0, 0, rule)), "empty");
    EXPECT_EQ(Text(ClampRange(INT64_MAX, INT64_MAX, 5, rule)), "empty");
  }
}

TEST(IndexRangeTest, EndBeforeTheFirstElementIsEmptyForLrange) {
  EXPECT_EQ(Text(ClampRange(0, -6, 5, NegativeEnd::kEmpty)), "empty");
  EXPECT_EQ(Text(ClampRange(-100, -50, 5, NegativeEnd::kEmpty)), "empty");
}

TEST(IndexRangeTest, EndBeforeTheFirstElementIsTheFirstForGetrangeAndBitcount) {
  // Redis's getrangeCommand: GETRANGE "hello" 0 -100 is "h".
  EXPECT_EQ(Text(ClampRange(0, -6, 5, NegativeEnd::kClampToFirst)), "0..0");
  EXPECT_EQ(Text(ClampRange(-100, -50, 5, NegativeEnd::kClampToFirst)), "0..0");
  EXPECT_EQ(Text(ClampRange(1, -6, 5, NegativeEnd::kClampToFirst)), "empty");
}

}  // namespace
}  // namespace redoubt::common
