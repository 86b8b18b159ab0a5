// Reading CreateReplicationGroup; see group_request.h.
#include "control/group_request.h"

#include "absl/strings/str_format.h"
#include "common/ascii.h"
#include "common/numbers.h"
#include "control/group_topology.h"
#include "control/node_types.h"
#include "control/request_parameters.h"

namespace redoubt::control {
namespace {

constexpr int kSlots = 16384;

// One node group as the request shapes it.
struct ShardPlan {
  std::string id;
  std::string slots;
  int replicas = 0;
};

// The node groups of a cluster-mode group: NodeGroupConfiguration when given, else NumNodeGroups
// (default 1) with ReplicasPerNodeGroup each (default 0), slots split evenly.
std::optional<ApiError> ReadShardPlans(const FormParams& params, std::optional<int> num_groups,
                                       std::optional<int> replicas, std::vector<ShardPlan>* plans) {
  const std::string prefix = "NodeGroupConfiguration.NodeGroupConfiguration.";
  for (int i = 1; params.Has(prefix + std::to_string(i) + ".Slots") ||
                  params.Has(prefix + std::to_string(i) + ".ReplicaCount") ||
                  params.Has(prefix + std::to_string(i) + ".NodeGroupId");
       ++i) {
    const std::string item = prefix + std::to_string(i) + ".";
    ShardPlan plan;
    plan.id = params.Get(item + "NodeGroupId").value_or(absl::StrFormat("%04d", i));
    if (plan.id.empty() || plan.id.size() > 4 ||
        plan.id.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidValue("Invalid NodeGroupId: " + plan.id + ". It is 1 to 4 digits.");
    }
    plan.slots = params.Get(item + "Slots").value_or("");
    std::optional<int> count;
    if (auto e = ReadInt(params, item + "ReplicaCount", 0, 5, &count)) {
      return e;
    }
    plan.replicas = count.value_or(replicas.value_or(0));
    plans->push_back(plan);
  }
  if (!plans->empty()) {
    if (num_groups && *num_groups != static_cast<int>(plans->size())) {
      return InvalidCombination(
          "NumNodeGroups must equal the number of NodeGroupConfiguration "
          "items.");
    }
  } else {
    const int count = num_groups.value_or(1);
    const std::vector<std::string> ranges = EvenSlotRanges(count);
    for (int i = 0; i < count; ++i) {
      plans->push_back({absl::StrFormat("%04d", i + 1), ranges[i], replicas.value_or(0)});
    }
  }
  // The slots given must cover every slot exactly once; none given means an even split.
  std::vector<bool> covered(kSlots, false);
  const bool any_given = std::any_of(plans->begin(), plans->end(),
                                     [](const ShardPlan& p) { return !p.slots.empty(); });
  const std::vector<std::string> even = EvenSlotRanges(static_cast<int>(plans->size()));
  for (size_t i = 0; i < plans->size(); ++i) {
    ShardPlan& plan = (*plans)[i];
    if (!any_given) {
      plan.slots = even[i];
    }
    absl::StatusOr<std::vector<std::pair<int, int>>> ranges = ParseSlotRanges(plan.slots);
    if (!ranges.ok()) {
      return InvalidValue("Node group " + plan.id + ": " + std::string(ranges.status().message()));
    }
    for (const auto& [first, last] : *ranges) {
      for (int slot = first; slot <= last; ++slot) {
        if (covered[slot]) {
          return InvalidValue(absl::StrFormat("Slot %d is in more than one node group.", slot));
        }
        covered[slot] = true;
      }
    }
  }
  if (std::find(covered.begin(), covered.end(), false) != covered.end()) {
    return InvalidValue("The node groups' slots must cover 0-16383.");
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> CheckAuthToken(const std::string& token) {
  if (!IsValidSecret(token)) {
    // As ElastiCache: the token is never echoed back.
    return InvalidValue(
        "Invalid AuthToken: it must be 16 to 128 printable characters, without "
        "spaces, ', \", / or @.");
  }
  return std::nullopt;
}

// SecurityGroupIds.SecurityGroupId.N: ids of the form sg-…, each once, at most five (EC2's
// limit per network interface). Whether they exist is the replication groups' check.
std::optional<ApiError> ReadSecurityGroupIds(const FormParams& params,
                                             std::vector<std::string>* ids) {
  for (const std::string& id : params.List("SecurityGroupIds.SecurityGroupId")) {
    if (id.rfind("sg-", 0) != 0) {
      return InvalidValue("Invalid security group id " + id + ": expected sg-….");
    }
    if (std::find(ids->begin(), ids->end(), id) == ids->end()) {
      ids->push_back(id);
    }
  }
  if (ids->size() > 5) {
    return InvalidValue("At most 5 security groups may be given, got " +
                        std::to_string(ids->size()) + ".");
  }
  return std::nullopt;
}

std::optional<ApiError> ReadModifyReplicationGroup(const FormParams& params, std::string* id,
                                                   GroupModification* change) {
  if (auto e = ReadRequired(params, "ReplicationGroupId", id)) {
    return e;
  }
  *id = common::ToLower(*id);
  static const char* const kApplied[] = {"Action",
                                         "Version",
                                         "ReplicationGroupId",
                                         "ApplyImmediately",
                                         "ReplicationGroupDescription",
                                         "TransitEncryptionEnabled",
                                         "TransitEncryptionMode",
                                         "AuthToken",
                                         "AuthTokenUpdateStrategy"};
  for (const auto& [name, value] : params.all()) {
    if (std::find(std::begin(kApplied), std::end(kApplied), name) == std::end(kApplied) &&
        !name.starts_with("SecurityGroupIds.") && !name.starts_with("UserGroupIdsToAdd.") &&
        !name.starts_with("UserGroupIdsToRemove.")) {
      return InvalidCombination("The parameter " + name.substr(0, name.find('.')) +
                                " cannot be modified on this control plane yet.");
    }
  }
  std::optional<bool> apply_immediately;
  std::optional<bool> enabled;
  if (auto e = ReadBool(params, "ApplyImmediately", &apply_immediately)) {
    return e;
  }
  if (auto e = ReadBool(params, "TransitEncryptionEnabled", &enabled)) {
    return e;
  }
  change->description = params.Get("ReplicationGroupDescription");
  std::optional<std::string> mode = params.Get("TransitEncryptionMode");
  if (mode && *mode != "preferred" && *mode != "required") {
    return InvalidValue("TransitEncryptionMode must be preferred or required, got " + *mode + ".");
  }
  if (mode && enabled == false) {
    return InvalidCombination(
        "TransitEncryptionMode cannot be set while disabling in-transit "
        "encryption.");
  }
  if (enabled || mode) {
    change->transit = true;
    change->transit_enabled = enabled.value_or(true);
    change->transit_mode = change->transit_enabled ? mode.value_or("preferred") : "";
  }
  std::optional<std::string> token = params.Get("AuthToken");
  std::optional<std::string> strategy = params.Get("AuthTokenUpdateStrategy");
  if (strategy && *strategy != "ROTATE" && *strategy != "SET" && *strategy != "DELETE") {
    return InvalidValue("AuthTokenUpdateStrategy must be ROTATE, SET or DELETE, got " + *strategy +
                        ".");
  }
  if (token || strategy) {
    change->auth_strategy = strategy.value_or("ROTATE");
    if (change->auth_strategy == "DELETE" && token) {
      return InvalidCombination("AuthTokenUpdateStrategy DELETE takes no AuthToken.");
    }
    if (change->auth_strategy != "DELETE") {
      if (!token) {
        return InvalidCombination("AuthTokenUpdateStrategy " + change->auth_strategy +
                                  " needs an AuthToken.");
      }
      if (auto e = CheckAuthToken(*token)) {
        return e;
      }
      change->auth_token = *token;
    }
    if (change->transit) {
      return InvalidCombination(
          "Change the auth token and in-transit encryption in separate "
          "calls.");
    }
  }
  if (params.HasUnder("SecurityGroupIds")) {
    std::vector<std::string> ids;
    if (auto e = ReadSecurityGroupIds(params, &ids)) {
      return e;
    }
    change->security_group_ids = std::move(ids);
  }
  for (const std::string& user_group : params.List("UserGroupIdsToAdd.member")) {
    change->user_groups_to_add.push_back(common::ToLower(user_group));
  }
  for (const std::string& user_group : params.List("UserGroupIdsToRemove.member")) {
    change->user_groups_to_remove.push_back(common::ToLower(user_group));
  }
  const bool user_groups =
      !change->user_groups_to_add.empty() || !change->user_groups_to_remove.empty();
  if (user_groups && change->transit) {
    return InvalidCombination("Change user groups and in-transit encryption in separate calls.");
  }
  if (!change->user_groups_to_add.empty() && !change->auth_strategy.empty()) {
    return InvalidCombination("A replication group takes an AuthToken or user groups, not both.");
  }
  if (!change->user_groups_to_remove.empty() && !change->auth_strategy.empty() &&
      change->auth_strategy != "SET") {
    return InvalidCombination(
        "Removing the user group with an AuthToken needs AuthTokenUpdateStrategy SET.");
  }
  if (!change->transit && !change->description && change->auth_strategy.empty() &&
      !change->security_group_ids && !user_groups) {
    return InvalidCombination("No modifications were requested.");
  }
  return std::nullopt;
}

std::optional<ApiError> CheckGroupId(const std::string& id) {
  return CheckResourceId("replication group id", id);
}

std::optional<ApiError> ReadCreateReplicationGroup(const FormParams& params, GroupRecord* draft) {
  std::string id;
  if (auto e = ReadRequired(params, "ReplicationGroupId", &id)) {
    return e;
  }
  draft->id = common::ToLower(id);  // ElastiCache stores ids in lowercase
  if (auto e = CheckGroupId(draft->id)) {
    return e;
  }
  if (auto e = ReadRequired(params, "ReplicationGroupDescription", &draft->description)) {
    return e;
  }

  if (std::optional<std::string> engine = params.Get("Engine");
      engine && common::ToLower(*engine) != "redis") {
    return InvalidValue("Invalid engine: " + *engine + ". This service runs redis.");
  }
  if (std::optional<std::string> version = params.Get("EngineVersion")) {
    if (version->empty() || version->front() != '7') {
      return InvalidCombination("Cannot find version " + *version + " for redis.");
    }
    draft->engine_version = *version;
  }
  draft->node_type = params.Get("CacheNodeType").value_or(kDefaultNodeType);
  std::optional<int64_t> maxmemory = MaxMemoryOfNodeType(draft->node_type);
  if (!maxmemory) {
    return InvalidValue("Invalid CacheNodeType: " + draft->node_type + ".");
  }
  draft->maxmemory = *maxmemory;

  std::optional<int> port, num_clusters, num_groups, replicas;
  std::optional<bool> failover, multi_az, transit;
  if (auto e = ReadInt(params, "Port", 1024, 65535 - 10000, &port)) {
    return e;
  }
  if (auto e = ReadInt(params, "NumCacheClusters", 1, 6, &num_clusters)) {
    return e;
  }
  if (auto e = ReadInt(params, "NumNodeGroups", 1, 500, &num_groups)) {
    return e;
  }
  if (auto e = ReadInt(params, "ReplicasPerNodeGroup", 0, 5, &replicas)) {
    return e;
  }
  if (auto e = ReadBool(params, "AutomaticFailoverEnabled", &failover)) {
    return e;
  }
  if (auto e = ReadBool(params, "MultiAZEnabled", &multi_az)) {
    return e;
  }
  if (auto e = ReadBool(params, "TransitEncryptionEnabled", &transit)) {
    return e;
  }
  draft->port = port.value_or(6379);

  std::optional<std::string> transit_mode = params.Get("TransitEncryptionMode");
  if (transit_mode && *transit_mode != "preferred" && *transit_mode != "required") {
    return InvalidValue("TransitEncryptionMode must be preferred or required, got " +
                        *transit_mode + ".");
  }
  if (transit_mode && !transit.value_or(false)) {
    return InvalidCombination("TransitEncryptionMode requires TransitEncryptionEnabled.");
  }
  draft->transit_encryption = transit.value_or(false);
  // As ElastiCache: a group created encrypted is required unless preferred is asked for.
  draft->transit_encryption_mode =
      draft->transit_encryption ? transit_mode.value_or("required") : "";
  if (std::optional<std::string> token = params.Get("AuthToken")) {
    if (!draft->transit_encryption) {
      return InvalidValue(
          "The AUTH token requires in-transit encryption "
          "(TransitEncryptionEnabled).");
    }
    if (auto e = CheckAuthToken(*token)) {
      return e;
    }
    draft->auth_tokens = {*token};
  }
  // Role-based access control: as ElastiCache, with in-transit encryption and instead of an
  // auth token; one user group per replication group. Whether it exists is the replication
  // groups' check.
  for (const std::string& user_group : params.List("UserGroupIds.member")) {
    draft->user_group_ids.push_back(common::ToLower(user_group));
  }
  if (!draft->user_group_ids.empty()) {
    if (draft->user_group_ids.size() > 1) {
      return InvalidValue("A replication group takes one user group.");
    }
    if (!draft->transit_encryption) {
      return InvalidCombination(
          "User groups require in-transit encryption (TransitEncryptionEnabled).");
    }
    if (!draft->auth_tokens.empty()) {
      return InvalidCombination(
          "A replication group takes an AuthToken or UserGroupIds, not both.");
    }
  }
  // Where the nodes go; whether the subnet group exists is the replication groups' check.
  draft->subnet_group = common::ToLower(params.Get("CacheSubnetGroupName").value_or("default"));
  if (auto e = ReadSecurityGroupIds(params, &draft->security_group_ids)) {
    return e;
  }

  // Cluster mode: from the parameter group when one is named, else from the node group
  // parameters (as ElastiCache picks default.redis7.cluster.on for them).
  bool shard_params = num_groups || replicas;
  for (const auto& [name, value] : params.all()) {
    shard_params = shard_params || name.starts_with("NodeGroupConfiguration.");
  }
  std::optional<std::string> parameter_group = params.Get("CacheParameterGroupName");
  if (parameter_group && *parameter_group != "default.redis7" &&
      *parameter_group != "default.redis7.cluster.on") {
    return ApiError{404, "CacheParameterGroupNotFound",
                    "CacheParameterGroup " + *parameter_group + " not found."};
  }
  draft->cluster_enabled =
      parameter_group ? *parameter_group == "default.redis7.cluster.on" : shard_params;
  draft->parameter_group = draft->cluster_enabled ? "default.redis7.cluster.on" : "default.redis7";
  if (!draft->cluster_enabled && (num_groups.value_or(1) > 1 || shard_params) && parameter_group) {
    return InvalidCombination(
        "Node groups require a cluster-mode parameter group "
        "(cluster-enabled yes), such as default.redis7.cluster.on.");
  }

  std::vector<ShardPlan> plans;
  if (draft->cluster_enabled) {
    if (num_clusters) {
      return InvalidCombination(
          "NumCacheClusters cannot be used with cluster mode enabled; use "
          "NumNodeGroups and ReplicasPerNodeGroup.");
    }
    if (failover == false) {
      return InvalidCombination(
          "Automatic failover must be enabled for a cluster-mode "
          "replication group.");
    }
    draft->automatic_failover = true;
    if (auto e = ReadShardPlans(params, num_groups, replicas, &plans)) {
      return e;
    }
  } else {
    const int members = num_clusters.value_or(1);
    draft->automatic_failover = failover.value_or(false);
    if (draft->automatic_failover && members < 2) {
      return InvalidCombination(
          "Automatic failover needs at least 2 cache clusters "
          "(NumCacheClusters).");
    }
    plans.push_back({"0001", "", members - 1});
  }
  draft->multi_az = multi_az.value_or(false);
  if (draft->multi_az && !draft->automatic_failover) {
    return InvalidCombination("Multi-AZ requires automatic failover.");
  }

  size_t total = 0;
  for (const ShardPlan& plan : plans) {
    total += 1 + static_cast<size_t>(plan.replicas);
  }
  if (total > kMaxNodesPerGroup) {
    return ApiError{400, "NodeQuotaForClusterExceeded",
                    absl::StrFormat("The group would have %d nodes; the limit is %d.", total,
                                    kMaxNodesPerGroup)};
  }
  int member = 0;
  for (const ShardPlan& plan : plans) {
    draft->node_groups.push_back({plan.id, draft->cluster_enabled ? plan.slots : ""});
    for (int i = 0; i <= plan.replicas; ++i) {
      NodeRecord node;
      node.node_group_id = plan.id;
      node.primary = i == 0;
      // As ElastiCache names member clusters: rg-0001-001 in cluster mode, rg-001 without.
      node.cluster_id = draft->cluster_enabled
                            ? absl::StrFormat("%s-%s-%03d", draft->id, plan.id, i + 1)
                            : absl::StrFormat("%s-%03d", draft->id, ++member);
      draft->nodes.push_back(node);
    }
  }
  return ReadTags(params, &draft->tags);
}

}  // namespace redoubt::control
