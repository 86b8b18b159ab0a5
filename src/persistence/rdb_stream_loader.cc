// Loading a stream from an RDB (RDB_TYPE_STREAM_LISTPACKS of Redis 5 and 6,
// RDB_TYPE_STREAM_LISTPACKS_2 of 7.0): each node's 128-bit first id and its listpack, then the
// stream's length, last id and (7.0) first id, largest deleted id and entries ever added, then
// the consumer groups. Follows rdb.c's rdbLoadObject and t_stream.c's
// streamValidateListpackIntegrity: every node is checked whole (its master entry, each entry's
// element count, the live and deleted counts, ids ascending across nodes) before the stream is
// stored, so a corrupt payload leaves no key.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/numbers.h"
#include "persistence/listpack.h"
#include "persistence/rdb_decoder.h"
#include "persistence/rdb_format.h"
#include "storage/entry.h"
#include "storage/stream_value.h"

namespace redoubt::persistence {
namespace {

using storage::StreamId;
using storage::StreamValue;

// Reads a node's listpack elements (integers as decimal text) one by one.
class NodeItems {
 public:
  explicit NodeItems(std::vector<std::string> items) : items_(std::move(items)) {}
  bool done() const { return next_ >= items_.size(); }
  std::optional<std::string_view> Next() {
    if (done()) {
      return std::nullopt;
    }
    return items_[next_++];
  }
  std::optional<int64_t> NextInteger() {
    std::optional<std::string_view> item = Next();
    return item ? common::ParseInt64(*item) : std::nullopt;
  }

 private:
  std::vector<std::string> items_;
  size_t next_ = 0;
};

StreamId DecodeIdBytes(std::string_view key) {
  StreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(key[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(key[8 + i]);
  }
  return id;
}

}  // namespace

bool RdbDecoder::StreamIdBytes(StreamId* id) {
  char raw[16];
  if (!in_.Read(raw, sizeof(raw))) {
    return Fail("unexpected end of data");
  }
  *id = DecodeIdBytes(std::string_view(raw, sizeof(raw)));
  return true;
}

// A consumer group (rdb.c): name, last id, (7.0) read counter, the PEL with delivery times and
// counts, then the consumers with their seen time and their part of the PEL, each id of which
// must be in the group's PEL, and every PEL entry must have a consumer.
bool RdbDecoder::LoadStreamGroup(uint8_t type, StreamValue& stream) {
  std::string name;
  StreamId last;
  if (!String(&name) || !Length(&last.ms) || !Length(&last.seq)) {
    return false;
  }
  int64_t entries_read;
  if (type == kRdbStreamListpacks2) {
    uint64_t raw;
    if (!Length(&raw)) {
      return false;
    }
    entries_read = static_cast<int64_t>(raw);
  } else {
    entries_read = stream.EstimateEntriesRead(last);
  }
  storage::StreamGroup* group = stream.CreateGroup(name, last, entries_read);
  if (group == nullptr) {
    return Fail("duplicate stream consumer group '" + name + "'");
  }
  uint64_t pending;
  if (!Count(&pending)) {
    return false;
  }
  for (uint64_t i = 0; i < pending; ++i) {
    StreamId id;
    int64_t time;
    uint64_t deliveries;
    if (!StreamIdBytes(&id) || !Int64Le(&time) || !Length(&deliveries)) {
      return false;
    }
    if (!group->pel
             .emplace(
                 id, storage::StreamPending{.delivery_time_ms = time, .delivery_count = deliveries})
             .second) {
      return Fail("duplicate stream PEL entry");
    }
  }
  uint64_t consumers;
  if (!Count(&consumers)) {
    return false;
  }
  for (uint64_t c = 0; c < consumers; ++c) {
    std::string consumer_name;
    int64_t seen;
    uint64_t ids;
    if (!String(&consumer_name) || !Int64Le(&seen) || !Count(&ids)) {
      return false;
    }
    storage::StreamConsumer* consumer = group->CreateConsumer(consumer_name, seen);
    if (consumer == nullptr) {
      return Fail("duplicate stream consumer '" + consumer_name + "'");
    }
    for (uint64_t i = 0; i < ids; ++i) {
      StreamId id;
      if (!StreamIdBytes(&id)) {
        return false;
      }
      auto it = group->pel.find(id);
      if (it == group->pel.end() || it->second.consumer != nullptr) {
        return Fail("consumer PEL entry not found in the group's PEL");
      }
      group->Assign(id, it->second, consumer);
    }
  }
  for (const auto& [id, p] : group->pel) {
    if (p.consumer == nullptr) {
      return Fail("stream group PEL entry without a consumer");
    }
  }
  return true;
}

bool RdbDecoder::LoadStream(uint8_t type, storage::Keyspace& keyspace, int db,
                            std::string_view key) {
  uint64_t node_count;
  if (!Count(&node_count)) {
    return false;
  }
  auto stream = std::make_unique<StreamValue>();
  std::optional<StreamId> previous;  // the last entry loaded
  for (uint64_t n = 0; n < node_count; ++n) {
    std::string node_key;
    std::string blob;
    std::string error;
    if (!String(&node_key)) {
      return false;
    }
    if (node_key.size() != 16) {
      return Fail("stream node key is not a 128-bit id");
    }
    if (!String(&blob)) {
      return false;
    }
    std::vector<std::string> flat;
    if (!DecodeListpack(blob, &flat, &error)) {
      return Fail("invalid stream node listpack: " + error);
    }
    if (flat.empty()) {
      return Fail("empty listpack inside stream");
    }
    const StreamId master = DecodeIdBytes(node_key);
    if (previous && master <= *previous) {
      return Fail("stream node ids are not ascending");
    }
    NodeItems items(std::move(flat));
    std::optional<int64_t> live = items.NextInteger();
    std::optional<int64_t> deleted = items.NextInteger();
    std::optional<int64_t> field_count = items.NextInteger();
    if (!live || !deleted || !field_count || *live < 0 || *deleted < 0 || *field_count < 0) {
      return Fail("invalid stream master entry");
    }
    std::vector<std::string> fields;
    for (int64_t i = 0; i < *field_count; ++i) {
      std::optional<std::string_view> field = items.Next();
      if (!field) {
        return Fail("stream master entry shorter than its field count");
      }
      fields.emplace_back(*field);
    }
    if (items.NextInteger() != 0) {
      return Fail("stream master entry without its terminating zero");
    }
    std::vector<std::string_view> field_views(fields.begin(), fields.end());
    stream->LoadNode(master, field_views);
    int64_t live_seen = 0;
    int64_t deleted_seen = 0;
    while (!items.done()) {
      std::optional<int64_t> flags = items.NextInteger();
      std::optional<int64_t> ms_delta = items.NextInteger();
      std::optional<int64_t> seq_delta = items.NextInteger();
      if (!flags || !ms_delta || !seq_delta || *flags < 0 || *flags > 3) {
        return Fail("invalid stream entry header");
      }
      const bool same = (*flags & StreamValue::kFlagSameFields) != 0;
      int64_t pairs = *field_count;
      if (!same) {
        std::optional<int64_t> count = items.NextInteger();
        if (!count || *count < 0) {
          return Fail("invalid stream entry field count");
        }
        pairs = *count;
      }
      std::vector<std::string_view> entry_items;
      for (int64_t i = 0; i < (same ? pairs : 2 * pairs); ++i) {
        std::optional<std::string_view> item = items.Next();
        if (!item) {
          return Fail("stream entry shorter than its field count");
        }
        entry_items.push_back(*item);
      }
      const int64_t expected = same ? pairs + 3 : 2 * pairs + 4;
      if (items.NextInteger() != expected) {
        return Fail("stream entry with a wrong element count");
      }
      const StreamId id{master.ms + static_cast<uint64_t>(*ms_delta),
                        master.seq + static_cast<uint64_t>(*seq_delta)};
      if ((previous && id <= *previous) || id < master) {
        return Fail("stream entry ids are not ascending");
      }
      previous = id;
      stream->LoadEntry(id, static_cast<uint8_t>(*flags), entry_items);
      ((*flags & StreamValue::kFlagDeleted) != 0 ? deleted_seen : live_seen) += 1;
    }
    if (live_seen != *live || deleted_seen != *deleted) {
      return Fail("stream node counts do not match its entries");
    }
    if (live_seen == 0) {
      return Fail("stream node without a live entry");
    }
  }
  uint64_t length;
  StreamId last;
  if (!Length(&length) || !Length(&last.ms) || !Length(&last.seq)) {
    return false;
  }
  if (length != stream->length()) {
    return Fail("stream length does not match its entries");
  }
  if (previous && last < *previous) {
    return Fail("stream last id below its last entry");
  }
  stream->set_last_id(last);
  if (type == kRdbStreamListpacks2) {
    StreamId first;
    StreamId max_deleted;
    uint64_t entries_added;
    if (!Length(&first.ms) || !Length(&first.seq) || !Length(&max_deleted.ms) ||
        !Length(&max_deleted.seq) || !Length(&entries_added)) {
      return false;
    }
    stream->set_first_id(first);
    stream->set_max_deleted_id(max_deleted);
    stream->set_entries_added(entries_added);
  } else {
    // Redis 5 and 6 kept none of these: 7.0 derives them so.
    stream->set_first_id(length > 0 ? stream->EdgeId(/*first=*/true, /*skip_tombstones=*/true)
                                    : StreamId::Min());
    stream->set_entries_added(length);
  }
  uint64_t groups;
  if (!Count(&groups)) {
    return false;
  }
  for (uint64_t g = 0; g < groups; ++g) {
    if (!LoadStreamGroup(type, *stream)) {
      return false;
    }
  }
  keyspace.Insert(db, key, storage::Entry::CreateStream(key, stream.release(), false));
  return true;
}

}  // namespace redoubt::persistence
