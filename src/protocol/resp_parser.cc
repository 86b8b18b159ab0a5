// RESP request parser; see resp_parser.h. Error texts and limits follow Redis 7's
// processMultibulkBuffer and processInlineBuffer (src/networking.c).
#include "protocol/resp_parser.h"

#include <absl/strings/ascii.h>
#include <absl/strings/escaping.h>

#include <algorithm>
#include <cstring>

#include "common/numbers.h"

namespace redoubt::protocol {
namespace {

// Finds the '\r' ending a length line starting at `pos`; npos when absent.
size_t FindCr(std::string_view input, size_t pos) {
  const void* p = std::memchr(input.data() + pos, '\r', input.size() - pos);
  return p == nullptr ? std::string_view::npos : static_cast<const char*>(p) - input.data();
}

}  // namespace

std::string ProtocolErrorText(const ParseResult& result) {
  switch (result.error) {
    case ParseError::kInvalidMultibulkLength:
      return "ERR Protocol error: invalid multibulk length";
    case ParseError::kInvalidBulkLength:
      return "ERR Protocol error: invalid bulk length";
    case ParseError::kExpectedDollar:
      return std::string("ERR Protocol error: expected '$', got '") + result.unexpected + "'";
    case ParseError::kTooBigMbulkCount:
      return "ERR Protocol error: too big mbulk count string";
    case ParseError::kTooBigBulkCount:
      return "ERR Protocol error: too big bulk count string";
    case ParseError::kTooBigInline:
      return "ERR Protocol error: too big inline request";
    case ParseError::kUnbalancedQuotes:
      return "ERR Protocol error: unbalanced quotes in request";
    case ParseError::kUnauthenticatedMultibulkLength:
      return "ERR Protocol error: unauthenticated multibulk length";
    case ParseError::kUnauthenticatedBulkLength:
      return "ERR Protocol error: unauthenticated bulk length";
    case ParseError::kNone:
      break;
  }
  return "ERR Protocol error";
}

ParseResult RespParser::Parse(std::string_view input, std::vector<std::string_view>* args) {
  args->clear();
  if (input.empty()) {
    return {};
  }
  if (input[0] == '*') {
    return ParseMultibulk(input, args);
  }
  return ParseInline(input, args);
}

void RespParser::Reset() {
  multibulk_count_ = -1;
  pos_ = 0;
  bulk_len_ = -1;
  scan_from_ = 0;
  spans_.clear();
  partial_args_bytes_ = 0;
}

ParseResult RespParser::Fail(ParseError error, char unexpected) {
  Reset();
  ParseResult r;
  r.status = ParseStatus::kError;
  r.error = error;
  r.unexpected = unexpected;
  return r;
}

ParseResult RespParser::ParseMultibulk(std::string_view input,
                                       std::vector<std::string_view>* args) {
  if (multibulk_count_ < 0) {
    size_t cr = FindCr(input, std::max<size_t>(scan_from_, 1));
    if (cr == std::string_view::npos || cr + 1 >= input.size()) {
      if (input.size() > limits_.max_inline_len) {
        return Fail(ParseError::kTooBigMbulkCount);
      }
      // The CR may be the last byte: look at it again once its LF arrives.
      scan_from_ = cr == std::string_view::npos ? input.size() : cr;
      return {};
    }
    auto count = common::ParseInt64(input.substr(1, cr - 1));
    if (!count || *count > limits_.max_multibulk_len) {
      return Fail(ParseError::kInvalidMultibulkLength);
    }
    if (*count > kUnauthenticatedMaxArgs && auth_required_) {
      return Fail(ParseError::kUnauthenticatedMultibulkLength);
    }
    if (*count <= 0) {
      Reset();
      return {.status = ParseStatus::kComplete, .consumed = cr + 2};
    }
    multibulk_count_ = *count;
    pos_ = cr + 2;
    scan_from_ = pos_;
    // Reserve by what could actually arrive, never by the announced count alone.
    spans_.reserve(std::min<int64_t>(*count, 1024));
  }
  while (static_cast<int64_t>(spans_.size()) < multibulk_count_) {
    if (bulk_len_ < 0) {
      if (pos_ >= input.size()) {
        return {};
      }
      if (input[pos_] != '$') {
        return Fail(ParseError::kExpectedDollar, input[pos_]);
      }
      size_t cr = FindCr(input, std::max(scan_from_, pos_ + 1));
      if (cr == std::string_view::npos || cr + 1 >= input.size()) {
        if (input.size() - pos_ > limits_.max_inline_len) {
          return Fail(ParseError::kTooBigBulkCount);
        }
        scan_from_ = cr == std::string_view::npos ? input.size() : cr;
        return {};
      }
      auto len = common::ParseInt64(input.substr(pos_ + 1, cr - pos_ - 1));
      if (!len || *len < 0 || *len > limits_.max_bulk_len) {
        return Fail(ParseError::kInvalidBulkLength);
      }
      if (*len > kUnauthenticatedMaxBulk && auth_required_) {
        return Fail(ParseError::kUnauthenticatedBulkLength);
      }
      bulk_len_ = *len;
      pos_ = cr + 2;
    }
    size_t end = pos_ + static_cast<size_t>(bulk_len_);
    if (end + 2 > input.size()) {
      ParseResult more;
      more.bytes_needed = end + 2;
      return more;
    }
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    partial_args_bytes_ += static_cast<size_t>(bulk_len_);
    // Like Redis, the two bytes after a bulk are skipped without being checked.
    pos_ = end + 2;
    scan_from_ = pos_;
    bulk_len_ = -1;
  }
  args->reserve(spans_.size());
  for (const auto& [offset, length] : spans_) {
    args->emplace_back(input.data() + offset, length);
  }
  size_t consumed = pos_;
  Reset();
  return {.status = ParseStatus::kComplete, .consumed = consumed};
}

ParseResult RespParser::ParseInline(std::string_view input, std::vector<std::string_view>* args) {
  size_t from = std::min(scan_from_, input.size());
  const void* nl = std::memchr(input.data() + from, '\n', input.size() - from);
  if (nl == nullptr) {
    if (input.size() > limits_.max_inline_len) {
      return Fail(ParseError::kTooBigInline);
    }
    scan_from_ = input.size();
    return {};
  }
  scan_from_ = 0;
  size_t newline = static_cast<const char*>(nl) - input.data();
  size_t line_end = newline;
  if (line_end > 0 && input[line_end - 1] == '\r') {
    --line_end;
  }
  if (!SplitArgs(input.substr(0, line_end), &inline_args_)) {
    return Fail(ParseError::kUnbalancedQuotes);
  }
  for (const std::string& a : inline_args_) {
    args->emplace_back(a);
  }
  return {.status = ParseStatus::kComplete, .consumed = newline + 1};
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && absl::ascii_isspace(line[i])) {
      ++i;
    }
    if (i >= n) {
      return true;
    }
    bool in_dq = false;
    bool in_sq = false;
    bool done = false;
    std::string current;
    while (!done) {
      if (in_dq) {
        if (i >= n) {
          return false;
        }
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' &&
            absl::ascii_isxdigit(line[i + 2]) && absl::ascii_isxdigit(line[i + 3])) {
          current += absl::HexStringToBytes(absl::string_view(line.data() + i + 2, 2));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c;
          switch (line[i]) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              c = line[i];
              break;
          }
          current.push_back(c);
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !absl::ascii_isspace(line[i + 1])) {
            return false;
          }
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else if (in_sq) {
        if (i >= n) {
          return false;
        }
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !absl::ascii_isspace(line[i + 1])) {
            return false;
          }
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_dq = true;
            break;
          case '\'':
            in_sq = true;
            break;
          default:
            current.push_back(line[i]);
            break;
        }
      }
      if (i < n) {
        ++i;
      }
    }
    out->push_back(std::move(current));
  }
}

}  // namespace redoubt::protocol
