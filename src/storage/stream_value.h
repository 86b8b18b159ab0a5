// The value of a stream key (Redis's OBJ_STREAM, OBJECT ENCODING "stream"): entries in id order,
// each an id and field-value pairs, kept in nodes as Redis keeps them in the listpacks of its
// radix tree, and the stream's counters (length, last id, first id, largest deleted id, entries
// ever added).
//
// Nodes are Redis's: a node starts with the fields of its first entry (the "master" fields) and
// holds entries whose ids are deltas from the node's first id; an entry with exactly the master
// fields stores only its values (kFlagSameFields); XDEL and XTRIM inside a node leave a
// tombstone (kFlagDeleted), and a node whose entries are all deleted goes. A node is closed
// where Redis closes it: when it holds stream-node-max-entries entries (live and deleted) or its
// listpack would reach stream-node-max-bytes, so that the RDB and DUMP payloads written from
// these nodes are the ones redis-server writes, byte for byte.
//
// Why not Redis's listpacks themselves: a node's bytes here are varints (lengths, zigzag deltas)
// without listpack's back-lengths and integer encodings: a small entry takes about half the
// bytes (bench/RESULTS.md, "Memory per entry"), and going backwards through a node (XREVRANGE)
// collects its entries' offsets first, which a node of at most a few hundred entries makes
// cheap. The nodes are in an absl::btree_map by first id: ordered, a few bytes per node.
//
// Thread: owned by its key's value; used only under that key's shard lock.
#pragma once

#include <absl/container/btree_map.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/stream_groups.h"
#include "storage/stream_id.h"
#include "storage/varint.h"

namespace redoubt::storage {

// stream-node-max-bytes and stream-node-max-entries.
struct StreamNodeLimits {
  uint64_t max_bytes = 4096;  // 0: Redis's own cap of 1 GiB
  int64_t max_entries = 100;  // 0: no limit
};

// What XADD's and XTRIM's MAXLEN / MINID options ask for (Redis's streamAddTrimArgs).
struct StreamTrim {
  enum class Strategy : uint8_t { kNone, kMaxLen, kMinId };
  Strategy strategy = Strategy::kNone;
  // "~": only whole nodes are removed.
  bool approx = false;
  // The most entries to remove; 0: no limit.
  int64_t limit = 0;
  uint64_t max_len = 0;  // kMaxLen: the length to leave
  StreamId min_id;       // kMinId: entries below it go
};

// One entry as a read finds it: views into the stream, valid until the stream changes.
class StreamEntry {
 public:
  StreamId id;
  uint8_t flags = 0;
  uint64_t field_count = 0;

  bool deleted() const;
  bool same_fields() const;
  // Calls fn(field, value) for each pair, in order.
  template <typename Fn>
  void ForEachPair(Fn&& fn) const {
    const char* fields = same_fields() ? master_fields_ : nullptr;
    const char* p = pairs_;
    for (uint64_t i = 0; i < field_count; ++i) {
      std::string_view field = ReadString(fields != nullptr ? fields : p);
      std::string_view value = ReadString(p);
      fn(field, value);
    }
  }

 private:
  friend class StreamValue;
  static std::string_view ReadString(const char*& p) {
    const uint64_t len = ReadVarint(p);
    std::string_view s(p, len);
    p += len;
    return s;
  }
  const char* master_fields_ = nullptr;  // the node's master fields
  const char* pairs_ = nullptr;          // values only (kFlagSameFields), or fields and values
};

class StreamValue {
  struct Node;

 public:
  static constexpr uint8_t kFlagDeleted = 1;
  static constexpr uint8_t kFlagSameFields = 2;

  StreamValue() = default;
  StreamValue(const StreamValue& other);
  StreamValue& operator=(const StreamValue&) = delete;

  uint64_t length() const { return length_; }
  StreamId last_id() const { return last_id_; }
  StreamId first_id() const { return first_id_; }
  StreamId max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(StreamId id) { last_id_ = id; }
  void set_max_deleted_id(StreamId id) { max_deleted_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_first_id(StreamId id) { first_id_ = id; }

  // Appends an entry (field_values: field, value, field, value, …; at least one pair).
  // Requires: id > last_id().
  void Append(StreamId id, std::span<const std::string_view> field_values,
              const StreamNodeLimits& limits);

  // Visits the live entries with start <= id <= end, ascending, or descending when `reverse`,
  // until visit returns false.
  void Range(StreamId start, StreamId end, bool reverse,
             const std::function<bool(const StreamEntry&)>& visit) const;
  // Marks the live entry `id` deleted (XDEL); false if there is none. Keeps length and the
  // nodes; the caller updates first_id and max_deleted_id as XDEL does.
  bool Delete(StreamId id);
  // Removes entries from the head as `trim` asks (streamTrim); returns how many went, and
  // updates first_id.
  int64_t Trim(const StreamTrim& trim);
  // The first or last entry's id (streamGetEdgeID): with tombstones or without; when there is
  // none, Max() for the first and Min() for the last.
  StreamId EdgeId(bool first, bool skip_tombstones) const;
  // Whether [start, end] may hold a deleted entry (streamRangeHasTombstones).
  bool RangeHasTombstones(StreamId start, StreamId end) const;

  // Whether id is a live entry (streamEntryExists).
  bool EntryExists(StreamId id) const;

  // Bytes allocated for the nodes and the consumer groups (approximate for the maps' nodes).
  size_t AllocatedBytes() const;

  // ---- Consumer groups ----

  StreamGroup* FindGroup(std::string_view name);
  const StreamGroup* FindGroup(std::string_view name) const {
    return const_cast<StreamValue*>(this)->FindGroup(name);
  }
  // A new group; nullptr when one of that name exists.
  StreamGroup* CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  void ForEachGroup(const std::function<void(std::string_view, const StreamGroup&)>& fn) const;
  size_t group_count() const { return groups_.size(); }
  // Redis's streamEstimateDistanceFromFirstEverEntry: how many entries were added up to id,
  // when the counters tell (StreamGroup::kUnknownEntriesRead otherwise).
  int64_t EstimateEntriesRead(StreamId id) const;
  // The entries added that the group has not read (XINFO's "lag"), or nullopt when unknown.
  std::optional<int64_t> Lag(const StreamGroup& group) const;
  // Moves the group's last id forward to id, delivered now, as XREADGROUP does (the read
  // counter counts one more, or is estimated again).
  void AdvanceGroup(StreamGroup& group, StreamId id) const;

  // ---- For the RDB writer and loader ----

  // A node as the RDB writes it: its first id, its counts, its master fields and its entries,
  // deleted ones included.
  class NodeView {
   public:
    StreamId master_id() const { return master_; }
    uint64_t live() const;
    uint64_t deleted() const;
    void ForEachMasterField(const std::function<void(std::string_view)>& fn) const;
    void ForEachEntry(const std::function<void(const StreamEntry&)>& fn) const;

   private:
    friend class StreamValue;
    NodeView(StreamId master, const Node& node) : master_(master), node_(node) {}
    StreamId master_;
    const Node& node_;
  };
  size_t node_count() const { return nodes_.size(); }
  void ForEachNode(const std::function<void(const NodeView&)>& fn) const;
  // Starts a node loaded from an RDB; its entries follow with LoadEntry. Requires: master is
  // above every id loaded so far.
  void LoadNode(StreamId master, std::span<const std::string_view> master_fields);
  // Adds an entry to the last loaded node: `items` are its values when flags has
  // kFlagSameFields, else fields and values alternating. Counts a live entry in length().
  // Requires: id is above the previous entry's.
  void LoadEntry(StreamId id, uint8_t flags, std::span<const std::string_view> items);

 private:
  struct Node {
    uint32_t live = 0;
    uint32_t deleted = 0;
    // The bytes of Redis's listpack for this node without its live and deleted counters
    // (which change size as they grow): frame, field count, master fields, terminator zero
    // and the entries.
    uint32_t listpack_bytes = 0;
    uint32_t entries_offset = 0;  // where the entries start in data, after the master fields
    std::string data;             // varint field count, the master fields, then the entries
  };
  using NodeMap = absl::btree_map<StreamId, Node>;

  // Decodes the entry at p of a node whose first id is master, returning the byte after it.
  static const char* DecodeEntry(const Node& node, StreamId master, const char* p,
                                 StreamEntry* out);
  // Calls fn(entry, offset of its flags byte in node.data) for each entry of the node, deleted
  // ones included, until fn returns false.
  template <typename Fn>
  static void ForEachEntryIn(const Node& node, StreamId master, Fn&& fn) {
    StreamEntry entry;
    const char* begin = node.data.data();
    const char* p = begin + node.entries_offset;
    const char* stop = begin + node.data.size();
    while (p < stop) {
      const size_t offset = static_cast<size_t>(p - begin);
      p = DecodeEntry(node, master, p, &entry);
      if (!fn(entry, offset)) {
        return;
      }
    }
  }
  uint64_t ListpackBytes(const Node& node) const;
  // The node that may hold `id` (the last one whose first id is <= id), or end().
  NodeMap::const_iterator NodeFor(StreamId id) const;
  Node& StartNode(StreamId master, std::span<const std::string_view> master_fields,
                  size_t field_stride);
  void AppendToNode(Node& node, StreamId master, StreamId id, uint8_t flags,
                    std::span<const std::string_view> field_values, bool values_only);
  void SetCapacityAccounting(const Node& node, size_t old_capacity);
  // Frees the node; returns the one after it.
  NodeMap::iterator EraseNode(NodeMap::iterator it);

  NodeMap nodes_;
  absl::btree_map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  size_t allocated_ = 0;
};

}  // namespace redoubt::storage
