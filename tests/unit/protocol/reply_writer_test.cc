// Tests of the reply writer: each reply kind in RESP2 and RESP3.
#include "protocol/reply_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::protocol {
namespace {

struct Written {
  std::string resp2;
  std::string resp3;
};

template <typename Fn>
Written Write(Fn fn) {
  Written w;
  ReplyWriter r2(&w.resp2);
  ReplyWriter r3(&w.resp3);
  r3.set_resp3(true);
  fn(r2);
  fn(r3);
  return w;
}

TEST(ReplyWriterTest, NullDependsOnProtocol) {
  Written w = Write([](ReplyWriter& r) { r.Null(); });

  EXPECT_EQ(w.resp2, "$-1\r\n");
  EXPECT_EQ(w.resp3, "_\r\n");
}

TEST(ReplyWriterTest, NullArrayDependsOnProtocol) {
  Written w = Write([](ReplyWriter& r) { r.NullArray(); });

  EXPECT_EQ(w.resp2, "*-1\r\n");
  EXPECT_EQ(w.resp3, "_\r\n");
}

TEST(ReplyWriterTest, MapIsFlatArrayInResp2) {
  Written w = Write([](ReplyWriter& r) {
    r.MapHeader(1);
    r.Bulk("a");
    r.Integer(1);
  });

  EXPECT_EQ(w.resp2, "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(w.resp3, "%1\r\n$1\r\na\r\n:1\r\n");
}

TEST(ReplyWriterTest, DoubleIsBulkInResp2) {
  Written w = Write([](ReplyWriter& r) { r.Double(1.5); });

  EXPECT_EQ(w.resp2, "$3\r\n1.5\r\n");
  EXPECT_EQ(w.resp3, ",1.5\r\n");
}

TEST(ReplyWriterTest, IntegersIncludingExtremes) {
  Written w = Write([](ReplyWriter& r) {
    r.Integer(INT64_MIN);
    r.Integer(0);
  });

  EXPECT_EQ(w.resp2, ":-9223372036854775808\r\n:0\r\n");
}

TEST(ReplyWriterTest, ErrorTextCannotBreakFraming) {
  Written w = Write([](ReplyWriter& r) { r.Error("ERR bad\r\nthing"); });

  EXPECT_EQ(w.resp2, "-ERR bad  thing\r\n");
}

TEST(ReplyWriterTest, ErrorObserverGetsTheCode) {
  struct Observer : ErrorObserver {
    std::string code;
    void OnErrorReply(std::string_view c) override { code = c; }
  } observer;
  std::string out;
  ReplyWriter r(&out);
  r.set_error_observer(&observer);

  r.Error("WRONGTYPE Operation against a key holding the wrong kind of value");

  EXPECT_EQ(observer.code, "WRONGTYPE");
}

TEST(ReplyWriterTest, VerbatimIsBulkInResp2) {
  Written w = Write([](ReplyWriter& r) { r.Verbatim("txt", "hi"); });

  EXPECT_EQ(w.resp2, "$2\r\nhi\r\n");
  EXPECT_EQ(w.resp3, "=6\r\ntxt:hi\r\n");
}

}  // namespace
}  // namespace redoubt::protocol
