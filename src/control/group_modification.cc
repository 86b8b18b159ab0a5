// ModifyReplicationGroup's side of ReplicationGroups (replication_groups.h): the change is
// recorded at once (status modifying, pending values), then a thread of its own applies it to
// the nodes in a safe order and waits out the dwell before the group is available again.
//
// In-transit encryption moves as the managed services move it, one node at a time, replicas
// before primaries:
//   none → preferred:   certificate, key and CA written to the node's host, loaded (CONFIG
//                       SET), tls-mode preferred (plaintext clients keep working); then every
//                       node's replication and bus links move to TLS (tls-replication,
//                       tls-cluster), and the change waits until every replica of every
//                       primary is linked over TLS and no bus link is left in plaintext.
//   preferred → required: the plaintext clients still connected are counted (an event names
//                       them), then tls-mode required.
//   required → preferred: tls-mode preferred.
//   preferred → none:   links back to plaintext (and waited for), then tls-mode none.
// Each step looks at the node's recorded transport first, so that a modification resumed after
// a restart of the control plane does again only what was not done.
#include <thread>

#include "absl/strings/str_join.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/numbers.h"
#include "control/endpoint_names.h"
#include "control/group_topology.h"
#include "control/replication_groups.h"
#include "control/request_parameters.h"

namespace redoubt::control {
namespace {

// CLUSTER FAILOVER sent to a replica (candidate), asked again while the replica refuses
// because its bus link to the primary is down for a moment (a reconnection, a node slowed by
// load: "Master is down or failed"), never with FORCE, which would skip the handover of the
// writes. A replica that answers it is no replica (the failover of an earlier attempt went
// through) is done; any other refusal is returned.
absl::Status AskClusterFailover(const NodeAddress& candidate, int64_t deadline_ms) {
  for (;;) {
    absl::StatusOr<tools::RespReply> reply = CallNode(candidate, {"CLUSTER", "FAILOVER"});
    if (reply.ok()) {
      return absl::OkStatus();
    }
    const std::string message(reply.status().message());
    if (message.find("send CLUSTER FAILOVER to a replica") != std::string::npos) {
      return absl::OkStatus();  // already primary: the caller waits for ROLE master
    }
    if (message.find("Master is down or failed") == std::string::npos ||
        common::MonotonicMillis() >= deadline_ms) {
      return reply.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Replicas first, then primaries: a primary changes last, once its replicas can follow.
std::vector<std::string> ReplicasFirst(const GroupRecord& group) {
  std::vector<std::string> order;
  for (int pass = 0; pass < 2; ++pass) {
    for (const NodeRecord& node : group.nodes) {
      if (node.primary == (pass == 1)) {
        order.push_back(node.cluster_id);
      }
    }
  }
  return order;
}

absl::Status Set(const NodeAddress& node, std::vector<std::string> args) {
  args.insert(args.begin(), {"CONFIG", "SET"});
  absl::StatusOr<tools::RespReply> reply = CallNode(node, args);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

// Counts CLIENT LIST TYPE replica lines with tls=yes and tls=no.
std::pair<int, int> ReplicaTransports(const tools::RespReply& list) {
  int tls = 0;
  int plain = 0;
  size_t pos = 0;
  while ((pos = list.str.find("tls=", pos)) != std::string::npos) {
    (list.str.compare(pos, 7, "tls=yes") == 0 ? tls : plain) += 1;
    pos += 4;
  }
  return {tls, plain};
}

// At most the first 20 of items, comma-separated, then "…" for the rest.
std::string Listed(const std::vector<std::string>& items) {
  constexpr size_t kMaxListed = 20;
  std::string out;
  for (size_t i = 0; i < items.size() && i < kMaxListed; ++i) {
    out += (i ? ", " : "") + items[i];
  }
  return items.size() > kMaxListed ? out + ", …" : out;
}

// The source addresses of node's plaintext clients: CLIENT LIST's tls=no lines (the control
// plane's own connections, the replicas' and the bus's links are on TLS by the time this is
// asked).
absl::StatusOr<std::vector<std::string>> PlaintextClientsOf(const NodeAddress& node) {
  absl::StatusOr<tools::RespReply> list = CallNode(node, {"CLIENT", "LIST"});
  if (!list.ok()) {
    return list.status();
  }
  std::vector<std::string> addresses;
  for (std::string_view line : common::Split(list->str, '\n', true)) {
    const size_t addr = line.find(" addr=");
    if (line.find(" tls=no") == std::string_view::npos || addr == std::string_view::npos) {
      continue;
    }
    const size_t start = addr + 6;
    addresses.emplace_back(line.substr(start, line.find(' ', start) - start));
  }
  return addresses;
}

}  // namespace

std::optional<ApiError> ReplicationGroups::Modify(const std::string& id,
                                                  const GroupModification& change,
                                                  GroupRecord* modifying) {
  std::lock_guard lock(mu_);
  std::optional<ApiError> error;
  GroupRecord* found = AvailableLocked(id, "modified", &error);
  if (found == nullptr) {
    return error;
  }
  GroupRecord& group = *found;
  if (change.transit) {
    const std::string current = group.transit_encryption ? group.transit_encryption_mode : "none";
    const std::string target = change.transit_enabled ? change.transit_mode : "none";
    if (target == current) {
      return ApiError{400, "InvalidParameterCombination",
                      "In-transit encryption of " + id + " is already " + current + "."};
    }
    // As ElastiCache: TLS is turned on in preferred first, and off from preferred only.
    if (current == "none" && target == "required") {
      return ApiError{400, "InvalidParameterCombination",
                      "Enable in-transit encryption with TransitEncryptionMode preferred first; "
                      "move to required once every client uses TLS."};
    }
    if (current == "required" && target == "none") {
      return ApiError{400, "InvalidParameterCombination",
                      "Move TransitEncryptionMode to preferred before disabling in-transit "
                      "encryption."};
    }
    if (!ca_ || !node_tls_) {
      return ApiError{400, "InvalidParameterCombination",
                      "This control plane has no CA: in-transit encryption is not available."};
    }
  }
  if (!change.auth_strategy.empty()) {
    if (!group.transit_encryption) {
      return ApiError{400, "InvalidParameterCombination",
                      "An auth token requires in-transit encryption: enable it first."};
    }
    // A group with a user group takes a token only as it leaves it (UserGroupIdsToRemove).
    if (!group.user_group_ids.empty() &&
        change.user_groups_to_remove.size() < group.user_group_ids.size()) {
      return ApiError{400, "InvalidParameterCombination",
                      "Replication group " + id +
                          " uses a user group: remove it (UserGroupIdsToRemove) in the call that "
                          "sets an auth token."};
    }
    if (change.auth_strategy == "ROTATE" && group.auth_tokens.empty()) {
      return ApiError{400, "InvalidParameterCombination",
                      "Replication group " + id +
                          " has no auth token to rotate: set one with the SET strategy."};
    }
    if (change.auth_strategy == "ROTATE" && group.auth_tokens.size() > 1) {
      return ApiError{
          400, "InvalidParameterCombination",
          "A rotation of " + id + "'s auth token is in progress: finish it with the SET strategy."};
    }
    if (change.auth_strategy == "DELETE" && group.auth_tokens.empty()) {
      return ApiError{400, "InvalidParameterCombination",
                      "Replication group " + id + " has no auth token to delete."};
    }
    if (change.auth_strategy == "DELETE" && group.transit_encryption_mode != "preferred") {
      return ApiError{400, "InvalidParameterCombination",
                      "The auth token can be deleted only while TransitEncryptionMode is "
                      "preferred."};
    }
  }
  if (change.security_group_ids) {
    for (const std::string& sg : *change.security_group_ids) {
      if (security_groups_ == nullptr || !security_groups_->Find(sg)) {
        return InvalidValue("The security group " + sg + " does not exist.");
      }
    }
  }
  if (!change.user_groups_to_add.empty() || !change.user_groups_to_remove.empty()) {
    if (group.service_password.empty()) {
      return ApiError{400, "InvalidReplicationGroupState",
                      "Replication group " + id +
                          " was created before user groups were available: recreate it."};
    }
    std::vector<std::string> target = group.user_group_ids;
    for (const std::string& user_group : change.user_groups_to_remove) {
      if (std::find(target.begin(), target.end(), user_group) == target.end()) {
        return InvalidValue("User group " + user_group + " is not associated with " + id + ".");
      }
      std::erase(target, user_group);
    }
    for (const std::string& user_group : change.user_groups_to_add) {
      if (users_ == nullptr || !users_->FindUserGroup(user_group)) {
        return UserGroupNotFound(user_group);
      }
      if (std::find(target.begin(), target.end(), user_group) == target.end()) {
        target.push_back(user_group);
      }
    }
    if (target.size() > 1) {
      return InvalidValue("A replication group takes one user group.");
    }
    if (!target.empty() && !group.transit_encryption) {
      return InvalidCombination("User groups require in-transit encryption: enable it first.");
    }
    SetStatusLocked(group, kStatusModifying);
    group.pending_user_groups = true;
    group.pending_user_group_ids = std::move(target);
  }
  if (change.description) {
    group.description = *change.description;
  }
  if (change.security_group_ids) {
    SetStatusLocked(group, kStatusModifying);
    group.pending_security_groups = true;
    group.pending_security_group_ids = *change.security_group_ids;
  }
  if (!change.auth_strategy.empty()) {
    SetStatusLocked(group, kStatusModifying);
    group.pending_auth_strategy = change.auth_strategy;
    group.pending_auth_token = change.auth_token;
  }
  if (change.transit) {
    SetStatusLocked(group, kStatusModifying);
    group.pending_transit = true;
    group.pending_transit_enabled = change.transit_enabled;
    group.pending_transit_mode = change.transit_enabled ? change.transit_mode : "";
  }
  (void)SaveLocked(group);
  PublishNamesLocked();  // a move to TLS adds its names now, before any node changes
  *modifying = group;
  if (change.transit || !change.auth_strategy.empty() || change.security_group_ids ||
      group.pending_user_groups) {
    StartWorkerLocked(id);
  }
  return std::nullopt;
}

std::optional<ApiError> ReplicationGroups::TestFailover(const std::string& id,
                                                        const std::string& node_group_id,
                                                        GroupRecord* failing_over) {
  std::lock_guard lock(mu_);
  std::optional<ApiError> error;
  GroupRecord* found = AvailableLocked(id, "failed over", &error);
  if (found == nullptr) {
    return error;
  }
  GroupRecord& group = *found;
  const bool known = std::any_of(group.node_groups.begin(), group.node_groups.end(),
                                 [&](const NodeGroupRecord& g) { return g.id == node_group_id; });
  if (!known) {
    return ApiError{404, "NodeGroupNotFoundFault",
                    "Node group " + node_group_id + " not found in " + id + "."};
  }
  const bool has_replica = std::any_of(group.nodes.begin(), group.nodes.end(), [&](auto& n) {
    return n.node_group_id == node_group_id && !n.primary;
  });
  if (!group.automatic_failover || !has_replica) {
    return ApiError{400, "InvalidParameterCombination",
                    "Testing a failover needs automatic failover enabled and a replica in node "
                    "group " +
                        node_group_id + "."};
  }
  SetStatusLocked(group, kStatusModifying);
  group.pending_failover = node_group_id;
  (void)SaveLocked(group);
  *failing_over = group;
  StartWorkerLocked(id);
  return std::nullopt;
}

absl::Status ReplicationGroups::ApplyFailover(const GroupRecord& start) {
  const std::string& shard = start.pending_failover;
  const NodeRecord* old_primary = start.PrimaryOf(shard);
  const NodeRecord* candidate = nullptr;
  for (const NodeRecord& node : start.nodes) {
    if (node.node_group_id == shard && !node.primary && candidate == nullptr) {
      candidate = &node;
    }
  }
  if (old_primary == nullptr || candidate == nullptr) {
    return absl::FailedPreconditionError("node group " + shard + " has no primary or no replica");
  }
  if (start.pending_failover_automatic) {
    if (absl::Status s = PromoteReplica(start, *old_primary, &candidate); !s.ok()) {
      return s;
    }
    // Recorded at once: the supervisor restarts the old primary, as a replica of this one,
    // as soon as it is no longer the primary of record.
    const std::string old_id = old_primary->cluster_id;
    const std::string new_id = candidate->cluster_id;
    UpdateNode(start.id, new_id, [](NodeRecord& n) { n.primary = true; });
    UpdateNode(start.id, old_id, [](NodeRecord& n) { n.primary = false; });
    RecordEvent(
        kSourceCluster, new_id,
        "Failover from primary node " + old_id + " to replica node " + new_id + " completed");
    return absl::OkStatus();
  }
  RecordEvent(kSourceGroup, start.id, "Test Failover API called for node group " + shard);
  const int64_t deadline = common::MonotonicMillis() + options_.start_timeout_ms;
  auto role_is = [](const char* role) {
    return [role](const tools::RespReply& r) {
      return !r.elements.empty() && r.elements[0].str == role;
    };
  };
  // A coordinated handover: the primary stops taking writes until the replica has them all.
  // A cluster's manual failover gives up after 5 s (Redis's CLUSTER_MF_TIMEOUT), for instance
  // when a voter refuses an election whose epoch it has already passed; it is asked for again
  // until the deadline, as an operator would.
  constexpr int64_t kManualFailoverAttemptMs = 10000;
  absl::Status taken_over;
  do {
    absl::Status asked =
        start.cluster_enabled
            ? AskClusterFailover(AddressOf(start, *candidate), deadline)
            : CallNode(AddressOf(start, *old_primary),
                       {"FAILOVER", "TO", candidate->address, std::to_string(candidate->port)})
                  .status();
    if (!asked.ok()) {
      return asked;
    }
    const int64_t attempt_deadline =
        start.cluster_enabled
            ? std::min(deadline, common::MonotonicMillis() + kManualFailoverAttemptMs)
            : deadline;
    taken_over = WaitForNode(AddressOf(start, *candidate), {"ROLE"}, role_is("master"),
                             attempt_deadline, "the replica to take over");
  } while (!taken_over.ok() && common::MonotonicMillis() < deadline);
  if (!taken_over.ok()) {
    return taken_over;
  }
  if (!start.cluster_enabled) {
    // FAILOVER moves the old primary under the new one; the other replicas follow it too.
    for (const NodeRecord& node : start.nodes) {
      if (node.node_group_id == shard && !node.primary && &node != candidate) {
        absl::StatusOr<tools::RespReply> r =
            CallNode(AddressOf(start, node),
                     {"REPLICAOF", candidate->address, std::to_string(candidate->port)});
        if (!r.ok()) {
          return r.status();
        }
      }
    }
  }
  if (absl::Status s = WaitForNode(AddressOf(start, *old_primary), {"ROLE"}, role_is("slave"),
                                   deadline, "the old primary to replicate the new one");
      !s.ok()) {
    return s;
  }
  const std::string old_id = old_primary->cluster_id;
  const std::string new_id = candidate->cluster_id;
  // Done when every replica of the node group is linked to the new primary (the others were
  // told to follow it, the old one was moved under it): not before, or a client that looks
  // right after the group is available finds a replica still reconnecting.
  GroupRecord after = start;
  after.FindNode(old_id)->primary = false;
  after.FindNode(new_id)->primary = true;
  if (absl::Status s = WaitForReplicaLinks(
          after, [&](const NodeRecord& node) { return AddressOf(after, node); }, deadline);
      !s.ok()) {
    return s;
  }
  UpdateNode(start.id, old_id, [](NodeRecord& n) { n.primary = false; });
  UpdateNode(start.id, new_id, [](NodeRecord& n) { n.primary = true; });
  RecordEvent(kSourceCluster, new_id,
              "Failover from primary node " + old_id + " to replica node " + new_id + " completed");
  return absl::OkStatus();
}

absl::Status ReplicationGroups::PromoteReplica(const GroupRecord& start,
                                               const NodeRecord& old_primary,
                                               const NodeRecord** promoted) {
  // The replica that has the most of the primary's writes: the least is lost.
  const NodeRecord* best = nullptr;
  int64_t best_offset = -1;
  for (const NodeRecord& node : start.nodes) {
    if (node.node_group_id != old_primary.node_group_id || &node == &old_primary) {
      continue;
    }
    absl::StatusOr<tools::RespReply> info =
        CallNode(AddressOf(start, node), {"INFO", "replication"});
    const std::optional<std::string> offset =
        info.ok() ? InfoField(info->str, "master_repl_offset") : std::nullopt;
    const std::optional<int64_t> value = offset ? common::ParseInt64(*offset) : std::nullopt;
    if (value && *value > best_offset) {
      best = &node;
      best_offset = *value;
    }
  }
  if (best == nullptr) {
    return absl::UnavailableError("no replica of node group " + old_primary.node_group_id +
                                  " answers");
  }
  const int64_t deadline = common::MonotonicMillis() + options_.start_timeout_ms;
  if (absl::StatusOr<tools::RespReply> r =
          CallNode(AddressOf(start, *best), {"REPLICAOF", "NO", "ONE"});
      !r.ok()) {
    return r.status();
  }
  if (absl::Status s = WaitForNode(
          AddressOf(start, *best), {"ROLE"},
          [](const tools::RespReply& r) {
            return !r.elements.empty() && r.elements[0].str == "master";
          },
          deadline, "the replica to take over");
      !s.ok()) {
    return s;
  }
  for (const NodeRecord& node : start.nodes) {
    if (node.node_group_id == old_primary.node_group_id && &node != &old_primary && &node != best) {
      // A replica that does not answer follows when the supervisor restarts it.
      (void)CallNode(AddressOf(start, node),
                     {"REPLICAOF", best->address, std::to_string(best->port)});
    }
  }
  *promoted = best;
  return absl::OkStatus();
}

void ReplicationGroups::StartWorkerLocked(const std::string& id) {
  // Threads of modifications that finished are joined here (a thread's stack stays until then).
  std::erase_if(workers_, [](Worker& worker) {
    if (!worker.done->load()) {
      return false;
    }
    worker.thread.join();
    return true;
  });
  auto done = std::make_shared<std::atomic<bool>>(false);
  workers_.push_back({std::thread([this, id, done] {
                        ApplyModification(id);
                        done->store(true);
                      }),
                      done});
}

void ReplicationGroups::UpdateNode(const std::string& group_id, const std::string& cluster_id,
                                   const std::function<void(NodeRecord&)>& fn) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group_id);
  if (it == groups_.end()) {
    return;
  }
  if (NodeRecord* node = it->second.FindNode(cluster_id)) {
    fn(*node);
    (void)SaveLocked(it->second);
  }
}

absl::Status ReplicationGroups::ApplyTransit(const GroupRecord& start) {
  const std::string& id = start.id;
  const bool to_tls = start.pending_transit_enabled;
  const std::string target_mode = to_tls ? start.pending_transit_mode : "none";
  const int64_t deadline = common::MonotonicMillis() + options_.start_timeout_ms;
  auto current = [&]() {
    std::lock_guard lock(mu_);
    auto it = groups_.find(id);
    return it == groups_.end() ? GroupRecord() : it->second;
  };
  const NodeAddressFn address_of = [this, &start](const NodeRecord& node) {
    return AddressOf(start, node);
  };

  // 1. Certificates and tls-mode preferred on every node still in plaintext.
  if (to_tls) {
    for (const std::string& cluster_id : ReplicasFirst(start)) {
      NodeRecord node = *current().FindNode(cluster_id);
      if (node.tls_mode != "none") {
        continue;
      }
      const bool had_certificate = !node.tls_cert_file.empty();
      if (absl::Status s = EnsureCertificate(start, &node); !s.ok()) {
        return s;
      }
      if (absl::Status s =
              Set(address_of(node), {"tls-cert-file", node.tls_cert_file, "tls-key-file",
                                     node.tls_key_file, "tls-ca-cert-file", node.tls_ca_file});
          !s.ok()) {
        return s;
      }
      if (absl::Status s = Set(address_of(node), {"tls-mode", "preferred"}); !s.ok()) {
        return s;
      }
      UpdateNode(id, cluster_id, [&](NodeRecord& n) {
        n.tls_cert_file = node.tls_cert_file;
        n.tls_key_file = node.tls_key_file;
        n.tls_ca_file = node.tls_ca_file;
        // Its life too: without it, the renewal check took a new certificate for due.
        n.tls_cert_issued_ms = node.tls_cert_issued_ms;
        n.tls_cert_not_after_ms = node.tls_cert_not_after_ms;
        n.tls_cert_generation = node.tls_cert_generation;
        n.tls_mode = "preferred";
      });
      if (!had_certificate) {
        RecordEvent(kSourceCluster, cluster_id, "Certificate issued by the control plane's CA");
      }
    }
  }

  // 2. Replication and bus links: to TLS when encrypting, back to plaintext when not.
  const bool links_tls = to_tls;
  bool links_changed = false;
  for (const std::string& cluster_id : ReplicasFirst(start)) {
    const NodeRecord node = *current().FindNode(cluster_id);
    if (node.tls_links == links_tls) {
      continue;
    }
    std::vector<std::string> args = {"tls-replication", links_tls ? "yes" : "no"};
    if (start.cluster_enabled) {
      args.insert(args.end(), {"tls-cluster", links_tls ? "yes" : "no"});
    }
    if (absl::Status s = Set(address_of(node), args); !s.ok()) {
      return s;
    }
    UpdateNode(id, cluster_id, [&](NodeRecord& n) { n.tls_links = links_tls; });
    links_changed = true;
  }
  if (links_changed || to_tls) {
    // Every replica linked again, over the transport asked for: each primary's replicas all
    // show tls=yes (or tls=no) in its CLIENT LIST, and no bus link is left on the other one.
    const GroupRecord now = current();
    std::vector<const NodeRecord*> primaries;
    for (const NodeRecord& node : now.nodes) {
      if (node.primary) {
        primaries.push_back(&node);
      }
    }
    absl::Status linked = ForEachNode(primaries, [&](const NodeRecord& primary) {
      size_t replicas = 0;
      for (const NodeRecord& node : now.nodes) {
        replicas += node.node_group_id == primary.node_group_id && !node.primary;
      }
      return WaitForNode(
          address_of(primary), {"CLIENT", "LIST", "TYPE", "replica"},
          [&](const tools::RespReply& list) {
            auto [tls, plain] = ReplicaTransports(list);
            return static_cast<size_t>(links_tls ? tls : plain) == replicas &&
                   (links_tls ? plain : tls) == 0;
          },
          deadline,
          links_tls ? "its replicas to link over TLS" : "its replicas to link in plaintext");
    });
    if (!linked.ok()) {
      return linked;
    }
    if (start.cluster_enabled) {
      std::vector<const NodeRecord*> all;
      for (const NodeRecord& node : now.nodes) {
        all.push_back(&node);
      }
      absl::Status bus = ForEachNode(all, [&](const NodeRecord& node) {
        return WaitForNode(
            address_of(node), {"INFO", "ssl"},
            [&](const tools::RespReply& info) {
              return InfoField(info.str, links_tls ? "tcp_cluster_bus_links"
                                                   : "tls_cluster_bus_links") == "0";
            },
            deadline, "its cluster bus links to move");
      });
      if (!bus.ok()) {
        return bus;
      }
    }
  }

  // 3. tls-mode on every node whose mode differs, replicas first; a group tagged
  // redoubt:safe-required first waits for its plaintext clients to leave.
  if (target_mode == "required") {
    if (absl::Status s = WaitForPlaintextClients(start); !s.ok()) {
      return s;
    }
  }
  for (const std::string& cluster_id : ReplicasFirst(start)) {
    const NodeRecord node = *current().FindNode(cluster_id);
    if (node.tls_mode == target_mode) {
      continue;
    }
    if (target_mode == "required") {
      // What an operator needs to find the clients this step cuts off: how many, from where.
      absl::StatusOr<std::vector<std::string>> plaintext = PlaintextClientsOf(address_of(node));
      RecordEvent(kSourceCluster, cluster_id,
                  plaintext.ok()
                      ? "Switching to TLS required with " + std::to_string(plaintext->size()) +
                            " plaintext client connections still open" +
                            (plaintext->empty() ? "" : " (" + Listed(*plaintext) + ")") +
                            "; they are closed now"
                      : "Switching to TLS required; its plaintext clients could not "
                        "be listed: " +
                            std::string(plaintext.status().message()));
    }
    if (absl::Status s = Set(address_of(node), {"tls-mode", target_mode}); !s.ok()) {
      return s;
    }
    UpdateNode(id, cluster_id, [&](NodeRecord& n) { n.tls_mode = target_mode; });
  }
  return absl::OkStatus();
}

namespace {

// The tag redoubt:safe-required: nullopt when absent (or not true…), 0 for "true" (no
// timeout), N for "true:N".
std::optional<int64_t> SafeRequiredTimeoutSeconds(const GroupRecord& group) {
  for (const TagRecord& tag : group.tags) {
    if (tag.key != "redoubt:safe-required") {
      continue;
    }
    if (tag.value == "true") {
      return int64_t{0};  // no timeout
    }
    if (tag.value.starts_with("true:")) {
      if (std::optional<int64_t> seconds = common::ParseInt64(tag.value.substr(5));
          seconds && *seconds > 0) {
        return *seconds;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

absl::Status ReplicationGroups::WaitForPlaintextClients(const GroupRecord& group) {
  const std::optional<int64_t> timeout_s = SafeRequiredTimeoutSeconds(group);
  if (!timeout_s) {
    return absl::OkStatus();  // untagged: as ElastiCache, required cuts them off
  }
  const int64_t started = common::MonotonicMillis();
  int64_t next_event = started;
  for (;;) {
    std::vector<std::string> clients;  // "node address"
    for (const NodeRecord& node : group.nodes) {
      absl::StatusOr<std::vector<std::string>> plaintext =
          PlaintextClientsOf(AddressOf(group, node));
      for (const std::string& address : plaintext.value_or(std::vector<std::string>{})) {
        clients.push_back(node.cluster_id + " " + address);
      }
    }
    const int64_t now = common::MonotonicMillis();
    const bool timed_out = *timeout_s > 0 && now - started >= *timeout_s * 1000;
    if (clients.empty() || timed_out) {
      RecordEvent(kSourceGroup, group.id,
                  clients.empty()
                      ? "No plaintext client left: moving to TLS required"
                      : "redoubt:safe-required timed out after " + std::to_string(*timeout_s) +
                            " s with " + std::to_string(clients.size()) +
                            " plaintext clients still connected: moving to TLS required");
      return absl::OkStatus();
    }
    if (now >= next_event) {
      RecordEvent(
          kSourceGroup, group.id,
          "Waiting in preferred (redoubt:safe-required): " + std::to_string(clients.size()) +
              " plaintext clients still connected: " + Listed(clients));
      next_event = now + 60000;
    }
    std::unique_lock lock(mu_);
    wake_supervisor_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_) {
      return absl::CancelledError("the control plane is stopping");
    }
    // A primary died meanwhile: its replacement (queued by the supervisor, run when this
    // modification ends) does not wait for the clients.
    if (auto it = groups_.find(group.id);
        it != groups_.end() && it->second.pending_failover_automatic) {
      return absl::AbortedError("a primary exited while waiting for the plaintext clients");
    }
  }
}

void ReplicationGroups::ApplyModification(const std::string& id) {
  std::optional<GroupRecord> start = Find(id);
  if (!start || start->status != kStatusModifying) {
    return;
  }
  const std::string auth_strategy = start->pending_auth_strategy;
  const bool failover = !start->pending_failover.empty();
  const bool security_groups = start->pending_security_groups;
  const bool transit = start->pending_transit;
  const bool user_groups = start->pending_user_groups;
  // A promotion first: a node group has no primary until it is done.
  const bool promotion = failover && start->pending_failover_automatic;
  absl::Status s = promotion ? ApplyFailover(*start) : absl::OkStatus();
  if (s.ok() && security_groups) {
    s = ApplySecurityGroups(*start);
  }
  if (s.ok() && user_groups) {
    s = ApplyUserGroups(*start);
  }
  if (s.ok() && start->pending_transit) {
    s = ApplyTransit(*start);
  }
  if (s.ok() && failover && !promotion) {
    s = ApplyFailover(*start);
  }
  if (s.ok() && !start->pending_auth_strategy.empty()) {
    s = ApplyAuthToken(*start);
  }
  // The dwell: pollers that look every few seconds see `modifying`. Interrupted by a stop of
  // the control plane, which leaves the group modifying for the next start to resume.
  {
    std::unique_lock lock(mu_);
    const int64_t until_ms = start->modify_started_ms + options_.modify_dwell_ms;
    while (!stopping_ && common::UnixMillis() < until_ms) {
      wake_supervisor_.wait_for(lock, std::chrono::milliseconds(until_ms - common::UnixMillis()));
    }
    if (stopping_) {
      return;
    }
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      return;
    }
    GroupRecord& group = it->second;
    if (s.ok() && group.pending_transit) {
      group.transit_encryption = group.pending_transit_enabled;
      group.transit_encryption_mode = group.pending_transit_mode;
    }
    if (s.ok() && !group.pending_auth_strategy.empty()) {
      group.auth_token_modified_ms = common::UnixMillis();
    }
    group.pending_auth_strategy.clear();
    group.pending_auth_token.clear();
    // A promotion the supervisor queued while this modification ran (its primary died) runs
    // next, in a worker of its own; the group stays modifying until it is done.
    const bool promotion_queued = !failover && group.pending_failover_automatic;
    if (!promotion_queued) {
      group.pending_failover.clear();
      group.pending_failover_automatic = false;
    }
    group.pending_security_groups = false;
    group.pending_security_group_ids.clear();
    group.pending_user_groups = false;
    group.pending_user_group_ids.clear();
    group.pending_transit = false;
    group.pending_transit_enabled = false;
    group.pending_transit_mode.clear();
    if (promotion && !s.ok()) {
      promotion_retry_ms_[id] = common::MonotonicMillis() + kPromotionRetryMs;
    } else if (promotion) {
      promotion_retry_ms_.erase(id);
    }
    if (promotion_queued) {
      StartWorkerLocked(id);
    } else {
      SetStatusLocked(group, kStatusAvailable);
    }
    (void)SaveLocked(group);
    PublishNamesLocked();  // a move to required removes the plaintext-era names
    *start = group;
  }
  if (!s.ok()) {
    RecordEvent(kSourceGroup, id,
                "Failed to modify the replication group: " + std::string(s.message()));
    return;
  }
  if (failover) {
    return;  // ApplyFailover recorded its events
  }
  if (user_groups) {
    RecordEvent(
        kSourceGroup, id,
        start->user_group_ids.empty()
            ? "Replication group " + id + " has no user group: its default user is " +
                  (start->auth_tokens.empty() ? "open" : "the auth token's")
            : "User group of replication group " + id + " is now " + start->user_group_ids.front());
    if (!security_groups && !transit && auth_strategy.empty()) {
      return;
    }
  }
  if (security_groups) {
    RecordEvent(
        kSourceGroup, id,
        start->security_group_ids.empty()
            ? "Replication group " + id + " names no security group: every source is admitted"
            : "Security groups of replication group " + id + " are now " +
                  absl::StrJoin(start->security_group_ids, ", "));
    if (!transit && auth_strategy.empty()) {
      return;
    }
  }
  if (!auth_strategy.empty()) {
    const std::string& strategy = auth_strategy;
    RecordEvent(kSourceGroup, id,
                strategy == "ROTATE" ? "Auth token of replication group " + id +
                                           " rotated: the old and the new token are both valid"
                : strategy == "SET"
                    ? "Auth token of replication group " + id + " set: only the new token is valid"
                    : "Auth token of replication group " + id + " deleted");
    return;
  }
  RecordEvent(kSourceGroup, id,
              start->transit_encryption
                  ? "In-transit encryption of replication group " + id + " is now " +
                        start->transit_encryption_mode
                  : "In-transit encryption of replication group " + id + " is now disabled");
}

absl::Status ReplicationGroups::ApplyAuthToken(const GroupRecord& start) {
  const std::string& id = start.id;
  const std::string& strategy = start.pending_auth_strategy;
  const std::string& token = start.pending_auth_token;
  // The tokens a node restarted from now on gets: the target of the change (for ROTATE both, so
  // that a node restarted half-way accepts what every client may send).
  std::vector<std::string> target;
  if (strategy == "ROTATE") {
    target = start.auth_tokens;
    // Resumed after a restart, the start record may hold the target already.
    if (std::find(target.begin(), target.end(), token) == target.end()) {
      target.push_back(token);
    }
  } else if (strategy == "SET") {
    target = {token};
  }
  // One push of the group's users at a time (PushLive): a re-push of the users from another
  // thread must not land between these and undo them.
  const std::shared_ptr<std::mutex> serial = PushMutexOf(RecordKey(start));
  std::lock_guard pushing(*serial);
  GroupRecord group;
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      return absl::NotFoundError("the group was deleted");
    }
    // The control plane's own connections try the pending token and every old one.
    it->second.auth_tokens = target;
    (void)SaveLocked(it->second);
    group = it->second;
  }
  GroupRecord with_old = group;
  with_old.auth_tokens = start.auth_tokens;
  for (const std::string& cluster_id : ReplicasFirst(start)) {
    const NodeRecord& node = *start.FindNode(cluster_id);
    const NodeAddress address = AddressOf(with_old, node);
    std::vector<std::string> acl = {"ACL", "SETUSER", "default", "on"};
    if (strategy == "ROTATE") {
      acl.push_back(">" + token);  // added beside the old one
    } else if (strategy == "SET") {
      acl.insert(acl.end(), {"resetpass", ">" + token});
    } else {
      acl.insert(acl.end(), {"resetpass", "nopass"});
    }
    absl::StatusOr<tools::RespReply> reply = CallNode(address, acl);
    if (!reply.ok()) {
      return reply.status();
    }
  }
  // Replicas authenticate to their primary with masterauth when their link (re)connects (as
  // the control plane's own user, unaffected, in groups that have it).
  for (const std::string& cluster_id :
       start.service_password.empty() ? ReplicasFirst(start) : std::vector<std::string>()) {
    const NodeRecord& node = *start.FindNode(cluster_id);
    if (absl::Status s =
            Set(AddressOf(with_old, node), {"masterauth", target.empty() ? "" : target.back()});
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace redoubt::control
