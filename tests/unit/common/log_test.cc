// The server log: one message is one line whatever it holds, Repr() quotes client-chosen text
// as Redis's sdscatrepr does, and LogThrottle bounds the lines one place can write.
#include "common/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
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

  // How many lines were written that contain text.
  int64_t LinesWith(const std::string& text) const {
    std::istringstream lines(Written());
    int64_t n = 0;
    for (std::string line; std::getline(lines, line);) {
      n += line.find(text) != std::string::npos ? 1 : 0;
    }
    return n;
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

// The clock of the LogThrottle tests: milliseconds that only the test moves.
int64_t fake_now_ms = 0;
int64_t FakeClock() {
  return fake_now_ms;
}

class LogThrottleTest : public LogFileTest {
 protected:
  void SetUp() override {
    LogFileTest::SetUp();
    fake_now_ms = 1'000'000;
  }
  // Logs "refused <i>" through throttle `count` times without moving the clock.
  void Flood(LogThrottle& throttle, int count) {
    for (int i = 0; i < count; ++i) {
      throttle.Log(LogLevel::kVerbose, [&] { return "refused " + std::to_string(i); });
    }
  }
};

TEST_F(LogThrottleTest, AtMostBurstLinesPerInterval) {
  LogThrottle throttle(1000, 3, FakeClock);

  Flood(throttle, 2000);

  EXPECT_EQ(LinesWith("refused"), 3);
  EXPECT_EQ(LinesWith("suppressed"), 0);
}

TEST_F(LogThrottleTest, FirstLineOfTheNextIntervalCountsTheSuppressedOnes) {
  LogThrottle throttle(1000, 3, FakeClock);
  Flood(throttle, 2000);

  fake_now_ms += 1000;
  Flood(throttle, 1);
  Flood(throttle, 1);

  EXPECT_EQ(LinesWith("refused"), 5);
  EXPECT_EQ(LinesWith("refused 0 (1997 similar messages suppressed)"), 1) << Written();
  EXPECT_EQ(LinesWith("suppressed"), 1);
}

TEST_F(LogThrottleTest, AnIntervalIsCountedFromItsFirstLine) {
  LogThrottle throttle(1000, 1, FakeClock);
  Flood(throttle, 1);  // opens an interval at 1,000,000

  fake_now_ms += 999;
  Flood(throttle, 1);
  fake_now_ms += 1;
  Flood(throttle, 1);

  EXPECT_EQ(LinesWith("refused"), 2);
  EXPECT_EQ(LinesWith("(1 similar messages suppressed)"), 1) << Written();
}

TEST_F(LogThrottleTest, LinesBelowTheLogLevelAreNeitherWrittenNorCounted) {
  LogThrottle throttle(1000, 1, FakeClock);
  SetLogLevel(LogLevel::kNotice);
  Flood(throttle, 5);
  SetLogLevel(LogLevel::kVerbose);

  Flood(throttle, 1);

  EXPECT_EQ(LinesWith("refused"), 1);
  EXPECT_EQ(LinesWith("suppressed"), 0);
}

TEST_F(LogThrottleTest, TheMessageIsBuiltOnlyForLinesWritten) {
  LogThrottle throttle(1000, 2, FakeClock);
  int built = 0;

  for (int i = 0; i < 100; ++i) {
    throttle.Log(LogLevel::kVerbose, [&] {
      ++built;
      return std::string("refused");
    });
  }

  EXPECT_EQ(built, 2);
}

TEST_F(LogThrottleTest, EachPlaceHasItsOwnBudget) {
  LogThrottle auth(1000, 1, FakeClock);
  LogThrottle handshake(1000, 1, FakeClock);

  Flood(auth, 10);
  Flood(handshake, 10);

  EXPECT_EQ(LinesWith("refused"), 2);
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
