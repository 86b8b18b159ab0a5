// nodes.conf: a cluster node's configuration file, in Redis 7.0's format so that a node's file
// reads the same to redis-cli users and to Redis's own tools. One line per node, as CLUSTER
// NODES shows it (with the slots being migrated or imported as [slot->-name] and
// [slot-<-name]), myself's line flagged "myself", and a last line with the epochs:
//
//   <name> <ip>:<port>@<cport>[,<hostname>] <flags> <primary or -> <ping sent> <pong received>
//       <config epoch> <connected|disconnected> <slot or first-last>...
//   vars currentEpoch <n> lastVoteEpoch <n>
//
// Thread: functions of their arguments only.
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_node.h"

namespace redoubt::cluster {

// A slot being moved, as a node's line shows it.
struct SlotTransfer {
  int slot = 0;
  bool importing = false;  // [slot-<-name]: imported from name; else [slot->-name]: migrating to
  std::string peer;        // the other node's name
};

struct NodesFile {
  std::vector<ClusterNode> nodes;       // in file order; exactly one is flagged kMyself
  std::vector<SlotTransfer> transfers;  // myself's
  uint64_t current_epoch = 0;
  uint64_t last_vote_epoch = 0;
};

// One node's line without the newline, as CLUSTER NODES shows it (transfers: myself's only).
std::string FormatNodeLine(const ClusterNode& node, const std::vector<SlotTransfer>& transfers);
std::string FormatNodesFile(const NodesFile& file);
// Parses a file written by Redoubt or by redis-server 7.0. An error names the line.
absl::StatusOr<NodesFile> ParseNodesFile(std::string_view text);

// Whether name is 40 lower-case hex digits, as node names are.
bool IsNodeName(std::string_view name);

}  // namespace redoubt::cluster
