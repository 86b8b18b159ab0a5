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

StreamId DecodeNodeKey(std::string_view key) {
  StreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(key[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(key[8 + i]);
  }
  return id;
}

}  // namespace

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
    const StreamId master = DecodeNodeKey(node_key);
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
  if (!Length(&groups)) {
    return false;
  }
  if (groups != 0) {
    return Fail("stream consumer groups are not supported yet (key '" + std::string(key) + "')");
  }
  keyspace.Insert(db, key, storage::Entry::CreateStream(key, stream.release(), false));
  return true;
}

}  // namespace redoubt::persistence
