// Tests of the RESP request parser: complete commands, limits, errors with Redis's texts, and
// every input split at every byte boundary giving the same result.
#include "protocol/resp_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::protocol {
namespace {

std::vector<std::string> ParseAll(RespParser& parser, std::string_view input, ParseResult* last) {
  std::vector<std::string_view> args;
  *last = parser.Parse(input, &args);
  return {args.begin(), args.end()};
}

TEST(RespParserTest, ParsesMultibulkCommand) {
  RespParser parser;
  ParseResult r;

  auto args = ParseAll(parser, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, 20u);
  EXPECT_EQ(args, (std::vector<std::string>{"GET", "k"}));
}

TEST(RespParserTest, BinarySafeArguments) {
  RespParser parser;
  ParseResult r;
  std::string input = std::string("*1\r\n$5\r\na\r\n\0b\r\n", 15);

  auto args = ParseAll(parser, input, &r);

  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, input.size());
  EXPECT_EQ(args[0], std::string("a\r\n\0b", 5));
}

TEST(RespParserTest, EveryPrefixNeedsMoreAndWholeCompletes) {
  const std::string input = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  RespParser parser;
  for (size_t cut = 0; cut < input.size(); ++cut) {
    ParseResult r;
    ParseAll(parser, std::string_view(input).substr(0, cut), &r);
    EXPECT_EQ(r.status, ParseStatus::kNeedMore) << "cut at " << cut;
  }
  ParseResult r;
  auto args = ParseAll(parser, input, &r);
  EXPECT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(args, (std::vector<std::string>{"SET", "key", "value"}));
}

TEST(RespParserTest, InlineCommandWithQuotesAndEscapes) {
  RespParser parser;
  ParseResult r;

  auto args = ParseAll(parser, "SET \"a b\" 'c\\'d' \"\\x41\\n\"\r\n", &r);

  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(args, (std::vector<std::string>{"SET", "a b", "c'd", "A\n"}));
}

TEST(RespParserTest, InlineUnbalancedQuotesIsAnError) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "SET \"abc\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: unbalanced quotes in request");
}

TEST(RespParserTest, EmptyInlineLineCompletesWithNoArguments) {
  RespParser parser;
  ParseResult r;

  auto args = ParseAll(parser, "\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_TRUE(args.empty());
}

TEST(RespParserTest, ZeroAndNegativeMultibulkAreIgnored) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*0\r\n", &r);
  EXPECT_EQ(r.status, ParseStatus::kComplete);
  ParseAll(parser, "*-1\r\n", &r);
  EXPECT_EQ(r.status, ParseStatus::kComplete);
}

TEST(RespParserTest, AbsurdMultibulkCountIsRejectedBeforeAllocating) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*2147483648\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: invalid multibulk length");
}

TEST(RespParserTest, BulkLengthAboveLimitIsRejectedBeforeAllocating) {
  RespParser parser({.max_bulk_len = 16});
  ParseResult r;

  ParseAll(parser, "*1\r\n$17\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: invalid bulk length");
}

TEST(RespParserTest, LargeBulkReportsBytesNeeded) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*1\r\n$100000\r\nabc", &r);

  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.bytes_needed, 13u + 100000u + 2u);
}

TEST(RespParserTest, MissingDollarNamesTheByte) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*1\r\nx3\r\nabc\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: expected '$', got 'x'");
}

TEST(RespParserTest, NonNumericLengthsAreErrors) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*abc\r\n", &r);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: invalid multibulk length");
  ParseAll(parser, "*1\r\n$-5\r\n", &r);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: invalid bulk length");
}

TEST(RespParserTest, InlineWithoutNewlineBeyondLimitIsTooBig) {
  RespParser parser({.max_inline_len = 100});
  ParseResult r;

  ParseAll(parser, std::string(101, 'a'), &r);

  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: too big inline request");
}

TEST(RespParserTest, MultibulkCountLineWithoutCrBeyondLimitIsTooBig) {
  RespParser parser({.max_inline_len = 100});
  ParseResult r;

  ParseAll(parser, "*" + std::string(120, '1'), &r);

  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: too big mbulk count string");
}

TEST(RespParserTest, PipelinedCommandsParseOneAtATime) {
  RespParser parser;
  std::string input = "*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
  std::vector<std::string_view> args;
  size_t pos = 0;
  int commands = 0;

  while (pos < input.size()) {
    ParseResult r = parser.Parse(std::string_view(input).substr(pos), &args);
    ASSERT_EQ(r.status, ParseStatus::kComplete);
    EXPECT_EQ(args.size(), 1u);
    pos += r.consumed;
    ++commands;
  }

  EXPECT_EQ(commands, 3);
}

TEST(RespParserTest, Int32MaxMultibulkCountWaitsForArguments) {
  // Redis 7.0 accepts any count up to INT_MAX and allocates by what arrives.
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*2147483647\r\n$1\r\na\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
}

// Feeds `input` one more byte per call to the same parser, as a client trickling a command.
ParseResult FeedByteByByte(RespParser& parser, std::string_view input,
                           std::vector<std::string_view>* args) {
  ParseResult r;
  for (size_t n = 1; n <= input.size(); ++n) {
    r = parser.Parse(input.substr(0, n), args);
    if (r.status != ParseStatus::kNeedMore) {
      break;
    }
  }
  return r;
}

TEST(RespParserTest, TrickledCommandResumesWhereItStopped) {
  std::string input = "*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n$2\r\nEX\r\n";
  RespParser parser;
  std::vector<std::string_view> args;

  // Half of it: the arguments already read are remembered, not re-parsed.
  parser.Parse(std::string_view(input).substr(0, 25), &args);
  size_t parsed_after_half = parser.parsed_bytes();
  ParseResult r = FeedByteByByte(parser, input, &args);

  EXPECT_EQ(parsed_after_half, 22u);  // up to the end of "key\r\n"
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, input.size());
  EXPECT_EQ(std::vector<std::string>(args.begin(), args.end()),
            (std::vector<std::string>{"SET", "key", "value", "EX"}));
  EXPECT_EQ(parser.parsed_bytes(), 0u);  // ready for the next command
}

TEST(RespParserTest, TrickledCommandMovedInMemoryStillParses) {
  // The connection's buffer may move (compaction, growth) between reads: offsets, not
  // pointers, are kept.
  std::string input = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
  RespParser parser;
  std::vector<std::string_view> args;
  std::string first(input.substr(0, 17));
  parser.Parse(first, &args);
  first.assign(first.size(), 'x');  // the old bytes are gone

  // The same bytes at another address: the copy is the point of the test.
  std::string moved = input;  // NOLINT(performance-unnecessary-copy-initialization)
  ParseResult r = parser.Parse(moved, &args);

  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(args[0], "ECHO");
  EXPECT_EQ(args[1], "hello");
}

TEST(RespParserTest, EveryCommandTrickledGivesTheSameResultAsWhole) {
  const std::vector<std::string> commands = {"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
                                             "PING\r\n",
                                             "SET \"a b\" c\n",
                                             "*0\r\n",
                                             "*1\r\n$4\r\nPING\r\n",
                                             "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n"};
  for (const std::string& command : commands) {
    RespParser whole_parser;
    RespParser trickle_parser;
    std::vector<std::string_view> whole_args;
    std::vector<std::string_view> trickle_args;

    ParseResult whole = whole_parser.Parse(command, &whole_args);
    ParseResult trickled = FeedByteByByte(trickle_parser, command, &trickle_args);

    EXPECT_EQ(trickled.status, whole.status) << command;
    EXPECT_EQ(trickled.consumed, whole.consumed) << command;
    EXPECT_EQ(std::vector<std::string>(trickle_args.begin(), trickle_args.end()),
              std::vector<std::string>(whole_args.begin(), whole_args.end()))
        << command;
  }
}

TEST(RespParserTest, ResetForgetsAPartialCommand) {
  RespParser parser;
  std::vector<std::string_view> args;
  parser.Parse("*2\r\n$3\r\nGET\r\n", &args);

  parser.Reset();
  ParseResult r = parser.Parse("*1\r\n$4\r\nPING\r\n", &args);

  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(args.size(), 1u);
}

TEST(RespParserTest, UnauthenticatedClientMayNotSendMoreThanTenArguments) {
  RespParser parser;
  parser.set_auth_required(true);
  ParseResult r;

  ParseAll(parser, "*11\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: unauthenticated multibulk length");
  ParseAll(parser, "*10\r\n", &r);
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
}

TEST(RespParserTest, UnauthenticatedClientMayNotSendBulksAbove16KiB) {
  RespParser parser;
  parser.set_auth_required(true);
  ParseResult r;

  ParseAll(parser, "*1\r\n$536870912\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(ProtocolErrorText(r), "ERR Protocol error: unauthenticated bulk length");
  ParseAll(parser, "*1\r\n$16384\r\n", &r);
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
}

TEST(RespParserTest, AuthenticatedClientHasTheUsualLimits) {
  RespParser parser;
  ParseResult r;

  ParseAll(parser, "*11\r\n$536870912\r\n", &r);

  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
}

TEST(SplitArgsTest, ClosingQuoteMustBeFollowedBySpace) {
  std::vector<std::string> out;

  EXPECT_FALSE(SplitArgs("\"a\"b", &out));
  EXPECT_TRUE(SplitArgs("\"a\" b", &out));
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace redoubt::protocol
