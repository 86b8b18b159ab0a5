// Tests of glob matching with Redis's stringmatchlen rules.
#include "common/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::common {
namespace {

TEST(GlobMatchTest, StarsQuestionMarksAndClasses) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:42:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:42:age"));
}

TEST(GlobMatchTest, EscapesAndNocase) {
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("HELLO", "hello", /*nocase=*/true));
}

TEST(GlobMatchTest, ManyStarsStayFast) {
  std::string pattern(60, '*');
  pattern += "b";
  std::string text(5000, 'a');

  EXPECT_FALSE(GlobMatch(pattern, text));
}

}  // namespace
}  // namespace redoubt::common
