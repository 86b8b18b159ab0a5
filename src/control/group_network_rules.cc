// The replication groups' side of security groups (replication_groups.h, security_groups.h):
// a node's network-allow is what its group's security groups admit to its port, plus the
// control plane's own source and the group's nodes, which reach each other for replication
// and MIGRATE as a managed service's own traffic does, whatever the rules say. The list is in
// the node's config (a restarted node keeps it) and set online with CONFIG SET when the rules
// or the group's security groups change; the node then closes the clients it no longer admits.
#include <algorithm>

#include "absl/strings/str_join.h"
#include "control/replication_groups.h"

namespace redoubt::control {

void ReplicationGroups::UseSecurityGroups(SecurityGroups* security_groups) {
  security_groups_ = security_groups;
  security_groups->OnRulesChanged([this](const std::string& id) {
    PushToGroupsNaming(id, &GroupRecord::security_group_ids, "Rules of security group " + id,
                       &ReplicationGroups::PushNetworkAllow);
  });
  security_groups->SetUsersOf([this](const std::string& id) {
    return GroupsNaming(id, &GroupRecord::security_group_ids,
                        &GroupRecord::pending_security_group_ids);
  });
}

std::string ReplicationGroups::NetworkAllowOf(const GroupRecord& group, int port) const {
  if (group.security_group_ids.empty() || security_groups_ == nullptr) {
    return "";
  }
  std::vector<std::string> sources;
  if (!options_.call_source.empty()) {
    sources.push_back(options_.call_source + "/32");  // the control plane's calls
  }
  for (const NodeRecord& node : group.nodes) {
    sources.push_back(node.address + "/32");
  }
  for (std::string& source : security_groups_->SourcesAdmitted(group.security_group_ids, port)) {
    if (std::find(sources.begin(), sources.end(), source) == sources.end()) {
      sources.push_back(std::move(source));
    }
  }
  return absl::StrJoin(sources, " ");
}

absl::Status ReplicationGroups::PushNetworkAllow(const GroupRecord& group) {
  absl::Status first_error;
  for (const NodeRecord& node : group.nodes) {
    if (node.pid == 0) {
      continue;  // the supervisor starts it with the list in its config
    }
    absl::StatusOr<tools::RespReply> reply =
        CallNode(AddressOf(group, node),
                 {"CONFIG", "SET", "network-allow", NetworkAllowOf(group, node.port)});
    if (!reply.ok() && first_error.ok()) {
      first_error = reply.status();
    }
  }
  return first_error;
}

absl::Status ReplicationGroups::ApplySecurityGroups(const GroupRecord& start) {
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(start.id);
    if (it == groups_.end()) {
      return absl::NotFoundError("the replication group was deleted");
    }
    it->second.security_group_ids = it->second.pending_security_group_ids;
    (void)SaveLocked(it->second);
  }
  return PushLive(start.id, &ReplicationGroups::PushNetworkAllow);
}

}  // namespace redoubt::control
