// Encodes replies in RESP2 or RESP3 into a connection's output buffer.
//
// Handlers describe a reply by its kind (map, null, double, …) and the writer picks the
// encoding for the connection's protocol version, so no handler branches on HELLO 2/3.
//
// Thread: confined to the connection's I/O thread. Appends only; never flushes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/shared_bytes.h"

namespace redoubt::protocol {

// Receives every error reply's code (the first word, e.g. "ERR", "WRONGTYPE") so that the
// server can keep INFO errorstats without the writer knowing about statistics.
class ErrorObserver {
 public:
  virtual ~ErrorObserver() = default;
  virtual void OnErrorReply(std::string_view code) = 0;
};

// Takes a large bulk's body by reference instead of a copy: the connection queues what the
// writer has appended so far, then the block, and writes both in order (writev), so a GET of a
// 1 MB value never copies it into the output buffer.
class SharedBodySink {
 public:
  virtual ~SharedBodySink() = default;
  // `out` is the writer's output, ending with the bulk's header. Returns false when the sink
  // cannot take the body for this output (the writer then copies it).
  virtual bool TakeSharedBody(std::string* out, common::SharedBytesRef body) = 0;
};

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out) : out_(out) {}

  void set_resp3(bool resp3) { resp3_ = resp3; }
  bool resp3() const { return resp3_; }
  void set_error_observer(ErrorObserver* observer) { observer_ = observer; }
  ErrorObserver* error_observer() const { return observer_; }

  // Replaces the output buffer (e.g. to capture a reply for MONITOR or tests).
  void set_output(std::string* out) { out_ = out; }
  std::string* output() { return out_; }

  // Hot path: the functions below append a few bytes to a reused buffer.
  void Ok() { out_->append("+OK\r\n", 5); }
  void SimpleString(std::string_view s);
  // `text` is the error without "-", e.g. "ERR syntax error" or "WRONGTYPE ...".
  // counted: whether the observer (INFO errorstats) hears of it; false for an error counted
  // already where it arose (a script's command that failed, passed on by the script).
  void Error(std::string_view text, bool counted = true);
  // Error replies written so far: a command failed when this grew while it ran.
  uint64_t errors() const { return errors_; }
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  // A bulk string whose bytes are `body` (a large value's block): handed to the sink by
  // reference when there is one, else copied. Requires: body is not empty.
  void BulkShared(common::SharedBytesRef body);
  void set_shared_body_sink(SharedBodySink* sink) { sink_ = sink; }
  void Null();       // RESP2 "$-1", RESP3 "_"
  void NullArray();  // RESP2 "*-1", RESP3 "_"
  void ArrayHeader(size_t n);
  void MapHeader(size_t n);   // n pairs; RESP2 sends an array of 2n
  void SetHeader(size_t n);   // RESP2 sends an array
  void PushHeader(size_t n);  // RESP2 sends an array
  void Double(double v);      // RESP2 sends a bulk string
  void Bool(bool v);          // RESP2 sends an integer 0/1
  void Verbatim(std::string_view format, std::string_view text);  // RESP2: bulk
  // A RESP3 big number ("(digits"); RESP2 sends a bulk string. CR and LF become spaces.
  void BigNumber(std::string_view digits);
  // Appends pre-encoded bytes (constant replies).
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  void AppendHeader(char prefix, int64_t n);

  std::string* out_;
  bool resp3_ = false;
  uint64_t errors_ = 0;
  ErrorObserver* observer_ = nullptr;
  SharedBodySink* sink_ = nullptr;
};

}  // namespace redoubt::protocol
