// The propagation batch: RESP encoding, SELECT between databases, MULTI/EXEC around more than
// one command, and the databases the log is told.
#include "commands/command_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace redoubt::commands {
namespace {

class RecordingLog final : public CommandLog {
 public:
  bool active() const override { return true; }
  void Append(int db, int end_db, std::string_view bytes) override {
    appends.push_back({db, end_db, std::string(bytes)});
  }
  struct Entry {
    int db;
    int end_db;
    std::string bytes;
  };
  std::vector<Entry> appends;
};

std::vector<std::string_view> Args(std::initializer_list<std::string_view> a) {
  return a;
}

TEST(CommandLogTest, OneCommandIsAppendedAsItIs) {
  RecordingLog log;
  PropagationBatch batch;
  batch.Flush(log);
  EXPECT_TRUE(log.appends.empty());  // nothing to append
  batch.Add(3, Args({"SET", "k", "v"}));
  batch.Flush(log);
  ASSERT_EQ(log.appends.size(), 1u);
  EXPECT_EQ(log.appends[0].db, 3);
  EXPECT_EQ(log.appends[0].end_db, 3);
  EXPECT_EQ(log.appends[0].bytes, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_TRUE(batch.empty());
}

TEST(CommandLogTest, SeveralCommandsAreWrappedInMultiExecWithTheirSelects) {
  RecordingLog log;
  PropagationBatch batch;
  batch.Add(0, Args({"INCR", "a"}));
  batch.Add(2, Args({"DEL", ""}));  // an empty argument is a $0 bulk string
  batch.Flush(log);
  ASSERT_EQ(log.appends.size(), 1u);
  EXPECT_EQ(log.appends[0].db, 0);
  EXPECT_EQ(log.appends[0].end_db, 2);
  EXPECT_EQ(log.appends[0].bytes,
            "*1\r\n$5\r\nMULTI\r\n"
            "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"
            "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"
            "*2\r\n$3\r\nDEL\r\n$0\r\n\r\n"
            "*1\r\n$4\r\nEXEC\r\n");
}

TEST(CommandLogTest, BinaryArgumentsKeepEveryByte) {
  std::string out;
  std::string binary("a\r\n\0b", 5);
  AppendRespCommand(&out, {"SET", binary});
  EXPECT_EQ(out, std::string("*2\r\n$3\r\nSET\r\n$5\r\na\r\n\0b\r\n", 24));
}

}  // namespace
}  // namespace redoubt::commands
