// What the dispatcher's common case in cluster mode reads (ClusterRouting::AdmitsOneKeyHere):
// the slots this node serves with no migration either way, and whether the cluster is up. The
// cluster's routing table (cluster/routing_table.h) is one, published per thread
// (common/per_thread_snapshot.h); commands/ sees only this part of it.
//
// Thread: immutable once published.
#pragma once

#include <bitset>

#include "common/hash_slot.h"
#include "common/per_thread_snapshot.h"

namespace redoubt::commands {

struct SlotGate {
  // 2 KiB that stay in the L1 cache, where the routing table's per-slot arrays take 96 KiB.
  std::bitset<common::kClusterSlots> stable_here;
  bool ok = false;  // cluster_state:ok
};

using SlotGates = common::PerThreadSnapshot<SlotGate>;

}  // namespace redoubt::commands
