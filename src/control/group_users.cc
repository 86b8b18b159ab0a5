// The replication groups' side of users and user groups (replication_groups.h, users.h): a
// node's ACL users are the members of its group's user group (the one named default as its
// default user), or, without one, the default user with the group's auth tokens; beside them,
// always, the control plane's own user, which replication links and the control plane's calls
// authenticate as, so that neither depends on what customers do to their users. The users are
// in the node's config (a restarted node keeps them) and set online with ACL SETUSER, the users
// no longer wanted removed with ACL DELUSER, when a user, a user group or the group's user
// groups change. Customer users never get the commands that would take the node from the
// service (kRestrictedRules), as in ElastiCache.
#include <algorithm>

#include "common/ascii.h"
#include "common/numbers.h"
#include "control/replication_groups.h"

namespace redoubt::control {
namespace {

// What no customer user may run, whatever its access string grants, on a group whose nodes the
// control plane reaches as its own user: ElastiCache's restricted commands (node configuration,
// persistence, replication, shutdown), plus what would let a customer take the node from the
// service, such as changing the service user, the cluster's topology, failing over, or pausing
// every client (CLIENT PAUSE would hold the control plane's calls too). Appended
// after the customer's rules, so that they win over a "+@all" there.
constexpr const char* kRestrictedRules[] = {"-bgrewriteaof",
                                            "-bgsave",
                                            "-config",
                                            "-debug",
                                            "-migrate",
                                            "-replicaof",
                                            "-save",
                                            "-slaveof",
                                            "-shutdown",
                                            "-sync",
                                            "-psync",
                                            "-failover",
                                            "-module",
                                            "-client|pause",
                                            "-client|unpause",
                                            "-acl|setuser",
                                            "-acl|deluser",
                                            "-acl|load",
                                            "-acl|save",
                                            "-cluster|addslots",
                                            "-cluster|addslotsrange",
                                            "-cluster|delslots",
                                            "-cluster|delslotsrange",
                                            "-cluster|flushslots",
                                            "-cluster|forget",
                                            "-cluster|meet",
                                            "-cluster|replicate",
                                            "-cluster|reset",
                                            "-cluster|saveconfig",
                                            "-cluster|setslot",
                                            "-cluster|bumpepoch",
                                            "-cluster|set-config-epoch",
                                            "-cluster|failover"};

}  // namespace

void ReplicationGroups::UseUsers(Users* users) {
  users_ = users;
  users->OnUserGroupChanged([this](const std::string& id) {
    PushToGroupsNaming(id, &GroupRecord::user_group_ids, "Users of user group " + id,
                       &ReplicationGroups::PushUsers);
  });
  users->SetReplicationGroupsOf([this](const std::string& id) {
    return GroupsNaming(id, &GroupRecord::user_group_ids, &GroupRecord::pending_user_group_ids);
  });
}

std::vector<std::vector<std::string>> ReplicationGroups::NodeUsersOf(
    const GroupRecord& group) const {
  std::vector<std::vector<std::string>> users;
  if (!group.user_group_ids.empty()) {
    for (const UserRecord& member :
         users_ ? users_->MembersOf(group.user_group_ids.front()) : std::vector<UserRecord>()) {
      std::vector<std::string> rules = member.AclRules();
      rules.insert(rules.begin(), member.name);
      if (!group.service_password.empty()) {
        rules.insert(rules.end(), std::begin(kRestrictedRules), std::end(kRestrictedRules));
      }
      users.push_back(std::move(rules));
    }
    if (users.empty()) {
      // The user group is gone (deleted in a race with this group's creation): no one gets in
      // rather than everyone.
      users.push_back({kDefaultUserName, "reset", "off"});
    }
    return users;
  }
  std::vector<std::string> fallback = {kDefaultUserName, "reset", "on"};
  for (const std::string& token : group.auth_tokens) {
    fallback.push_back(">" + token);
  }
  if (group.auth_tokens.empty()) {
    fallback.push_back("nopass");
  }
  fallback.insert(fallback.end(), {"~*", "&*", "+@all"});
  // A group older than the service user is reached as its default user, which keeps all.
  if (!group.service_password.empty()) {
    fallback.insert(fallback.end(), std::begin(kRestrictedRules), std::end(kRestrictedRules));
  }
  users.push_back(std::move(fallback));
  return users;
}

absl::Status ReplicationGroups::PushUsers(const GroupRecord& group) {
  const std::vector<std::vector<std::string>> users = NodeUsersOf(group);
  std::vector<std::string> kept = {kServiceUserName};
  for (const std::vector<std::string>& user : users) {
    kept.push_back(user.front());
  }
  for (const NodeRecord& node : group.nodes) {
    if (node.pid == 0) {
      continue;  // the supervisor starts it with the users in its config
    }
    const NodeAddress address = AddressOf(group, node);
    for (const std::vector<std::string>& user : users) {
      std::vector<std::string> args = {"ACL", "SETUSER"};
      args.insert(args.end(), user.begin(), user.end());
      if (absl::StatusOr<tools::RespReply> reply = CallNode(address, args); !reply.ok()) {
        return reply.status();
      }
    }
    absl::StatusOr<tools::RespReply> names = CallNode(address, {"ACL", "USERS"});
    if (!names.ok()) {
      return names.status();
    }
    for (const tools::RespReply& name : names->elements) {
      if (std::find(kept.begin(), kept.end(), name.str) == kept.end()) {
        if (absl::StatusOr<tools::RespReply> reply =
                CallNode(address, {"ACL", "DELUSER", name.str});
            !reply.ok()) {
          return reply.status();
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ReplicationGroups::ApplyUserGroups(const GroupRecord& start) {
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(start.id);
    if (it == groups_.end()) {
      return absl::NotFoundError("the replication group was deleted");
    }
    it->second.user_group_ids = it->second.pending_user_group_ids;
    if (!it->second.user_group_ids.empty()) {
      it->second.auth_tokens.clear();  // the user group's default user replaces the token
    } else if (it->second.pending_auth_strategy == "SET") {
      // Leaving the user group for a token set in the same call: the default user gets the
      // token at once, never an open default user in between.
      it->second.auth_tokens = {it->second.pending_auth_token};
    }
    (void)SaveLocked(it->second);
  }
  return PushLive(start.id, &ReplicationGroups::PushUsers);
}

ReplicationGroups::GroupNodes ReplicationGroups::RunningNodesOf(
    const std::function<bool(const GroupRecord&)>& has) {
  GroupNodes nodes;
  std::lock_guard lock(mu_);
  for (const auto& [key, group] : groups_) {
    if (!has(group) || group.status == kStatusCreating || group.status == kStatusDeleting) {
      continue;
    }
    for (const NodeRecord& node : group.nodes) {
      if (node.pid != 0 && host_.IsRunning(node.cluster_id, node.pid)) {
        nodes.emplace_back(group, node);
      }
    }
  }
  return nodes;
}

ReplicationGroups::GroupNodes ReplicationGroups::NodesWithUser(const std::string& user_id) {
  const std::vector<std::string> user_groups =
      users_ ? users_->GroupsOfUser(user_id) : std::vector<std::string>();
  return RunningNodesOf([&](const GroupRecord& group) {
    return !group.user_group_ids.empty() &&
           std::find(user_groups.begin(), user_groups.end(), group.user_group_ids.front()) !=
               user_groups.end();
  });
}

absl::Status ReplicationGroups::TestPasswordOn(const GroupNodes& nodes,
                                               const std::string& user_name,
                                               const std::string& password) const {
  for (const auto& [group, node] : nodes) {
    NodeAddress address = AddressOf(group, node);
    address.user = user_name;
    address.passwords = {password};
    // AUTH is the test; the PING after it is refused (NOPERM) to a user without
    // @connection, which still authenticated.
    absl::StatusOr<tools::RespReply> reply = CallNode(address, {"PING"});
    if (!reply.ok() && !(absl::IsFailedPrecondition(reply.status()) &&
                         reply.status().message().find("NOPERM") != std::string_view::npos)) {
      return reply.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OlderPasswordUse> ReplicationGroups::OlderPasswordUseOn(
    const GroupNodes& nodes, const std::string& user_name) const {
  OlderPasswordUse use;
  const std::string prefix = "credential_" + user_name + "_";
  for (const auto& [group, node] : nodes) {
    absl::StatusOr<tools::RespReply> info = CallNode(AddressOf(group, node), {"INFO", "auth"});
    if (!info.ok()) {
      return info.status();
    }
    // credential_<user>_<id>:state=current,added=<ms>,connected_clients=<n>,…,
    // last_used_unix=<s>: every password row of the user but the newest one's.
    struct Row {
      int64_t added;
      int64_t connected;
      int64_t last_used;
    };
    std::vector<Row> rows;
    for (std::string_view line : common::Split(info->str, '\n')) {
      // The row's user is what lies between "credential_" and its key's last '_' (the id is
      // hex): a prefix alone would count app_clone's rows as app's.
      const std::string_view key = line.substr(0, line.find(':'));
      const size_t last = key.rfind('_');
      if (!key.starts_with(prefix) || last != prefix.size() - 1 ||
          line.find("state=current") == std::string_view::npos) {
        continue;
      }
      if (const std::string_view id = key.substr(prefix.size());
          id == "certificate" || id == "nopass") {
        continue;  // not a password: a certificate login, or nopass
      }
      const std::string text(line);
      const auto field = [&](std::string_view name, int64_t missing) {
        const size_t at = text.find("," + std::string(name) + "=");
        if (at == std::string::npos) {
          return missing;
        }
        const size_t begin = at + name.size() + 2;
        const size_t end = text.find_first_of(",\r", begin);
        return common::ParseInt64(text.substr(begin, end - begin)).value_or(missing);
      };
      const int64_t last_used = field("last_used_unix", 0);
      rows.push_back(
          {field("added", 0), field("connected_clients", 0), last_used > 0 ? last_used : -1});
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.added < b.added; });
    if (rows.size() > 1 && rows[rows.size() - 2].added == rows.back().added) {
      // Passwords added at the same moment (a node that loaded both from its config): which
      // is the newest cannot be told.
      return absl::UnavailableError(node.address + ": the newest password of " + user_name +
                                    " cannot be told apart");
    }
    for (size_t i = 0; i + 1 < rows.size(); ++i) {
      use.connections += rows[i].connected;
      use.last_used_unix = std::max(use.last_used_unix, rows[i].last_used);
    }
  }
  return use;
}

absl::Status ReplicationGroups::TestUserPassword(const UserRecord& user,
                                                 const std::string& password) {
  return TestPasswordOn(NodesWithUser(user.id), user.name, password);
}

absl::StatusOr<OlderPasswordUse> ReplicationGroups::OlderPasswordUseOf(const UserRecord& user) {
  return OlderPasswordUseOn(NodesWithUser(user.id), user.name);
}

absl::StatusOr<ReplicationGroups::GroupNodes> ReplicationGroups::TokenGroupNodes(
    const std::string& group_id) {
  std::optional<GroupRecord> group = Find(group_id);
  if (!group || !group->user_group_ids.empty() || group->auth_tokens.empty()) {
    return absl::FailedPreconditionError("replication group " + group_id +
                                         " does not authenticate with an auth token");
  }
  GroupNodes nodes =
      RunningNodesOf([&](const GroupRecord& g) { return g.id == group_id && !g.standalone; });
  if (nodes.size() != group->nodes.size()) {
    return absl::UnavailableError("a node of replication group " + group_id + " is not running");
  }
  return nodes;
}

absl::Status ReplicationGroups::TestAuthToken(const std::string& group_id,
                                              const std::string& token) {
  absl::StatusOr<GroupNodes> nodes = TokenGroupNodes(group_id);
  return nodes.ok() ? TestPasswordOn(*nodes, kDefaultUserName, token) : nodes.status();
}

absl::StatusOr<OlderPasswordUse> ReplicationGroups::OlderAuthTokenUse(const std::string& group_id) {
  absl::StatusOr<GroupNodes> nodes = TokenGroupNodes(group_id);
  if (!nodes.ok()) {
    return nodes.status();
  }
  return OlderPasswordUseOn(*nodes, kDefaultUserName);
}

absl::Status ReplicationGroups::RepushUsers(const std::string& group_id) {
  return PushLive(group_id, &ReplicationGroups::PushUsers);
}

}  // namespace redoubt::control
