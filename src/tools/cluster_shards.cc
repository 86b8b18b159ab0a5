// Shards of a cluster run; see cluster_shards.h.
#include "tools/cluster_shards.h"

#include <algorithm>

namespace redoubt::tools {

void ClusterShards::Observe(const SlotMap& map, int64_t wall_us) {
  // Owner addresses are formatted once per node, not once per slot.
  std::vector<std::string> names;
  std::vector<const NodeAddress*> named;
  std::vector<bool> renamed(shards_.size(), false);
  for (int slot = 0; slot < kClusterSlotCount; ++slot) {
    const NodeAddress* owner = map.Owner(slot);
    if (owner == nullptr) {
      continue;
    }
    auto it = std::find(named.begin(), named.end(), owner);
    if (it == named.end()) {
      named.push_back(owner);
      names.push_back(owner->ToString());
      it = named.end() - 1;
    }
    const std::string& address = names[it - named.begin()];
    if (shard_of_[slot] < 0) {
      shard_of_[slot] = ShardFor(address);
      renamed.resize(shards_.size(), false);
      renamed[shard_of_[slot]] = true;
    }
    std::vector<ShardPrimary>& primaries = shards_[shard_of_[slot]].primaries;
    if (std::none_of(primaries.begin(), primaries.end(),
                     [&](const ShardPrimary& p) { return p.address == address; })) {
      primaries.push_back({address, wall_us});
    }
  }
  for (size_t shard = 0; shard < renamed.size(); ++shard) {
    if (renamed[shard]) {
      Rename(static_cast<int>(shard));
    }
  }
}

int ClusterShards::ShardFor(const std::string& owner) {
  // A primary that took over some of another shard's slots is listed there too: the shard it
  // served first is its own.
  int any = -1;
  for (size_t shard = 0; shard < shards_.size(); ++shard) {
    const std::vector<ShardPrimary>& primaries = shards_[shard].primaries;
    if (!primaries.empty() && primaries.front().address == owner) {
      return static_cast<int>(shard);
    }
    if (any < 0 && std::any_of(primaries.begin(), primaries.end(),
                               [&](const ShardPrimary& p) { return p.address == owner; })) {
      any = static_cast<int>(shard);
    }
  }
  if (any >= 0) {
    return any;
  }
  shards_.push_back({});
  return static_cast<int>(shards_.size() - 1);
}

void ClusterShards::Rename(int shard) {
  std::string& slots = shards_[shard].slots;
  slots.clear();
  for (int first = 0; first < kClusterSlotCount; ++first) {
    if (shard_of_[first] != shard) {
      continue;
    }
    int last = first;
    while (last + 1 < kClusterSlotCount && shard_of_[last + 1] == shard) {
      ++last;
    }
    if (!slots.empty()) {
      slots += ',';
    }
    slots += std::to_string(first);
    if (last > first) {
      slots += '-' + std::to_string(last);
    }
    first = last;
  }
}

}  // namespace redoubt::tools
