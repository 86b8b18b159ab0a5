// ElastiCache operations; see elasticache_api.h.
#include "control/elasticache_api.h"

#include <optional>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "control/group_request.h"
#include "control/iso_time.h"
#include "control/request_parameters.h"
#include "control/subnet_group_operations.h"
#include "control/tag_operations.h"
#include "control/user_operations.h"

namespace redoubt::control {
namespace {

struct ParameterGroup {
  std::string name;
  std::string family;
  std::string description;
};

// The default groups of the redis7 family, as ElastiCache has them in every account.
const std::vector<ParameterGroup>& DefaultParameterGroups() {
  static const std::vector<ParameterGroup> groups = {
      {"default.redis7", "redis7", "Default parameter group for redis7"},
      {"default.redis7.cluster.on", "redis7",
       "Customized default parameter group for redis7 with cluster mode on"},
  };
  return groups;
}

std::optional<ApiError> DescribeCacheParameterGroups(const ServiceScope& scope,
                                                     const FormParams& params, XmlWriter& xml) {
  std::vector<const ParameterGroup*> groups;
  const std::optional<std::string> name = params.Get("CacheParameterGroupName");
  for (const ParameterGroup& g : DefaultParameterGroups()) {
    if (!name || g.name == *name) {
      groups.push_back(&g);
    }
  }
  if (name && groups.empty()) {
    return ApiError{404, "CacheParameterGroupNotFound",
                    "CacheParameterGroup " + *name + " not found."};
  }
  return WritePage(params, xml, "CacheParameterGroups", groups, [&](const auto& item) {
    xml.Open("CacheParameterGroup");
    xml.Leaf("CacheParameterGroupName", item->name);
    xml.Leaf("CacheParameterGroupFamily", item->family);
    xml.Leaf("Description", item->description);
    xml.Leaf("IsGlobal", false);
    xml.Leaf("ARN", scope.Arn("parametergroup:" + item->name));
    xml.Close();
  });
}

std::optional<ApiError> CreateReplicationGroup(const ServiceScope& scope, ReplicationGroups& groups,
                                               const FormParams& params, XmlWriter& xml) {
  GroupRecord draft;
  if (std::optional<ApiError> error = ReadCreateReplicationGroup(params, &draft)) {
    return error;
  }
  GroupRecord created;
  if (std::optional<ApiError> error = groups.Create(std::move(draft), &created)) {
    return error;
  }
  WriteReplicationGroup(xml, created, scope);
  return std::nullopt;
}

std::optional<ApiError> DescribeReplicationGroups(const ServiceScope& scope,
                                                  ReplicationGroups& groups,
                                                  const FormParams& params, XmlWriter& xml) {
  std::vector<GroupRecord> found;
  if (std::optional<std::string> id = params.Get("ReplicationGroupId")) {
    std::optional<GroupRecord> group = groups.Find(common::ToLower(*id));
    if (!group) {
      return GroupNotFound(*id);
    }
    found.push_back(*std::move(group));
  } else {
    found = groups.All();
  }
  return WritePage(params, xml, "ReplicationGroups", found,
                   [&](const auto& item) { WriteReplicationGroup(xml, item, scope); });
}

std::optional<ApiError> ModifyReplicationGroup(const ServiceScope& scope, ReplicationGroups& groups,
                                               const FormParams& params, XmlWriter& xml) {
  std::string id;
  GroupModification change;
  if (std::optional<ApiError> error = ReadModifyReplicationGroup(params, &id, &change)) {
    return error;
  }
  GroupRecord modifying;
  if (std::optional<ApiError> error = groups.Modify(id, change, &modifying)) {
    return error;
  }
  WriteReplicationGroup(xml, modifying, scope);
  return std::nullopt;
}

std::optional<ApiError> TestFailover(const ServiceScope& scope, ReplicationGroups& groups,
                                     const FormParams& params, XmlWriter& xml) {
  std::string id;
  std::string node_group_id;
  if (std::optional<ApiError> error = ReadRequired(params, "ReplicationGroupId", &id)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadRequired(params, "NodeGroupId", &node_group_id)) {
    return error;
  }
  GroupRecord failing_over;
  if (std::optional<ApiError> error =
          groups.TestFailover(common::ToLower(id), node_group_id, &failing_over)) {
    return error;
  }
  WriteReplicationGroup(xml, failing_over, scope);
  return std::nullopt;
}

std::optional<ApiError> DeleteReplicationGroup(const ServiceScope& scope, ReplicationGroups& groups,
                                               const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadRequired(params, "ReplicationGroupId", &id)) {
    return error;
  }
  std::optional<bool> retain_primary;
  if (std::optional<ApiError> error = ReadBool(params, "RetainPrimaryCluster", &retain_primary)) {
    return error;
  }
  if (params.Has("FinalSnapshotIdentifier")) {
    return ApiError{400, "InvalidParameterCombination",
                    "FinalSnapshotIdentifier is not available on this control plane yet: its "
                    "nodes keep no data on disk."};
  }
  GroupRecord deleted;
  if (std::optional<ApiError> error =
          groups.Delete(common::ToLower(id), retain_primary.value_or(false), &deleted)) {
    return error;
  }
  WriteReplicationGroup(xml, deleted, scope);
  return std::nullopt;
}

std::optional<ApiError> DescribeCacheClusters(const ServiceScope& scope, ReplicationGroups& groups,
                                              const FormParams& params, XmlWriter& xml) {
  std::optional<bool> show_node_info;
  if (std::optional<ApiError> error = ReadBool(params, "ShowCacheNodeInfo", &show_node_info)) {
    return error;
  }
  const std::optional<std::string> wanted = params.Get("CacheClusterId");
  const std::optional<std::string> wanted_id =
      wanted ? std::optional(common::ToLower(*wanted)) : std::nullopt;
  const std::vector<GroupRecord> all = groups.All(/*with_standalone=*/true);
  std::vector<std::pair<const GroupRecord*, const NodeRecord*>> found;
  for (const GroupRecord& group : all) {
    for (const NodeRecord& node : group.nodes) {
      if (!wanted_id || *wanted_id == node.cluster_id) {
        found.emplace_back(&group, &node);
      }
    }
  }
  if (wanted && found.empty()) {
    return ApiError{404, "CacheClusterNotFound", "CacheCluster " + *wanted + " not found."};
  }
  return WritePage(params, xml, "CacheClusters", found, [&](const auto& item) {
    WriteCacheCluster(xml, *item.first, *item.second, show_node_info.value_or(false), scope);
  });
}

// DeleteCacheCluster: a cache cluster that outlived its replication group.
std::optional<ApiError> DeleteCacheCluster(const ServiceScope& scope, ReplicationGroups& groups,
                                           const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadRequired(params, "CacheClusterId", &id)) {
    return error;
  }
  if (params.Has("FinalSnapshotIdentifier")) {
    return InvalidCombination("FinalSnapshotIdentifier is not available on this control plane.");
  }
  GroupRecord deleted;
  if (std::optional<ApiError> error = groups.DeleteCacheCluster(common::ToLower(id), &deleted)) {
    return error;
  }
  WriteCacheCluster(xml, deleted, deleted.nodes.front(), false, scope);
  return std::nullopt;
}

// DescribeEvents: the events of the window StartTime–EndTime, or of the last Duration minutes
// (60 by default, 14 days at most), newest first.
std::optional<ApiError> DescribeEvents(ReplicationGroups& groups, const FormParams& params,
                                       XmlWriter& xml) {
  static const char* const kSourceTypes[] = {
      "cache-cluster",      "cache-parameter-group", "cache-security-group",
      "cache-subnet-group", "replication-group",     "user",
      "user-group"};
  EventFilter filter;
  filter.source_id = params.Get("SourceIdentifier");
  filter.source_type = params.Get("SourceType");
  if (filter.source_type && std::find(std::begin(kSourceTypes), std::end(kSourceTypes),
                                      *filter.source_type) == std::end(kSourceTypes)) {
    return InvalidValue("Invalid SourceType: " + *filter.source_type + ".");
  }
  const int64_t now = common::UnixMillis();
  for (const char* name : {"StartTime", "EndTime"}) {
    if (std::optional<std::string> text = params.Get(name)) {
      std::optional<int64_t> ms = ParseIsoTime(*text);
      if (!ms) {
        return InvalidValue(std::string("Invalid ") + name + ": " + *text + ".");
      }
      (std::string_view(name) == "StartTime" ? filter.start_ms : filter.end_ms) = *ms;
    }
  }
  std::optional<int> minutes;
  if (std::optional<ApiError> error = ReadInt(params, "Duration", 0, 14 * 24 * 60, &minutes)) {
    return error;
  }
  if (minutes) {
    filter.start_ms = now - int64_t{*minutes} * 60000;
  } else if (!params.Has("StartTime")) {
    filter.start_ms = now - 60 * 60000;
  }
  absl::StatusOr<std::vector<EventRecord>> events = groups.Events(filter);
  if (!events.ok()) {
    return ApiError{500, "InternalFailure", std::string(events.status().message()), false};
  }
  return WritePage(params, xml, "Events", *events,
                   [&](const EventRecord& event) { WriteEvent(xml, event); });
}

}  // namespace

QueryService MakeElastiCacheService(ServiceScope scope, ReplicationGroups* groups, Users* users,
                                    CacheSubnetGroups* subnet_groups) {
  QueryService service;
  service.xml_namespace = kElastiCacheNamespace;
  service.version = kElastiCacheVersion;
  auto add = [&](const char* action, auto operation) {
    service.operations[action] = [scope, groups, operation](const FormParams& params,
                                                            XmlWriter& xml) {
      return operation(scope, *groups, params, xml);
    };
  };
  add("DescribeCacheParameterGroups",
      [](const ServiceScope& s, ReplicationGroups&, const FormParams& p, XmlWriter& x) {
        return DescribeCacheParameterGroups(s, p, x);
      });
  add("CreateReplicationGroup", CreateReplicationGroup);
  add("DescribeReplicationGroups", DescribeReplicationGroups);
  add("ModifyReplicationGroup", ModifyReplicationGroup);
  add("DeleteReplicationGroup", DeleteReplicationGroup);
  add("TestFailover", TestFailover);
  add("DescribeCacheClusters", DescribeCacheClusters);
  add("DeleteCacheCluster", DeleteCacheCluster);
  add("DescribeEvents", [](const ServiceScope&, ReplicationGroups& g, const FormParams& p,
                           XmlWriter& x) { return DescribeEvents(g, p, x); });
  if (users != nullptr) {
    AddUserOperations(&service, scope, users);
    AddTagOperations(&service, scope, groups, users);
  }
  if (subnet_groups != nullptr) {
    AddSubnetGroupOperations(&service, scope, subnet_groups);
  }
  return service;
}

}  // namespace redoubt::control
