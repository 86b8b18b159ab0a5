// Stream nodes and their entries; see stream_value.h. The algorithms (when a node closes, how
// trimming walks the nodes, what XDEL leaves) follow Redis 7.0.15's t_stream.c:
// streamAppendItem, streamTrim, streamIteratorRemoveEntry, streamGetEdgeID.
#include "storage/stream_value.h"

#include <optional>
#include <vector>

#include "common/check.h"
#include "storage/listpack_size.h"

namespace redoubt::storage {
namespace {

// Redis's STREAM_LISTPACK_MAX_SIZE: no node's listpack grows past 1 GiB.
constexpr uint64_t kMaxNodeBytes = uint64_t{1} << 30;
// The map's slot for a node (its key and the Node), counted with the node's bytes.
constexpr size_t kNodeOverheadBytes = sizeof(StreamId) + 48;

// Deltas are stored as Redis stores them, the 64-bit difference read as a signed integer (an
// entry's sequence is often below its node's first one), then zigzag-encoded so that a small
// negative delta takes one byte too.
uint64_t Zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t Unzigzag(uint64_t u) {
  return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
}

void SkipString(const char*& p) {
  const uint64_t len = ReadVarint(p);
  p += len;
}

// The listpack bytes of an entry's element count ("lp-count"): the elements after flags and
// the id (values; or field count, fields and values) plus those three.
int64_t ListpackEntryElements(uint64_t field_count, bool same_fields) {
  const auto n = static_cast<int64_t>(field_count);
  return same_fields ? n + 3 : 2 * n + 4;
}

}  // namespace

bool StreamEntry::deleted() const {
  return (flags & StreamValue::kFlagDeleted) != 0;
}

bool StreamEntry::same_fields() const {
  return (flags & StreamValue::kFlagSameFields) != 0;
}

StreamValue::StreamValue(const StreamValue& other)
    : nodes_(other.nodes_),
      length_(other.length_),
      last_id_(other.last_id_),
      first_id_(other.first_id_),
      max_deleted_id_(other.max_deleted_id_),
      entries_added_(other.entries_added_) {
  for (const auto& [id, node] : nodes_) {
    allocated_ += node.data.capacity() + kNodeOverheadBytes;
  }
  for (const auto& [name, group] : other.groups_) {
    groups_.emplace(name, std::make_unique<StreamGroup>(*group));
  }
}

size_t StreamValue::AllocatedBytes() const {
  size_t bytes = allocated_;
  for (const auto& [name, group] : groups_) {
    bytes += name.capacity() + group->AllocatedBytes();
  }
  return bytes;
}

bool StreamValue::EntryExists(StreamId id) const {
  bool found = false;
  Range(id, id, /*reverse=*/false, [&](const StreamEntry&) {
    found = true;
    return false;
  });
  return found;
}

StreamGroup* StreamValue::FindGroup(std::string_view name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* StreamValue::CreateGroup(std::string_view name, StreamId last_id,
                                      int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name));
  if (!inserted) {
    return nullptr;
  }
  it->second = std::make_unique<StreamGroup>(last_id, entries_read);
  return it->second.get();
}

bool StreamValue::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    return false;
  }
  groups_.erase(it);
  return true;
}

void StreamValue::ForEachGroup(
    const std::function<void(std::string_view, const StreamGroup&)>& fn) const {
  for (const auto& [name, group] : groups_) {
    fn(name, *group);
  }
}

int64_t StreamValue::EstimateEntriesRead(StreamId id) const {
  const auto added = static_cast<int64_t>(entries_added_);
  if (entries_added_ == 0) {
    return 0;
  }
  if (length_ == 0 && id <= last_id_) {
    return added;  // every entry was read, and deleted or trimmed since
  }
  if (id == last_id_) {
    return added;
  }
  if (id > last_id_) {
    return StreamGroup::kUnknownEntriesRead;
  }
  // Without tombstones after the first entry, the entries before it are exactly those gone.
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    const auto length = static_cast<int64_t>(length_);
    if (id < first_id_) {
      return added - length;
    }
    if (id == first_id_) {
      return added - length + 1;
    }
  }
  return StreamGroup::kUnknownEntriesRead;
}

std::optional<int64_t> StreamValue::Lag(const StreamGroup& group) const {
  if (entries_added_ == 0) {
    return 0;
  }
  if (group.entries_read != StreamGroup::kUnknownEntriesRead &&
      !RangeHasTombstones(group.last_id, StreamId::Max())) {
    return static_cast<int64_t>(entries_added_) - group.entries_read;
  }
  const int64_t read = EstimateEntriesRead(group.last_id);
  if (read == StreamGroup::kUnknownEntriesRead) {
    return std::nullopt;
  }
  return static_cast<int64_t>(entries_added_) - read;
}

void StreamValue::AdvanceGroup(StreamGroup& group, StreamId id) const {
  if (group.entries_read != StreamGroup::kUnknownEntriesRead &&
      !RangeHasTombstones(id, StreamId::Max())) {
    ++group.entries_read;
  } else if (entries_added_ != 0) {
    group.entries_read = EstimateEntriesRead(id);
  }
  group.last_id = id;
}

uint64_t StreamValue::ListpackBytes(const Node& node) const {
  return node.listpack_bytes + ListpackIntegerBytes(node.live) + ListpackIntegerBytes(node.deleted);
}

void StreamValue::SetCapacityAccounting(const Node& node, size_t old_capacity) {
  allocated_ += node.data.capacity();
  allocated_ -= old_capacity;
}

StreamValue::Node& StreamValue::StartNode(StreamId master,
                                          std::span<const std::string_view> master_fields,
                                          size_t field_stride) {
  auto [it, inserted] = nodes_.try_emplace(master);
  REDOUBT_CHECK(inserted);
  Node& node = it->second;
  const size_t count = master_fields.size() / field_stride;
  AppendVarint(node.data, count);
  uint64_t bytes = kListpackFrameBytes + ListpackIntegerBytes(static_cast<int64_t>(count)) +
                   ListpackIntegerBytes(0);  // the master entry's terminating zero
  for (size_t i = 0; i < master_fields.size(); i += field_stride) {
    AppendLengthPrefixed(node.data, master_fields[i]);
    bytes += ListpackElementBytes(master_fields[i]);
  }
  node.entries_offset = static_cast<uint32_t>(node.data.size());
  node.listpack_bytes = static_cast<uint32_t>(bytes);
  allocated_ += node.data.capacity() + kNodeOverheadBytes;
  return node;
}

void StreamValue::AppendToNode(Node& node, StreamId master, StreamId id, uint8_t flags,
                               std::span<const std::string_view> items, bool values_only) {
  const size_t old_capacity = node.data.capacity();
  const auto ms_delta = static_cast<int64_t>(id.ms - master.ms);
  const auto seq_delta = static_cast<int64_t>(id.seq - master.seq);
  node.data.push_back(static_cast<char>(flags));
  AppendVarint(node.data, Zigzag(ms_delta));
  AppendVarint(node.data, Zigzag(seq_delta));
  const uint64_t field_count = values_only ? items.size() : items.size() / 2;
  uint64_t bytes = ListpackIntegerBytes(flags) + ListpackIntegerBytes(ms_delta) +
                   ListpackIntegerBytes(seq_delta);
  if (!values_only) {
    AppendVarint(node.data, field_count);
    bytes += ListpackIntegerBytes(static_cast<int64_t>(field_count));
  }
  for (std::string_view item : items) {
    AppendLengthPrefixed(node.data, item);
    bytes += ListpackElementBytes(item);
  }
  bytes += ListpackIntegerBytes(ListpackEntryElements(field_count, values_only));
  node.listpack_bytes = static_cast<uint32_t>(node.listpack_bytes + bytes);
  if ((flags & kFlagDeleted) != 0) {
    ++node.deleted;
  } else {
    ++node.live;
  }
  SetCapacityAccounting(node, old_capacity);
}

void StreamValue::Append(StreamId id, std::span<const std::string_view> field_values,
                         const StreamNodeLimits& limits) {
  REDOUBT_DCHECK(field_values.size() >= 2 && field_values.size() % 2 == 0);
  uint64_t element_bytes = 0;  // Redis's totelelen: the raw lengths of fields and values
  for (std::string_view s : field_values) {
    element_bytes += s.size();
  }
  Node* tail = nodes_.empty() ? nullptr : &nodes_.rbegin()->second;
  if (tail != nullptr) {
    uint64_t max_bytes = limits.max_bytes;
    if (max_bytes == 0 || max_bytes > kMaxNodeBytes) {
      max_bytes = kMaxNodeBytes;
    }
    bool close = ListpackBytes(*tail) + element_bytes >= max_bytes;
    if (!close && limits.max_entries > 0) {
      close = static_cast<int64_t>(tail->live + tail->deleted) >= limits.max_entries;
    }
    if (close) {
      const size_t old_capacity = tail->data.capacity();
      tail->data.shrink_to_fit();
      SetCapacityAccounting(*tail, old_capacity);
      tail = nullptr;
    }
  }
  StreamId master;
  uint8_t flags = 0;
  if (tail == nullptr) {
    master = id;
    tail = &StartNode(id, field_values, 2);
    flags = kFlagSameFields;
  } else {
    master = nodes_.rbegin()->first;
    // Same fields as the master entry, in the same order: only the values are stored.
    const char* p = tail->data.data();
    const uint64_t master_count = ReadVarint(p);
    if (master_count == field_values.size() / 2) {
      bool same = true;
      for (size_t i = 0; i < field_values.size() && same; i += 2) {
        same = StreamEntry::ReadString(p) == field_values[i];
      }
      if (same) {
        flags = kFlagSameFields;
      }
    }
  }
  if ((flags & kFlagSameFields) != 0) {
    std::vector<std::string_view> values;
    values.reserve(field_values.size() / 2);
    for (size_t i = 1; i < field_values.size(); i += 2) {
      values.push_back(field_values[i]);
    }
    AppendToNode(*tail, master, id, flags, values, /*values_only=*/true);
  } else {
    AppendToNode(*tail, master, id, flags, field_values, /*values_only=*/false);
  }
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) {
    first_id_ = id;
  }
}

const char* StreamValue::DecodeEntry(const Node& node, StreamId master, const char* p,
                                     StreamEntry* out) {
  out->flags = static_cast<uint8_t>(*p++);
  out->id.ms = master.ms + static_cast<uint64_t>(Unzigzag(ReadVarint(p)));
  out->id.seq = master.seq + static_cast<uint64_t>(Unzigzag(ReadVarint(p)));
  const char* master_fields = node.data.data();
  const uint64_t master_count = ReadVarint(master_fields);
  out->master_fields_ = master_fields;
  if (out->same_fields()) {
    out->field_count = master_count;
    out->pairs_ = p;
    for (uint64_t i = 0; i < master_count; ++i) {
      SkipString(p);
    }
  } else {
    out->field_count = ReadVarint(p);
    out->pairs_ = p;
    for (uint64_t i = 0; i < 2 * out->field_count; ++i) {
      SkipString(p);
    }
  }
  return p;
}

StreamValue::NodeMap::const_iterator StreamValue::NodeFor(StreamId id) const {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) {
    return nodes_.end();
  }
  return --it;
}

void StreamValue::Range(StreamId start, StreamId end, bool reverse,
                        const std::function<bool(const StreamEntry&)>& visit) const {
  if (start > end || nodes_.empty()) {
    return;
  }
  if (!reverse) {
    auto it = NodeFor(start);
    if (it == nodes_.end()) {
      it = nodes_.begin();
    }
    bool more = true;
    for (; it != nodes_.end() && more; ++it) {
      ForEachEntryIn(it->second, it->first, [&](const StreamEntry& entry, size_t) {
        if (entry.deleted() || entry.id < start) {
          return true;
        }
        more = entry.id <= end && visit(entry);
        return more;
      });
    }
    return;
  }
  auto it = NodeFor(end);
  if (it == nodes_.end()) {
    return;  // every node starts after `end`
  }
  std::vector<size_t> offsets;
  StreamEntry entry;
  while (true) {
    const Node& node = it->second;
    offsets.clear();
    ForEachEntryIn(node, it->first, [&](const StreamEntry&, size_t offset) {
      offsets.push_back(offset);
      return true;
    });
    for (auto o = offsets.rbegin(); o != offsets.rend(); ++o) {
      DecodeEntry(node, it->first, node.data.data() + *o, &entry);
      if (entry.deleted() || entry.id > end) {
        continue;
      }
      if (entry.id < start || !visit(entry)) {
        return;
      }
    }
    if (it == nodes_.begin()) {
      return;
    }
    --it;
  }
}

bool StreamValue::Delete(StreamId id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) {
    return false;
  }
  --it;
  Node& node = it->second;
  std::optional<size_t> found;
  uint8_t flags = 0;
  ForEachEntryIn(node, it->first, [&](const StreamEntry& entry, size_t offset) {
    if (entry.id == id && !entry.deleted()) {
      found = offset;
      flags = entry.flags;
    }
    return entry.id < id;
  });
  if (!found) {
    return false;
  }
  --length_;
  if (node.live == 1) {
    EraseNode(it);
  } else {
    node.data[*found] = static_cast<char>(flags | kFlagDeleted);
    --node.live;
    ++node.deleted;
  }
  return true;
}

StreamValue::NodeMap::iterator StreamValue::EraseNode(NodeMap::iterator it) {
  allocated_ -= it->second.data.capacity() + kNodeOverheadBytes;
  return nodes_.erase(it);
}

int64_t StreamValue::Trim(const StreamTrim& trim) {
  if (trim.strategy == StreamTrim::Strategy::kNone) {
    return 0;
  }
  const bool by_length = trim.strategy == StreamTrim::Strategy::kMaxLen;
  int64_t removed = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    if (by_length && length_ <= trim.max_len) {
      break;
    }
    Node& node = it->second;
    const int64_t entries = node.live;
    if (trim.limit != 0 && removed + entries > trim.limit) {
      break;
    }
    bool remove_node;
    if (by_length) {
      remove_node = length_ - static_cast<uint64_t>(entries) >= trim.max_len;
    } else {
      // Whole node when even its last entry (deleted or not) is below the minimum.
      StreamId last;
      ForEachEntryIn(node, it->first, [&](const StreamEntry& entry, size_t) {
        last = entry.id;
        return true;
      });
      remove_node = last < trim.min_id;
    }
    if (remove_node) {
      length_ -= static_cast<uint64_t>(entries);
      removed += entries;
      it = EraseNode(it);
      continue;
    }
    if (trim.approx) {
      break;
    }
    // Inside the node: tombstones from its head until the length or the minimum is reached.
    int64_t removed_here = 0;
    ForEachEntryIn(node, it->first, [&](const StreamEntry& entry, size_t offset) {
      if (by_length ? length_ <= trim.max_len : entry.id >= trim.min_id) {
        return false;
      }
      if (!entry.deleted()) {
        node.data[offset] = static_cast<char>(entry.flags | kFlagDeleted);
        ++removed_here;
        --length_;
      }
      return true;
    });
    node.live -= static_cast<uint32_t>(removed_here);
    node.deleted += static_cast<uint32_t>(removed_here);
    removed += removed_here;
    break;
  }
  if (length_ == 0) {
    first_id_ = StreamId::Min();
  } else if (removed != 0) {
    first_id_ = EdgeId(/*first=*/true, /*skip_tombstones=*/true);
  }
  return removed;
}

StreamId StreamValue::EdgeId(bool first, bool skip_tombstones) const {
  std::optional<StreamId> found;
  auto visit = [&](const StreamEntry& entry, size_t) {
    if (!skip_tombstones || !entry.deleted()) {
      found = entry.id;
    }
    return !first || !found;  // the first: stop at it; the last: read the node to its end
  };
  if (first) {
    for (auto it = nodes_.begin(); it != nodes_.end() && !found; ++it) {
      ForEachEntryIn(it->second, it->first, visit);
    }
    return found.value_or(StreamId::Max());
  }
  for (auto it = nodes_.rbegin(); it != nodes_.rend() && !found; ++it) {
    ForEachEntryIn(it->second, it->first, visit);
  }
  return found.value_or(StreamId::Min());
}

bool StreamValue::RangeHasTombstones(StreamId start, StreamId end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) {
    return false;
  }
  if (first_id_ > max_deleted_id_) {
    return false;  // the latest tombstone is before the first entry
  }
  return start <= max_deleted_id_ && max_deleted_id_ <= end;
}

uint64_t StreamValue::NodeView::live() const {
  return node_.live;
}

uint64_t StreamValue::NodeView::deleted() const {
  return node_.deleted;
}

void StreamValue::NodeView::ForEachMasterField(
    const std::function<void(std::string_view)>& fn) const {
  const char* p = node_.data.data();
  const uint64_t count = ReadVarint(p);
  for (uint64_t i = 0; i < count; ++i) {
    fn(StreamEntry::ReadString(p));
  }
}

void StreamValue::NodeView::ForEachEntry(const std::function<void(const StreamEntry&)>& fn) const {
  ForEachEntryIn(node_, master_, [&](const StreamEntry& entry, size_t) {
    fn(entry);
    return true;
  });
}

void StreamValue::ForEachNode(const std::function<void(const NodeView&)>& fn) const {
  for (const auto& [master, node] : nodes_) {
    fn(NodeView(master, node));
  }
}

void StreamValue::LoadNode(StreamId master, std::span<const std::string_view> master_fields) {
  StartNode(master, master_fields, 1);
}

void StreamValue::LoadEntry(StreamId id, uint8_t flags, std::span<const std::string_view> items) {
  REDOUBT_CHECK(!nodes_.empty());
  auto& [master, node] = *nodes_.rbegin();
  AppendToNode(node, master, id, flags, items, (flags & kFlagSameFields) != 0);
  if ((flags & kFlagDeleted) == 0) {
    ++length_;
  }
}

}  // namespace redoubt::storage
