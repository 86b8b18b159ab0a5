// Incremental RESP2/RESP3 request parser: turns bytes read from a client into argument lists.
// Knows nothing about sockets, TLS or commands.
//
// The parser is stateless between commands: Parse() looks at the bytes of one command from
// its first byte and either completes it or asks for more. Re-parsing an incomplete command
// is cheap because bulk bodies are skipped by length, never scanned.
//
// Thread: one parser per connection, used only on that connection's I/O thread.
// Limits (proto-max-bulk-len, multibulk count, inline size) are checked before allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512 * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 1024 * 1024;   // Redis: "invalid multibulk length" above it
  size_t max_inline_len = 64 * 1024;         // PROTO_INLINE_MAX_SIZE
};

enum class ParseStatus : uint8_t { kNeedMore, kComplete, kError };

enum class ParseError : uint8_t {
  kNone,
  kInvalidMultibulkLength,
  kInvalidBulkLength,
  kExpectedDollar,
  kTooBigMbulkCount,
  kTooBigBulkCount,
  kTooBigInline,
  kUnbalancedQuotes,
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  // kComplete: bytes of the command, to drop from the buffer. An empty command (blank
  // inline line, "*0") completes with no arguments and is ignored by the caller.
  size_t consumed = 0;
  ParseError error = ParseError::kNone;
  char unexpected = 0;  // for kExpectedDollar: the byte found instead of '$'
  // kNeedMore: total bytes the command needs when known (a large bulk), else 0, so the
  // caller can reserve once instead of growing its buffer repeatedly.
  size_t bytes_needed = 0;
};

// The text Redis sends for a protocol error, without the leading "-" and trailing CRLF.
std::string ProtocolErrorText(const ParseResult& result);

class RespParser {
 public:
  explicit RespParser(ParserLimits limits = {}) : limits_(limits) {}

  // Parses one command at the start of `input`. On kComplete, `args` holds views into
  // `input` (or, for inline commands, into storage owned by the parser) that stay valid until
  // the next call or until the caller changes `input`.
  // Hot path: called once per command.
  ParseResult Parse(std::string_view input, std::vector<std::string_view>* args);

  void set_limits(ParserLimits limits) { limits_ = limits; }

 private:
  ParseResult ParseMultibulk(std::string_view input, std::vector<std::string_view>* args);
  ParseResult ParseInline(std::string_view input, std::vector<std::string_view>* args);

  ParserLimits limits_;
  // Unescaped arguments of the last inline command.
  std::vector<std::string> inline_args_;
};

// Splits an inline command line as Redis's sdssplitargs does (quotes, \xHH escapes).
// Returns false on unbalanced quotes. Exposed for the config-file parser, which uses the same
// rules for redis.conf lines.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace redoubt::protocol
