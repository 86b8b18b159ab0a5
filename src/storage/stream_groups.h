// A stream's consumer groups (Redis's streamCG, streamConsumer, streamNACK): per group the last
// id delivered, its read counter, its pending entries list (PEL: every entry delivered and not
// acknowledged, with its consumer, last delivery time and delivery count) and its consumers,
// each with its own part of the PEL. Groups and consumers are ordered by name as bytes, PELs by
// id, as Redis's radix trees order them (XINFO and XPENDING list them in that order).
//
// Thread: owned by its stream; used only under that key's shard lock.
#pragma once

#include <absl/container/btree_map.h>
#include <absl/container/btree_set.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "storage/stream_id.h"

namespace redoubt::storage {

struct StreamConsumer;

// One entry of a group's PEL.
struct StreamPending {
  int64_t delivery_time_ms = 0;
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;  // null only briefly, for XCLAIM FORCE
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time_ms = 0;
  absl::btree_set<StreamId> pending;  // its ids in the group's PEL
};

class StreamGroup {
 public:
  // Redis's SCG_INVALID_ENTRIES_READ: the read counter is unknown.
  static constexpr int64_t kUnknownEntriesRead = -1;

  StreamGroup(StreamId last_id, int64_t entries_read)
      : last_id(last_id), entries_read(entries_read) {}
  // A deep copy: consumers and PEL, the PEL pointing at the copy's consumers.
  StreamGroup(const StreamGroup& other);
  StreamGroup& operator=(const StreamGroup&) = delete;

  StreamId last_id;
  int64_t entries_read = kUnknownEntriesRead;
  absl::btree_map<StreamId, StreamPending> pel;

  StreamConsumer* FindConsumer(std::string_view name);
  const StreamConsumer* FindConsumer(std::string_view name) const {
    return const_cast<StreamGroup*>(this)->FindConsumer(name);
  }
  // A new consumer; nullptr when it exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Removes the consumer and its entries from the PEL; returns how many it had pending.
  uint64_t DeleteConsumer(StreamConsumer* consumer);
  // Visits the consumers in name order.
  void ForEachConsumer(const std::function<void(const StreamConsumer&)>& fn) const;
  size_t consumer_count() const { return consumers_.size(); }

  // Records the delivery of id to consumer (XREADGROUP): a new PEL entry, or one delivered to
  // another consumer before (after XGROUP SETID) moved to this one with its count restarted.
  StreamPending& Deliver(StreamId id, StreamConsumer* consumer, int64_t now_ms);
  // Moves the PEL entry of id to consumer (XCLAIM, XAUTOCLAIM).
  void Assign(StreamId id, StreamPending& pending, StreamConsumer* consumer);
  // Removes id from the PEL (XACK, or a claim of a deleted entry); false if it was not there.
  bool Acknowledge(StreamId id);

  // Bytes the group takes (approximate: containers' nodes counted per element).
  size_t AllocatedBytes() const;

 private:
  absl::btree_map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers_;
};

}  // namespace redoubt::storage
