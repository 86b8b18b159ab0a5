// Incremental RESP2/RESP3 request parser: turns bytes read from a client into argument lists.
// Knows nothing about sockets, TLS or commands.
//
// The parser resumes where it stopped: when a command arrives over several reads, Parse()
// keeps the positions of the arguments it has already read (as offsets from the command's
// first byte) and continues after them, so a command trickled in small reads costs O(its
// size), not O(size x reads) as re-parsing from its start would (a 1M-argument command sent a
// few bytes at a time, reachable before AUTH). The caller must therefore give the same
// command start, with at least the bytes it gave before, until the command completes or
// fails; Reset() forgets a partial command.
//
// Thread: one parser per connection, used only on that connection's I/O thread.
// Limits (proto-max-bulk-len, multibulk count, inline size) are checked before allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redoubt::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512 * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = INT32_MAX;     // Redis 7.0: "invalid multibulk length" above it
  size_t max_inline_len = 64 * 1024;         // PROTO_INLINE_MAX_SIZE
};

// Redis's limits for a client that must still authenticate (processMultibulkBuffer with
// authRequired): a command of at most 10 arguments, each at most 16 KiB.
inline constexpr int64_t kUnauthenticatedMaxArgs = 10;
inline constexpr int64_t kUnauthenticatedMaxBulk = 16384;

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
  kUnauthenticatedMultibulkLength,
  kUnauthenticatedBulkLength,
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
  // the next call or until the caller changes `input`. After kNeedMore, the next call must
  // pass the same command again (it may have moved in memory), extended by what arrived.
  // Hot path: called once per command.
  ParseResult Parse(std::string_view input, std::vector<std::string_view>* args);

  // Forgets a partially parsed command (the caller dropped its bytes).
  void Reset();

  void set_limits(ParserLimits limits) { limits_ = limits; }
  // While set, multibulk headers above kUnauthenticatedMaxArgs and bulks above
  // kUnauthenticatedMaxBulk are errors (Redis's limits before AUTH).
  void set_auth_required(bool required) { auth_required_ = required; }
  // Offset from the command's start up to which bytes have been parsed (for tests and for
  // the connection's query-buffer accounting).
  size_t parsed_bytes() const { return pos_; }
  // Total length of the arguments of a partial command read so far (CLIENT LIST's argv-mem
  // while a command is still arriving).
  size_t partial_args_bytes() const { return partial_args_bytes_; }

  // While a bulk's body is awaited: where it starts (from the command's first byte), its
  // length, and whether it is the command's last argument. The connection reads a large last
  // argument straight into a block of its own (Redis does the same from 32 KiB).
  struct PendingBulk {
    size_t offset = 0;
    size_t length = 0;
    bool last = false;
  };
  std::optional<PendingBulk> pending_bulk() const {
    if (multibulk_count_ < 0 || bulk_len_ < 0) {
      return std::nullopt;
    }
    return PendingBulk{pos_, static_cast<size_t>(bulk_len_),
                       static_cast<int64_t>(spans_.size()) + 1 == multibulk_count_};
  }
  // The arguments of the partial command read so far, as views into `input` (the command's
  // bytes from its first one).
  void PartialArguments(std::string_view input, std::vector<std::string_view>* args) const {
    for (const auto& [offset, length] : spans_) {
      args->emplace_back(input.data() + offset, length);
    }
  }

 private:
  ParseResult ParseMultibulk(std::string_view input, std::vector<std::string_view>* args);
  ParseResult ParseInline(std::string_view input, std::vector<std::string_view>* args);
  ParseResult Fail(ParseError error, char unexpected = 0);

  ParserLimits limits_;
  bool auth_required_ = false;
  // A multibulk command in progress: its announced count (-1 until the header is read), the
  // offset of the next unparsed byte, the current bulk's length (-1 until its header is
  // read), where the search for the next CR resumes, and the arguments read so far as
  // (offset, length) from the command's first byte.
  int64_t multibulk_count_ = -1;
  size_t pos_ = 0;
  int64_t bulk_len_ = -1;
  size_t scan_from_ = 0;
  std::vector<std::pair<size_t, size_t>> spans_;
  size_t partial_args_bytes_ = 0;
  // Unescaped arguments of the last inline command.
  std::vector<std::string> inline_args_;
};

// Splits an inline command line as Redis's sdssplitargs does (quotes, \xHH escapes).
// Returns false on unbalanced quotes. Exposed for the config-file parser, which uses the same
// rules for redis.conf lines.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace redoubt::protocol
