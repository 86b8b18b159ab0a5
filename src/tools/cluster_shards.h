// The shards redoubt-downtime reports on in cluster mode. A shard is the set of slots one
// primary served when the slot map was first learnt, named by its slot ranges ("0-5460"). It
// keeps that identity for the whole run, whoever serves its slots later (a replica promoted by
// a failover, another primary after resharding), so that its counters before and after a
// change add up, and an outage shows on the row of the slots that were lost. The primaries that
// served a shard's slots are recorded as they are seen.
//
// Slots no primary served at first are given, when first seen served, to the shard their server
// served first (else one whose primaries include it), or to a new shard.
//
// Thread: confined to the tool's single thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/cluster_slot_map.h"

namespace redoubt::tools {

struct ShardPrimary {
  std::string address;    // "host:port"
  int64_t since_wall_us;  // Unix time at which it was first seen serving the shard's slots
};

struct ShardInfo {
  std::string slots;                    // its slot ranges, "0-5460" or "0-99,200-5460"
  std::vector<ShardPrimary> primaries;  // each address once, in the order first seen
};

class ClusterShards {
 public:
  ClusterShards() { shard_of_.fill(-1); }

  // Takes in the slot map as it is now (after CLUSTER SLOTS or a MOVED), at Unix time
  // `wall_us`. The first map with a served slot decides the shards.
  void Observe(const SlotMap& map, int64_t wall_us);

  // The shard of `slot` (an index into shards()), or -1 when no map has shown it served.
  int ShardOf(int slot) const { return shard_of_[slot]; }
  const std::vector<ShardInfo>& shards() const { return shards_; }
  size_t size() const { return shards_.size(); }

 private:
  // The shard that takes a newly served slot owned by `owner` ("host:port").
  int ShardFor(const std::string& owner);
  void Rename(int shard);

  std::vector<ShardInfo> shards_;
  std::array<int32_t, kClusterSlotCount> shard_of_;
};

}  // namespace redoubt::tools
