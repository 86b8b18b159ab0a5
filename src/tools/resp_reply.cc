// RESP2 reply parsing and command encoding; see resp_reply.h.
#include "tools/resp_reply.h"

#include <optional>

#include "common/numbers.h"

namespace redoubt::tools {
namespace {

constexpr int64_t kMaxBulkLen = 512 * 1024 * 1024;  // Redis's proto-max-bulk-len default
constexpr int64_t kMaxArrayLen = 1024 * 1024;
constexpr int kMaxDepth = 32;

struct Cursor {
  std::string_view input;
  size_t pos = 0;
};

// The line at the cursor without its CRLF; nullopt when the CRLF has not arrived yet.
std::optional<std::string_view> ReadLine(Cursor* c) {
  size_t end = c->input.find("\r\n", c->pos);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view line = c->input.substr(c->pos, end - c->pos);
  c->pos = end + 2;
  return line;
}

ReplyParseStatus ParseAt(Cursor* c, RespReply* reply, int depth, std::string* error) {
  if (c->pos >= c->input.size()) {
    return ReplyParseStatus::kNeedMore;
  }
  char type = c->input[c->pos++];
  std::optional<std::string_view> line = ReadLine(c);
  if (!line) {
    return ReplyParseStatus::kNeedMore;
  }
  switch (type) {
    case '+':
    case '-':
      reply->type = type == '+' ? RespReply::Type::kSimpleString : RespReply::Type::kError;
      reply->str.assign(*line);
      return ReplyParseStatus::kComplete;
    case ':': {
      std::optional<int64_t> v = common::ParseInt64(*line);
      if (!v) {
        *error = "invalid integer reply";
        return ReplyParseStatus::kError;
      }
      reply->type = RespReply::Type::kInteger;
      reply->integer = *v;
      return ReplyParseStatus::kComplete;
    }
    case '$': {
      std::optional<int64_t> len = common::ParseInt64(*line);
      if (!len || *len < -1 || *len > kMaxBulkLen) {
        *error = "invalid bulk length";
        return ReplyParseStatus::kError;
      }
      if (*len == -1) {
        reply->type = RespReply::Type::kNil;
        return ReplyParseStatus::kComplete;
      }
      size_t n = static_cast<size_t>(*len);
      if (c->input.size() - c->pos < n + 2) {
        return ReplyParseStatus::kNeedMore;
      }
      if (c->input.compare(c->pos + n, 2, "\r\n") != 0) {
        *error = "bulk string not terminated by CRLF";
        return ReplyParseStatus::kError;
      }
      reply->type = RespReply::Type::kBulkString;
      reply->str.assign(c->input.substr(c->pos, n));
      c->pos += n + 2;
      return ReplyParseStatus::kComplete;
    }
    case '*': {
      std::optional<int64_t> len = common::ParseInt64(*line);
      if (!len || *len < -1 || *len > kMaxArrayLen) {
        *error = "invalid array length";
        return ReplyParseStatus::kError;
      }
      if (*len == -1) {
        reply->type = RespReply::Type::kNil;
        return ReplyParseStatus::kComplete;
      }
      if (depth >= kMaxDepth) {
        *error = "arrays nested too deeply";
        return ReplyParseStatus::kError;
      }
      reply->type = RespReply::Type::kArray;
      reply->elements.clear();
      // Each element needs at least 3 bytes ("+\r\n"), so a short buffer cannot claim a huge
      // array and make us reserve for it.
      if (static_cast<size_t>(*len) <= (c->input.size() - c->pos) / 3) {
        reply->elements.reserve(static_cast<size_t>(*len));
      }
      for (int64_t i = 0; i < *len; ++i) {
        reply->elements.emplace_back();
        ReplyParseStatus s = ParseAt(c, &reply->elements.back(), depth + 1, error);
        if (s != ReplyParseStatus::kComplete) {
          return s;
        }
      }
      return ReplyParseStatus::kComplete;
    }
    default:
      *error = "unexpected reply type byte '" + std::string(1, type) + "'";
      return ReplyParseStatus::kError;
  }
}

void AppendDescription(const RespReply& reply, std::string* out) {
  switch (reply.type) {
    case RespReply::Type::kSimpleString:
      *out += reply.str;
      break;
    case RespReply::Type::kError:
      *out += "(error) " + reply.str;
      break;
    case RespReply::Type::kInteger:
      *out += "(integer) " + std::to_string(reply.integer);
      break;
    case RespReply::Type::kBulkString:
      *out += "\"" + reply.str + "\"";
      break;
    case RespReply::Type::kNil:
      *out += "(nil)";
      break;
    case RespReply::Type::kArray:
      *out += "[";
      for (size_t i = 0; i < reply.elements.size(); ++i) {
        if (i > 0) {
          *out += ", ";
        }
        AppendDescription(reply.elements[i], out);
      }
      *out += "]";
      break;
  }
}

}  // namespace

std::string RespReply::Describe(size_t max_len) const {
  std::string out;
  AppendDescription(*this, &out);
  if (out.size() > max_len) {
    out.resize(max_len);
    out += "...";
  }
  return out;
}

ReplyParseResult ParseReply(std::string_view input, RespReply* reply) {
  Cursor cursor{input, 0};
  ReplyParseResult result;
  result.status = ParseAt(&cursor, reply, 0, &result.error);
  if (result.status == ReplyParseStatus::kComplete) {
    result.consumed = cursor.pos;
  }
  return result;
}

void AppendCommand(const std::vector<std::string_view>& args, std::string* out) {
  *out += '*';
  common::AppendInt64(out, static_cast<int64_t>(args.size()));
  *out += "\r\n";
  for (std::string_view arg : args) {
    *out += '$';
    common::AppendInt64(out, static_cast<int64_t>(arg.size()));
    *out += "\r\n";
    out->append(arg);
    *out += "\r\n";
  }
}

}  // namespace redoubt::tools
