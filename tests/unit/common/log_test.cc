// The server log: one message is one line whatever it holds, and Repr() quotes client-chosen
// text as Redis's sdscatrepr does.
#include "common/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "common/repr.h"

namespace redoubt::common {
namespace {

// Logs messages into a file of its own and gives back what was written; the log goes back to
// stdout at notice afterwards, as the other tests expect it.
class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "redoubt-log-test-" + std::to_string(getpid()) + ".log";
    std::remove(path_.c_str());
    ASSERT_TRUE(OpenLog(path_));
    SetLogLevel(LogLevel::kVerbose);
  }
  void TearDown() override {
    OpenLog("");
    SetLogLevel(LogLevel::kNotice);
    std::remove(path_.c_str());
  }
  std::string Written() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string path_;
};

TEST_F(LogFileTest, AMessageWithNewlinesIsOneLine) {
  Log(LogLevel::kVerbose, "authentication as 'x'\n1:M 01 Jan 2026 00:00:00.000 # forged\r\n");

  std::string written = Written();

  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.find('\n'), written.size() - 1) << written;
  EXPECT_EQ(written.find('\r'), std::string::npos) << written;
  EXPECT_NE(written.find("'x'\\x0a1:M 01 Jan"), std::string::npos) << written;
  EXPECT_NE(written.find("# forged\\x0d\\x0a\n"), std::string::npos) << written;
}

TEST_F(LogFileTest, EveryControlByteIsEscapedAndPrintableTextIsNot) {
  std::string message = "a";
  for (int c = 0; c < 0x20; ++c) {
    message.push_back(static_cast<char>(c));
  }
  message +=
      "\x7f"
      "caf\xC3\xA9 C:\\path";

  Log(LogLevel::kWarning, message);

  std::string written = Written();
  EXPECT_EQ(written.find('\n'), written.size() - 1);
  std::string expected = "a";
  for (int c = 0; c < 0x20; ++c) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "\\x%02x", c);
    expected += hex;
  }
  expected += "\\x7fcaf\xC3\xA9 C:\\path\n";
  EXPECT_TRUE(written.ends_with(expected)) << written;
}

TEST_F(LogFileTest, BelowTheLevelNothingIsWritten) {
  SetLogLevel(LogLevel::kNotice);

  Log(LogLevel::kVerbose, "not shown");

  EXPECT_EQ(Written(), "");
}

TEST(LogReprTest, QuotesAndEscapesAsSdscatrepr) {
  EXPECT_EQ(Repr("alice"), "\"alice\"");
  EXPECT_EQ(Repr("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Repr("l1\nl2\r\t\a\b"), "\"l1\\nl2\\r\\t\\a\\b\"");
  EXPECT_EQ(Repr(std::string("\x00\x1b[2J\x7f\xff", 7)), "\"\\x00\\x1b[2J\\x7f\\xff\"");
  EXPECT_EQ(Repr(""), "\"\"");
}

TEST(LogReprTest, LongTextIsCutAndMarked) {
  EXPECT_EQ(Repr(std::string(200, 'u'), 4), "\"uuuu\"...");
  EXPECT_EQ(Repr("abcd", 4), "\"abcd\"");
  EXPECT_EQ(Repr(std::string(1000, 'x'), 128).size(), 128u + 5u);
}

}  // namespace
}  // namespace redoubt::common
