// Where the dispatcher's writes go once replication exists: the append-only file and, on a
// primary, the replication stream. A replica applies its primary's commands through a
// dispatcher too, and those reach the AOF here; but its stream gets the primary's bytes
// verbatim from the link instead (replication_stream.h), so feeds_stream is off while it
// follows a primary.
//
// Thread: thread-safe; active() and Append are a few relaxed loads besides the sinks' own work.
#pragma once

#include <atomic>

#include "commands/command_log.h"
#include "replication/replication_stream.h"

namespace redoubt::replication {

class ReplicationLog final : public commands::CommandLog {
 public:
  ReplicationLog(commands::CommandLog& aof, ReplicationStream& stream)
      : aof_(aof), stream_(stream) {}

  bool active() const override {
    return aof_.active() || (feeds_stream_.load(std::memory_order_relaxed) && stream_.active());
  }
  void Append(int db, int end_db, std::string_view commands) override {
    if (aof_.active()) {
      aof_.Append(db, end_db, commands);
    }
    if (feeds_stream_.load(std::memory_order_relaxed)) {
      stream_.AppendCommands(db, end_db, commands);
    }
  }
  // Off while this node is a replica (its stream is its primary's).
  void set_feeds_stream(bool on) { feeds_stream_.store(on, std::memory_order_relaxed); }

 private:
  commands::CommandLog& aof_;
  ReplicationStream& stream_;
  std::atomic<bool> feeds_stream_{true};
};

}  // namespace redoubt::replication
