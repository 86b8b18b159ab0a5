// Replication group records and their JSON form; see group_model.h.
#include "control/group_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace redoubt::control {

// Missing members read as their defaults, so that a state file written before a member existed
// still loads.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NodeRecord, cluster_id, node_group_id, address,
                                                port, primary, status, pid, create_time_ms,
                                                tls_mode, tls_links, tls_cert_file, tls_key_file,
                                                tls_ca_file, tls_cert_issued_ms,
                                                tls_cert_not_after_ms, tls_cert_generation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NodeGroupRecord, id, slots)

void to_json(nlohmann::json& json, const TagRecord& tag) {
  json = nlohmann::json{{"key", tag.key}, {"value", tag.value}};
}

void from_json(const nlohmann::json& json, TagRecord& tag) {
  tag.key = json.value("key", std::string());
  tag.value = json.value("value", std::string());
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    GroupRecord, id, standalone, description, status, node_type, engine, engine_version,
    parameter_group, subnet_group, cluster_enabled, automatic_failover, multi_az,
    transit_encryption, transit_encryption_mode, port, maxmemory, create_time_ms, dns_hash,
    pending_transit, pending_transit_enabled, pending_transit_mode, modify_started_ms, auth_tokens,
    auth_token_modified_ms, pending_auth_strategy, pending_auth_token, pending_failover,
    pending_security_groups, pending_security_group_ids, pending_failover_automatic,
    service_password, pending_user_groups, pending_user_group_ids, node_groups, nodes, tags,
    security_group_ids, user_group_ids, retained_cluster_id)

std::string GroupToJson(const GroupRecord& group) {
  return nlohmann::json(group).dump();
}

absl::StatusOr<GroupRecord> ParseGroupJson(std::string_view text) {
  try {
    return nlohmann::json::parse(text).get<GroupRecord>();
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("a replication group's record does not read: ") +
                               e.what());
  }
}

std::string RecordKey(const GroupRecord& group) {
  return group.standalone && !group.nodes.empty() ? "cluster:" + group.nodes.front().cluster_id
                                                  : group.id;
}

void ChangeTags(std::vector<TagRecord>* tags, const std::vector<TagRecord>& add,
                const std::vector<std::string>& remove) {
  for (const TagRecord& tag : add) {
    auto it = std::find_if(tags->begin(), tags->end(),
                           [&](const TagRecord& t) { return t.key == tag.key; });
    if (it == tags->end()) {
      tags->push_back(tag);
    } else {
      it->value = tag.value;
    }
  }
  std::erase_if(*tags, [&](const TagRecord& t) {
    return std::find(remove.begin(), remove.end(), t.key) != remove.end();
  });
}

const NodeRecord* GroupRecord::PrimaryOf(const std::string& node_group_id) const {
  for (const NodeRecord& node : nodes) {
    if (node.node_group_id == node_group_id && node.primary) {
      return &node;
    }
  }
  return nullptr;
}

const NodeRecord* GroupRecord::FindNode(const std::string& cluster_id) const {
  for (const NodeRecord& node : nodes) {
    if (node.cluster_id == cluster_id) {
      return &node;
    }
  }
  return nullptr;
}

NodeRecord* GroupRecord::FindNode(const std::string& cluster_id) {
  return const_cast<NodeRecord*>(std::as_const(*this).FindNode(cluster_id));
}

}  // namespace redoubt::control
