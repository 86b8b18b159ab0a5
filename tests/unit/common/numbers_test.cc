// Tests of number parsing and formatting with Redis's rules.
#include "common/numbers.h"

#include <gtest/gtest.h>

namespace redoubt::common {
namespace {

TEST(ParseInt64Test, AcceptsCanonicalIntegers) {
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_EQ(ParseInt64("-1"), -1);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
}

TEST(ParseInt64Test, RejectsWhatString2llRejects) {
  for (const char* s : {"", "-", "+1", " 1", "1 ", "01", "-0", "9223372036854775808",
                        "-9223372036854775809", "1.0", "abc"}) {
    EXPECT_FALSE(ParseInt64(s).has_value()) << s;
  }
}

TEST(FormatLongDoubleHumanTest, TrimsTrailingZeros) {
  EXPECT_EQ(FormatLongDoubleHuman(10.5L), "10.5");
  EXPECT_EQ(FormatLongDoubleHuman(3.0L), "3");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
}

TEST(ParseLongDoubleTest, RejectsSpacesAndNan) {
  EXPECT_FALSE(ParseLongDouble(" 1").has_value());
  EXPECT_FALSE(ParseLongDouble("nan").has_value());
  EXPECT_FALSE(ParseLongDouble("1x").has_value());
  EXPECT_EQ(*ParseLongDouble("1.5"), 1.5L);
}

}  // namespace
}  // namespace redoubt::common
