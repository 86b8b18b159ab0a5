// Turns freshly started nodes into the group the record describes, with the nodes' own commands
// (what redis-cli --cluster create does, and a REPLICAOF per replica without cluster mode):
//
//   cluster mode:  CLUSTER SET-CONFIG-EPOCH (distinct epochs, so that no collision has to be
//                  resolved), ADDSLOTSRANGE on each primary, MEET to the first node, then, once
//                  every node knows every other, CLUSTER REPLICATE on each replica; done when
//                  every node reports cluster_state:ok over 16384 slots and every replica's link
//                  is up.
//   otherwise:     REPLICAOF on each replica; done when every replica's link is up.
//
// Thread: blocking calls, on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control/group_model.h"
#include "control/node_client.h"

namespace redoubt::control {

// The slot ranges of "0-5460" or "0-100,200-5460"; an error for anything else.
absl::StatusOr<std::vector<std::pair<int, int>>> ParseSlotRanges(const std::string& slots);
// The 16384 slots split into `shards` contiguous ranges as ElastiCache splits them (3 shards:
// 0-5461, 5462-10922, 10923-16383).
std::vector<std::string> EvenSlotRanges(int shards);

// How the control plane reaches a node (its address, and TLS once the node has it).
using NodeAddressFn = std::function<NodeAddress(const NodeRecord&)>;

// Waits until every node answers PING.
absl::Status WaitUntilServing(const GroupRecord& group, const NodeAddressFn& address_of,
                              int64_t deadline_ms);
// Forms the replication or the cluster; the nodes must be fresh (no data, no cluster peers).
absl::Status FormTopology(const GroupRecord& group, const NodeAddressFn& address_of,
                          int64_t deadline_ms);
// Waits until every replica's link to its primary is up.
absl::Status WaitForReplicaLinks(const GroupRecord& group, const NodeAddressFn& address_of,
                                 int64_t deadline_ms);
// Runs fn for every node of nodes on a thread each and returns the first failure: a group's
// nodes are independent processes, and waiting for them one by one would add their delays up.
absl::Status ForEachNode(const std::vector<const NodeRecord*>& nodes,
                         const std::function<absl::Status(const NodeRecord&)>& fn);

}  // namespace redoubt::control
