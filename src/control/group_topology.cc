// Forming a group's topology; see group_topology.h.
#include "control/group_topology.h"

#include <thread>

#include "common/ascii.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/numbers.h"
#include "control/node_client.h"

namespace redoubt::control {
namespace {

constexpr int kClusterSlots = 16384;

std::vector<const NodeRecord*> AllNodes(const GroupRecord& group) {
  std::vector<const NodeRecord*> nodes;
  for (const NodeRecord& node : group.nodes) {
    nodes.push_back(&node);
  }
  return nodes;
}

std::vector<const NodeRecord*> Replicas(const GroupRecord& group) {
  std::vector<const NodeRecord*> nodes;
  for (const NodeRecord& node : group.nodes) {
    if (!node.primary) {
      nodes.push_back(&node);
    }
  }
  return nodes;
}

bool IsUp(const tools::RespReply& info) {
  return InfoField(info.str, "master_link_status") == "up";
}

absl::Status FormReplication(const GroupRecord& group, const NodeAddressFn& address_of,
                             int64_t deadline_ms) {
  const NodeRecord* primary = group.PrimaryOf(group.node_groups.front().id);
  if (primary == nullptr) {
    return absl::InternalError("the group has no primary");
  }
  for (const NodeRecord* replica : Replicas(group)) {
    absl::StatusOr<tools::RespReply> reply = CallNode(
        address_of(*replica), {"REPLICAOF", primary->address, std::to_string(primary->port)});
    if (!reply.ok()) {
      return reply.status();
    }
  }
  return WaitForReplicaLinks(group, address_of, deadline_ms);
}

absl::StatusOr<std::string> MyId(const NodeRecord& node, const NodeAddressFn& address_of) {
  absl::StatusOr<tools::RespReply> reply = CallNode(address_of(node), {"CLUSTER", "MYID"});
  if (!reply.ok()) {
    return reply.status();
  }
  return reply->str;
}

// Logs (verbose) how long each stage of forming a group took: where creation time goes.
class StageClock {
 public:
  explicit StageClock(std::string group) : group_(std::move(group)) {}
  void Done(std::string_view stage) {
    const int64_t now = common::MonotonicMillis();
    common::Log(common::LogLevel::kNotice, "replication group " + group_ + ": " +
                                               std::string(stage) + " after " +
                                               std::to_string(now - last_ms_) + " ms");
    last_ms_ = now;
  }

 private:
  std::string group_;
  int64_t last_ms_ = common::MonotonicMillis();
};

absl::Status FormCluster(const GroupRecord& group, const NodeAddressFn& address_of,
                         int64_t deadline_ms) {
  const std::vector<const NodeRecord*> nodes = AllNodes(group);
  const int known = static_cast<int>(nodes.size());
  StageClock clock(group.id);
  int epoch = 0;
  for (const NodeRecord* node : nodes) {
    ++epoch;
    if (absl::StatusOr<tools::RespReply> r =
            CallNode(address_of(*node), {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(epoch)});
        !r.ok()) {
      return r.status();
    }
  }
  for (const NodeGroupRecord& shard : group.node_groups) {
    const NodeRecord* primary = group.PrimaryOf(shard.id);
    absl::StatusOr<std::vector<std::pair<int, int>>> ranges = ParseSlotRanges(shard.slots);
    if (primary == nullptr || !ranges.ok()) {
      return absl::InternalError("node group " + shard.id + " has no primary or no slots");
    }
    std::vector<std::string> args = {"CLUSTER", "ADDSLOTSRANGE"};
    for (const auto& [first, last] : *ranges) {
      args.push_back(std::to_string(first));
      args.push_back(std::to_string(last));
    }
    if (absl::StatusOr<tools::RespReply> r = CallNode(address_of(*primary), args); !r.ok()) {
      return r.status();
    }
  }
  // Each node meets every later one directly (n(n-1)/2 MEETs, a few milliseconds each): with
  // MEETs to the first node only, as redis-cli sends them, the others learn of each other by
  // gossip, which took 4.8 s for nine nodes.
  for (size_t i = 0; i < nodes.size(); ++i) {
    const absl::Status met =
        ForEachNode(std::vector<const NodeRecord*>(
                        nodes.begin() + static_cast<std::ptrdiff_t>(i) + 1, nodes.end()),
                    [&](const NodeRecord& other) {
                      absl::StatusOr<tools::RespReply> r =
                          CallNode(address_of(*nodes[i]),
                                   {"CLUSTER", "MEET", other.address, std::to_string(other.port)});
                      return r.ok() ? absl::OkStatus() : r.status();
                    });
    if (!met.ok()) {
      return met;
    }
  }
  clock.Done("slots assigned, MEETs sent");
  // Every node must know every other (no handshake left) before a replica is given its
  // primary: CLUSTER REPLICATE names a node the replica must already know.
  const std::string expected_known = std::to_string(known);
  absl::Status met = ForEachNode(nodes, [&](const NodeRecord& node) {
    return WaitForNode(
        address_of(node), {"CLUSTER", "INFO"},
        [&](const tools::RespReply& info) {
          return InfoField(info.str, "cluster_known_nodes") == expected_known;
        },
        deadline_ms, "every node of the group to meet");
  });
  if (!met.ok()) {
    return met;
  }
  clock.Done("every node knows every other");
  for (const NodeGroupRecord& shard : group.node_groups) {
    absl::StatusOr<std::string> primary_id = MyId(*group.PrimaryOf(shard.id), address_of);
    if (!primary_id.ok()) {
      return primary_id.status();
    }
    for (const NodeRecord& node : group.nodes) {
      if (node.node_group_id == shard.id && !node.primary) {
        // The replica may not have learned the primary's id from gossip yet: retried until
        // it has, within the deadline.
        if (absl::Status s = WaitForNode(
                address_of(node), {"CLUSTER", "REPLICATE", *primary_id},
                [](const tools::RespReply&) { return true; }, deadline_ms,
                "CLUSTER REPLICATE to succeed");
            !s.ok()) {
          return s;
        }
      }
    }
  }
  clock.Done("replicas given their primaries");
  absl::Status converged = ForEachNode(nodes, [&](const NodeRecord& node) {
    return WaitForNode(
        address_of(node), {"CLUSTER", "INFO"},
        [&](const tools::RespReply& info) {
          return InfoField(info.str, "cluster_state") == "ok" &&
                 InfoField(info.str, "cluster_slots_ok") == std::to_string(kClusterSlots) &&
                 InfoField(info.str, "cluster_known_nodes") == expected_known;
        },
        deadline_ms, "cluster_state:ok");
  });
  if (!converged.ok()) {
    return converged;
  }
  clock.Done("cluster_state:ok everywhere");
  // Every node's view has every replica as one (gossip carries a REPLICATE to the others within
  // a few pings): until then a client that asks the configuration endpoint for the slots would
  // see a replica as a primary without slots.
  const size_t replicas = Replicas(group).size();
  absl::Status roles = ForEachNode(nodes, [&](const NodeRecord& node) {
    return WaitForNode(
        address_of(node), {"CLUSTER", "NODES"},
        [&](const tools::RespReply& reply) {
          size_t seen = 0;
          for (std::string_view line : common::Split(reply.str, '\n', true)) {
            const std::vector<std::string_view> fields = common::Split(line, ' ');
            seen += fields.size() > 2 && fields[2].find("slave") != std::string_view::npos;
          }
          return seen == replicas;
        },
        deadline_ms, "every node to see every replica");
  });
  if (!roles.ok()) {
    return roles;
  }
  clock.Done("every node sees every replica");
  absl::Status linked = WaitForReplicaLinks(group, address_of, deadline_ms);
  clock.Done("replication links up");
  return linked;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<int, int>>> ParseSlotRanges(const std::string& slots) {
  std::vector<std::pair<int, int>> ranges;
  for (std::string_view part : common::Split(slots, ',')) {
    std::vector<std::string_view> ends = common::Split(part, '-');
    std::optional<int64_t> first = common::ParseInt64(ends.front());
    std::optional<int64_t> last = ends.size() == 2 ? common::ParseInt64(ends.back()) : first;
    if (ends.size() > 2 || !first || !last || *first < 0 || *last >= kClusterSlots ||
        *first > *last) {
      return absl::InvalidArgumentError("Invalid slot range: " + std::string(part));
    }
    ranges.emplace_back(static_cast<int>(*first), static_cast<int>(*last));
  }
  return ranges;
}

std::vector<std::string> EvenSlotRanges(int shards) {
  std::vector<std::string> ranges;
  int first = 0;
  for (int i = 0; i < shards; ++i) {
    // The first (16384 % shards) shards take one slot more.
    const int size = kClusterSlots / shards + (i < kClusterSlots % shards ? 1 : 0);
    ranges.push_back(std::to_string(first) + "-" + std::to_string(first + size - 1));
    first += size;
  }
  return ranges;
}

absl::Status ForEachNode(const std::vector<const NodeRecord*>& nodes,
                         const std::function<absl::Status(const NodeRecord&)>& fn) {
  std::vector<absl::Status> results(nodes.size());
  std::vector<std::thread> threads;
  threads.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = fn(*nodes[i]); });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (const absl::Status& s : results) {
    if (!s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status WaitForReplicaLinks(const GroupRecord& group, const NodeAddressFn& address_of,
                                 int64_t deadline_ms) {
  return ForEachNode(Replicas(group), [&](const NodeRecord& node) {
    // Up, and to the primary of record (after a failover, a replica's link to the old one may
    // still read up for a moment).
    const NodeRecord* primary = group.PrimaryOf(node.node_group_id);
    return WaitForNode(
        address_of(node), {"INFO", "replication"},
        [&](const tools::RespReply& info) {
          return IsUp(info) &&
                 (primary == nullptr || InfoField(info.str, "master_host") == primary->address);
        },
        deadline_ms, "its replication link");
  });
}

absl::Status WaitUntilServing(const GroupRecord& group, const NodeAddressFn& address_of,
                              int64_t deadline_ms) {
  return ForEachNode(AllNodes(group), [&](const NodeRecord& node) {
    return WaitForNode(
        address_of(node), {"PING"}, [](const tools::RespReply&) { return true; }, deadline_ms,
        "the node to start");
  });
}

absl::Status FormTopology(const GroupRecord& group, const NodeAddressFn& address_of,
                          int64_t deadline_ms) {
  return group.cluster_enabled ? FormCluster(group, address_of, deadline_ms)
                               : FormReplication(group, address_of, deadline_ms);
}

}  // namespace redoubt::control
