// The part of the cluster's state every keyed command reads: which node serves each slot, the
// slots being migrated or imported, whether the cluster is up, and where a redirection sends a
// client. ClusterState publishes a new immutable table on each change, as a SlotGates snapshot
// (commands/slot_gate.h): the request path reads it through a per-thread cache that costs one
// atomic load while it is current.
//
// Thread: a RoutingTable is immutable once published.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "commands/slot_gate.h"
#include "common/hash_slot.h"

namespace redoubt::cluster {

// The dispatcher's common case reads the SlotGate part (stable_here, ok) without knowing the
// rest (commands/slot_gate.h).
struct RoutingTable : commands::SlotGate {
  static constexpr int16_t kNone = -1;
  // "host:port" as -MOVED and -ASK name the node, by cluster-preferred-endpoint-type.
  std::vector<std::string> redirect_targets;
  std::array<int16_t, common::kClusterSlots> owner;  // index into redirect_targets, or kNone
  std::array<int16_t, common::kClusterSlots> migrating_to;
  std::array<int16_t, common::kClusterSlots> importing_from;
  int16_t myself = 0;
  int16_t my_primary = kNone;  // a replica's primary
  bool allow_reads_when_down = false;
  bool allow_pubsubshard_when_down = true;

  RoutingTable() {
    owner.fill(kNone);
    migrating_to.fill(kNone);
    importing_from.fill(kNone);
  }
};

}  // namespace redoubt::cluster
