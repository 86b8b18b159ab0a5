// RESP2/RESP3 reply encoding; see reply_writer.h.
#include "protocol/reply_writer.h"

#include <charconv>

#include "common/numbers.h"

namespace redoubt::protocol {

void ReplyWriter::AppendHeader(char prefix, int64_t n) {
  char buf[24];
  buf[0] = prefix;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, end - buf);
}

void ReplyWriter::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Error(std::string_view text, bool counted) {
  ++errors_;
  if (observer_ != nullptr && counted) {
    size_t space = text.find(' ');
    observer_->OnErrorReply(text.substr(0, space));
  }
  out_->push_back('-');
  // An error line must not break the framing: Redis replaces CR/LF with spaces.
  size_t start = out_->size();
  out_->append(text);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') {
      (*out_)[i] = ' ';
    }
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Integer(int64_t v) {
  AppendHeader(':', v);
}

void ReplyWriter::Bulk(std::string_view s) {
  AppendHeader('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::BulkShared(common::SharedBytesRef body) {
  AppendHeader('$', static_cast<int64_t>(body->size()));
  if (sink_ == nullptr || !sink_->TakeSharedBody(out_, body.Copy())) {
    out_->append(body->view());
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Null() {
  if (resp3_) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::NullArray() {
  if (resp3_) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::ArrayHeader(size_t n) {
  AppendHeader('*', static_cast<int64_t>(n));
}

void ReplyWriter::MapHeader(size_t n) {
  if (resp3_) {
    AppendHeader('%', static_cast<int64_t>(n));
  } else {
    AppendHeader('*', static_cast<int64_t>(2 * n));
  }
}

void ReplyWriter::SetHeader(size_t n) {
  AppendHeader(resp3_ ? '~' : '*', static_cast<int64_t>(n));
}

void ReplyWriter::PushHeader(size_t n) {
  AppendHeader(resp3_ ? '>' : '*', static_cast<int64_t>(n));
}

void ReplyWriter::Double(double v) {
  std::string s = common::FormatDouble(v);
  if (resp3_) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n", 2);
  } else {
    Bulk(s);
  }
}

void ReplyWriter::Bool(bool v) {
  if (resp3_) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    Integer(v ? 1 : 0);
  }
}

void ReplyWriter::Verbatim(std::string_view format, std::string_view text) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  AppendHeader('=', static_cast<int64_t>(text.size() + 4));
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyWriter::BigNumber(std::string_view digits) {
  if (!resp3_) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  const size_t start = out_->size();
  out_->append(digits);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') {
      (*out_)[i] = ' ';
    }
  }
  out_->append("\r\n", 2);
}

}  // namespace redoubt::protocol
