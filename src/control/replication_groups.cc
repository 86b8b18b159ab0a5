// The replication groups and their nodes; see replication_groups.h.
#include "control/replication_groups.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "common/log.h"
#include "common/random_id.h"
#include "control/endpoint_names.h"
#include "control/group_topology.h"
#include "control/request_parameters.h"
#include "control/subnets.h"

namespace redoubt::control {
ApiError GroupNotFound(const std::string& id) {
  return ApiError{404, "ReplicationGroupNotFoundFault", "ReplicationGroup " + id + " not found."};
}

GroupRecord* ReplicationGroups::AvailableLocked(const std::string& id, std::string_view what,
                                                std::optional<ApiError>* error) {
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    *error = GroupNotFound(id);
    return nullptr;
  }
  if (it->second.status != kStatusAvailable) {
    *error = ApiError{400, "InvalidReplicationGroupState",
                      "Replication group " + id + " is " + it->second.status + "; it can be " +
                          std::string(what) + " only when available."};
    return nullptr;
  }
  return &it->second;
}

void ReplicationGroups::SetStatusLocked(GroupRecord& group, const char* status) {
  group.status = status;
  for (NodeRecord& node : group.nodes) {
    node.status = status;
  }
  if (group.status == kStatusModifying) {
    group.modify_started_ms = common::UnixMillis();
  }
}

ReplicationGroups::ReplicationGroups(GroupsOptions options, StateStore& store, NodeHost& host,
                                     std::shared_ptr<const CertificateAuthority> ca)
    : options_(options), store_(store), host_(host), ca_(std::move(ca)) {
  if (ca_) {
    tools::TlsClientOptions tls;
    tls.ca_file = ca_->ca_file();
    absl::StatusOr<std::unique_ptr<tools::TlsClientContext>> context =
        tools::TlsClientContext::Create(tls);
    if (context.ok()) {
      node_tls_ = *std::move(context);
    } else {
      common::Log(common::LogLevel::kWarning,
                  "no TLS towards the nodes: " + std::string(context.status().message()));
    }
  }
}

ReplicationGroups::~ReplicationGroups() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_supervisor_.notify_all();
  if (supervisor_.joinable()) {
    supervisor_.join();
  }
  for (Worker& worker : workers_) {
    worker.thread.join();
  }
}

NodeAddress ReplicationGroups::AddressOf(const GroupRecord& group, const NodeRecord& node) const {
  NodeAddress address{node.address, node.port, {}, {}, nullptr, options_.call_source};
  if (!group.service_password.empty()) {
    address.user = kServiceUserName;
    address.passwords = {group.service_password};
  } else {
    // The newest token first; while a token changes, a node may hold another.
    address.passwords.assign(group.auth_tokens.rbegin(), group.auth_tokens.rend());
    if (!group.pending_auth_token.empty()) {
      address.passwords.insert(address.passwords.begin(), group.pending_auth_token);
    }
  }
  if (node.tls_mode != "none" && node_tls_) {
    address.tls = node_tls_.get();
  }
  return address;
}

NodeSpec ReplicationGroups::SpecOf(const GroupRecord& group, const NodeRecord& node) const {
  NodeSpec spec;
  spec.name = node.cluster_id;
  spec.address = node.address;
  spec.port = node.port;
  auto add = [&](std::vector<std::string> line) { spec.directives.push_back(std::move(line)); };
  // As ElastiCache's defaults: no persistence, volatile-lru eviction at the node type's memory.
  add({"save", ""});
  add({"appendonly", "no"});
  add({"maxmemory", std::to_string(group.maxmemory)});
  add({"maxmemory-policy", "volatile-lru"});
  // Its link to a primary leaves from its own address, as from a host of its own (the kernel
  // would pick 127.0.0.1), so that the primary, FAILOVER TO and INFO replication see it there.
  add({"bind-source-addr", node.address});
  // Clients and peers come from other addresses, as from other hosts: protected mode (which
  // takes only 127.0.0.1 as local) would refuse them while AUTH is off. What may connect is
  // the security groups' business (network-allow), as in ElastiCache.
  add({"protected-mode", "no"});
  if (const std::string allow = NetworkAllowOf(group, node.port); !allow.empty()) {
    add({"network-allow", allow});
  }
  if (group.cluster_enabled) {
    add({"cluster-enabled", "yes"});
    add({"cluster-config-file", "nodes.conf"});
    add({"cluster-node-timeout", std::to_string(options_.cluster_node_timeout_ms)});
  } else if (!node.primary) {
    // Written into the config too, so that a replica restarted by the supervisor rejoins.
    if (const NodeRecord* primary = group.PrimaryOf(node.node_group_id)) {
      add({"replicaof", primary->address, std::to_string(primary->port)});
    }
  }
  // The transport as last applied to this node, so that a restart keeps it.
  if (!node.tls_cert_file.empty()) {
    add({"tls-cert-file", node.tls_cert_file});
    add({"tls-key-file", node.tls_key_file});
    add({"tls-ca-cert-file", node.tls_ca_file});
    add({"tls-mode", node.tls_mode});
    add({"tls-replication", node.tls_links ? "yes" : "no"});
    if (group.cluster_enabled) {
      add({"tls-cluster", node.tls_links ? "yes" : "no"});
    }
  }
  // The users: the user group's members, or the default user with the auth tokens (two during
  // a rotation). Replicas link to their primary as the control plane's own user; groups older
  // than it use the newest token.
  for (std::vector<std::string>& user : NodeUsersOf(group)) {
    user.insert(user.begin(), "user");
    add(std::move(user));
  }
  if (!group.service_password.empty()) {
    add({"user", kServiceUserName, "on", ">" + group.service_password, "~*", "&*", "+@all"});
    add({"masteruser", kServiceUserName});
    add({"masterauth", group.service_password});
  } else if (!group.auth_tokens.empty()) {
    add({"masterauth", group.auth_tokens.back()});
  }
  return spec;
}

bool ReplicationGroups::AssignAddressesLocked(GroupRecord* draft) {
  std::set<std::string> taken;
  for (const auto& [id, group] : groups_) {
    for (const NodeRecord& node : group.nodes) {
      taken.insert(node.address);
    }
  }
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  if (subnet_groups_ != nullptr) {
    for (const Subnet& subnet : subnet_groups_->SubnetsOfGroup(draft->subnet_group)) {
      ranges.emplace_back(subnet.first, subnet.last);
    }
  } else {
    ranges.emplace_back(options_.first_address, options_.last_address);
  }
  size_t range = 0;
  uint32_t next = ranges.empty() ? 0 : ranges[0].first;
  for (NodeRecord& node : draft->nodes) {
    for (;; ++next) {
      while (range < ranges.size() && (next > ranges[range].second || next < ranges[range].first)) {
        if (++range < ranges.size()) {
          next = ranges[range].first;
        }
      }
      if (range == ranges.size()) {
        return false;
      }
      const std::string address = Ipv4Text(next);
      // Another program (or a node this control plane forgot) may hold the port: such an
      // address is skipped rather than failing the creation later.
      if (taken.count(address) == 0 && host_.PortsFree(address, draft->port)) {
        node.address = address;
        taken.insert(address);
        ++next;
        break;
      }
    }
  }
  return true;
}

void ReplicationGroups::PublishNamesLocked() {
  if (hosts_ == nullptr) {
    return;
  }
  std::vector<HostsEntry> entries;
  for (const auto& [id, group] : groups_) {
    if (group.status == kStatusCreating || group.status == kStatusDeleting) {
      continue;
    }
    std::vector<HostsEntry> names = PublishedNames(group, options_.dns_zone);
    entries.insert(entries.end(), names.begin(), names.end());
  }
  if (absl::Status s = hosts_->Publish(entries); !s.ok()) {
    common::Log(common::LogLevel::kWarning,
                "endpoint names not published: " + std::string(s.message()));
  }
}

absl::Status ReplicationGroups::SaveLocked(const GroupRecord& group) {
  absl::Status s = store_.SaveGroup(group);
  if (!s.ok()) {
    common::Log(common::LogLevel::kWarning, std::string(s.message()));
  }
  return s;
}

absl::Status ReplicationGroups::StartNodes(GroupRecord* group) {
  for (NodeRecord& node : group->nodes) {
    if (node.pid != 0 && host_.IsRunning(node.cluster_id, node.pid)) {
      continue;
    }
    absl::StatusOr<int64_t> pid = host_.Start(SpecOf(*group, node));
    if (!pid.ok()) {
      return pid.status();
    }
    node.pid = *pid;
  }
  return absl::OkStatus();
}

void ReplicationGroups::StopNodes(const GroupRecord& group) {
  // SIGTERM to all first, then wait for each: they shut down in parallel.
  std::vector<std::thread> stoppers;
  for (const NodeRecord& node : group.nodes) {
    stoppers.emplace_back([this, node] {
      host_.Stop(node.cluster_id, node.pid, options_.stop_grace_ms);
      host_.Remove(node.cluster_id);
    });
  }
  for (std::thread& t : stoppers) {
    t.join();
  }
}

std::optional<ApiError> ReplicationGroups::Create(GroupRecord draft, GroupRecord* created) {
  const int64_t now = common::UnixMillis();
  SetStatusLocked(draft, kStatusCreating);  // a draft of our own: no lock needed yet
  draft.create_time_ms = now;
  draft.dns_hash = NewNameHash();
  draft.service_password = common::RandomHexId();
  if (!draft.auth_tokens.empty()) {
    draft.auth_token_modified_ms = now;
  }
  for (NodeRecord& node : draft.nodes) {
    node.create_time_ms = now;
    node.port = draft.port;
  }
  for (const std::string& sg : draft.security_group_ids) {
    if (security_groups_ == nullptr || !security_groups_->Find(sg)) {
      return InvalidValue("The security group " + sg + " does not exist.");
    }
  }
  if (subnet_groups_ != nullptr && !subnet_groups_->Find(draft.subnet_group)) {
    return CacheSubnetGroupNotFound(draft.subnet_group);
  }
  for (const std::string& user_group : draft.user_group_ids) {
    if (users_ == nullptr || !users_->FindUserGroup(user_group)) {
      return UserGroupNotFound(user_group);
    }
  }
  {
    std::lock_guard lock(mu_);
    if (groups_.count(draft.id) != 0) {
      return ApiError{400, "ReplicationGroupAlreadyExists",
                      "Replication group " + draft.id + " already exists."};
    }
    // A cache cluster retained from an earlier group of this id keeps its name (and its
    // folder): a new member may not take it.
    for (const auto& [key, other] : groups_) {
      for (const NodeRecord& node : draft.nodes) {
        if (other.FindNode(node.cluster_id) != nullptr) {
          return ApiError{400, "CacheClusterAlreadyExists",
                          "Cache cluster " + node.cluster_id + " already exists."};
        }
      }
    }
    if (!AssignAddressesLocked(&draft)) {
      return ApiError{
          400, "InsufficientCacheClusterCapacity",
          "Not enough free node addresses for " + std::to_string(draft.nodes.size()) + " nodes."};
    }
    groups_[draft.id] = draft;
    (void)SaveLocked(draft);
  }
  *created = draft;

  const int64_t deadline = common::MonotonicMillis() + options_.start_timeout_ms;
  absl::Status s;
  if (draft.transit_encryption) {
    for (NodeRecord& node : draft.nodes) {
      if (s.ok()) {
        s = EnsureCertificate(draft, &node);
      }
      node.tls_mode = draft.transit_encryption_mode;
      node.tls_links = true;
    }
  }
  if (s.ok()) {
    s = StartNodes(&draft);
  }
  {
    // The pids, recorded before the wait, so that a crash of the control plane during the
    // creation knows which processes to stop.
    std::lock_guard lock(mu_);
    groups_[draft.id] = draft;
    (void)SaveLocked(draft);
  }
  const NodeAddressFn address_of = [this, &draft](const NodeRecord& node) {
    return AddressOf(draft, node);
  };
  const int64_t spawned_ms = common::MonotonicMillis();
  if (s.ok()) {
    s = WaitUntilServing(draft, address_of, deadline);
  }
  const int64_t serving_ms = common::MonotonicMillis();
  if (s.ok()) {
    s = FormTopology(draft, address_of, deadline);
  }
  if (s.ok()) {
    common::Log(common::LogLevel::kNotice,
                "replication group " + draft.id + ": " + std::to_string(draft.nodes.size()) +
                    " nodes serving " + std::to_string(serving_ms - spawned_ms) +
                    " ms after they were started, formed " +
                    std::to_string(common::MonotonicMillis() - serving_ms) + " ms later");
  }
  if (!s.ok()) {
    std::string why(s.message());
    for (const NodeRecord& node : draft.nodes) {
      if (!host_.IsRunning(node.cluster_id, node.pid)) {
        why += "; node " + node.cluster_id + " exited: " + host_.LogTail(node.cluster_id, 300);
        break;
      }
    }
    StopNodes(draft);
    {
      std::lock_guard lock(mu_);
      groups_.erase(draft.id);
      (void)store_.DeleteGroup(draft.id);
      for (const NodeRecord& node : draft.nodes) {
        backoff_.erase(node.cluster_id);
      }
    }
    RecordEvent(kSourceGroup, draft.id, "Failed to create replication group: " + why);
    return ApiError{500, "InternalFailure",
                    "Replication group " + draft.id + " could not be created: " + why, false};
  }
  {
    std::lock_guard lock(mu_);
    GroupRecord& group = groups_[draft.id];
    group = draft;
    SetStatusLocked(group, kStatusAvailable);
    (void)SaveLocked(group);
    PublishNamesLocked();
  }
  // Rules or users changed while the nodes started are not in their configs: once more.
  if (!draft.security_group_ids.empty()) {
    if (absl::Status pushed = PushLive(draft.id, &ReplicationGroups::PushNetworkAllow);
        !pushed.ok()) {
      RecordEvent(
          kSourceGroup, draft.id,
          "Security group rules not applied to every node: " + std::string(pushed.message()));
    }
  }
  if (!draft.user_group_ids.empty()) {
    if (absl::Status pushed = PushLive(draft.id, &ReplicationGroups::PushUsers); !pushed.ok()) {
      RecordEvent(kSourceGroup, draft.id,
                  "Users not applied to every node: " + std::string(pushed.message()));
    }
  }
  for (const NodeRecord& node : draft.nodes) {
    RecordEvent(kSourceCluster, node.cluster_id, "Cache cluster created");
  }
  RecordEvent(kSourceGroup, draft.id, "Replication group " + draft.id + " created");
  return std::nullopt;
}

std::optional<ApiError> ReplicationGroups::Delete(const std::string& id, bool retain_primary,
                                                  GroupRecord* deleted) {
  GroupRecord group;
  std::string retained_id;
  {
    std::lock_guard lock(mu_);
    std::optional<ApiError> error;
    GroupRecord* found = AvailableLocked(id, "deleted", &error);
    if (found == nullptr) {
      return error;
    }
    if (retain_primary) {
      const NodeRecord* primary =
          found->node_groups.empty() ? nullptr : found->PrimaryOf(found->node_groups[0].id);
      if (found->cluster_enabled || primary == nullptr) {
        return InvalidCombination(
            "RetainPrimaryCluster applies to replication groups without cluster mode.");
      }
      retained_id = primary->cluster_id;
    }
    SetStatusLocked(*found, kStatusDeleting);
    found->retained_cluster_id = retained_id;
    (void)SaveLocked(*found);
    group = *found;
  }
  *deleted = group;
  (void)FinishDeletion(group);
  RecordEvent(kSourceGroup, id, "Replication group " + id + " deleted");
  if (!retained_id.empty()) {
    RecordEvent(kSourceCluster, retained_id,
                "Cache cluster retained from replication group " + id + " as a cache cluster");
  }
  return std::nullopt;
}

std::optional<GroupRecord> ReplicationGroups::FinishDeletion(const GroupRecord& group) {
  const std::string& retained_id = group.retained_cluster_id;
  // The retained primary keeps running, as it is: only the others stop.
  GroupRecord stopped = group;
  std::erase_if(stopped.nodes,
                [&](const NodeRecord& node) { return node.cluster_id == retained_id; });
  StopNodes(stopped);
  // A push already under way to the group's nodes ends first (one that starts later finds no
  // group): none lands after the retained node's own.
  const std::shared_ptr<std::mutex> serial = PushMutexOf(RecordKey(group));
  std::lock_guard push_lock(*serial);
  std::optional<GroupRecord> retained;
  {
    std::lock_guard lock(mu_);
    const std::string key = RecordKey(group);
    groups_.erase(key);
    push_mutexes_.erase(key);
    promotion_retry_ms_.erase(group.id);
    for (const NodeRecord& node : stopped.nodes) {
      backoff_.erase(node.cluster_id);
    }
    if (retained_id.empty() || group.FindNode(retained_id) == nullptr) {
      (void)store_.DeleteGroup(key);
      PublishNamesLocked();
      return std::nullopt;
    }
    GroupRecord standalone = group;
    std::erase_if(standalone.nodes,
                  [&](const NodeRecord& node) { return node.cluster_id != retained_id; });
    standalone.standalone = true;
    standalone.retained_cluster_id.clear();
    standalone.automatic_failover = false;
    standalone.multi_az = false;
    SetStatusLocked(standalone, kStatusAvailable);
    (void)store_.ReplaceGroup(key, standalone);
    retained = groups_[RecordKey(standalone)] = std::move(standalone);
    PublishNamesLocked();
  }
  // The replicas it admitted as the group's nodes are gone: its rules no longer name them.
  if (!retained->security_group_ids.empty()) {
    (void)PushLive(RecordKey(*retained), &ReplicationGroups::PushNetworkAllow);
  }
  return retained;
}

std::optional<ApiError> ReplicationGroups::DeleteCacheCluster(const std::string& cluster_id,
                                                              GroupRecord* deleted) {
  GroupRecord record;
  {
    std::lock_guard lock(mu_);
    GroupRecord* found = nullptr;
    for (auto& [key, group] : groups_) {
      if (group.FindNode(cluster_id) == nullptr) {
        continue;
      }
      if (!group.standalone) {
        return ApiError{400, "InvalidCacheClusterState",
                        "Cache cluster " + cluster_id + " is a member of replication group " +
                            group.id + ": delete or modify the replication group instead."};
      }
      found = &group;
      break;
    }
    if (found == nullptr) {
      return ApiError{404, "CacheClusterNotFound", "CacheCluster " + cluster_id + " not found."};
    }
    if (found->status != kStatusAvailable) {
      return ApiError{400, "InvalidCacheClusterState",
                      "Cache cluster " + cluster_id + " is " + found->status + "."};
    }
    SetStatusLocked(*found, kStatusDeleting);
    (void)SaveLocked(*found);
    record = *found;
  }
  *deleted = record;
  (void)FinishDeletion(record);
  RecordEvent(kSourceCluster, cluster_id, "Cache cluster deleted");
  return std::nullopt;
}

void ReplicationGroups::UseSubnetGroups(CacheSubnetGroups* subnet_groups) {
  subnet_groups_ = subnet_groups;
  subnet_groups->SetUsersOf([this](const std::string& name) {
    std::lock_guard lock(mu_);
    std::vector<std::string> users;
    for (const auto& [id, group] : groups_) {
      if (group.subnet_group == name) {
        users.push_back(id);
      }
    }
    return users;
  });
}

std::optional<ApiError> ReplicationGroups::ChangeGroupTags(const std::string& id,
                                                           const std::vector<TagRecord>& add,
                                                           const std::vector<std::string>& remove,
                                                           std::vector<TagRecord>* after) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    return GroupNotFound(id);
  }
  if (it->second.status == kStatusCreating) {
    // Create writes its draft back whole once the nodes are formed.
    return ApiError{400, "InvalidReplicationGroupState",
                    "Replication group " + id + " is being created: tag it once it is available."};
  }
  std::vector<TagRecord> tags = it->second.tags;
  ChangeTags(&tags, add, remove);
  if (tags.size() > 50) {
    return ApiError{400, "TagQuotaPerResourceExceeded", "A resource has at most 50 tags."};
  }
  it->second.tags = tags;
  (void)SaveLocked(it->second);
  *after = std::move(tags);
  return std::nullopt;
}

std::vector<std::string> ReplicationGroups::GroupsNaming(const std::string& id, IdList current,
                                                         IdList pending) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> found;
  for (const auto& [group_id, group] : groups_) {
    for (IdList list : {current, pending}) {
      const std::vector<std::string>& ids = group.*list;
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
        // A cache cluster retained from a group goes by its own id, not its record's key.
        found.push_back(group.standalone && !group.nodes.empty() ? group.nodes.front().cluster_id
                                                                 : group.id);
        break;
      }
    }
  }
  return found;
}

void ReplicationGroups::PushToGroupsNaming(
    const std::string& id, IdList current, const std::string& what,
    absl::Status (ReplicationGroups::*push)(const GroupRecord&)) {
  std::vector<GroupRecord> affected;
  {
    std::lock_guard lock(mu_);
    for (const auto& [group_id, group] : groups_) {
      const std::vector<std::string>& ids = group.*current;
      if (group.status != kStatusCreating && group.status != kStatusDeleting &&
          std::find(ids.begin(), ids.end(), id) != ids.end()) {
        affected.push_back(group);
      }
    }
  }
  for (const GroupRecord& group : affected) {
    const absl::Status s = PushLive(RecordKey(group), push);
    RecordEvent(kSourceGroup, group.id,
                s.ok() ? what + " applied to the nodes of replication group " + group.id
                       : what + " not applied to every node of replication group " + group.id +
                             " (a node restarted later gets them): " + std::string(s.message()));
  }
}

std::shared_ptr<std::mutex> ReplicationGroups::PushMutexOf(const std::string& key) {
  std::lock_guard lock(mu_);
  std::shared_ptr<std::mutex>& slot = push_mutexes_[key];
  if (!slot) {
    slot = std::make_shared<std::mutex>();
  }
  return slot;
}

absl::Status ReplicationGroups::PushLive(
    const std::string& key, absl::Status (ReplicationGroups::*push)(const GroupRecord&)) {
  const std::shared_ptr<std::mutex> serial = PushMutexOf(key);
  std::lock_guard push_lock(*serial);
  std::optional<GroupRecord> live = Find(key);
  if (!live) {
    return absl::OkStatus();
  }
  return (this->*push)(*live);
}

std::optional<GroupRecord> ReplicationGroups::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<GroupRecord> ReplicationGroups::All(bool with_standalone) const {
  std::lock_guard lock(mu_);
  std::vector<GroupRecord> all;
  all.reserve(groups_.size());
  for (const auto& [key, group] : groups_) {
    if (with_standalone || !group.standalone) {
      all.push_back(group);
    }
  }
  return all;
}

void ReplicationGroups::RecordEvent(const std::string& source_type, const std::string& source_id,
                                    const std::string& message) {
  common::Log(common::LogLevel::kNotice, source_type + " " + source_id + ": " + message);
  if (absl::Status s = store_.AppendEvent({common::UnixMillis(), source_type, source_id, message});
      !s.ok()) {
    common::Log(common::LogLevel::kWarning, std::string(s.message()));
  }
}

absl::StatusOr<std::vector<EventRecord>> ReplicationGroups::Events(const EventFilter& filter) {
  return store_.Events(filter);
}

absl::Status ReplicationGroups::Recover() {
  absl::StatusOr<std::vector<GroupRecord>> stored = store_.LoadGroups();
  if (!stored.ok()) {
    return stored.status();
  }
  for (GroupRecord& group : *stored) {
    if (group.status == kStatusCreating || group.status == kStatusDeleting) {
      // Interrupted by a restart of the control plane: a deletion is finished (keeping the
      // primary it was asked to retain), a creation (whose topology may be half formed) is
      // undone and reported.
      const bool creating = group.status == kStatusCreating;
      if (creating) {
        group.retained_cluster_id.clear();
      }
      std::optional<GroupRecord> retained = FinishDeletion(group);
      if (group.standalone) {
        RecordEvent(kSourceCluster, group.nodes.empty() ? group.id : group.nodes[0].cluster_id,
                    "Cache cluster deleted");
      } else {
        RecordEvent(kSourceGroup, group.id,
                    creating ? "Failed to create replication group: the control plane restarted "
                               "during the creation"
                             : "Replication group " + group.id + " deleted");
      }
      if (!retained) {
        continue;
      }
      RecordEvent(
          kSourceCluster, group.retained_cluster_id,
          "Cache cluster retained from replication group " + group.id + " as a cache cluster");
      group = std::move(*retained);  // recovered below as any standalone cache cluster
    }
    // A primary that died while the control plane was down is replaced by a replica, as the
    // supervisor would have done, rather than restarted empty (before any dead replica is
    // restarted, empty too, and counted as one that could take over).
    std::vector<std::string> replaceable;
    for (const NodeRecord& node : group.nodes) {
      std::lock_guard lock(mu_);
      if (node.primary && !group.cluster_enabled && group.automatic_failover &&
          !host_.IsRunning(node.cluster_id, node.pid) && HasRunningReplicaLocked(group, node)) {
        replaceable.push_back(node.cluster_id);
      }
    }
    for (NodeRecord& node : group.nodes) {
      if (host_.IsRunning(node.cluster_id, node.pid) ||
          std::find(replaceable.begin(), replaceable.end(), node.cluster_id) != replaceable.end()) {
        continue;
      }
      absl::StatusOr<int64_t> pid = host_.Start(SpecOf(group, node));
      node.pid = pid.ok() ? *pid : 0;
      RecordEvent(kSourceCluster, node.cluster_id,
                  pid.ok() ? "Cache node 0001 restarted: it was not running when the control "
                             "plane started"
                           : "Cache node 0001 could not be restarted: " +
                                 std::string(pid.status().message()));
    }
    const bool resume = group.status == kStatusModifying;
    std::vector<std::pair<std::string, std::string>> promotions;  // cluster id, message
    {
      std::lock_guard lock(mu_);
      GroupRecord& recovered = groups_[RecordKey(group)] = group;
      for (const std::string& cluster_id : replaceable) {
        (void)QueuePromotionLocked(recovered, *recovered.FindNode(cluster_id), &promotions);
      }
      (void)SaveLocked(recovered);
    }
    for (const auto& [cluster_id, message] : promotions) {
      RecordEvent(kSourceCluster, cluster_id, message);
    }
    {
      std::lock_guard lock(mu_);
      PublishNamesLocked();
    }
    if (resume) {
      // Each step checks the node's recorded state first: applying again is safe.
      RecordEvent(kSourceGroup, group.id,
                  "Resuming the modification that a restart of the control plane interrupted");
      std::lock_guard lock(mu_);
      StartWorkerLocked(group.id);
    }
  }
  RefreshNodeAccess();
  return absl::OkStatus();
}

void ReplicationGroups::RefreshNodeAccess() {
  for (const GroupRecord& group : All(/*with_standalone=*/true)) {
    if (group.status == kStatusCreating || group.status == kStatusDeleting) {
      continue;
    }
    // Nodes started by an older control plane admit 127.0.0.1, where its calls came from, and
    // not call_source: the list is sent again, from 127.0.0.1 when the node refuses the other.
    if (!group.security_group_ids.empty()) {
      for (const NodeRecord& node : group.nodes) {
        NodeAddress address = AddressOf(group, node);
        const std::vector<std::string> args = {"CONFIG", "SET", "network-allow",
                                               NetworkAllowOf(group, node.port)};
        if (!CallNode(address, args).ok()) {
          address.source.clear();
          (void)CallNode(address, args);
        }
      }
    }
    // Their customer users may lack the restrictions newer nodes give them (kRestrictedRules).
    if (!group.service_password.empty()) {
      (void)PushLive(RecordKey(group), &ReplicationGroups::PushUsers);
    }
  }
}

void ReplicationGroups::StartSupervisor() {
  supervisor_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_supervisor_.wait_for(lock, std::chrono::milliseconds(options_.supervise_interval_ms));
      if (stopping_) {
        break;
      }
      lock.unlock();
      SuperviseOnce();
      const int64_t now = common::MonotonicMillis();
      if (now - last_role_refresh_ms_ >= options_.role_refresh_interval_ms) {
        last_role_refresh_ms_ = now;
        RefreshRoles();
        RenewCertificates();
      }
      lock.lock();
    }
  });
}

void ReplicationGroups::RefreshRoles() {
  std::vector<GroupRecord> groups;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, group] : groups_) {
      if (group.status == kStatusAvailable && group.cluster_enabled) {
        groups.push_back(group);
      }
    }
  }
  for (const GroupRecord& group : groups) {
    // Outside the lock: one ROLE per node. A node that does not answer keeps its recorded role.
    std::map<std::string, bool> primary;  // cluster id → reports master
    for (const NodeRecord& node : group.nodes) {
      absl::StatusOr<tools::RespReply> role = CallNode(AddressOf(group, node), {"ROLE"}, 1000);
      if (role.ok() && !role->elements.empty()) {
        primary[node.cluster_id] = role->elements[0].str == "master";
      }
    }
    std::vector<std::string> promoted;
    {
      std::lock_guard lock(mu_);
      auto it = groups_.find(group.id);
      if (it == groups_.end() || it->second.status != kStatusAvailable) {
        continue;  // changed meanwhile: the next round looks again
      }
      bool changed = false;
      for (NodeRecord& node : it->second.nodes) {
        auto seen = primary.find(node.cluster_id);
        if (seen != primary.end() && seen->second != node.primary) {
          node.primary = seen->second;
          changed = true;
          if (node.primary) {
            promoted.push_back(node.cluster_id);
          }
        }
      }
      if (changed) {
        (void)SaveLocked(it->second);
        PublishNamesLocked();
      }
    }
    for (const std::string& cluster_id : promoted) {
      RecordEvent(kSourceCluster, cluster_id,
                  "Cache node 0001 of " + cluster_id +
                      " is now the primary of its node group (the cluster failed over to it)");
    }
  }
}

bool ReplicationGroups::HasRunningReplicaLocked(const GroupRecord& group,
                                                const NodeRecord& primary) {
  return std::any_of(group.nodes.begin(), group.nodes.end(), [&](const NodeRecord& n) {
    return n.node_group_id == primary.node_group_id && !n.primary &&
           host_.IsRunning(n.cluster_id, n.pid);
  });
}

bool ReplicationGroups::IsBeingReplacedLocked(const GroupRecord& group, const NodeRecord& primary) {
  if (group.cluster_enabled || !group.automatic_failover) {
    return false;
  }
  // A promotion is queued or running for its node group, or one will be once the modification
  // in progress ends or a failed one may be tried again (a replica runs that can take over):
  // either way the primary waits.
  auto retry = promotion_retry_ms_.find(group.id);
  const bool retrying = retry != promotion_retry_ms_.end();
  return (group.pending_failover_automatic && group.pending_failover == primary.node_group_id) ||
         ((group.status == kStatusModifying || retrying) &&
          HasRunningReplicaLocked(group, primary));
}

bool ReplicationGroups::QueuePromotionLocked(
    GroupRecord& group, const NodeRecord& primary,
    std::vector<std::pair<std::string, std::string>>* events) {
  if (group.cluster_enabled || !group.automatic_failover || !group.pending_failover.empty() ||
      !HasRunningReplicaLocked(group, primary)) {
    return false;
  }
  // A promotion that failed (no replica answered) is tried again 30 s later, not at every
  // supervisor round.
  if (auto retry = promotion_retry_ms_.find(group.id);
      retry != promotion_retry_ms_.end() && common::MonotonicMillis() < retry->second) {
    return false;
  }
  group.pending_failover = primary.node_group_id;
  group.pending_failover_automatic = true;
  if (group.status == kStatusAvailable) {
    SetStatusLocked(group, kStatusModifying);
    StartWorkerLocked(group.id);
    events->emplace_back(primary.cluster_id, "Primary node " + primary.cluster_id +
                                                 " exited: promoting its most advanced replica");
  } else {
    // ApplyModification runs it as soon as the modification in progress ends.
    events->emplace_back(primary.cluster_id,
                         "Primary node " + primary.cluster_id +
                             " exited: its most advanced replica will be promoted once the "
                             "modification in progress ends");
  }
  return true;
}

void ReplicationGroups::SuperviseOnce() {
  std::vector<std::pair<std::string, std::string>> restarted;  // cluster id, message
  {
    // Under the lock: a deletion marks its group first, so a node it is stopping is never
    // restarted here. Checking and spawning take microseconds each.
    std::lock_guard lock(mu_);
    for (auto& [id, group] : groups_) {
      if (group.status == kStatusCreating || group.status == kStatusDeleting) {
        continue;
      }
      // (A group being modified is supervised too: its nodes restart with their transport as
      // last applied.)
      bool changed = false;
      for (NodeRecord& node : group.nodes) {
        if (host_.IsRunning(node.cluster_id, node.pid)) {
          continue;
        }
        // A primary that comes back would come back empty (the nodes keep no data on disk),
        // and its replicas would copy that: without cluster mode, a replica takes over first
        // (the cluster does that by itself), and the old primary restarts as its replica.
        if (node.primary && QueuePromotionLocked(group, node, &restarted)) {
          changed = true;
          continue;
        }
        if (node.primary && IsBeingReplacedLocked(group, node)) {
          continue;
        }
        RestartBackoff& backoff = backoff_[node.cluster_id];
        const int64_t now = common::MonotonicMillis();
        if (now < backoff.last_start_ms + backoff.delay_ms) {
          continue;
        }
        backoff.delay_ms =
            backoff.last_start_ms != 0 && now - backoff.last_start_ms < 10000
                ? std::min<int64_t>(std::max<int64_t>(backoff.delay_ms * 2, 500), 30000)
                : 0;
        backoff.last_start_ms = now;
        absl::StatusOr<int64_t> pid = host_.Start(SpecOf(group, node));
        node.pid = pid.ok() ? *pid : 0;
        changed = true;
        restarted.emplace_back(node.cluster_id,
                               pid.ok() ? "Cache node 0001 restarted: its process had exited"
                                        : "Cache node 0001 could not be restarted: " +
                                              std::string(pid.status().message()));
      }
      if (changed) {
        (void)SaveLocked(group);
      }
    }
  }
  for (const auto& [cluster_id, message] : restarted) {
    RecordEvent(kSourceCluster, cluster_id, message);
  }
}

}  // namespace redoubt::control
