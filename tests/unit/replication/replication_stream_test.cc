// ReplicationStream: offsets and SELECT insertion, readers across chunk boundaries, the
// backlog's trimming (history kept to repl-backlog-size, unread bytes kept beyond it), PSYNC's
// continuation rules, and the wake-up of a sleeping reader.
#include "replication/replication_stream.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <functional>
#include <string>
#include <thread>

#include "commands/command_log.h"

namespace redoubt::replication {
namespace {

std::string ReadAll(ReplicationStream::Reader& r, size_t piece = 1 << 20) {
  std::string out;
  while (r.Read(piece, &out)) {
  }
  return out;
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

TEST(ReplicationStreamTest, RecordsNothingUntilActive) {
  ReplicationStream s(1 << 20);
  s.AppendCommands(0, 0, "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(s.offset(), 0);
  EXPECT_FALSE(s.ids().backlog_active);
}

TEST(ReplicationStreamTest, SelectIsWrittenWhenTheDatabaseChanges) {
  ReplicationStream s(1 << 20);
  auto r = s.ReaderAtEnd();
  const std::string set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
  s.AppendCommands(0, 0, set);
  s.AppendCommands(0, 0, set);
  s.AppendCommands(3, 3, set);
  std::string expected;
  commands::AppendSelect(&expected, 0);
  expected += set + set;
  commands::AppendSelect(&expected, 3);
  expected += set;
  EXPECT_EQ(ReadAll(*r), expected);
  EXPECT_EQ(s.offset(), static_cast<int64_t>(expected.size()));
  // A full sync's cut: the next batch selects again, even in the same database.
  s.ForceSelect();
  s.AppendCommands(3, 3, set);
  std::string after;
  commands::AppendSelect(&after, 3);
  EXPECT_EQ(ReadAll(*r), after + set);
}

TEST(ReplicationStreamTest, ReadersGetEveryByteAcrossChunksInAnyPieceSize) {
  ReplicationStream s(1 << 30);
  auto small = s.ReaderAtEnd();
  auto large = s.ReaderAtEnd();
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    // Commands of varied sizes, some larger than a chunk, so that chunks end unevenly.
    std::string cmd(static_cast<size_t>(i % 7 == 0 ? 70000 : 1 + i % 300),
                    static_cast<char>('a' + i % 26));
    s.AppendRaw(cmd);
    expected += cmd;
  }
  EXPECT_EQ(ReadAll(*small, 1000), expected);
  EXPECT_EQ(ReadAll(*large), expected);
  EXPECT_EQ(small->position(), s.offset());
  EXPECT_EQ(small->lag_bytes(), 0);
}

TEST(ReplicationStreamTest, BacklogKeepsItsSizeOfHistoryAndWhatAReaderStillNeeds) {
  ReplicationStream s(100 * 1024);
  s.Activate();
  auto slow = s.ReaderAtEnd();
  const std::string kb(1024, 'x');
  for (int i = 0; i < 1000; ++i) {
    s.AppendRaw(kb);
  }
  // The unread megabyte is kept although the backlog is 100 KB.
  EXPECT_EQ(slow->lag_bytes(), 1000 * 1024);
  EXPECT_EQ(ReadAll(*slow).size(), 1000u * 1024);
  slow.reset();
  s.AppendRaw(kb);
  const StreamIds ids = s.ids();
  EXPECT_EQ(ids.backlog_histlen, 100 * 1024);
  // Trimmed to whole chunks: at least the backlog's size is held, less than a chunk more.
  EXPECT_LE(ids.offset - (ids.backlog_first_byte - 1), 100 * 1024 + 64 * 1024 + 1024);
  EXPECT_GE(ids.offset - (ids.backlog_first_byte - 1), 100 * 1024);
  // A continuation from before the backlog's first byte needs a full sync.
  EXPECT_EQ(s.TryContinue(ids.replid, 1), nullptr);
  auto recent = s.TryContinue(ids.replid, ids.offset - 10 * 1024 + 1);
  ASSERT_NE(recent, nullptr);
  EXPECT_EQ(ReadAll(*recent).size(), 10u * 1024);
}

TEST(ReplicationStreamTest, ReusedChunksCarryOnlyTheirNewBytesToReadersOnOtherThreads) {
  // A small backlog, so that chunks leave the stream (and are reused) all the time, and two
  // readers on their own threads reading in different piece sizes while the writer appends
  // numbered commands: each must read exactly the bytes written, in order.
  ReplicationStream s(64 * 1024);
  s.Activate();
  auto fast = s.ReaderAtEnd();
  auto slow = s.ReaderAtEnd();
  std::string expected;
  for (int i = 0; i < 40000; ++i) {
    expected += "*2\r\n$4\r\nINCR\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
                std::to_string(i) + "\r\n";
  }
  std::string got_fast;
  std::string got_slow;
  auto drain = [&](ReplicationStream::Reader& r, size_t piece, std::string* out) {
    while (out->size() < expected.size()) {
      if (!r.Read(piece, out)) {
        std::this_thread::yield();
      }
    }
  };
  std::thread t1(drain, std::ref(*fast), size_t{4096}, &got_fast);
  std::thread t2(drain, std::ref(*slow), size_t{300 * 1024}, &got_slow);
  size_t at = 0;
  while (at < expected.size()) {
    const size_t end = expected.find("*2", at + 1);
    const size_t n = (end == std::string::npos ? expected.size() : end) - at;
    s.AppendRaw(std::string_view(expected).substr(at, n));
    at += n;
  }
  t1.join();
  t2.join();
  EXPECT_TRUE(got_fast == expected);
  EXPECT_TRUE(got_slow == expected);
}

TEST(ReplicationStreamTest, ContinuationNeedsTheIdOrThePreviousOneUpToWhereItWasValid) {
  ReplicationStream s(1 << 20);
  s.Activate();
  s.AppendRaw("0123456789");
  const std::string old_id = s.replid();
  EXPECT_EQ(s.TryContinue("0000000000000000000000000000000000000000", 11), nullptr);
  EXPECT_NE(s.TryContinue(old_id, 11), nullptr);  // caught up: nothing to send
  EXPECT_EQ(s.TryContinue(old_id, 12), nullptr);  // ahead of this stream
  s.ShiftReplicationId();                         // a promotion
  s.AppendRaw("abc");
  EXPECT_NE(s.replid(), old_id);
  EXPECT_EQ(s.ids().second_offset, 11);
  auto r = s.TryContinue(old_id, 11);  // the old history, up to where it was valid
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(ReadAll(*r), "abc");
  EXPECT_EQ(s.TryContinue(old_id, 12), nullptr);  // past the old id's end
  EXPECT_NE(s.TryContinue(s.replid(), 12), nullptr);
}

TEST(ReplicationStreamTest, ASleepingReaderIsWokenOnceBytesArrive) {
  ReplicationStream s(1 << 20);
  auto r = s.ReaderAtEnd();
  ASSERT_TRUE(r->PrepareSleep());
  s.Wake();  // nothing new: no wake-up
  EXPECT_FALSE(Readable(r->wake_fd()));
  s.AppendRaw("x");
  EXPECT_FALSE(r->PrepareSleep());  // a reader that looks again sees the byte
  s.Wake();
  EXPECT_TRUE(Readable(r->wake_fd()));
  r->DrainWake();
  EXPECT_FALSE(Readable(r->wake_fd()));
  std::string out;
  EXPECT_TRUE(r->Read(100, &out));
  EXPECT_EQ(out, "x");
}

TEST(ReplicationStreamTest, ResetToStartsTheHistoryOfANewPrimary) {
  ReplicationStream s(1 << 20);
  s.Activate();
  s.AppendRaw("old history");
  auto sub = s.ReaderAtEnd();
  s.AppendRaw("more");
  const std::string primary_id(40, 'a');
  s.ResetTo(primary_id, 5000);
  EXPECT_EQ(s.replid(), primary_id);
  EXPECT_EQ(s.offset(), 5000);
  std::string out;
  EXPECT_FALSE(sub->Read(100, &out));  // its position means nothing in the new history
  EXPECT_LT(sub->position(), 0);
  EXPECT_NE(s.TryContinue(primary_id, 5001), nullptr);
}

}  // namespace
}  // namespace redoubt::replication
