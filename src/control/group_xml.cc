// Replies about groups in XML; see group_xml.h.
#include "control/group_xml.h"

#include <algorithm>

#include "control/endpoint_names.h"
#include "control/iso_time.h"

namespace redoubt::control {
namespace {

void WriteEndpoint(XmlWriter& xml, std::string_view element, const std::string& address, int port) {
  xml.Open(element);
  xml.Leaf("Address", address);
  xml.Leaf("Port", static_cast<long long>(port));
  xml.Close();
}

// Names where they are published (and the group has them: one created before names existed
// keeps its addresses), else addresses.
bool Named(const GroupRecord& group, const ServiceScope& scope) {
  return !scope.dns_zone.empty() && !group.dns_hash.empty();
}

std::string NodeEndpoint(const GroupRecord& group, const NodeRecord& node,
                         const ServiceScope& scope) {
  return Named(group, scope) ? ShownNodeName(group, node, scope.dns_zone) : node.address;
}

// The auth and encryption members, in the place ReplicationGroup and CacheCluster both have
// them.
void WriteSecurity(XmlWriter& xml, const GroupRecord& group) {
  xml.Leaf("AuthTokenEnabled", !group.auth_tokens.empty());
  if (group.auth_token_modified_ms != 0) {
    xml.Leaf("AuthTokenLastModifiedDate", FormatIsoTime(group.auth_token_modified_ms));
  }
  xml.Leaf("TransitEncryptionEnabled", group.transit_encryption);
  xml.Leaf("AtRestEncryptionEnabled", false);
}

}  // namespace

void WriteReplicationGroup(XmlWriter& xml, const GroupRecord& group, const ServiceScope& scope) {
  const bool named = Named(group, scope);
  xml.Open("ReplicationGroup");
  xml.Leaf("ReplicationGroupId", group.id);
  xml.Leaf("Description", group.description);
  xml.Open("GlobalReplicationGroupInfo");
  xml.Close();
  xml.Leaf("Status", group.status);
  xml.Open("PendingModifiedValues");
  if (!group.pending_auth_strategy.empty()) {
    xml.Leaf("AuthTokenStatus", group.pending_auth_strategy == "ROTATE" ? "ROTATING" : "SETTING");
  }
  if (group.pending_user_groups) {
    xml.Open("UserGroups");
    for (const bool adding : {true, false}) {
      const auto& from = adding ? group.pending_user_group_ids : group.user_group_ids;
      const auto& to = adding ? group.user_group_ids : group.pending_user_group_ids;
      xml.Open(adding ? "UserGroupIdsToAdd" : "UserGroupIdsToRemove");
      for (const std::string& id : from) {
        if (std::find(to.begin(), to.end(), id) == to.end()) {
          xml.Leaf("member", id);
        }
      }
      xml.Close();
    }
    xml.Close();
  }
  if (group.pending_transit) {
    xml.Leaf("TransitEncryptionEnabled", group.pending_transit_enabled);
    if (group.pending_transit_enabled) {
      xml.Leaf("TransitEncryptionMode", group.pending_transit_mode);
    }
  }
  xml.Close();
  xml.Open("MemberClusters");
  for (const NodeRecord& node : group.nodes) {
    xml.Leaf("ClusterId", node.cluster_id);
  }
  xml.Close();
  xml.Open("NodeGroups");
  for (const NodeGroupRecord& shard : group.node_groups) {
    xml.Open("NodeGroup");
    xml.Leaf("NodeGroupId", shard.id);
    xml.Leaf("Status", group.status == kStatusCreating ? kStatusCreating : kStatusAvailable);
    const NodeRecord* primary = group.PrimaryOf(shard.id);
    if (group.cluster_enabled) {
      xml.Leaf("Slots", shard.slots);
    } else if (primary != nullptr) {
      // Without cluster mode, the primary endpoint follows the primary and the reader endpoint
      // spreads over the replicas; with plain addresses both name a node.
      const EndpointNames names = ShownNames(group, scope.dns_zone);
      WriteEndpoint(xml, "PrimaryEndpoint", named ? names.primary : primary->address,
                    primary->port);
      const NodeRecord* reader = primary;
      for (const NodeRecord& node : group.nodes) {
        if (!node.primary && node.node_group_id == shard.id) {
          reader = &node;
          break;
        }
      }
      WriteEndpoint(xml, "ReaderEndpoint", named ? names.reader : reader->address, reader->port);
    }
    xml.Open("NodeGroupMembers");
    for (const NodeRecord& node : group.nodes) {
      if (node.node_group_id != shard.id) {
        continue;
      }
      xml.Open("NodeGroupMember");
      xml.Leaf("CacheClusterId", node.cluster_id);
      xml.Leaf("CacheNodeId", "0001");
      if (!group.cluster_enabled) {
        WriteEndpoint(xml, "ReadEndpoint", NodeEndpoint(group, node, scope), node.port);
      }
      xml.Leaf("PreferredAvailabilityZone", scope.Zone());
      if (!group.cluster_enabled) {
        xml.Leaf("CurrentRole", node.primary ? "primary" : "replica");
      }
      xml.Close();
    }
    xml.Close();
    xml.Close();
  }
  xml.Close();
  xml.Leaf("AutomaticFailover", group.automatic_failover ? "enabled" : "disabled");
  xml.Leaf("MultiAZ", group.multi_az ? "enabled" : "disabled");
  if (group.cluster_enabled && !group.nodes.empty()) {
    WriteEndpoint(
        xml, "ConfigurationEndpoint",
        named ? ShownNames(group, scope.dns_zone).configuration : group.nodes.front().address,
        group.port);
  }
  xml.Leaf("SnapshotRetentionLimit", 0LL);
  xml.Leaf("ClusterEnabled", group.cluster_enabled);
  xml.Leaf("CacheNodeType", group.node_type);
  WriteSecurity(xml, group);
  xml.Leaf("ARN", scope.Arn("replicationgroup:" + group.id));
  xml.Open("UserGroupIds");
  for (const std::string& user_group : group.user_group_ids) {
    xml.Leaf("member", user_group);
  }
  xml.Close();
  xml.Open("LogDeliveryConfigurations");
  xml.Close();
  xml.Leaf("ReplicationGroupCreateTime", FormatIsoTime(group.create_time_ms));
  xml.Leaf("DataTiering", "disabled");
  xml.Leaf("AutoMinorVersionUpgrade", true);
  xml.Leaf("NetworkType", "ipv4");
  xml.Leaf("IpDiscovery", "ipv4");
  if (group.transit_encryption) {
    xml.Leaf("TransitEncryptionMode", group.transit_encryption_mode);
  }
  xml.Close();
}

void WriteCacheCluster(XmlWriter& xml, const GroupRecord& group, const NodeRecord& node,
                       bool show_node_info, const ServiceScope& scope) {
  xml.Open("CacheCluster");
  xml.Leaf("CacheClusterId", node.cluster_id);
  xml.Leaf("ClientDownloadLandingPage",
           "https://console.aws.amazon.com/elasticache/home#client-download:");
  xml.Leaf("CacheNodeType", group.node_type);
  xml.Leaf("Engine", group.engine);
  xml.Leaf("EngineVersion", group.engine_version);
  xml.Leaf("CacheClusterStatus", node.status);
  xml.Leaf("NumCacheNodes", 1LL);
  xml.Leaf("PreferredAvailabilityZone", scope.Zone());
  xml.Leaf("CacheClusterCreateTime", FormatIsoTime(node.create_time_ms));
  xml.Leaf("PreferredMaintenanceWindow", "sun:05:00-sun:06:00");
  xml.Open("PendingModifiedValues");
  xml.Close();
  xml.Open("CacheSecurityGroups");
  xml.Close();
  xml.Leaf("CacheSubnetGroupName",
           group.subnet_group.empty() ? std::string("default") : group.subnet_group);
  xml.Open("CacheParameterGroup");
  xml.Leaf("CacheParameterGroupName", group.parameter_group);
  xml.Leaf("ParameterApplyStatus", "in-sync");
  xml.Open("CacheNodeIdsToReboot");
  xml.Close();
  xml.Close();
  if (show_node_info) {
    xml.Open("CacheNodes");
    xml.Open("CacheNode");
    xml.Leaf("CacheNodeId", "0001");
    xml.Leaf("CacheNodeStatus", node.status);
    xml.Leaf("CacheNodeCreateTime", FormatIsoTime(node.create_time_ms));
    WriteEndpoint(xml, "Endpoint", NodeEndpoint(group, node, scope), node.port);
    xml.Leaf("ParameterGroupStatus", "in-sync");
    xml.Leaf("CustomerAvailabilityZone", scope.Zone());
    xml.Close();
    xml.Close();
  }
  xml.Leaf("AutoMinorVersionUpgrade", true);
  xml.Open("SecurityGroups");
  for (const std::string& sg : group.security_group_ids) {
    xml.Open("member");
    xml.Leaf("SecurityGroupId", sg);
    xml.Leaf("Status", "active");
    xml.Close();
  }
  xml.Close();
  if (!group.standalone) {
    xml.Leaf("ReplicationGroupId", group.id);
  }
  xml.Leaf("SnapshotRetentionLimit", 0LL);
  WriteSecurity(xml, group);
  xml.Leaf("ARN", scope.Arn("cluster:" + node.cluster_id));
  xml.Leaf("ReplicationGroupLogDeliveryEnabled", false);
  xml.Open("LogDeliveryConfigurations");
  xml.Close();
  xml.Leaf("NetworkType", "ipv4");
  xml.Leaf("IpDiscovery", "ipv4");
  if (group.transit_encryption) {
    xml.Leaf("TransitEncryptionMode", group.transit_encryption_mode);
  }
  xml.Close();
}

void WriteEvent(XmlWriter& xml, const EventRecord& event) {
  xml.Open("Event");
  xml.Leaf("SourceIdentifier", event.source_id);
  xml.Leaf("SourceType", event.source_type);
  xml.Leaf("Message", event.message);
  xml.Leaf("Date", FormatIsoTime(event.time_ms));
  xml.Close();
}

}  // namespace redoubt::control
