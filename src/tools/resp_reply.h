// RESP2 reply parser for the tools' client: turns the bytes a server sends back into a
// RespReply tree. protocol/RespParser parses requests (arrays of bulk strings, inline commands);
// replies are another grammar (simple strings, errors, integers, bulk strings, nil, nested
// arrays), so the client side has its own small parser.
//
// Stateless: ParseReply() looks at one reply from its first byte and either completes it or asks
// for more, like RespParser. Limits (bulk length, array length, nesting) are checked before
// allocating, so a broken server cannot make a tool allocate without bound or recurse deeply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::tools {

struct RespReply {
  enum class Type : uint8_t { kSimpleString, kError, kInteger, kBulkString, kNil, kArray };

  Type type = Type::kNil;
  std::string str;  // simple string, error text (without the '-'), bulk body
  int64_t integer = 0;
  std::vector<RespReply> elements;

  bool IsNil() const { return type == Type::kNil; }
  bool IsError() const { return type == Type::kError; }
  // The reply as redis-cli would show it, shortened to `max_len` bytes, for messages.
  std::string Describe(size_t max_len = 120) const;
};

enum class ReplyParseStatus : uint8_t { kNeedMore, kComplete, kError };

struct ReplyParseResult {
  ReplyParseStatus status = ReplyParseStatus::kNeedMore;
  size_t consumed = 0;  // kComplete: bytes of the reply, to drop from the buffer
  std::string error;    // kError: what was wrong, for the failure message
};

// Parses one reply at the start of `input` into `*reply` (overwritten on kComplete).
ReplyParseResult ParseReply(std::string_view input, RespReply* reply);

// Appends `args` as a RESP array of bulk strings, the form every server accepts.
void AppendCommand(const std::vector<std::string_view>& args, std::string* out);

}  // namespace redoubt::tools
