// Consumer groups; see stream_groups.h. Follows Redis 7.0.15's t_stream.c (streamCreateConsumer,
// streamDelConsumer, the PEL updates of streamReplyWithRange and xclaimCommand).
#include "storage/stream_groups.h"

namespace redoubt::storage {
namespace {

// What a map node of these containers costs per element, roughly (btree slots plus slack).
constexpr size_t kPendingBytes = sizeof(StreamId) + sizeof(StreamPending) + 16;
constexpr size_t kIdBytes = sizeof(StreamId) + 8;

}  // namespace

StreamGroup::StreamGroup(const StreamGroup& other)
    : last_id(other.last_id), entries_read(other.entries_read) {
  for (const auto& [name, consumer] : other.consumers_) {
    consumers_.emplace(name, std::make_unique<StreamConsumer>(*consumer));
  }
  for (const auto& [id, pending] : other.pel) {
    StreamPending copy = pending;
    if (copy.consumer != nullptr) {
      copy.consumer = consumers_.find(copy.consumer->name)->second.get();
    }
    pel.emplace(id, copy);
  }
}

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers_.try_emplace(std::string(name));
  if (!inserted) {
    return nullptr;
  }
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time_ms = now_ms;
  return it->second.get();
}

uint64_t StreamGroup::DeleteConsumer(StreamConsumer* consumer) {
  const uint64_t pending = consumer->pending.size();
  for (StreamId id : consumer->pending) {
    pel.erase(id);
  }
  consumers_.erase(consumer->name);
  return pending;
}

void StreamGroup::ForEachConsumer(const std::function<void(const StreamConsumer&)>& fn) const {
  for (const auto& [name, consumer] : consumers_) {
    fn(*consumer);
  }
}

StreamPending& StreamGroup::Deliver(StreamId id, StreamConsumer* consumer, int64_t now_ms) {
  auto [it, inserted] = pel.try_emplace(id);
  StreamPending& pending = it->second;
  if (!inserted && pending.consumer != nullptr) {
    pending.consumer->pending.erase(id);
  }
  pending = {.delivery_time_ms = now_ms, .delivery_count = 1, .consumer = consumer};
  consumer->pending.insert(id);
  return pending;
}

void StreamGroup::Assign(StreamId id, StreamPending& pending, StreamConsumer* consumer) {
  if (pending.consumer == consumer) {
    return;
  }
  if (pending.consumer != nullptr) {
    pending.consumer->pending.erase(id);
  }
  consumer->pending.insert(id);
  pending.consumer = consumer;
}

bool StreamGroup::Acknowledge(StreamId id) {
  auto it = pel.find(id);
  if (it == pel.end()) {
    return false;
  }
  if (it->second.consumer != nullptr) {
    it->second.consumer->pending.erase(id);
  }
  pel.erase(it);
  return true;
}

size_t StreamGroup::AllocatedBytes() const {
  size_t bytes = sizeof(*this) + pel.size() * kPendingBytes;
  for (const auto& [name, consumer] : consumers_) {
    bytes += sizeof(StreamConsumer) + name.capacity() + consumer->name.capacity() +
             consumer->pending.size() * kIdBytes;
  }
  return bytes;
}

}  // namespace redoubt::storage
